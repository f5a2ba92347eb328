//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/result_encoder.hpp
//
// Turns the rows one stream takes from a ResultSource into Arrow IPC pieces of
// bounded size. Every stream has its own encoder, so streams encode in parallel.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "protocol/arrow_ipc_writer.hpp"
#include "server/direct_batch_writer.hpp"
#include "server/result_source.hpp"

#include <string>

namespace openduck {

struct EncodedPiece {
	std::string bytes;
	uint64_t rows = 0;
	//! The group the rows of this piece come from (ResultGroup::batch_index).
	uint64_t batch_index = 0;
};

//! How a result's columns become Arrow, decided once per query and shared by its encoders.
struct ResultFormat {
	//! `arrow_format_version`: ExecuteQueryRequest.arrow_format_version (15 for Arrow format 1.5).
	ResultFormat(duckdb::ClientContext &context, const duckdb::vector<duckdb::LogicalType> &types,
	             const duckdb::vector<std::string> &names, uint32_t arrow_format_version);

	duckdb::vector<duckdb::LogicalType> types;
	duckdb::vector<std::string> names;
	//! Columns holding INTERVALs (maybe nested), checked against Arrow's range before encoding.
	duckdb::vector<duckdb::idx_t> interval_columns;
	duckdb::ClientProperties properties;
	duckdb::unordered_map<duckdb::idx_t, const duckdb::shared_ptr<duckdb::ArrowTypeExtensionData>> extension_types;
};

//! Produces the pieces of one result stream, in order: the first starts with the schema, the
//! last ends with the end-of-stream marker. Each piece carries rows of a single group, and stays
//! below max_piece_bytes as long as a single row fits; record batches aim at a few MB so
//! per-message overhead stays small.
class ResultEncoder {
public:
	ResultEncoder(std::shared_ptr<const ResultFormat> format, ResultSource &source, uint64_t max_piece_bytes);
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
	void Finish(EncodedPiece &piece);

	std::shared_ptr<const ResultFormat> format;
	ResultSource &source;
	uint64_t target_batch_bytes;
	ArrowSchema schema;
	std::unique_ptr<ArrowIpcWriter> writer;
	//! Set when every column can be written straight from DuckDB's vectors.
	std::unique_ptr<DirectBatchWriter> direct;
	//! The rows of the next record batch.
	std::vector<DirectBatchWriter::Slice> batch_slices;
	duckdb::idx_t batch_rows = 0;
	uint64_t batch_bytes = 0;
	ResultGroup group;
	//! Next chunk of `group` to append, and the first row of it not appended yet.
	duckdb::idx_t chunk_index = 0;
	duckdb::idx_t chunk_offset = 0;
	bool schema_written = false;
	bool finished = false;
};

} // namespace openduck
