#include "server/result_source.hpp"

#include "protocol/arrow_size_estimate.hpp"

#include "duckdb/execution/executor.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/stream_query_result.hpp"

#include <algorithm>

namespace openduck {

using duckdb::idx_t;
using duckdb::PhysicalType;


//! DuckDB 1.5.5 reports a worker thread's error as "Interrupted!" when the fetching thread meets
//! the interrupt flag between tasks, then drops the executor and the real error with it. Running the
//! tasks here first catches that moment while the executor, and its error, still exist.
static void RunUntilChunkReady(duckdb::QueryResult &result) {
	if (result.type != duckdb::QueryResultType::STREAM_RESULT) {
		return;
	}
	auto &stream = result.Cast<duckdb::StreamQueryResult>();
	if (!stream.IsOpen()) {
		return;
	}
	try {
		while (true) {
			auto state = stream.ExecuteTask();
			if (duckdb::StreamQueryResult::IsChunkReady(state)) {
				if (stream.HasError()) {
					stream.ThrowError();
				}
				return;
			}
			if (state == duckdb::StreamExecutionResult::BLOCKED) {
				stream.WaitForTask();
			}
		}
	} catch (std::exception &ex) {
		duckdb::ErrorData interrupt(ex);
		if (interrupt.Type() != duckdb::ExceptionType::INTERRUPT || !stream.context) {
			throw;
		}
		// The query is still active here: only the interrupt check ran, no cleanup yet.
		auto &executor = stream.context->GetExecutor();
		if (!executor.HasError()) {
			throw;
		}
		auto worker_error = executor.GetError();
		// Let DuckDB end the query the usual way; this fetch meets the same interrupt and cleans up.
		try {
			result.Fetch();
		} catch (std::exception &) {
		}
		worker_error.Throw();
	}
}

ResultSource::ResultSource(duckdb::unique_ptr<duckdb::QueryResult> result_p) : result(std::move(result_p)) {
}

ResultSource::~ResultSource() = default;

bool ResultSource::Next(uint64_t target_bytes, idx_t max_rows, ResultGroup &group) {
	group.chunks.clear();
	group.chunk_bytes.clear();
	group.last = false;
	std::lock_guard<std::mutex> guard(lock);
	if (error.HasError()) {
		error.Throw();
	}
	if (exhausted) {
		return false;
	}
	group.batch_index = next_batch_index++;
	uint64_t bytes = 0;
	idx_t rows = 0;
	try {
		// Fetched under the lock so that a group is a contiguous run of the result.
		while (bytes < target_bytes && rows < max_rows) {
			RunUntilChunkReady(*result);
			auto chunk = result->Fetch();
			if (!chunk || chunk->size() == 0) {
				if (result->HasError()) {
					result->ThrowError();
				}
				exhausted = true;
				group.last = true;
				break;
			}
			uint64_t chunk_bytes = 0;
			for (auto &column : chunk->data) {
				chunk_bytes += EstimateArrowBytes(column, chunk->size());
			}
			bytes += chunk_bytes;
			rows += chunk->size();
			group.chunk_bytes.push_back(chunk_bytes);
			group.chunks.push_back(std::move(chunk));
		}
	} catch (std::exception &ex) {
		// Every stream must fail, not only the one that met the error: a stream that ended
		// normally would make its client take a partial result for a whole one.
		error = duckdb::ErrorData(ex);
		throw;
	}
	return !group.chunks.empty();
}

bool ResultSource::Done() {
	std::lock_guard<std::mutex> guard(lock);
	return exhausted || error.HasError();
}

void ResultSource::Release() {
	std::lock_guard<std::mutex> guard(lock);
	result.reset();
	exhausted = true;
}

} // namespace openduck
