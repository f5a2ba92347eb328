//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/catalog_check.hpp
//
// The answer to CheckCatalog: a token that changes whenever the database's
// catalog does (as the calling transaction sees it), with every table's row
// estimate. Clients compare the token to the catalog they hold instead of
// reading the whole catalog again, and refresh their estimates from it.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "openduck/v1/execution.pb.h"

namespace openduck {

//! Fills `response` from the catalog of the context's default database; runs inside the context's
//! transaction (the caller opens one).
void ReadCatalogCheck(duckdb::ClientContext &context, v1::CheckCatalogResponse &response);

} // namespace openduck
