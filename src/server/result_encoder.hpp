//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/result_encoder.hpp
//
// Turns a DuckDB query result into Arrow IPC pieces of bounded size.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

#include <functional>
#include <string>

namespace openduck {

struct EncodedPiece {
	std::string bytes;
	uint64_t rows = 0;
};

class ResultEncoder {
public:
	//! Pieces stay below max_piece_bytes (as long as a single row fits); record batches aim at a
	//! few MB so the per-message overhead stays small.
	ResultEncoder(duckdb::ClientContext &context, duckdb::QueryResult &result, uint64_t max_piece_bytes);

	//! Calls `emit` for each piece (which may keep the bytes' buffer by swapping it out), the first starting with the schema and the last ending with the
	//! end-of-stream marker. Stops early (returning false) when `emit` returns false. Throws the
	//! query's error.
	bool Run(const std::function<bool(EncodedPiece &)> &emit);

private:
	duckdb::ClientContext &context;
	duckdb::QueryResult &result;
	uint64_t max_piece_bytes;
	uint64_t target_batch_bytes;
};

//! Rough size of a vector's Arrow form; only used to size batches, so it favours speed.
uint64_t EstimateArrowBytes(duckdb::Vector &vector, duckdb::idx_t count);

} // namespace openduck
