//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/catalog_version_function.hpp
//
// openduck_catalog_version(): a number that changes whenever the database's
// catalog does (as the calling transaction sees it). Clients compare it to the
// catalog they hold instead of reading the whole catalog again.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

void RegisterCatalogVersionFunction(duckdb::DatabaseInstance &db);

} // namespace openduck
