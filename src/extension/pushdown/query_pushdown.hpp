//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/pushdown/query_pushdown.hpp
//
// How whole-query pushdown hooks into DuckDB 1.5, which has no remote-pushdown
// catalog hooks: an optimizer pass notices a plan that reads remote tables and
// asks for a second planning; before it, the parsed statement is rewritten
// (RemoteQueryRewriter) while the client context's catalogs can still be seen.
// The same client-context hooks confirm a remote catalog that a statement
// bound against early (see remote_catalog_confirmation.hpp): DuckDB allows
// one extra planning per statement, and both needs must share it.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "dml/remote_write_planner.hpp"

namespace openduck {

//! Installs the optimizer pass and the per-connection state, on existing and future connections.
void RegisterQueryPushdown(duckdb::ExtensionLoader &loader);

//! Makes sure `context` takes part in pushdown (connections opened before the extension loaded).
void EnableQueryPushdown(duckdb::ClientContext &context);

//! True while `context` binds a statement whose hooks will confirm its remote catalogs before it runs.
bool RemoteCatalogMayBeConfirmedLater(duckdb::ClientContext &context);

//! Hands the write plan made for the statement being planned to the catalog hook that builds its
//! operator; null when there is none for `catalog`.
duckdb::unique_ptr<RemoteWritePlan> TakeRemoteWritePlan(duckdb::ClientContext &context, OpenDuckCatalog &catalog);

} // namespace openduck
