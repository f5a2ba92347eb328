//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/openduck_scan.hpp
//
// The scan of a remote table: projections and filters become the remote
// query; rows arrive as Arrow record batches.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

class OpenDuckCatalog;

struct OpenDuckScanBindData : public duckdb::TableFunctionData {
	OpenDuckCatalog *catalog = nullptr;
	//! The entry scanned; lets DESCRIBE and constraint checks see the table behind the scan.
	duckdb::TableCatalogEntry *table = nullptr;
	std::string schema_name;
	std::string table_name;
	duckdb::vector<std::string> column_names;
	duckdb::vector<duckdb::LogicalType> column_types;
	duckdb::idx_t estimated_rows = 0;
};

duckdb::TableFunction GetOpenDuckScanFunction();

//! The remote SELECT for a scan of `bind_data` reading `column_ids` (with virtual columns read as
//! NULL). Filters that translate exactly are added to `where_sql`; the indexes (into column_ids)
//! of those that do not are appended to `local_filters`.
std::string BuildRemoteScanSQL(const OpenDuckScanBindData &bind_data, const duckdb::vector<duckdb::column_t> &column_ids,
                               duckdb::optional_ptr<duckdb::TableFilterSet> filters,
                               duckdb::vector<duckdb::idx_t> &local_filters);

} // namespace openduck
