//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/remote_catalog_snapshot.hpp
//
// The remote database's schemas, tables and columns at one moment, as
// DuckDB catalog entries.
//===----------------------------------------------------------------------===//

#pragma once

#include "catalog/openduck_schema_entry.hpp"
#include "duckdb/common/case_insensitive_map.hpp"

namespace openduck {

struct RemoteCatalogSnapshot {
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<OpenDuckSchemaEntry>> schemas;
};

} // namespace openduck
