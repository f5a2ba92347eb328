//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_table_entry.hpp
//
// A remote table. Scans become remote queries.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"

#include <atomic>

namespace openduck {

class OpenDuckTableEntry : public duckdb::TableCatalogEntry {
public:
	OpenDuckTableEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &info,
	                   duckdb::idx_t estimated_rows);

	//! Row estimates change with every write; the entry stays, the number moves.
	void SetEstimatedRows(duckdb::idx_t rows) {
		estimated_rows = rows;
	}

	duckdb::unique_ptr<duckdb::BaseStatistics> GetStatistics(duckdb::ClientContext &context,
	                                                         duckdb::column_t column_id) override;
	duckdb::TableFunction GetScanFunction(duckdb::ClientContext &context,
	                                      duckdb::unique_ptr<duckdb::FunctionData> &bind_data) override;
	duckdb::TableStorageInfo GetStorageInfo(duckdb::ClientContext &context) override;

private:
	std::atomic<duckdb::idx_t> estimated_rows;
};

} // namespace openduck
