//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/catalog_version_function.hpp
//
// openduck_catalog_version(): a number that changes whenever the database's
// catalog does (as the calling transaction sees it), with every table's row
// estimate. Clients compare it to the catalog they hold instead of reading the
// whole catalog again, and refresh their estimates from it.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

void RegisterCatalogVersionFunction(duckdb::DatabaseInstance &db);

} // namespace openduck
