//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_table_entry.hpp
//
// A remote table or view. Scans become remote queries.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"

#include <atomic>

namespace openduck {

class OpenDuckTableEntry : public duckdb::TableCatalogEntry {
public:
	OpenDuckTableEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &info,
	                   bool is_view, duckdb::idx_t estimated_rows);

	bool IsRemoteView() const {
		return is_view;
	}
	duckdb::idx_t EstimatedRows() const {
		return estimated_rows.load();
	}
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
	bool is_view;
	std::atomic<duckdb::idx_t> estimated_rows;
};

} // namespace openduck
