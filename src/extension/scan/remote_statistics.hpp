//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/remote_statistics.hpp
//
// Column statistics of remote tables for the client's optimizer, read from
// the server's zone maps with DuckDB's stats() function.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/function/table_function.hpp"
#include "duckdb/storage/statistics/base_statistics.hpp"

#include <string>

namespace openduck {

//! The statistics of every column of one remote table at one moment; null where nothing usable
//! came back.
struct RemoteTableStatistics {
	duckdb::vector<duckdb::unique_ptr<duckdb::BaseStatistics>> columns;
};

//! One remote query reading the stored statistics of all `column_names` of a table. stats() is
//! answered from the table's statistics when the plan is optimized, and LIMIT 1 stops the scan at
//! its first vector, so the cost does not grow with the table.
std::string BuildRemoteStatisticsSQL(const std::string &schema_name, const std::string &table_name,
                                     const duckdb::vector<std::string> &column_names);

//! Builds statistics from DuckDB's text form of them (what stats() returns) for a column of
//! `type`. Only what can be rebuilt exactly is kept: null flags and the distinct estimate for
//! every type, min/max only for numeric and temporal types whose printed values parse back to
//! the very same value. Returns null when the text is not understood.
duckdb::unique_ptr<duckdb::BaseStatistics> ParseRemoteStatistics(const std::string &text,
                                                                 const duckdb::LogicalType &type);

//! The `statistics` callback of openduck_scan: the scanned table's column statistics.
duckdb::unique_ptr<duckdb::BaseStatistics> OpenDuckScanStatistics(duckdb::ClientContext &context,
                                                                  const duckdb::FunctionData *bind_data,
                                                                  duckdb::column_t column_id);

} // namespace openduck
