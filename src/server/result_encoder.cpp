#include "server/result_encoder.hpp"

#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"
#include "duckdb/main/client_context.hpp"
#include "protocol/arrow_ipc_writer.hpp"
#include "protocol/interval_range_check.hpp"

#include <algorithm>

namespace openduck {

using duckdb::idx_t;

static constexpr uint64_t DEFAULT_TARGET_BATCH_BYTES = 4ULL * 1024 * 1024;
static constexpr idx_t MAX_BATCH_ROWS = 256 * 1024;
//! A group (one batch index) is a DuckDB row group's worth of rows: a client inserting the rows
//! then stores each group as it is, where smaller groups would be merged (copied) first. The byte
//! bound caps what an encoder holds for very wide rows.
static constexpr idx_t GROUP_ROWS = DEFAULT_ROW_GROUP_SIZE;
static constexpr uint64_t GROUP_BYTES = 32ULL * 1024 * 1024;

ResultFormat::ResultFormat(duckdb::ClientContext &context, const duckdb::vector<duckdb::LogicalType> &types_p,
                           const duckdb::vector<std::string> &names_p, uint32_t requested_arrow_version)
    : types(types_p), names(names_p) {
	// What the client reads, within what DuckDB writes (1.0 to 1.5).
	auto arrow_format_version = std::min<uint32_t>(std::max<uint32_t>(requested_arrow_version, 10), 15);
	properties = context.GetClientProperties();
	// Lossless: UUID, HUGEINT, TIME WITH TIME ZONE and friends travel as Arrow extension types that
	// DuckDB on the other side turns back into the exact type.
	properties.arrow_lossless_conversion = true;
	properties.arrow_output_version = duckdb::ArrowFormatVersion(arrow_format_version);
	extension_types = duckdb::ArrowTypeExtensionData::GetExtensionTypes(context, types);
	for (idx_t column = 0; column < types.size(); column++) {
		if (ContainsInterval(types[column])) {
			interval_columns.push_back(column);
		}
	}
}

ResultEncoder::ResultEncoder(std::shared_ptr<const ResultFormat> format_p, ResultSource &source_p,
                             uint64_t max_piece_bytes)
    : format(std::move(format_p)), source(source_p) {
	// Leave room for IPC framing, padding and the estimate's error.
	target_batch_bytes = std::min<uint64_t>(DEFAULT_TARGET_BATCH_BYTES, std::max<uint64_t>(max_piece_bytes / 4, 1024));
	schema.release = nullptr;
	auto properties = format->properties;
	duckdb::ArrowConverter::ToArrowSchema(&schema, format->types, format->names, properties);
	writer = duckdb::make_uniq<ArrowIpcWriter>(schema);
	direct = DirectBatchWriter::TryCreate(format->types, schema);
	group.last = false;
}

ResultEncoder::~ResultEncoder() {
	writer.reset();
	if (schema.release) {
		schema.release(&schema);
	}
}

void ResultEncoder::FlushBatch(EncodedPiece &piece) {
	if (batch_rows == 0) {
		return;
	}
	if (direct) {
		direct->Write(batch_slices, *writer, piece.bytes);
	} else {
		// Sized for the batch, so Arrow buffers do not regrow (and copy) as rows arrive.
		duckdb::ArrowAppender appender(format->types, batch_rows, format->properties, format->extension_types);
		for (auto &slice : batch_slices) {
			appender.Append(*slice.chunk, slice.start, slice.end, slice.chunk->size());
		}
		ArrowArray array = appender.Finalize();
		writer->WriteBatch(array, piece.bytes);
		array.release(&array);
	}
	piece.rows += batch_rows;
	batch_slices.clear();
	batch_rows = 0;
	batch_bytes = 0;
}

void ResultEncoder::Finish(EncodedPiece &piece) {
	FlushBatch(piece);
	ArrowIpcWriter::WriteEndOfStream(piece.bytes);
	finished = true;
}

bool ResultEncoder::Next(EncodedPiece &piece) {
	piece.bytes.clear();
	piece.rows = 0;
	piece.batch_index = group.batch_index;
	if (finished) {
		return false;
	}
	if (!schema_written) {
		writer->WriteSchema(piece.bytes);
		schema_written = true;
	}
	while (piece.bytes.size() < target_batch_bytes) {
		if (chunk_index >= group.chunks.size()) {
			// The group is done: its rows are in record batches of this or earlier pieces.
			FlushBatch(piece);
			if (group.last) {
				Finish(piece);
				return true;
			}
			if (piece.rows > 0) {
				// A piece carries a single group, so that it has a single batch index.
				return true;
			}
			if (!source.Next(GROUP_BYTES, GROUP_ROWS, group)) {
				Finish(piece);
				return true;
			}
			piece.batch_index = group.batch_index;
			chunk_index = 0;
			chunk_offset = 0;
			continue;
		}
		auto &chunk = *group.chunks[chunk_index];
		idx_t count = chunk.size();
		uint64_t chunk_bytes = group.chunk_bytes[chunk_index];
		// Slice chunks with very large values so that one batch still fits in a message.
		idx_t slice_rows = count;
		if (chunk_bytes > target_batch_bytes) {
			slice_rows = std::max<idx_t>(1, count * target_batch_bytes / chunk_bytes);
		}
		idx_t end = std::min(count, chunk_offset + slice_rows);
		if (chunk_offset == 0) {
			// Flat vectors, so that the direct writer can read them as they are.
			chunk.Flatten();
		}
		for (auto column : format->interval_columns) {
			CheckIntervalsFitArrow(chunk.data[column], chunk_offset, end - chunk_offset, format->names[column]);
		}
		// The group keeps the chunk alive until the batch is written.
		batch_slices.push_back({&chunk, chunk_offset, end});
		batch_rows += end - chunk_offset;
		batch_bytes += chunk_bytes * (end - chunk_offset) / count;
		chunk_offset = end;
		if (chunk_offset >= count) {
			chunk_index++;
			chunk_offset = 0;
		}
		if (batch_bytes >= target_batch_bytes || batch_rows >= MAX_BATCH_ROWS) {
			FlushBatch(piece);
		}
	}
	return true;
}

} // namespace openduck
