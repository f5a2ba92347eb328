//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/direct_batch_writer.hpp
//
// Writes record batches straight from DuckDB vectors into the Arrow IPC body:
// one copy of the data instead of two (DuckDB's ArrowAppender, then the IPC
// writer). Only for columns whose bytes are the same in DuckDB and Arrow
// (integers, floats, dates, times, timestamps, decimals in their own width)
// and VARCHAR; other results go through DuckDB's Arrow conversion.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "protocol/arrow_ipc_writer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace openduck {

class DirectBatchWriter {
public:
	//! Rows [start, end) of a flat chunk.
	struct Slice {
		duckdb::DataChunk *chunk;
		duckdb::idx_t start;
		duckdb::idx_t end;
	};

	//! Null when some column of `schema` (DuckDB's Arrow schema for `types`) needs DuckDB's
	//! conversion.
	static std::unique_ptr<DirectBatchWriter> TryCreate(const duckdb::vector<duckdb::LogicalType> &types,
	                                                    const ArrowSchema &schema);
	//! Appends one record batch of the rows of `slices` (in order) to `out`.
	void Write(const std::vector<Slice> &slices, ArrowIpcWriter &writer, std::string &out);

private:
	enum class ColumnKind : uint8_t { FIXED, VARCHAR };
	struct Column {
		ColumnKind kind;
		duckdb::idx_t width;
	};

	void AddValidity(duckdb::idx_t column, const std::vector<Slice> &slices, duckdb::idx_t rows);
	void AddFixed(duckdb::idx_t column, const std::vector<Slice> &slices, duckdb::idx_t rows);
	void AddVarchar(duckdb::idx_t column, const std::vector<Slice> &slices, duckdb::idx_t rows);

	std::vector<Column> columns;
	// Per batch; kept to reuse their memory.
	std::vector<ArrowIpcWriter::FieldNode> nodes;
	std::vector<ArrowIpcWriter::BodyBuffer> buffers;
	std::vector<std::vector<uint8_t>> validity_bits;
	std::vector<std::vector<int32_t>> offsets;
};

} // namespace openduck
