//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/result_encoder.hpp
//
// Turns a DuckDB query result into Arrow IPC pieces of bounded size.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "protocol/arrow_ipc_writer.hpp"

#include <string>

namespace openduck {

struct EncodedPiece {
	std::string bytes;
	uint64_t rows = 0;
};

//! Produces the pieces of one result stream, in order: the first starts with the schema, the
//! last ends with the end-of-stream marker. Pieces stay below max_piece_bytes as long as a single
//! row fits; record batches aim at a few MB so per-message overhead stays small.
class ResultEncoder {
public:
	ResultEncoder(duckdb::ClientContext &context, duckdb::QueryResult &result, uint64_t max_piece_bytes);
	~ResultEncoder();

	//! Fills `piece` (cleared first; its buffer is reused) with the next piece. Returns false once
	//! the stream is complete. Throws the query's error.
	bool Next(EncodedPiece &piece);
	bool Finished() const {
		return finished;
	}

private:
	//! Moves the rows appended so far into a record batch in `piece`.
	void FlushBatch(EncodedPiece &piece);

	duckdb::ClientContext &context;
	duckdb::QueryResult &result;
	uint64_t target_batch_bytes;
	duckdb::ClientProperties properties;
	ArrowSchema schema;
	std::unique_ptr<ArrowIpcWriter> writer;
	duckdb::unordered_map<duckdb::idx_t, const duckdb::shared_ptr<duckdb::ArrowTypeExtensionData>> extension_types;
	duckdb::unique_ptr<duckdb::ArrowAppender> appender;
	uint64_t batch_bytes = 0;
	duckdb::idx_t rows_per_batch = STANDARD_VECTOR_SIZE;
	bool schema_written = false;
	bool finished = false;
};

//! Rough size of a vector's Arrow form; only used to size batches, so it favours speed.
uint64_t EstimateArrowBytes(duckdb::Vector &vector, duckdb::idx_t count);

} // namespace openduck
