#include "server/direct_batch_writer.hpp"

#include "protocol/arrow_ipc_format.hpp"

#include <cstring>
#include <limits>

namespace openduck {

using duckdb::idx_t;
using duckdb::LogicalTypeId;

//! Types whose values DuckDB's Arrow conversion copies unchanged (given a matching byte width).
static bool IsCopiedAsIs(LogicalTypeId id) {
	switch (id) {
	case LogicalTypeId::BOOLEAN: // arrow.bool8: one byte, 0 or 1, like DuckDB
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_TZ:
	case LogicalTypeId::DECIMAL:
		return true;
	default:
		return false;
	}
}

std::unique_ptr<DirectBatchWriter> DirectBatchWriter::TryCreate(const duckdb::vector<duckdb::LogicalType> &types,
                                                                const ArrowSchema &schema) {
	if (schema.n_children != int64_t(types.size())) {
		return nullptr;
	}
	auto writer = std::unique_ptr<DirectBatchWriter>(new DirectBatchWriter());
	for (idx_t i = 0; i < types.size(); i++) {
		auto &field = *schema.children[i];
		ArrowIpcType arrow_type;
		if (field.dictionary || field.n_children != 0 ||
		    !ParseArrowFormat(field.format, field.flags, arrow_type).empty()) {
			return nullptr;
		}
		auto &type = types[i];
		if (type.id() == LogicalTypeId::VARCHAR && arrow_type.layout == ArrowIpcLayout::BINARY) {
			writer->columns.push_back({ColumnKind::VARCHAR, 0});
			continue;
		}
		if (!IsCopiedAsIs(type.id()) || arrow_type.layout != ArrowIpcLayout::FIXED_WIDTH) {
			return nullptr;
		}
		// The byte width check also rules out conversions such as DECIMAL widened to decimal128.
		auto width = duckdb::GetTypeIdSize(type.InternalType());
		if (arrow_type.byte_width != int64_t(width)) {
			return nullptr;
		}
		writer->columns.push_back({ColumnKind::FIXED, width});
	}
	return writer;
}

//! Copies `count` bits from `source` (starting at bit `source_bit`) to `target` (at bit `target_bit`);
//! the target bits must be zero.
static void CopyBitsAt(const uint8_t *source, idx_t source_bit, idx_t count, uint8_t *target, idx_t target_bit) {
	if (source_bit % 8 == 0 && target_bit % 8 == 0) {
		std::memcpy(target + target_bit / 8, source + source_bit / 8, count / 8);
		source_bit += count / 8 * 8;
		target_bit += count / 8 * 8;
		count %= 8;
	}
	for (idx_t i = 0; i < count; i++) {
		if (source[(source_bit + i) / 8] & (1 << ((source_bit + i) % 8))) {
			target[(target_bit + i) / 8] |= uint8_t(1 << ((target_bit + i) % 8));
		}
	}
}

static void SetBitsAt(idx_t count, uint8_t *target, idx_t target_bit) {
	for (; count > 0 && target_bit % 8 != 0; count--, target_bit++) {
		target[target_bit / 8] |= uint8_t(1 << (target_bit % 8));
	}
	std::memset(target + target_bit / 8, 0xFF, count / 8);
	target_bit += count / 8 * 8;
	for (idx_t i = 0; i < count % 8; i++, target_bit++) {
		target[target_bit / 8] |= uint8_t(1 << (target_bit % 8));
	}
}

void DirectBatchWriter::AddValidity(idx_t column, const std::vector<Slice> &slices, idx_t rows) {
	idx_t valid = 0;
	for (auto &slice : slices) {
		auto &mask = duckdb::FlatVector::Validity(slice.chunk->data[column]);
		idx_t count = slice.end - slice.start;
		// DuckDB's validity words are Arrow's bitmap: bit i of the little-endian words is row i.
		valid += mask.AllValid() ? count
		                         : idx_t(ArrowIpcCountSetBits(reinterpret_cast<const uint8_t *>(mask.GetData()),
		                                                      int64_t(slice.start), int64_t(count)));
	}
	nodes.push_back({int64_t(rows), int64_t(rows - valid)});
	if (valid == rows) {
		// A zero-length validity buffer means "all valid".
		buffers.push_back({0, nullptr});
		return;
	}
	auto &bits = validity_bits[column];
	bits.assign((rows + 7) / 8, 0);
	idx_t position = 0;
	for (auto &slice : slices) {
		auto &mask = duckdb::FlatVector::Validity(slice.chunk->data[column]);
		idx_t count = slice.end - slice.start;
		if (mask.AllValid()) {
			SetBitsAt(count, bits.data(), position);
		} else {
			CopyBitsAt(reinterpret_cast<const uint8_t *>(mask.GetData()), slice.start, count, bits.data(), position);
		}
		position += count;
	}
	buffers.push_back({int64_t(bits.size()), [&bits](std::string &out) {
		                   out.append(reinterpret_cast<const char *>(bits.data()), bits.size());
	                   }});
}

void DirectBatchWriter::AddFixed(idx_t column, const std::vector<Slice> &slices, idx_t rows) {
	auto width = columns[column].width;
	buffers.push_back({int64_t(rows * width), [&slices, column, width](std::string &out) {
		                   for (auto &slice : slices) {
			                   auto data = reinterpret_cast<const char *>(
			                       duckdb::FlatVector::GetData(slice.chunk->data[column]));
			                   out.append(data + slice.start * width, (slice.end - slice.start) * width);
		                   }
	                   }});
}

void DirectBatchWriter::AddVarchar(idx_t column, const std::vector<Slice> &slices, idx_t rows) {
	auto &lengths = offsets[column];
	lengths.resize(rows + 1);
	int64_t total = 0;
	idx_t row = 0;
	lengths[0] = 0;
	for (auto &slice : slices) {
		auto &vector = slice.chunk->data[column];
		auto strings = duckdb::FlatVector::GetData<duckdb::string_t>(vector);
		auto &mask = duckdb::FlatVector::Validity(vector);
		for (idx_t i = slice.start; i < slice.end; i++) {
			// Null slots take no bytes.
			if (mask.RowIsValid(i)) {
				total += strings[i].GetSize();
			}
			lengths[++row] = int32_t(total);
		}
		if (total > std::numeric_limits<int32_t>::max()) {
			throw duckdb::InternalException("OpenDuck: a record batch of more than 2 GiB of strings");
		}
	}
	buffers.push_back({int64_t(lengths.size() * sizeof(int32_t)), [&lengths](std::string &out) {
		                   out.append(reinterpret_cast<const char *>(lengths.data()), lengths.size() * sizeof(int32_t));
	                   }});
	buffers.push_back({total, [&slices, column, total](std::string &out) {
		                   // One resize and plain copies: appending string by string costs more than zeroing once.
		                   auto position = out.size();
		                   out.resize(position + total);
		                   auto target = &out[position];
		                   for (auto &slice : slices) {
			                   auto &vector = slice.chunk->data[column];
			                   auto strings = duckdb::FlatVector::GetData<duckdb::string_t>(vector);
			                   auto &mask = duckdb::FlatVector::Validity(vector);
			                   for (idx_t i = slice.start; i < slice.end; i++) {
				                   if (mask.RowIsValid(i)) {
					                   auto size = strings[i].GetSize();
					                   std::memcpy(target, strings[i].GetData(), size);
					                   target += size;
				                   }
			                   }
		                   }
	                   }});
}

void DirectBatchWriter::Write(const std::vector<Slice> &slices, ArrowIpcWriter &writer, std::string &out) {
	idx_t rows = 0;
	for (auto &slice : slices) {
		rows += slice.end - slice.start;
	}
	nodes.clear();
	buffers.clear();
	validity_bits.resize(columns.size());
	offsets.resize(columns.size());
	for (idx_t column = 0; column < columns.size(); column++) {
		AddValidity(column, slices, rows);
		if (columns[column].kind == ColumnKind::FIXED) {
			AddFixed(column, slices, rows);
		} else {
			AddVarchar(column, slices, rows);
		}
	}
	writer.WriteRecordBatch(int64_t(rows), nodes, buffers, out);
}

} // namespace openduck
