#include "server/result_encoder.hpp"

#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"
#include "duckdb/main/client_context.hpp"
#include "protocol/arrow_ipc_writer.hpp"

#include <algorithm>

namespace openduck {

using duckdb::idx_t;
using duckdb::LogicalTypeId;
using duckdb::PhysicalType;

static constexpr uint64_t DEFAULT_TARGET_BATCH_BYTES = 4ULL * 1024 * 1024;
static constexpr idx_t MAX_BATCH_ROWS = 256 * 1024;

uint64_t EstimateArrowBytes(duckdb::Vector &vector, idx_t count) {
	auto &type = vector.GetType();
	switch (type.InternalType()) {
	case PhysicalType::VARCHAR: {
		duckdb::UnifiedVectorFormat format;
		vector.ToUnifiedFormat(count, format);
		auto strings = duckdb::UnifiedVectorFormat::GetData<duckdb::string_t>(format);
		uint64_t total = 4 * count;
		for (idx_t i = 0; i < count; i++) {
			auto index = format.sel->get_index(i);
			if (format.validity.RowIsValid(index)) {
				total += strings[index].GetSize();
			}
		}
		return total;
	}
	case PhysicalType::LIST: {
		auto &child = duckdb::ListVector::GetEntry(vector);
		auto child_count = duckdb::ListVector::GetListSize(vector);
		return 4 * count + EstimateArrowBytes(child, child_count);
	}
	case PhysicalType::ARRAY: {
		auto &child = duckdb::ArrayVector::GetEntry(vector);
		return EstimateArrowBytes(child, count * duckdb::ArrayType::GetSize(type));
	}
	case PhysicalType::STRUCT: {
		uint64_t total = count / 8 + 1;
		for (auto &child : duckdb::StructVector::GetEntries(vector)) {
			total += EstimateArrowBytes(*child, count);
		}
		return total;
	}
	default:
		return count * std::max<idx_t>(1, duckdb::GetTypeIdSize(type.InternalType())) + count / 8 + 1;
	}
}

ResultEncoder::ResultEncoder(duckdb::ClientContext &context_p, duckdb::QueryResult &result_p,
                             uint64_t max_piece_bytes)
    : context(context_p), result(result_p) {
	// Leave room for IPC framing, padding and the estimate's error.
	target_batch_bytes = std::min<uint64_t>(DEFAULT_TARGET_BATCH_BYTES, std::max<uint64_t>(max_piece_bytes / 4, 1024));
	properties = context.GetClientProperties();
	// Lossless: UUID, HUGEINT, TIME WITH TIME ZONE and friends travel as Arrow extension types that
	// DuckDB on the other side turns back into the exact type.
	properties.arrow_lossless_conversion = true;
	schema.release = nullptr;
	duckdb::ArrowConverter::ToArrowSchema(&schema, result.types, result.names, properties);
	writer = duckdb::make_uniq<ArrowIpcWriter>(schema);
	extension_types = duckdb::ArrowTypeExtensionData::GetExtensionTypes(context, result.types);
}

ResultEncoder::~ResultEncoder() {
	writer.reset();
	if (schema.release) {
		schema.release(&schema);
	}
}

void ResultEncoder::FlushBatch(EncodedPiece &piece) {
	if (!appender || appender->RowCount() == 0) {
		return;
	}
	piece.rows += appender->RowCount();
	rows_per_batch = std::max<idx_t>(appender->RowCount(), STANDARD_VECTOR_SIZE);
	ArrowArray array = appender->Finalize();
	writer->WriteBatch(array, piece.bytes);
	array.release(&array);
	appender.reset();
	batch_bytes = 0;
}

bool ResultEncoder::Next(EncodedPiece &piece) {
	piece.bytes.clear();
	piece.rows = 0;
	if (finished) {
		return false;
	}
	if (!schema_written) {
		writer->WriteSchema(piece.bytes);
		schema_written = true;
	}
	auto &types = result.types;
	while (piece.bytes.size() < target_batch_bytes) {
		auto chunk = result.Fetch();
		if (!chunk || chunk->size() == 0) {
			if (result.HasError()) {
				result.ThrowError();
			}
			FlushBatch(piece);
			ArrowIpcWriter::WriteEndOfStream(piece.bytes);
			finished = true;
			return true;
		}
		idx_t count = chunk->size();
		uint64_t chunk_bytes = 0;
		for (auto &column : chunk->data) {
			chunk_bytes += EstimateArrowBytes(column, count);
		}
		// Slice chunks with very large values so that one batch still fits in a message.
		idx_t slice_rows = count;
		if (chunk_bytes > target_batch_bytes) {
			slice_rows = std::max<idx_t>(1, count * target_batch_bytes / chunk_bytes);
		}
		for (idx_t offset = 0; offset < count; offset += slice_rows) {
			idx_t end = std::min(count, offset + slice_rows);
			if (!appender) {
				// Sized like the previous batch, so Arrow buffers do not regrow (and copy) as rows arrive.
				appender = duckdb::make_uniq<duckdb::ArrowAppender>(types, rows_per_batch, properties, extension_types);
			}
			appender->Append(*chunk, offset, end, count);
			batch_bytes += chunk_bytes * (end - offset) / count;
			if (batch_bytes >= target_batch_bytes || appender->RowCount() >= MAX_BATCH_ROWS) {
				FlushBatch(piece);
			}
		}
	}
	return true;
}

} // namespace openduck
