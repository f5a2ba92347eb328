#include "protocol/arrow_ipc_writer.hpp"

#include "arrow_format_generated.h"
#include "duckdb/common/exception.hpp"
#include "protocol/arrow_ipc_format.hpp"

#include <algorithm>
#include <cstring>

namespace openduck {

namespace fb = org::apache::arrow::flatbuf;
using duckdb::InternalException;
using duckdb::InvalidInputException;
using duckdb::NotImplementedException;

namespace {

//! One field of the schema with its parsed type.
struct WriterField {
	const ArrowSchema *schema = nullptr;
	//! The value type (for dictionary-encoded fields the type of the dictionary values).
	ArrowIpcType type;
	//! Children of the value type.
	std::vector<WriterField> children;
	bool dictionary_encoded = false;
	ArrowIpcType index_type;
	int64_t dictionary_id = -1;
};

//! How to produce one body buffer. The body is assembled straight into the output string; most
//! buffers are plain copies, the others are re-based so that the IPC arrays start at offset 0
//! (the format has no offset field).
struct BufferPlan {
	enum class Kind : uint8_t { COPY, BITS, ZEROS, REBASE };
	Kind kind;
	//! Bytes this buffer occupies in the body (before padding).
	int64_t length;
	const uint8_t *source;
	//! BITS: first source bit. REBASE: number of values.
	int64_t start;
	//! BITS: number of bits. REBASE: value width in bytes.
	int64_t width;
	//! REBASE: base subtracted from every value and upper clamp (applied before subtracting; run
	//! ends of a sliced run-end encoded array may reach past the slice).

	int64_t base;
	int64_t clamp;
};

template <class T>
void RebaseValues(const uint8_t *source, int64_t count, int64_t base, int64_t clamp, uint8_t *target) {
	auto in = reinterpret_cast<const T *>(source);
	T out_value;
	for (int64_t i = 0; i < count; i++) {
		int64_t value = std::min<int64_t>(int64_t(in[i]), clamp) - base;
		out_value = T(value);
		memcpy(target + i * sizeof(T), &out_value, sizeof(T));
	}
}

int64_t ReadInteger(const void *buffer, int64_t width, int64_t index) {
	switch (width) {
	case 2:
		return static_cast<const int16_t *>(buffer)[index];
	case 4:
		return static_cast<const int32_t *>(buffer)[index];
	default:
		return static_cast<const int64_t *>(buffer)[index];
	}
}

//! Collects the nodes and buffers of one record batch (or dictionary batch).
class BatchEncoder {
public:
	std::vector<fb::FieldNode> nodes;
	std::vector<fb::Buffer> buffers;
	std::vector<BufferPlan> plans;
	std::vector<int64_t> variadic_counts;
	int64_t body_size = 0;

	void Reset() {
		nodes.clear();
		buffers.clear();
		plans.clear();
		variadic_counts.clear();
		body_size = 0;
	}

	//! Encodes `length` slots of `array` starting at absolute slot `offset` (array.offset is
	//! already included by the caller).
	void EncodeField(const WriterField &field, const ArrowArray &array, int64_t offset, int64_t length) {
		if (field.dictionary_encoded) {
			// The batch carries only the indices; the values travel in a DictionaryBatch.
			CheckShape(field, array, 2, 0);
			AddValidity(array, offset, length);
			AddFixed(array.buffers[1], field.index_type.byte_width, offset, length);
			return;
		}
		EncodeValues(field, array, offset, length);
	}

	void EncodeValues(const WriterField &field, const ArrowArray &array, int64_t offset, int64_t length) {
		auto &type = field.type;
		switch (type.layout) {
		case ArrowIpcLayout::NA:
			nodes.emplace_back(length, length);
			return;
		case ArrowIpcLayout::BOOLEAN:
			CheckShape(field, array, 2, 0);
			AddValidity(array, offset, length);
			AddBits(array.buffers[1], offset, length);
			return;
		case ArrowIpcLayout::FIXED_WIDTH:
			CheckShape(field, array, 2, 0);
			AddValidity(array, offset, length);
			AddFixed(array.buffers[1], type.byte_width, offset, length);
			return;
		case ArrowIpcLayout::BINARY:
		case ArrowIpcLayout::LARGE_BINARY: {
			CheckShape(field, array, 3, 0);
			AddValidity(array, offset, length);
			int64_t start, end;
			AddOffsets(array.buffers[1], type.layout == ArrowIpcLayout::BINARY ? 4 : 8, offset, length, start, end);
			AddCopy(array.buffers[2], start, end - start);
			return;
		}
		case ArrowIpcLayout::BINARY_VIEW: {
			// validity, views, the variadic data buffers, and the int64 sizes of those.
			CheckShape(field, array, std::max<int64_t>(array.n_buffers, 3), 0);
			AddValidity(array, offset, length);
			AddFixed(array.buffers[1], 16, offset, length);
			// Views address the variadic buffers by index and offset, so those go out whole.
			const int64_t variadic_count = array.n_buffers - 3;
			auto sizes = static_cast<const int64_t *>(array.buffers[array.n_buffers - 1]);
			for (int64_t i = 0; i < variadic_count; i++) {
				AddCopy(array.buffers[2 + i], 0, sizes[i]);
			}
			variadic_counts.push_back(variadic_count);
			return;
		}
		case ArrowIpcLayout::LIST:
		case ArrowIpcLayout::LARGE_LIST:
		case ArrowIpcLayout::MAP: {
			CheckShape(field, array, 2, 1);
			AddValidity(array, offset, length);
			int64_t start, end;
			AddOffsets(array.buffers[1], type.layout == ArrowIpcLayout::LARGE_LIST ? 8 : 4, offset, length, start,
			           end);
			auto &child = *array.children[0];
			EncodeField(field.children[0], child, child.offset + start, end - start);
			return;
		}
		case ArrowIpcLayout::LIST_VIEW:
		case ArrowIpcLayout::LARGE_LIST_VIEW: {
			// Views may point anywhere in the child, so the child goes out whole.
			CheckShape(field, array, 3, 1);
			AddValidity(array, offset, length);
			const int64_t width = type.layout == ArrowIpcLayout::LIST_VIEW ? 4 : 8;
			AddFixed(array.buffers[1], width, offset, length);
			AddFixed(array.buffers[2], width, offset, length);
			auto &child = *array.children[0];
			EncodeField(field.children[0], child, child.offset, child.length);
			return;
		}
		case ArrowIpcLayout::FIXED_SIZE_LIST: {
			CheckShape(field, array, 1, 1);
			AddValidity(array, offset, length);
			auto &child = *array.children[0];
			const int64_t list_size = type.fixed_size;
			EncodeField(field.children[0], child, child.offset + offset * list_size, length * list_size);
			return;
		}
		case ArrowIpcLayout::STRUCT:
			CheckShape(field, array, 1, field.children.size());
			AddValidity(array, offset, length);
			for (size_t i = 0; i < field.children.size(); i++) {
				auto &child = *array.children[i];
				EncodeField(field.children[i], child, child.offset + offset, length);
			}
			return;
		case ArrowIpcLayout::SPARSE_UNION:
		case ArrowIpcLayout::DENSE_UNION: {
			// Unions have no validity bitmap (metadata V5).
			const bool dense = type.layout == ArrowIpcLayout::DENSE_UNION;
			CheckShape(field, array, dense ? 2 : 1, field.children.size());
			nodes.emplace_back(length, 0);
			AddFixed(array.buffers[0], 1, offset, length);
			if (dense) {
				// Dense offsets point into the children, which go out whole: no rebasing needed.
				AddFixed(array.buffers[1], 4, offset, length);
			}
			for (size_t i = 0; i < field.children.size(); i++) {
				auto &child = *array.children[i];
				if (dense) {
					EncodeField(field.children[i], child, child.offset, child.length);
				} else {
					EncodeField(field.children[i], child, child.offset + offset, length);
				}
			}
			return;
		}
		case ArrowIpcLayout::RUN_END_ENCODED:
			CheckShape(field, array, 0, 2);
			nodes.emplace_back(length, 0);
			EncodeRunEndEncoded(field, array, offset, length);
			return;
		}
	}

	//! Adds a buffer of `count` values of `width` bytes starting at value `offset`.
	void AddFixed(const void *buffer, int64_t width, int64_t offset, int64_t count) {
		AddCopy(buffer, offset * width, count * width);
	}

	void AddCopy(const void *buffer, int64_t byte_offset, int64_t byte_count) {
		if (byte_count == 0) {
			AddPlan({BufferPlan::Kind::COPY, 0, nullptr, 0, 0, 0, 0});
			return;
		}
		if (!buffer) {
			throw InvalidInputException("Arrow IPC writer: array has a null data buffer");
		}
		AddPlan({BufferPlan::Kind::COPY, byte_count, static_cast<const uint8_t *>(buffer) + byte_offset, 0, 0, 0, 0});
	}

	void AddBits(const void *buffer, int64_t bit_offset, int64_t count) {
		if (count == 0) {
			AddPlan({BufferPlan::Kind::COPY, 0, nullptr, 0, 0, 0, 0});
			return;
		}
		if (!buffer) {
			throw InvalidInputException("Arrow IPC writer: array has a null bitmap buffer");
		}
		auto bytes = static_cast<const uint8_t *>(buffer);
		if ((bit_offset & 7) == 0 && (count & 7) == 0) {
			AddPlan({BufferPlan::Kind::COPY, count / 8, bytes + bit_offset / 8, 0, 0, 0, 0});
		} else {
			AddPlan({BufferPlan::Kind::BITS, (count + 7) / 8, bytes, bit_offset, count, 0, 0});
		}
	}

	//! Adds the node (length, null count) and the validity buffer of a non-union array.
	void AddValidity(const ArrowArray &array, int64_t offset, int64_t length) {
		auto validity = static_cast<const uint8_t *>(array.buffers[0]);
		int64_t null_count = 0;
		if (validity && length > 0) {
			if (offset == array.offset && length == array.length && array.null_count >= 0) {
				null_count = array.null_count;
			} else {
				// A slice of the array: its own null count does not describe the slice.
				null_count = length - ArrowIpcCountSetBits(validity, offset, length);
			}
		}
		nodes.emplace_back(length, null_count);
		if (null_count == 0) {
			// A zero-length validity buffer means "all valid" and saves the copy.
			AddPlan({BufferPlan::Kind::COPY, 0, nullptr, 0, 0, 0, 0});
		} else {
			AddBits(validity, offset, length);
		}
	}

	//! Adds an offsets buffer for slots [offset, offset + length), rebased to start at 0, and
	//! returns the range of the data/child it covers.
	void AddOffsets(const void *buffer, int64_t width, int64_t offset, int64_t length, int64_t &start,
	                int64_t &end) {
		if (length == 0) {
			start = end = 0;
			AddPlan({BufferPlan::Kind::ZEROS, width, nullptr, 0, 0, 0, 0});
			return;
		}
		if (!buffer) {
			throw InvalidInputException("Arrow IPC writer: array has a null offsets buffer");
		}
		start = ReadInteger(buffer, width, offset);
		end = ReadInteger(buffer, width, offset + length);
		if (start < 0 || end < start) {
			throw InvalidInputException("Arrow IPC writer: array has invalid offsets");
		}
		auto source = static_cast<const uint8_t *>(buffer) + offset * width;
		if (start == 0) {
			AddPlan({BufferPlan::Kind::COPY, (length + 1) * width, source, 0, 0, 0, 0});
		} else {
			AddPlan({BufferPlan::Kind::REBASE, (length + 1) * width, source, length + 1, width, start, INT64_MAX});
		}
	}

	void EncodeRunEndEncoded(const WriterField &field, const ArrowArray &array, int64_t offset, int64_t length) {
		auto &run_ends = *array.children[0];
		auto &values = *array.children[1];
		auto &run_ends_field = field.children[0];
		const int64_t width = run_ends_field.type.byte_width;
		if (run_ends_field.type.id != ArrowIpcTypeId::INT || width < 2) {
			throw InvalidInputException("Arrow IPC writer: run ends must be int16, int32 or int64");
		}
		auto ends = static_cast<const uint8_t *>(run_ends.buffers[1]) + run_ends.offset * width;
		const int64_t run_count = run_ends.length;
		auto end_at = [&](int64_t run) {
			return ReadInteger(ends, width, run);
		};
		// Runs covering [offset, offset + length): the first whose end is past `offset` through
		// the first whose end reaches `offset + length`.
		int64_t first = 0, last = -1;
		if (length > 0) {
			int64_t low = 0, high = run_count;
			while (low < high) {
				int64_t mid = (low + high) / 2;
				if (end_at(mid) > offset) {
					high = mid;
				} else {
					low = mid + 1;
				}
			}
			first = low;
			high = run_count;
			while (low < high) {
				int64_t mid = (low + high) / 2;
				if (end_at(mid) >= offset + length) {
					high = mid;
				} else {
					low = mid + 1;
				}
			}
			last = low;
			if (last >= run_count) {
				throw InvalidInputException("Arrow IPC writer: run ends do not cover the array");
			}
		}
		const int64_t runs = last - first + 1;
		nodes.emplace_back(runs, 0);
		AddPlan({BufferPlan::Kind::COPY, 0, nullptr, 0, 0, 0, 0});
		if (runs == 0) {
			AddPlan({BufferPlan::Kind::COPY, 0, nullptr, 0, 0, 0, 0});
		} else if (offset == 0 && end_at(last) == length) {
			AddFixed(ends, width, first, runs);
		} else {
			AddPlan({BufferPlan::Kind::REBASE, runs * width, ends + first * width, runs, width, offset,
			         offset + length});
		}
		EncodeField(field.children[1], values, values.offset + first, runs);
	}

	void AddPlan(const BufferPlan &plan) {
		buffers.emplace_back(body_size, plan.length);
		plans.push_back(plan);
		body_size += ArrowIpcAlign8(plan.length);
	}

	//! Writes the planned buffers (each padded to 8 bytes) at the end of `out`.
	void WriteBody(std::string &out) const {
		static const char ZEROS[8] = {};
		for (auto &plan : plans) {
			if (plan.length == 0) {
				continue;
			}
			switch (plan.kind) {
			case BufferPlan::Kind::COPY:
				out.append(reinterpret_cast<const char *>(plan.source), plan.length);
				break;
			case BufferPlan::Kind::ZEROS:
				out.append(plan.length, '\0');
				break;
			case BufferPlan::Kind::BITS: {
				auto position = out.size();
				out.resize(position + plan.length);
				ArrowIpcCopyBits(plan.source, plan.start, plan.width, reinterpret_cast<uint8_t *>(&out[position]));
				break;
			}
			case BufferPlan::Kind::REBASE: {
				auto position = out.size();
				out.resize(position + plan.length);
				auto target = reinterpret_cast<uint8_t *>(&out[position]);
				switch (plan.width) {
				case 2:
					RebaseValues<int16_t>(plan.source, plan.start, plan.base, plan.clamp, target);
					break;
				case 4:
					RebaseValues<int32_t>(plan.source, plan.start, plan.base, plan.clamp, target);
					break;
				default:
					RebaseValues<int64_t>(plan.source, plan.start, plan.base, plan.clamp, target);
					break;
				}
				break;
			}
			}
			out.append(ZEROS, ArrowIpcAlign8(plan.length) - plan.length);
		}
	}

private:
	static void CheckShape(const WriterField &field, const ArrowArray &array, int64_t buffer_count,
	                       int64_t child_count) {
		if (array.n_buffers != buffer_count || array.n_children != child_count) {
			throw InvalidInputException("Arrow IPC writer: array of field '%s' (format '%s') has %lld buffers and %lld "
			                            "children, expected %lld and %lld",
			                            field.schema->name ? field.schema->name : "", field.schema->format,
			                            (long long)array.n_buffers, (long long)array.n_children,
			                            (long long)buffer_count, (long long)child_count);
		}
		for (int64_t i = 0; i < child_count; i++) {
			if (!array.children[i]) {
				throw InvalidInputException("Arrow IPC writer: array has a null child");
			}
		}
	}
};

} // namespace

struct ArrowIpcWriter::Impl {
	explicit Impl(const ArrowSchema &schema_p) : schema(schema_p), builder(1024) {
	}

	const ArrowSchema &schema;
	std::vector<WriterField> fields;
	//! Dictionary-encoded fields, by dictionary id.
	struct Dictionary {
		const WriterField *field;
		//! Child indexes leading from the batch struct array to the field's array.
		std::vector<size_t> path;
		//! The last DictionaryBatch message written for this id (to skip unchanged ones).
		std::string last_message;
	};
	std::vector<Dictionary> dictionaries;
	flatbuffers::FlatBufferBuilder builder;
	BatchEncoder encoder;
	std::string scratch;

	void ParseField(const ArrowSchema &field_schema, WriterField &field, bool inside_dictionary) {
		field.schema = &field_schema;
		auto value_schema = &field_schema;
		if (field_schema.dictionary) {
			if (inside_dictionary) {
				throw NotImplementedException("Arrow IPC writer: nested dictionary encoding is not supported");
			}
			auto error = ParseArrowFormat(field_schema.format, field_schema.flags, field.index_type);
			if (!error.empty() || field.index_type.id != ArrowIpcTypeId::INT) {
				throw InvalidInputException("Arrow IPC writer: dictionary index format '%s' is not an integer type",
				                            field_schema.format ? field_schema.format : "");
			}
			field.dictionary_encoded = true;
			value_schema = field_schema.dictionary;
		}
		auto error = ParseArrowFormat(value_schema->format, value_schema->flags, field.type);
		if (!error.empty()) {
			throw NotImplementedException("Arrow IPC writer: field '%s': %s", field_schema.name ? field_schema.name : "",
			                              error);
		}
		field.children.resize(value_schema->n_children);
		for (int64_t i = 0; i < value_schema->n_children; i++) {
			ParseField(*value_schema->children[i], field.children[i], inside_dictionary || field.dictionary_encoded);
		}
		CheckChildren(field);
	}

	static void CheckChildren(const WriterField &field) {
		auto expected = field.type.ExpectedChildCount();
		if (expected < 0) {
			return;
		}
		if (field.children.size() != static_cast<size_t>(expected)) {
			throw InvalidInputException("Arrow IPC writer: format '%s' needs %llu children, schema has %llu",
			                            field.schema->format, (unsigned long long)expected,
			                            (unsigned long long)field.children.size());
		}
	}

	void CollectDictionaries(WriterField &field, std::vector<size_t> &path) {
		if (field.dictionary_encoded) {
			field.dictionary_id = int64_t(dictionaries.size());
			dictionaries.push_back({&field, path, std::string()});
		}
		for (size_t i = 0; i < field.children.size(); i++) {
			path.push_back(i);
			CollectDictionaries(field.children[i], path);
			path.pop_back();
		}
	}

	flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>> BuildMetadata(const char *metadata) {
		if (!metadata) {
			return 0;
		}
		auto pairs = DecodeArrowMetadata(metadata);
		std::vector<flatbuffers::Offset<fb::KeyValue>> entries;
		entries.reserve(pairs.size());
		for (auto &pair : pairs) {
			auto key = builder.CreateString(pair.first);
			auto value = builder.CreateString(pair.second);
			entries.push_back(fb::CreateKeyValue(builder, key, value));
		}
		return builder.CreateVector(entries);
	}

	std::pair<fb::Type, flatbuffers::Offset<void>> BuildType(const ArrowIpcType &type) {
		auto tag = static_cast<fb::Type>(type.id);
		auto time_unit = static_cast<fb::TimeUnit>(type.unit);
		switch (type.id) {
		case ArrowIpcTypeId::NA:
			return {tag, fb::CreateNull(builder).Union()};
		case ArrowIpcTypeId::INT:
			return {tag, fb::CreateInt(builder, type.bit_width, type.is_signed).Union()};
		case ArrowIpcTypeId::FLOATING_POINT:
			return {tag, fb::CreateFloatingPoint(builder, static_cast<fb::Precision>(type.precision)).Union()};
		case ArrowIpcTypeId::BINARY:
			return {tag, fb::CreateBinary(builder).Union()};
		case ArrowIpcTypeId::UTF8:
			return {tag, fb::CreateUtf8(builder).Union()};
		case ArrowIpcTypeId::BOOL:
			return {tag, fb::CreateBool(builder).Union()};
		case ArrowIpcTypeId::DECIMAL:
			return {tag, fb::CreateDecimal(builder, type.precision, type.scale, type.bit_width).Union()};
		case ArrowIpcTypeId::DATE:
			return {tag, fb::CreateDate(builder, static_cast<fb::DateUnit>(type.unit)).Union()};
		case ArrowIpcTypeId::TIME:
			return {tag, fb::CreateTime(builder, time_unit, type.bit_width).Union()};
		case ArrowIpcTypeId::TIMESTAMP: {
			auto timezone = type.timezone.empty() ? 0 : builder.CreateString(type.timezone);
			return {tag, fb::CreateTimestamp(builder, time_unit, timezone).Union()};
		}
		case ArrowIpcTypeId::INTERVAL:
			return {tag, fb::CreateInterval(builder, static_cast<fb::IntervalUnit>(type.unit)).Union()};
		case ArrowIpcTypeId::LIST:
			return {tag, fb::CreateList(builder).Union()};
		case ArrowIpcTypeId::STRUCT:
			return {tag, fb::CreateStruct_(builder).Union()};
		case ArrowIpcTypeId::UNION: {
			auto type_ids = builder.CreateVector(type.type_ids);
			return {tag, fb::CreateUnion(builder, static_cast<fb::UnionMode>(type.unit), type_ids).Union()};
		}
		case ArrowIpcTypeId::FIXED_SIZE_BINARY:
			return {tag, fb::CreateFixedSizeBinary(builder, type.fixed_size).Union()};
		case ArrowIpcTypeId::FIXED_SIZE_LIST:
			return {tag, fb::CreateFixedSizeList(builder, type.fixed_size).Union()};
		case ArrowIpcTypeId::MAP:
			return {tag, fb::CreateMap(builder, type.keys_sorted).Union()};
		case ArrowIpcTypeId::DURATION:
			return {tag, fb::CreateDuration(builder, time_unit).Union()};
		case ArrowIpcTypeId::LARGE_BINARY:
			return {tag, fb::CreateLargeBinary(builder).Union()};
		case ArrowIpcTypeId::LARGE_UTF8:
			return {tag, fb::CreateLargeUtf8(builder).Union()};
		case ArrowIpcTypeId::LARGE_LIST:
			return {tag, fb::CreateLargeList(builder).Union()};
		case ArrowIpcTypeId::RUN_END_ENCODED:
			return {tag, fb::CreateRunEndEncoded(builder).Union()};
		case ArrowIpcTypeId::BINARY_VIEW:
			return {tag, fb::CreateBinaryView(builder).Union()};
		case ArrowIpcTypeId::UTF8_VIEW:
			return {tag, fb::CreateUtf8View(builder).Union()};
		case ArrowIpcTypeId::LIST_VIEW:
			return {tag, fb::CreateListView(builder).Union()};
		case ArrowIpcTypeId::LARGE_LIST_VIEW:
			return {tag, fb::CreateLargeListView(builder).Union()};
		default:
			throw NotImplementedException("Arrow IPC writer: unsupported type");
		}
	}

	flatbuffers::Offset<fb::Field> BuildField(const WriterField &field) {
		auto &field_schema = *field.schema;
		auto name = builder.CreateString(field_schema.name ? field_schema.name : "");
		auto type = BuildType(field.type);
		flatbuffers::Offset<fb::DictionaryEncoding> dictionary = 0;
		if (field.dictionary_encoded) {
			auto index_type = fb::CreateInt(builder, field.index_type.bit_width, field.index_type.is_signed);
			dictionary = fb::CreateDictionaryEncoding(builder, field.dictionary_id, index_type,
			                                          (field_schema.flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
		}
		std::vector<flatbuffers::Offset<fb::Field>> children;
		children.reserve(field.children.size());
		for (auto &child : field.children) {
			children.push_back(BuildField(child));
		}
		auto children_vector = builder.CreateVector(children);
		auto metadata = BuildMetadata(field_schema.metadata);
		return fb::CreateField(builder, name, (field_schema.flags & ARROW_FLAG_NULLABLE) != 0, type.first,
		                       type.second, dictionary, children_vector, metadata);
	}

	//! Appends the finished flatbuffer as an encapsulated message followed by the body.
	void AppendMessage(std::string &out, const BatchEncoder *body) {
		const int64_t metadata_size = builder.GetSize();
		// The prefix plus the metadata is padded to 8 bytes so that the body stays aligned.
		const int64_t padded_size = ArrowIpcAlign8(8 + metadata_size) - 8;
		const int64_t body_size = body ? body->body_size : 0;
		out.reserve(out.size() + 8 + padded_size + body_size);
		const uint32_t continuation = 0xFFFFFFFF;
		const int32_t prefix_size = int32_t(padded_size);
		out.append(reinterpret_cast<const char *>(&continuation), 4);
		out.append(reinterpret_cast<const char *>(&prefix_size), 4);
		out.append(reinterpret_cast<const char *>(builder.GetBufferPointer()), metadata_size);
		out.append(padded_size - metadata_size, '\0');
		if (body) {
			body->WriteBody(out);
		}
	}

	flatbuffers::Offset<fb::RecordBatch> BuildRecordBatch(int64_t length) {
		auto nodes = builder.CreateVectorOfStructs(encoder.nodes.data(), encoder.nodes.size());
		auto buffers = builder.CreateVectorOfStructs(encoder.buffers.data(), encoder.buffers.size());
		flatbuffers::Offset<flatbuffers::Vector<int64_t>> variadic = 0;
		if (!encoder.variadic_counts.empty()) {
			variadic = builder.CreateVector(encoder.variadic_counts);
		}
		return fb::CreateRecordBatch(builder, length, nodes, buffers, 0, variadic);
	}

	void FinishMessage(fb::MessageHeader header_type, flatbuffers::Offset<void> header, int64_t body_length) {
		auto message = fb::CreateMessage(builder, fb::MetadataVersion::V5, header_type, header, body_length);
		builder.Finish(message);
	}

	void WriteDictionaries(const ArrowArray &batch, std::string &out) {
		for (size_t id = 0; id < dictionaries.size(); id++) {
			auto &dictionary = dictionaries[id];
			const ArrowArray *array = &batch;
			for (auto index : dictionary.path) {
				if (index >= size_t(array->n_children) || !array->children[index]) {
					throw InvalidInputException("Arrow IPC writer: batch does not match the schema");
				}
				array = array->children[index];
			}
			if (!array->dictionary) {
				throw InvalidInputException("Arrow IPC writer: dictionary-encoded array has no dictionary");
			}
			auto &values = *array->dictionary;
			encoder.Reset();
			encoder.EncodeValues(*dictionary.field, values, values.offset, values.length);
			builder.Clear();
			auto record_batch = BuildRecordBatch(values.length);
			auto dictionary_batch = fb::CreateDictionaryBatch(builder, int64_t(id), record_batch, false);
			FinishMessage(fb::MessageHeader::DictionaryBatch, dictionary_batch.Union(), encoder.body_size);
			scratch.clear();
			AppendMessage(scratch, &encoder);
			// Producers (DuckDB) hand out a fresh dictionary array with every batch even when the
			// ENUM is unchanged: only send a replacement when the content differs.
			if (scratch != dictionary.last_message) {
				out += scratch;
				std::swap(dictionary.last_message, scratch);
			}
		}
	}
};

ArrowIpcWriter::ArrowIpcWriter(const ArrowSchema &schema) : impl(new Impl(schema)) {
	try {
		if (!schema.format || std::string(schema.format) != "+s") {
			throw InvalidInputException("Arrow IPC writer: the stream schema must be a struct ('+s')");
		}
		impl->fields.resize(schema.n_children);
		for (int64_t i = 0; i < schema.n_children; i++) {
			impl->ParseField(*schema.children[i], impl->fields[i], false);
		}
		std::vector<size_t> path;
		for (size_t i = 0; i < impl->fields.size(); i++) {
			path.push_back(i);
			impl->CollectDictionaries(impl->fields[i], path);
			path.pop_back();
		}
	} catch (...) {
		delete impl;
		throw;
	}
}

ArrowIpcWriter::~ArrowIpcWriter() {
	delete impl;
}

void ArrowIpcWriter::WriteSchema(std::string &out) {
	auto &builder = impl->builder;
	builder.Clear();
	std::vector<flatbuffers::Offset<fb::Field>> fields;
	fields.reserve(impl->fields.size());
	for (auto &field : impl->fields) {
		fields.push_back(impl->BuildField(field));
	}
	auto fields_vector = builder.CreateVector(fields);
	auto metadata = impl->BuildMetadata(impl->schema.metadata);
	auto schema = fb::CreateSchema(builder, fb::Endianness::Little, fields_vector, metadata);
	impl->FinishMessage(fb::MessageHeader::Schema, schema.Union(), 0);
	impl->AppendMessage(out, nullptr);
}

void ArrowIpcWriter::WriteBatch(const ArrowArray &batch, std::string &out) {
	if (batch.n_children != int64_t(impl->fields.size())) {
		throw InvalidInputException("Arrow IPC writer: batch has %lld columns, schema has %llu",
		                            (long long)batch.n_children, (unsigned long long)impl->fields.size());
	}
	if (!impl->dictionaries.empty()) {
		impl->WriteDictionaries(batch, out);
	}
	auto &encoder = impl->encoder;
	encoder.Reset();
	for (size_t i = 0; i < impl->fields.size(); i++) {
		auto &column = *batch.children[i];
		encoder.EncodeField(impl->fields[i], column, column.offset + batch.offset, batch.length);
	}
	impl->builder.Clear();
	auto record_batch = impl->BuildRecordBatch(batch.length);
	impl->FinishMessage(fb::MessageHeader::RecordBatch, record_batch.Union(), encoder.body_size);
	impl->AppendMessage(out, &encoder);
}

void ArrowIpcWriter::WriteRecordBatch(int64_t length, const std::vector<FieldNode> &nodes,
                                      const std::vector<BodyBuffer> &buffers, std::string &out) {
	if (!impl->dictionaries.empty()) {
		throw InvalidInputException("Arrow IPC writer: record batches of dictionary-encoded fields need WriteBatch");
	}
	auto &builder = impl->builder;
	builder.Clear();
	std::vector<fb::FieldNode> field_nodes;
	field_nodes.reserve(nodes.size());
	for (auto &node : nodes) {
		field_nodes.emplace_back(node.length, node.null_count);
	}
	std::vector<fb::Buffer> body_buffers;
	body_buffers.reserve(buffers.size());
	int64_t body_size = 0;
	for (auto &buffer : buffers) {
		body_buffers.emplace_back(body_size, buffer.length);
		body_size += ArrowIpcAlign8(buffer.length);
	}
	auto node_vector = builder.CreateVectorOfStructs(field_nodes.data(), field_nodes.size());
	auto buffer_vector = builder.CreateVectorOfStructs(body_buffers.data(), body_buffers.size());
	auto record_batch = fb::CreateRecordBatch(builder, length, node_vector, buffer_vector);
	impl->FinishMessage(fb::MessageHeader::RecordBatch, record_batch.Union(), body_size);
	out.reserve(out.size() + 8 + ArrowIpcAlign8(8 + builder.GetSize()) + body_size);
	impl->AppendMessage(out, nullptr);
	// The body follows the metadata; every buffer is padded to 8 bytes.
	static const char ZEROS[8] = {};
	for (auto &buffer : buffers) {
		auto before = out.size();
		if (buffer.length > 0) {
			buffer.append(out);
		}
		if (int64_t(out.size() - before) != buffer.length) {
			throw InternalException("Arrow IPC writer: a body buffer wrote %llu bytes instead of %lld",
			                        (unsigned long long)(out.size() - before), (long long)buffer.length);
		}
		out.append(ZEROS, ArrowIpcAlign8(buffer.length) - buffer.length);
	}
}

void ArrowIpcWriter::WriteEndOfStream(std::string &out) {
	static const uint8_t END_OF_STREAM[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
	out.append(reinterpret_cast<const char *>(END_OF_STREAM), sizeof(END_OF_STREAM));
}

} // namespace openduck
