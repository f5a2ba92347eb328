#include "protocol/arrow_ipc_reader.hpp"

#include "arrow_format_generated.h"
#include "duckdb/common/exception.hpp"
#include "protocol/arrow_ipc_arrays.hpp"
#include "protocol/arrow_ipc_format.hpp"

#include <cstring>
#include <deque>
#include <unordered_map>

namespace openduck {

namespace fb = org::apache::arrow::flatbuf;
using duckdb::IOException;

namespace {

template <class... ARGS>
[[noreturn]] void Fail(const std::string &message, ARGS... params) {
	throw IOException("Arrow IPC: " + message, params...);
}

//! Reads the type of one flatbuffer field into `type` (parameters only; children come later).
void ReadType(const fb::Field &field, ArrowIpcType &type) {
	type = ArrowIpcType();
	type.id = static_cast<ArrowIpcTypeId>(field.type_type());
	auto require = [&](const void *table) {
		if (!table) {
			Fail("field '%s' lacks its type parameters", field.name() ? field.name()->str() : "");
		}
	};
	switch (field.type_type()) {
	case fb::Type::Int: {
		auto table = field.type_as_Int();
		require(table);
		type.bit_width = table->bit_width();
		type.is_signed = table->is_signed();
		break;
	}
	case fb::Type::FloatingPoint: {
		auto table = field.type_as_FloatingPoint();
		require(table);
		type.precision = int32_t(table->precision());
		break;
	}
	case fb::Type::Decimal: {
		auto table = field.type_as_Decimal();
		require(table);
		type.precision = table->precision();
		type.scale = table->scale();
		type.bit_width = table->bit_width();
		break;
	}
	case fb::Type::Date: {
		auto table = field.type_as_Date();
		require(table);
		type.unit = int16_t(table->unit());
		break;
	}
	case fb::Type::Time: {
		auto table = field.type_as_Time();
		require(table);
		type.unit = int16_t(table->unit());
		type.bit_width = table->bit_width();
		break;
	}
	case fb::Type::Timestamp: {
		auto table = field.type_as_Timestamp();
		require(table);
		type.unit = int16_t(table->unit());
		if (table->timezone()) {
			type.timezone = table->timezone()->str();
		}
		break;
	}
	case fb::Type::Duration: {
		auto table = field.type_as_Duration();
		require(table);
		type.unit = int16_t(table->unit());
		break;
	}
	case fb::Type::Interval: {
		auto table = field.type_as_Interval();
		require(table);
		type.unit = int16_t(table->unit());
		break;
	}
	case fb::Type::Union: {
		auto table = field.type_as_Union();
		require(table);
		type.unit = int16_t(table->mode());
		if (table->type_ids()) {
			type.type_ids.assign(table->type_ids()->begin(), table->type_ids()->end());
		} else {
			// Without explicit type ids, the ids are the child positions.
			auto child_count = field.children() ? field.children()->size() : 0;
			for (uint32_t i = 0; i < child_count; i++) {
				type.type_ids.push_back(int32_t(i));
			}
		}
		break;
	}
	case fb::Type::FixedSizeBinary: {
		auto table = field.type_as_FixedSizeBinary();
		require(table);
		type.fixed_size = table->byte_width();
		break;
	}
	case fb::Type::FixedSizeList: {
		auto table = field.type_as_FixedSizeList();
		require(table);
		type.fixed_size = table->list_size();
		break;
	}
	case fb::Type::Map: {
		auto table = field.type_as_Map();
		type.keys_sorted = table && table->keys_sorted();
		break;
	}
	default:
		// Parameterless types (or unknown ones, which Finalize rejects).
		break;
	}
	auto error = type.Finalize();
	if (!error.empty()) {
		Fail("field '%s': %s", field.name() ? field.name()->str() : "", error);
	}
}

ArrowIpcKeyValues ReadKeyValues(const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>> *entries) {
	ArrowIpcKeyValues result;
	if (!entries) {
		return result;
	}
	result.reserve(entries->size());
	for (auto entry : *entries) {
		result.emplace_back(entry->key() ? entry->key()->str() : std::string(),
		                    entry->value() ? entry->value()->str() : std::string());
	}
	return result;
}

//! A byte range of a message body.
struct BodyBuffer {
	const uint8_t *data;
	int64_t length;
};

int64_t CheckedMultiply(int64_t a, int64_t b) {
	int64_t result;
	if (__builtin_mul_overflow(a, b, &result)) {
		Fail("array length overflows");
	}
	return result;
}

template <class T>
bool OffsetsAreValid(const uint8_t *buffer, int64_t length, int64_t limit) {
	auto offsets = reinterpret_cast<const T *>(buffer);
	if (offsets[0] < 0 || int64_t(offsets[length]) > limit) {
		return false;
	}
	// Branch-free so that the compiler vectorizes the scan.
	bool decreasing = false;
	for (int64_t i = 0; i < length; i++) {
		decreasing |= offsets[i + 1] < offsets[i];
	}
	return !decreasing;
}

template <class T>
bool ListViewsAreValid(const uint8_t *offsets_buffer, const uint8_t *sizes_buffer, int64_t length, int64_t limit) {
	auto offsets = reinterpret_cast<const T *>(offsets_buffer);
	auto sizes = reinterpret_cast<const T *>(sizes_buffer);
	bool bad = false;
	for (int64_t i = 0; i < length; i++) {
		int64_t offset = offsets[i];
		int64_t size = sizes[i];
		bad |= offset < 0 || size < 0 || offset > limit || size > limit - offset;
	}
	return !bad;
}

template <class T>
bool IndexesAreValid(const uint8_t *buffer, int64_t length, int64_t limit) {
	auto indexes = reinterpret_cast<const T *>(buffer);
	bool bad = false;
	for (int64_t i = 0; i < length; i++) {
		bad |= int64_t(indexes[i]) < 0 || int64_t(indexes[i]) >= limit;
	}
	return !bad;
}

template <class T>
bool RunEndsAreValid(const uint8_t *buffer, int64_t runs, int64_t length) {
	auto ends = reinterpret_cast<const T *>(buffer);
	if (runs == 0) {
		return length == 0;
	}
	bool bad = ends[0] <= 0 || int64_t(ends[runs - 1]) < length;
	for (int64_t i = 1; i < runs; i++) {
		bad |= ends[i] <= ends[i - 1];
	}
	return !bad;
}

//! Dispatches on an integer byte width (1, 2, 4, 8; signed types).
template <template <class> class CHECK, class... ARGS>
bool CheckIntegers(int64_t width, ARGS... args) {
	switch (width) {
	case 1:
		return CHECK<int8_t>::Run(args...);
	case 2:
		return CHECK<int16_t>::Run(args...);
	case 4:
		return CHECK<int32_t>::Run(args...);
	default:
		return CHECK<int64_t>::Run(args...);
	}
}

} // namespace

//! One field of the stream schema.
struct ArrowIpcReaderField {
	std::string name;
	bool nullable = true;
	//! ArrowSchema.metadata encoding of custom_metadata (empty if none).
	std::string metadata;
	//! Value type (for dictionary-encoded fields, the dictionary's type).
	ArrowIpcType type;
	std::vector<ArrowIpcReaderField> children;
	bool dictionary_encoded = false;
	int64_t dictionary_id = 0;
	ArrowIpcType index_type;
	bool ordered = false;
};

//! Everything the reader knows about the stream so far.
struct ArrowIpcReaderState {
	bool has_schema = false;
	bool finished = false;
	fb::MetadataVersion version = fb::MetadataVersion::V5;
	std::string schema_metadata;
	std::vector<ArrowIpcReaderField> fields;
	//! Dictionary id -> the field that declares it and its current values.
	struct Dictionary {
		const ArrowIpcReaderField *field = nullptr;
		std::shared_ptr<ArrowIpcNode> values;
	};
	std::unordered_map<int64_t, Dictionary> dictionaries;
	std::deque<std::shared_ptr<ArrowIpcNode>> batches;
	//! Scratch copy of metadata that is not 8-byte aligned (legacy 4-byte prefix).
	std::vector<uint64_t> aligned_metadata;

	void ReadMessages(const std::shared_ptr<const std::string> &piece);
	void ReadSchema(const fb::Schema &schema);
	void ReadField(const fb::Field &source, ArrowIpcReaderField &field, int depth);
	void RegisterDictionaries(const ArrowIpcReaderField &field);
	std::shared_ptr<ArrowIpcNode> ReadRecordBatch(const fb::RecordBatch &batch, const uint8_t *body,
	                                              int64_t body_length,
	                                              const std::shared_ptr<const std::string> &piece,
	                                              const ArrowIpcReaderField *single_field);
};

namespace {

//! Decodes the nodes and buffers of one RecordBatch into ArrowIpcNode trees.
class BatchDecoder {
public:
	BatchDecoder(ArrowIpcReaderState &reader, const fb::RecordBatch &batch, const uint8_t *body,
	             int64_t body_length, const std::shared_ptr<const std::string> &piece)
	    : reader(reader), batch(batch), body(body), body_length(body_length), piece(piece) {
		if (batch.compression()) {
			Fail("compressed record batch bodies (LZ4/ZSTD) are not supported");
		}
		node_count = batch.nodes() ? batch.nodes()->size() : 0;
		buffer_count = batch.buffers() ? batch.buffers()->size() : 0;
		variadic_count = batch.variadic_buffer_counts() ? batch.variadic_buffer_counts()->size() : 0;
	}

	void CheckAllConsumed() {
		if (next_node != node_count || next_buffer != buffer_count) {
			Fail("record batch has %llu field nodes and %llu buffers, the schema uses %llu and %llu",
			     (unsigned long long)node_count, (unsigned long long)buffer_count, (unsigned long long)next_node,
			     (unsigned long long)next_buffer);
		}
	}

	std::shared_ptr<ArrowIpcNode> Decode(const ArrowIpcReaderField &field, bool as_dictionary_values = false) {
		if (next_node >= node_count) {
			Fail("record batch has too few field nodes for the schema");
		}
		auto &source = *batch.nodes()->Get(next_node++);
		auto node = std::make_shared<ArrowIpcNode>();
		node->piece = piece;
		node->length = source.length();
		node->null_count = source.null_count();
		if (node->length < 0 || node->null_count < 0 || node->null_count > node->length) {
			Fail("field '%s' has invalid length %lld / null count %lld", field.name, (long long)node->length,
			     (long long)node->null_count);
		}
		if (field.dictionary_encoded && !as_dictionary_values) {
			DecodeIndexes(field, *node);
		} else {
			DecodeValues(field, *node);
		}
		return node;
	}

private:
	ArrowIpcReaderState &reader;
	const fb::RecordBatch &batch;
	const uint8_t *body;
	int64_t body_length;
	const std::shared_ptr<const std::string> &piece;
	uint32_t node_count, buffer_count, variadic_count;
	uint32_t next_node = 0, next_buffer = 0, next_variadic = 0;

	BodyBuffer NextBuffer(const ArrowIpcReaderField &field) {
		if (next_buffer >= buffer_count) {
			Fail("record batch has too few buffers for the schema (field '%s')", field.name);
		}
		auto &source = *batch.buffers()->Get(next_buffer++);
		const int64_t offset = source.offset();
		const int64_t length = source.length();
		if (offset < 0 || length < 0 || offset > body_length || length > body_length - offset) {
			Fail("buffer [%lld, +%lld) of field '%s' lies outside the message body of %lld bytes", (long long)offset,
			     (long long)length, field.name, (long long)body_length);
		}
		return {body + offset, length};
	}

	//! Reads a buffer that must hold at least `needed` bytes and registers it in the node.
	const uint8_t *AddBuffer(const ArrowIpcReaderField &field, ArrowIpcNode &node, int64_t needed,
	                         const char *what) {
		auto buffer = NextBuffer(field);
		if (buffer.length < needed) {
			Fail("%s buffer of field '%s' has %lld bytes, %lld needed", what, field.name, (long long)buffer.length,
			     (long long)needed);
		}
		auto data = node.AddBuffer(buffer.data, buffer.length);
		return static_cast<const uint8_t *>(data);
	}

	void AddValidity(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		auto buffer = NextBuffer(field);
		if (node.null_count == 0) {
			// All valid: consumers must not need the bitmap (and it may be empty).
			node.buffers.push_back(nullptr);
			return;
		}
		const int64_t needed = (node.length + 7) / 8;
		if (buffer.length < needed) {
			Fail("validity buffer of field '%s' has %lld bytes, %lld needed", field.name, (long long)buffer.length,
			     (long long)needed);
		}
		node.AddBuffer(buffer.data, buffer.length);
	}

	//! Offsets buffer of `length + 1` values whose range must lie within [0, limit].
	const uint8_t *AddOffsets(const ArrowIpcReaderField &field, ArrowIpcNode &node, int64_t width) {
		if (node.length == 0) {
			// Writers may omit the single offset of an empty array.
			auto buffer = NextBuffer(field);
			return static_cast<const uint8_t *>(node.AddBuffer(buffer.data, buffer.length >= width ? width : 0));
		}
		return AddBuffer(field, node, CheckedMultiply(node.length + 1, width), "offsets");
	}

	void CheckOffsets(const ArrowIpcReaderField &field, const uint8_t *offsets, int64_t length, int64_t width,
	                  int64_t limit) {
		bool valid = width == 4 ? OffsetsAreValid<int32_t>(offsets, length, limit)
		                        : OffsetsAreValid<int64_t>(offsets, length, limit);
		if (!valid) {
			Fail("offsets of field '%s' are decreasing or out of range", field.name);
		}
	}

	std::shared_ptr<ArrowIpcNode> DecodeChild(const ArrowIpcReaderField &field, size_t index) {
		auto child = Decode(field.children[index]);
		return child;
	}

	void DecodeValues(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		auto &type = field.type;
		const int64_t length = node.length;
		switch (type.layout) {
		case ArrowIpcLayout::NA:
			node.null_count = length;
			return;
		case ArrowIpcLayout::BOOLEAN:
			AddValidity(field, node);
			AddBuffer(field, node, (length + 7) / 8, "data");
			return;
		case ArrowIpcLayout::FIXED_WIDTH:
			AddValidity(field, node);
			AddBuffer(field, node, CheckedMultiply(length, type.byte_width), "data");
			return;
		case ArrowIpcLayout::BINARY:
		case ArrowIpcLayout::LARGE_BINARY: {
			AddValidity(field, node);
			const int64_t width = type.layout == ArrowIpcLayout::BINARY ? 4 : 8;
			auto offsets = AddOffsets(field, node, width);
			auto data = NextBuffer(field);
			node.AddBuffer(data.data, data.length);
			CheckOffsets(field, offsets, length, width, data.length);
			return;
		}
		case ArrowIpcLayout::BINARY_VIEW:
			DecodeBinaryView(field, node);
			return;
		case ArrowIpcLayout::LIST:
		case ArrowIpcLayout::LARGE_LIST:
		case ArrowIpcLayout::MAP: {
			AddValidity(field, node);
			const int64_t width = type.layout == ArrowIpcLayout::LARGE_LIST ? 8 : 4;
			auto offsets = AddOffsets(field, node, width);
			node.children.push_back(DecodeChild(field, 0));
			CheckOffsets(field, offsets, length, width, node.children[0]->length);
			return;
		}
		case ArrowIpcLayout::LIST_VIEW:
		case ArrowIpcLayout::LARGE_LIST_VIEW: {
			AddValidity(field, node);
			const int64_t width = type.layout == ArrowIpcLayout::LIST_VIEW ? 4 : 8;
			auto offsets = AddBuffer(field, node, CheckedMultiply(length, width), "offsets");
			auto sizes = AddBuffer(field, node, CheckedMultiply(length, width), "sizes");
			node.children.push_back(DecodeChild(field, 0));
			const int64_t limit = node.children[0]->length;
			bool valid = width == 4 ? ListViewsAreValid<int32_t>(offsets, sizes, length, limit)
			                        : ListViewsAreValid<int64_t>(offsets, sizes, length, limit);
			if (!valid) {
				Fail("list views of field '%s' are out of range", field.name);
			}
			return;
		}
		case ArrowIpcLayout::FIXED_SIZE_LIST:
			AddValidity(field, node);
			node.children.push_back(DecodeChild(field, 0));
			if (node.children[0]->length < CheckedMultiply(length, type.fixed_size)) {
				Fail("child of fixed size list '%s' is too short", field.name);
			}
			return;
		case ArrowIpcLayout::STRUCT:
			AddValidity(field, node);
			for (size_t i = 0; i < field.children.size(); i++) {
				node.children.push_back(DecodeChild(field, i));
				if (node.children[i]->length < length) {
					Fail("child %llu of struct '%s' is too short", (unsigned long long)i, field.name);
				}
			}
			return;
		case ArrowIpcLayout::SPARSE_UNION:
		case ArrowIpcLayout::DENSE_UNION:
			DecodeUnion(field, node);
			return;
		case ArrowIpcLayout::RUN_END_ENCODED:
			DecodeRunEndEncoded(field, node);
			return;
		}
	}

	void DecodeBinaryView(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		AddValidity(field, node);
		const int64_t length = node.length;
		auto views = AddBuffer(field, node, CheckedMultiply(length, 16), "views");
		if (next_variadic >= variadic_count) {
			Fail("record batch lacks the variadic buffer count of field '%s'", field.name);
		}
		const int64_t count = batch.variadic_buffer_counts()->Get(next_variadic++);
		if (count < 0 || count > int64_t(buffer_count - next_buffer)) {
			Fail("invalid variadic buffer count %lld for field '%s'", (long long)count, field.name);
		}
		// The C data interface wants the sizes of the variadic buffers as a final int64 buffer.
		auto sizes = node.AllocateBuffer(count * 8 + 8);
		auto size_values = reinterpret_cast<int64_t *>(sizes);
		for (int64_t i = 0; i < count; i++) {
			auto data = NextBuffer(field);
			node.AddBuffer(data.data, data.length);
			size_values[i] = data.length;
		}
		node.buffers.push_back(sizes);
		bool bad = false;
		for (int64_t i = 0; i < length; i++) {
			int32_t view[4];
			memcpy(view, views + i * 16, sizeof(view));
			if (view[0] > 12) {
				// Out of line: length, prefix, buffer index, offset.
				if (view[2] < 0 || view[2] >= count || view[3] < 0 ||
				    int64_t(view[3]) + view[0] > size_values[view[2]]) {
					bad = true;
				}
			} else {
				bad |= view[0] < 0;
			}
		}
		if (bad) {
			Fail("string views of field '%s' point outside their data buffers", field.name);
		}
	}

	void DecodeUnion(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		auto &type = field.type;
		const int64_t length = node.length;
		const bool dense = type.layout == ArrowIpcLayout::DENSE_UNION;
		if (reader.version < fb::MetadataVersion::V5) {
			// Metadata V4 still sent a (meaningless) validity buffer for unions.
			NextBuffer(field);
		}
		node.null_count = 0;
		auto type_ids = AddBuffer(field, node, length, "type ids");
		const uint8_t *offsets = dense ? AddBuffer(field, node, CheckedMultiply(length, 4), "offsets") : nullptr;
		int8_t child_of_type[128];
		memset(child_of_type, -1, sizeof(child_of_type));
		for (size_t i = 0; i < type.type_ids.size(); i++) {
			child_of_type[type.type_ids[i]] = int8_t(i);
		}
		int64_t child_lengths[128];
		for (size_t i = 0; i < field.children.size(); i++) {
			node.children.push_back(DecodeChild(field, i));
			child_lengths[i] = node.children[i]->length;
			if (!dense && child_lengths[i] < length) {
				Fail("child %llu of sparse union '%s' is too short", (unsigned long long)i, field.name);
			}
		}
		bool bad = false;
		for (int64_t i = 0; i < length; i++) {
			int8_t type_id = int8_t(type_ids[i]);
			int child = type_id < 0 ? -1 : child_of_type[type_id];
			if (child < 0) {
				bad = true;
				break;
			}
			if (dense) {
				int32_t offset;
				memcpy(&offset, offsets + i * 4, sizeof(offset));
				bad |= offset < 0 || offset >= child_lengths[child];
			}
		}
		if (bad) {
			Fail("union '%s' has unknown type ids or offsets out of range", field.name);
		}
	}

	template <class T>
	struct RunEndsCheck {
		static bool Run(const uint8_t *buffer, int64_t runs, int64_t length) {
			return RunEndsAreValid<T>(buffer, runs, length);
		}
	};

	void DecodeRunEndEncoded(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		node.null_count = 0;
		node.children.push_back(DecodeChild(field, 0));
		node.children.push_back(DecodeChild(field, 1));
		auto &run_ends = *node.children[0];
		auto &values = *node.children[1];
		auto &run_ends_type = field.children[0].type;
		if (run_ends.null_count != 0 || values.length < run_ends.length) {
			Fail("run-end encoded field '%s' has null run ends or too few values", field.name);
		}
		auto ends = static_cast<const uint8_t *>(run_ends.buffers[1]);
		if (!CheckIntegers<RunEndsCheck>(run_ends_type.byte_width, ends, run_ends.length, node.length)) {
			Fail("run ends of field '%s' are not increasing or do not cover the array", field.name);
		}
	}

	template <class T>
	struct IndexCheck {
		static bool Run(const uint8_t *buffer, int64_t length, int64_t limit) {
			return IndexesAreValid<T>(buffer, length, limit);
		}
	};

	void DecodeIndexes(const ArrowIpcReaderField &field, ArrowIpcNode &node) {
		auto entry = reader.dictionaries.find(field.dictionary_id);
		if (entry == reader.dictionaries.end() || !entry->second.values) {
			Fail("record batch uses dictionary %lld before its DictionaryBatch", (long long)field.dictionary_id);
		}
		AddValidity(field, node);
		const int64_t width = field.index_type.byte_width;
		auto indexes = AddBuffer(field, node, CheckedMultiply(node.length, width), "indexes");
		node.dictionary = entry->second.values;
		const int64_t limit = node.dictionary->length;
		// Unsigned index types are checked as signed: values past the signed range are rejected,
		// no dictionary is that long anyway.
		if (CheckIntegers<IndexCheck>(width, indexes, node.length, limit)) {
			return;
		}
		// Null slots may hold any index. Reject only bad indexes of valid slots, then hand out a
		// copy with the null slots zeroed so that consumers never look up garbage.
		auto validity = static_cast<const uint8_t *>(node.buffers[0]);
		auto copy = node.AllocateBuffer(node.length * width);
		memcpy(copy, indexes, node.length * width);
		for (int64_t i = 0; i < node.length; i++) {
			int64_t index = 0;
			memcpy(&index, indexes + i * width, width);
			if (width < 8 && field.index_type.is_signed && (index >> (width * 8 - 1)) != 0) {
				index = -1;
			}
			const bool valid = validity && ((validity[i >> 3] >> (i & 7)) & 1);
			if (index >= 0 && index < limit) {
				continue;
			}
			if (valid || !validity) {
				Fail("dictionary index %lld of field '%s' is out of range (dictionary has %lld values)",
				     (long long)index, field.name, (long long)limit);
			}
			memset(copy + i * width, 0, width);
		}
		node.buffers[1] = copy;
	}
};

} // namespace

struct ArrowIpcStreamReader::Impl : public ArrowIpcReaderState {};

void ArrowIpcReaderState::ReadField(const fb::Field &source, ArrowIpcReaderField &field, int depth) {
	if (depth > 64) {
		Fail("schema is nested too deeply");
	}
	field.name = source.name() ? source.name()->str() : std::string();
	field.nullable = source.nullable();
	field.metadata = EncodeArrowMetadata(ReadKeyValues(source.custom_metadata()));
	ReadType(source, field.type);
	auto children = source.children();
	const size_t child_count = children ? children->size() : 0;
	field.children.resize(child_count);
	for (size_t i = 0; i < child_count; i++) {
		ReadField(*children->Get(i), field.children[i], depth + 1);
	}
	// Check the children each layout needs, so decoding can rely on them.
	auto needed = field.type.ExpectedChildCount();
	size_t expected = needed < 0 ? child_count : static_cast<size_t>(needed);
	if (field.type.layout == ArrowIpcLayout::MAP && child_count == 1 &&
	    (field.children[0].type.layout != ArrowIpcLayout::STRUCT || field.children[0].children.size() != 2 ||
	     field.children[0].dictionary_encoded)) {
		Fail("map field '%s' must have a struct child with key and value", field.name);
	}
	if (field.type.layout == ArrowIpcLayout::RUN_END_ENCODED && child_count == 2) {
		auto &run_ends = field.children[0];
		if (run_ends.dictionary_encoded || run_ends.type.id != ArrowIpcTypeId::INT || !run_ends.type.is_signed ||
		    run_ends.type.bit_width < 16) {
			Fail("run ends of field '%s' must be int16, int32 or int64", field.name);
		}
	}
	if (child_count != expected) {
		Fail("field '%s' of type '%s' has %llu children, expected %llu", field.name, field.type.ToFormat(),
		     (unsigned long long)child_count, (unsigned long long)expected);
	}
	if (auto dictionary = source.dictionary()) {
		field.dictionary_encoded = true;
		field.dictionary_id = dictionary->id();
		field.ordered = dictionary->is_ordered();
		field.index_type.id = ArrowIpcTypeId::INT;
		if (auto index_type = dictionary->index_type()) {
			field.index_type.bit_width = index_type->bit_width();
			field.index_type.is_signed = index_type->is_signed();
		} else {
			// The specification's default index type.
			field.index_type.bit_width = 32;
			field.index_type.is_signed = true;
		}
		auto error = field.index_type.Finalize();
		if (!error.empty()) {
			Fail("dictionary index type of field '%s': %s", field.name, error);
		}
	}
}

void ArrowIpcReaderState::RegisterDictionaries(const ArrowIpcReaderField &field) {
	if (field.dictionary_encoded) {
		auto &entry = dictionaries[field.dictionary_id];
		if (entry.field) {
			Fail("dictionary id %lld is declared twice", (long long)field.dictionary_id);
		}
		entry.field = &field;
	}
	for (auto &child : field.children) {
		RegisterDictionaries(child);
	}
}

void ArrowIpcReaderState::ReadSchema(const fb::Schema &schema) {
	if (schema.endianness() != fb::Endianness::Little) {
		Fail("big-endian streams are not supported");
	}
	schema_metadata = EncodeArrowMetadata(ReadKeyValues(schema.custom_metadata()));
	auto source_fields = schema.fields();
	const size_t count = source_fields ? source_fields->size() : 0;
	fields.resize(count);
	for (size_t i = 0; i < count; i++) {
		ReadField(*source_fields->Get(i), fields[i], 0);
	}
	// Only now: the field vectors no longer move, so pointers to fields stay valid.
	for (auto &field : fields) {
		RegisterDictionaries(field);
	}
	has_schema = true;
}

std::shared_ptr<ArrowIpcNode>
ArrowIpcReaderState::ReadRecordBatch(const fb::RecordBatch &batch, const uint8_t *body, int64_t body_length,
                                            const std::shared_ptr<const std::string> &piece,
                                            const ArrowIpcReaderField *single_field) {
	BatchDecoder decoder(*this, batch, body, body_length, piece);
	const int64_t length = batch.length();
	if (length < 0) {
		Fail("negative record batch length");
	}
	if (single_field) {
		auto values = decoder.Decode(*single_field, true);
		decoder.CheckAllConsumed();
		if (values->length != length) {
			Fail("dictionary batch length does not match its field node");
		}
		return values;
	}
	auto root = std::make_shared<ArrowIpcNode>();
	root->piece = piece;
	root->length = length;
	root->null_count = 0;
	root->buffers.push_back(nullptr);
	root->children.reserve(fields.size());
	for (auto &field : fields) {
		auto column = decoder.Decode(field);
		if (column->length != length) {
			Fail("column '%s' has %lld rows, the record batch has %lld", field.name, (long long)column->length,
			     (long long)length);
		}
		root->children.push_back(std::move(column));
	}
	decoder.CheckAllConsumed();
	return root;
}

void ArrowIpcReaderState::ReadMessages(const std::shared_ptr<const std::string> &piece) {
	auto data = reinterpret_cast<const uint8_t *>(piece->data());
	const int64_t size = int64_t(piece->size());
	int64_t position = 0;
	while (position < size) {
		if (finished) {
			Fail("data after the end-of-stream marker");
		}
		if (size - position < 4) {
			Fail("truncated message prefix");
		}
		uint32_t first;
		memcpy(&first, data + position, 4);
		int64_t prefix = 4;
		int32_t metadata_length;
		if (first == 0xFFFFFFFF) {
			if (size - position < 8) {
				Fail("truncated message prefix");
			}
			memcpy(&metadata_length, data + position + 4, 4);
			prefix = 8;
		} else {
			// Streams written before format 0.15 have no continuation marker.
			metadata_length = int32_t(first);
		}
		position += prefix;
		if (metadata_length == 0) {
			finished = true;
			continue;
		}
		if (metadata_length < 0) {
			Fail("invalid message metadata length %d", metadata_length);
		}
		if (metadata_length > size - position) {
			Fail("truncated message: metadata of %d bytes, only %lld bytes left", metadata_length,
			     (long long)(size - position));
		}
		const uint8_t *metadata = data + position;
		if (reinterpret_cast<uintptr_t>(metadata) % 8 != 0) {
			// The flatbuffer verifier (and the accessors) want aligned scalars.
			aligned_metadata.resize((metadata_length + 7) / 8);
			memcpy(aligned_metadata.data(), metadata, metadata_length);
			metadata = reinterpret_cast<const uint8_t *>(aligned_metadata.data());
		}
		flatbuffers::Verifier verifier(metadata, size_t(metadata_length));
		if (!fb::VerifyMessageBuffer(verifier)) {
			Fail("message metadata is not a valid Message flatbuffer");
		}
		auto message = fb::GetMessage(metadata);
		position += metadata_length;
		const int64_t body_length = message->body_length();
		if (body_length < 0 || body_length > size - position) {
			Fail("truncated message: body of %lld bytes, only %lld bytes left", (long long)body_length,
			     (long long)(size - position));
		}
		const uint8_t *body = data + position;
		position += body_length;
		if (message->version() < fb::MetadataVersion::V4 || message->version() > fb::MetadataVersion::V5) {
			Fail("unsupported metadata version %d", int(message->version()));
		}
		switch (message->header_type()) {
		case fb::MessageHeader::Schema:
			if (has_schema) {
				Fail("more than one Schema message");
			}
			if (!message->header_as_Schema()) {
				Fail("Schema message without schema");
			}
			version = message->version();
			ReadSchema(*message->header_as_Schema());
			break;
		case fb::MessageHeader::DictionaryBatch: {
			auto dictionary_batch = message->header_as_DictionaryBatch();
			if (!has_schema) {
				Fail("DictionaryBatch before the Schema message");
			}
			if (!dictionary_batch || !dictionary_batch->data()) {
				Fail("DictionaryBatch message without data");
			}
			auto entry = dictionaries.find(dictionary_batch->id());
			if (entry == dictionaries.end()) {
				Fail("DictionaryBatch for unknown dictionary id %lld", (long long)dictionary_batch->id());
			}
			if (dictionary_batch->is_delta()) {
				Fail("dictionary deltas are not supported");
			}
			entry->second.values =
			    ReadRecordBatch(*dictionary_batch->data(), body, body_length, piece, entry->second.field);
			break;
		}
		case fb::MessageHeader::RecordBatch:
			if (!has_schema) {
				Fail("RecordBatch before the Schema message");
			}
			if (!message->header_as_RecordBatch()) {
				Fail("RecordBatch message without record batch");
			}
			batches.push_back(ReadRecordBatch(*message->header_as_RecordBatch(), body, body_length, piece, nullptr));
			break;
		default:
			Fail("unsupported message type %d", int(message->header_type()));
		}
	}
}

ArrowIpcStreamReader::ArrowIpcStreamReader() : impl(new Impl()) {
}

ArrowIpcStreamReader::~ArrowIpcStreamReader() {
}

void ArrowIpcStreamReader::Feed(std::shared_ptr<const std::string> piece) {
	if (!piece) {
		return;
	}
	impl->ReadMessages(piece);
}

bool ArrowIpcStreamReader::HasSchema() const {
	return impl->has_schema;
}

bool ArrowIpcStreamReader::Finished() const {
	return impl->finished;
}

namespace {

ArrowIpcSchemaNode MakeSchemaNode(const ArrowIpcReaderField &field) {
	ArrowIpcSchemaNode node;
	node.name = field.name;
	node.metadata = field.metadata;
	node.flags = field.nullable ? ARROW_FLAG_NULLABLE : 0;
	if (field.type.id == ArrowIpcTypeId::MAP && field.type.keys_sorted) {
		node.flags |= ARROW_FLAG_MAP_KEYS_SORTED;
	}
	node.format = field.type.ToFormat();
	node.children.reserve(field.children.size());
	for (auto &child : field.children) {
		node.children.push_back(MakeSchemaNode(child));
	}
	if (field.dictionary_encoded) {
		// The exported field is the index array; the value type moves to the dictionary schema.
		auto values = std::make_unique<ArrowIpcSchemaNode>();
		values->format = std::move(node.format);
		values->children = std::move(node.children);
		values->flags = ARROW_FLAG_NULLABLE | (node.flags & ARROW_FLAG_MAP_KEYS_SORTED);
		node.children.clear();
		node.format = field.index_type.ToFormat();
		node.flags = (node.flags & ARROW_FLAG_NULLABLE) | (field.ordered ? ARROW_FLAG_DICTIONARY_ORDERED : 0);
		node.dictionary = std::move(values);
	}
	return node;
}

} // namespace

void ArrowIpcStreamReader::ExportSchema(ArrowSchema &out) const {
	if (!impl->has_schema) {
		throw IOException("Arrow IPC: no Schema message received yet");
	}
	ArrowIpcSchemaNode root;
	root.format = "+s";
	root.metadata = impl->schema_metadata;
	root.children.reserve(impl->fields.size());
	for (auto &field : impl->fields) {
		root.children.push_back(MakeSchemaNode(field));
	}
	ExportArrowIpcSchema(std::move(root), out);
}

bool ArrowIpcStreamReader::NextBatch(ArrowArray &out) {
	if (impl->batches.empty()) {
		return false;
	}
	auto batch = std::move(impl->batches.front());
	impl->batches.pop_front();
	ExportArrowIpcArray(batch, out);
	return true;
}

} // namespace openduck
