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
#include <memory>
#include <mutex>

namespace openduck {

struct RemoteTableStatistics;

class OpenDuckTableEntry : public duckdb::TableCatalogEntry {
public:
	//! `snapshot`: the past snapshot (an id) this entry reads, for time travel; empty for the current state.
	OpenDuckTableEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &info,
	                   duckdb::idx_t estimated_rows, std::string snapshot = std::string());
	~OpenDuckTableEntry() override;

	//! Row estimates change with every write; the entry stays, the number moves (on every catalog
	//! read, once per transaction).
	void SetEstimatedRows(duckdb::idx_t rows) {
		estimated_rows = rows;
	}
	duckdb::idx_t GetEstimatedRows() const {
		return estimated_rows.load();
	}
	//! The past snapshot this entry reads; empty when it reads the current state.
	const std::string &Snapshot() const {
		return snapshot;
	}

	//! The column's statistics on the server, read for all columns at once on first need in each
	//! query. Scans read the server's data as it is when they run, and the optimizer prunes with
	//! these, so they must not be older than the query: no row count or catalog read can tell
	//! whether another client's UPDATE moved a value since.
	duckdb::unique_ptr<duckdb::BaseStatistics> GetStatistics(duckdb::ClientContext &context,
	                                                         duckdb::column_t column_id) override;
	duckdb::TableFunction GetScanFunction(duckdb::ClientContext &context,
	                                      duckdb::unique_ptr<duckdb::FunctionData> &bind_data) override;
	duckdb::TableStorageInfo GetStorageInfo(duckdb::ClientContext &context) override;

private:
	std::shared_ptr<const RemoteTableStatistics> Statistics(duckdb::ClientContext &context);

	std::atomic<duckdb::idx_t> estimated_rows;
	const std::string snapshot;
	//! Held while statistics are fetched, so the optimizers of one query ask the server once.
	std::mutex statistics_lock;
	std::shared_ptr<const RemoteTableStatistics> statistics;
	//! The query (DuckDB's instance-wide query number) `statistics` were read for.
	duckdb::transaction_t statistics_query = duckdb::MAXIMUM_QUERY_ID;
};

} // namespace openduck
