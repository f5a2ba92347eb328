//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/remote_catalog_confirmation.hpp
//
// An autocommit statement binds against the remote catalog held from before
// while the server is asked whether it changed. Before the statement runs,
// the client-context hooks (query pushdown's state, which owns the one
// rebind DuckDB allows) wait for the answer and have DuckDB bind again when
// it did.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/main/client_context.hpp"

namespace openduck {

//! Waits for the server to confirm the catalog of every OpenDuck database the statement's
//! transaction bound against. True when the statement must bind again (a catalog is then read anew).
bool ConfirmRemoteCatalogs(duckdb::ClientContext &context);

} // namespace openduck
