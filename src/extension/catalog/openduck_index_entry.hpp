//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_index_entry.hpp
//
// An index on the server, known to the client only by name and table: enough
// for DROP INDEX and COMMENT ON INDEX, which look the index up before running.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/catalog/catalog_entry/index_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"

namespace openduck {

class OpenDuckIndexEntry : public duckdb::IndexCatalogEntry {
public:
	OpenDuckIndexEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateIndexInfo &info)
	    : duckdb::IndexCatalogEntry(catalog, schema, info), table_name(info.table) {
	}

	std::string GetSchemaName() const override {
		return schema.name;
	}
	std::string GetTableName() const override {
		return table_name;
	}

private:
	std::string table_name;
};

} // namespace openduck
