//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/result_source.hpp
//
// One DuckDB query result shared by every stream that reads it: rows are handed
// out in contiguous, numbered groups to whichever stream asks next, so all
// streams see the same snapshot and the client can restore the order.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/common/error_data.hpp"

#include <mutex>

namespace openduck {

//! A run of consecutive result rows, as DuckDB produced them.
struct ResultGroup {
	duckdb::vector<duckdb::unique_ptr<duckdb::DataChunk>> chunks;
	//! Estimated Arrow size of each chunk (see EstimateArrowBytes).
	duckdb::vector<uint64_t> chunk_bytes;
	//! Position of the group in the result: groups numbered in result order.
	uint64_t batch_index = 0;
	//! True when the result ended with this group.
	bool last = false;
};

class ResultSource {
public:
	explicit ResultSource(duckdb::unique_ptr<duckdb::QueryResult> result);
	~ResultSource();

	//! Fetches the next group: chunks until about `target_bytes` or `max_rows`. Returns false when
	//! no rows are left. Throws the query's error, to this and every later caller.
	bool Next(uint64_t target_bytes, duckdb::idx_t max_rows, ResultGroup &group);
	//! True once every row was handed out or the query failed.
	bool Done();
	//! Drops the DuckDB result (and what it holds of the connection); Next then returns false.
	void Release();

private:
	std::mutex lock;
	duckdb::unique_ptr<duckdb::QueryResult> result;
	uint64_t next_batch_index = 0;
	bool exhausted = false;
	duckdb::ErrorData error;
};


} // namespace openduck
