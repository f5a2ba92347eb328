//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/arrow_ipc_format.hpp
//
// Shared vocabulary of the Arrow IPC writer and reader: a neutral description of an Arrow type
// (convertible from/to C data interface format strings), the binary ArrowSchema.metadata
// encoding, and the bitmap helpers both sides need.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace openduck {

//! Which Arrow type an ArrowIpcType is. The values equal the discriminators of the IPC `Type`
//! union, so a flatbuffer type tag converts with a cast.
enum class ArrowIpcTypeId : uint8_t {
	INVALID = 0,
	NA = 1,
	INT = 2,
	FLOATING_POINT = 3,
	BINARY = 4,
	UTF8 = 5,
	BOOL = 6,
	DECIMAL = 7,
	DATE = 8,
	TIME = 9,
	TIMESTAMP = 10,
	INTERVAL = 11,
	LIST = 12,
	STRUCT = 13,
	UNION = 14,
	FIXED_SIZE_BINARY = 15,
	FIXED_SIZE_LIST = 16,
	MAP = 17,
	DURATION = 18,
	LARGE_BINARY = 19,
	LARGE_UTF8 = 20,
	LARGE_LIST = 21,
	RUN_END_ENCODED = 22,
	BINARY_VIEW = 23,
	UTF8_VIEW = 24,
	LIST_VIEW = 25,
	LARGE_LIST_VIEW = 26
};

//! How arrays of a type are laid out: decides their buffers (IPC and C data interface) and how
//! their children are indexed.
enum class ArrowIpcLayout : uint8_t {
	NA,              // no buffers
	BOOLEAN,         // validity, bit-packed values
	FIXED_WIDTH,     // validity, values of `byte_width` bytes
	BINARY,          // validity, int32 offsets, data
	LARGE_BINARY,    // validity, int64 offsets, data
	BINARY_VIEW,     // validity, 16-byte views, variadic data buffers (+ sizes buffer in C)
	LIST,            // validity, int32 offsets; one child
	LARGE_LIST,      // validity, int64 offsets; one child
	LIST_VIEW,       // validity, int32 offsets, int32 sizes; one child
	LARGE_LIST_VIEW, // validity, int64 offsets, int64 sizes; one child
	FIXED_SIZE_LIST, // validity; one child with `list_size` values per slot
	STRUCT,          // validity; children share the parent's indexes
	MAP,             // like LIST; the child is a struct of key and value
	SPARSE_UNION,    // int8 type ids; children share the parent's indexes
	DENSE_UNION,     // int8 type ids, int32 offsets into the children
	RUN_END_ENCODED  // no buffers; children run_ends and values
};

//! Time units as the IPC TimeUnit enum numbers them.
enum class ArrowIpcTimeUnit : int16_t { SECOND = 0, MILLISECOND = 1, MICROSECOND = 2, NANOSECOND = 3 };

//! One Arrow type with its parameters. Children are not part of it (they are fields).
struct ArrowIpcType {
	ArrowIpcTypeId id = ArrowIpcTypeId::INVALID;
	//! Derived by Finalize(): memory layout and fixed byte width (FIXED_WIDTH only).
	//! How many child fields this type's layout needs; -1 for any number (structs).
	int64_t ExpectedChildCount() const;
	ArrowIpcLayout layout = ArrowIpcLayout::NA;
	int64_t byte_width = 0;

	//! INT, DECIMAL, TIME, DATE (32 or 64): bit width.
	int32_t bit_width = 0;
	//! INT only.
	bool is_signed = false;
	//! FLOATING_POINT: 0 half, 1 single, 2 double. DECIMAL: precision.
	int32_t precision = 0;
	//! DECIMAL only.
	int32_t scale = 0;
	//! DATE: 0 day, 1 millisecond. TIME/TIMESTAMP/DURATION: ArrowIpcTimeUnit.
	//! INTERVAL: 0 year-month, 1 day-time, 2 month-day-nano. UNION: 0 sparse, 1 dense.
	int16_t unit = 0;
	//! TIMESTAMP only; empty means "no time zone".
	std::string timezone;
	//! FIXED_SIZE_BINARY: bytes per value. FIXED_SIZE_LIST: values per list.
	int32_t fixed_size = 0;
	//! UNION only: the type id of each child (in child order).
	std::vector<int32_t> type_ids;
	//! MAP only.
	bool keys_sorted = false;

	//! Validates the parameters and derives layout/byte_width. Returns an error message (empty on
	//! success) so that the writer and the reader can each wrap it in their own exception type.
	std::string Finalize();
	//! The C data interface format string of this type.
	std::string ToFormat() const;
};

//! Parses a C data interface format string (plus the ARROW_FLAG_MAP_KEYS_SORTED flag for maps).
//! Returns an error message, empty on success.
std::string ParseArrowFormat(const char *format, int64_t flags, ArrowIpcType &result);

//! Key/value pairs of ArrowSchema.metadata or of IPC custom_metadata.
using ArrowIpcKeyValues = std::vector<std::pair<std::string, std::string>>;

//! Decodes the binary ArrowSchema.metadata encoding (int32 count, then per pair int32 length +
//! bytes for key and value). `metadata` comes from a trusted in-process producer.
ArrowIpcKeyValues DecodeArrowMetadata(const char *metadata);
//! Encodes pairs in the ArrowSchema.metadata binary encoding (empty string for no pairs).
std::string EncodeArrowMetadata(const ArrowIpcKeyValues &pairs);

//! Number of set bits in bits[bit_offset, bit_offset + count).
int64_t ArrowIpcCountSetBits(const uint8_t *bits, int64_t bit_offset, int64_t count);
//! Copies bits[bit_offset, bit_offset + count) to dst starting at bit 0; writes exactly
//! (count + 7) / 8 bytes and zeroes the unused high bits of the last byte.
void ArrowIpcCopyBits(const uint8_t *bits, int64_t bit_offset, int64_t count, uint8_t *dst);

inline int64_t ArrowIpcAlign8(int64_t size) {
	return (size + 7) & ~int64_t(7);
}

} // namespace openduck
