//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/openduck_scan.hpp
//
// The scan of a remote table: projections and filters become the remote
// query; rows arrive as Arrow record batches.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/enums/order_type.hpp"
#include "duckdb/common/optional_idx.hpp"
#include "duckdb/function/table_function.hpp"

namespace openduck {

class OpenDuckCatalog;

//! One key of the order the server returns a limited scan in (see remote_limit).
struct OpenDuckScanOrder {
	//! Index of the table column.
	duckdb::column_t column_id;
	duckdb::OrderType type;
	duckdb::OrderByNullType null_order;
};

struct OpenDuckScanBindData : public duckdb::TableFunctionData {
	OpenDuckCatalog *catalog = nullptr;
	//! The entry scanned; lets DESCRIBE and constraint checks see the table behind the scan.
	duckdb::TableCatalogEntry *table = nullptr;
	std::string schema_name;
	std::string table_name;
	duckdb::vector<std::string> column_names;
	duckdb::vector<duckdb::LogicalType> column_types;
	duckdb::idx_t estimated_rows = 0;
	//! The past snapshot read (time travel); empty for the current state.
	std::string snapshot;
	//! Set by the LIMIT/Top-N rule (scan_limit_pushdown) when a LIMIT or Top-N sits right above the
	//! scan: the server then sends only the first `remote_limit` rows in `remote_order` (in any
	//! order when empty). The local LIMIT/Top-N stays and does the exact cut.
	duckdb::optional_idx remote_limit;
	duckdb::vector<OpenDuckScanOrder> remote_order;
};

duckdb::TableFunction GetOpenDuckScanFunction();

//! The remote SELECT for a scan of `bind_data` reading `column_ids` (with virtual columns read as
//! NULL). Filters that translate exactly are added to `where_sql`; the indexes (into column_ids)
//! of those that do not are appended to `local_filters`. A remote limit (with its order) is added
//! only when every filter went to the server: a filter applied here after a remote LIMIT would
//! drop rows the LIMIT counted.
std::string BuildRemoteScanSQL(const OpenDuckScanBindData &bind_data, const duckdb::vector<duckdb::column_t> &column_ids,
                               duckdb::optional_ptr<duckdb::TableFilterSet> filters,
                               duckdb::vector<duckdb::idx_t> &local_filters);

} // namespace openduck
