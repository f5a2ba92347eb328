#include "protocol/arrow_ipc_format.hpp"

#include <cstdlib>
#include <cstring>

namespace openduck {

namespace {

bool IsTimeUnit(int16_t unit) {
	return unit >= 0 && unit <= 3;
}

char TimeUnitChar(int16_t unit) {
	static const char UNITS[] = {'s', 'm', 'u', 'n'};
	return UNITS[unit];
}

bool TimeUnitFromChar(char c, int16_t &unit) {
	switch (c) {
	case 's':
		unit = 0;
		return true;
	case 'm':
		unit = 1;
		return true;
	case 'u':
		unit = 2;
		return true;
	case 'n':
		unit = 3;
		return true;
	default:
		return false;
	}
}

//! Parses a decimal integer at text[pos] and advances pos; false if there is none.
bool ParseNumber(const std::string &text, size_t &pos, int64_t &result) {
	size_t start = pos;
	bool negative = pos < text.size() && text[pos] == '-';
	if (negative) {
		pos++;
	}
	int64_t value = 0;
	size_t digits = 0;
	while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
		if (value > (int64_t(1) << 40)) {
			return false;
		}
		value = value * 10 + (text[pos] - '0');
		pos++;
		digits++;
	}
	if (digits == 0) {
		pos = start;
		return false;
	}
	result = negative ? -value : value;
	return true;
}

//! Parses "N" (the whole remainder of text from pos) as a non-negative int32.
bool ParseSize(const std::string &text, size_t pos, int32_t &result) {
	int64_t value;
	if (!ParseNumber(text, pos, value) || pos != text.size() || value < 0 || value > INT32_MAX) {
		return false;
	}
	result = int32_t(value);
	return true;
}

} // namespace

std::string ArrowIpcType::Finalize() {
	byte_width = 0;
	switch (id) {
	case ArrowIpcTypeId::NA:
		layout = ArrowIpcLayout::NA;
		return "";
	case ArrowIpcTypeId::INT:
		if (bit_width != 8 && bit_width != 16 && bit_width != 32 && bit_width != 64) {
			return "integer bit width " + std::to_string(bit_width) + " is not 8, 16, 32 or 64";
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = bit_width / 8;
		return "";
	case ArrowIpcTypeId::FLOATING_POINT:
		if (precision < 0 || precision > 2) {
			return "unknown floating point precision " + std::to_string(precision);
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = int64_t(2) << precision;
		return "";
	case ArrowIpcTypeId::BINARY:
	case ArrowIpcTypeId::UTF8:
		layout = ArrowIpcLayout::BINARY;
		return "";
	case ArrowIpcTypeId::LARGE_BINARY:
	case ArrowIpcTypeId::LARGE_UTF8:
		layout = ArrowIpcLayout::LARGE_BINARY;
		return "";
	case ArrowIpcTypeId::BINARY_VIEW:
	case ArrowIpcTypeId::UTF8_VIEW:
		layout = ArrowIpcLayout::BINARY_VIEW;
		return "";
	case ArrowIpcTypeId::BOOL:
		layout = ArrowIpcLayout::BOOLEAN;
		return "";
	case ArrowIpcTypeId::DECIMAL: {
		int32_t max_precision;
		switch (bit_width) {
		case 32:
			max_precision = 9;
			break;
		case 64:
			max_precision = 18;
			break;
		case 128:
			max_precision = 38;
			break;
		case 256:
			max_precision = 76;
			break;
		default:
			return "decimal bit width " + std::to_string(bit_width) + " is not 32, 64, 128 or 256";
		}
		if (precision < 1 || precision > max_precision) {
			return "decimal precision " + std::to_string(precision) + " is out of range for " +
			       std::to_string(bit_width) + "-bit decimals";
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = bit_width / 8;
		return "";
	}
	case ArrowIpcTypeId::DATE:
		if (unit != 0 && unit != 1) {
			return "unknown date unit " + std::to_string(unit);
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = unit == 0 ? 4 : 8;
		return "";
	case ArrowIpcTypeId::TIME: {
		if (!IsTimeUnit(unit)) {
			return "unknown time unit " + std::to_string(unit);
		}
		int32_t expected = unit <= 1 ? 32 : 64;
		if (bit_width != expected) {
			return "time bit width " + std::to_string(bit_width) + " does not match its unit";
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = bit_width / 8;
		return "";
	}
	case ArrowIpcTypeId::TIMESTAMP:
	case ArrowIpcTypeId::DURATION:
		if (!IsTimeUnit(unit)) {
			return "unknown time unit " + std::to_string(unit);
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = 8;
		return "";
	case ArrowIpcTypeId::INTERVAL:
		if (unit < 0 || unit > 2) {
			return "unknown interval unit " + std::to_string(unit);
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = unit == 0 ? 4 : unit == 1 ? 8 : 16;
		return "";
	case ArrowIpcTypeId::LIST:
		layout = ArrowIpcLayout::LIST;
		return "";
	case ArrowIpcTypeId::LARGE_LIST:
		layout = ArrowIpcLayout::LARGE_LIST;
		return "";
	case ArrowIpcTypeId::LIST_VIEW:
		layout = ArrowIpcLayout::LIST_VIEW;
		return "";
	case ArrowIpcTypeId::LARGE_LIST_VIEW:
		layout = ArrowIpcLayout::LARGE_LIST_VIEW;
		return "";
	case ArrowIpcTypeId::FIXED_SIZE_LIST:
		if (fixed_size < 0) {
			return "negative fixed size list size";
		}
		layout = ArrowIpcLayout::FIXED_SIZE_LIST;
		return "";
	case ArrowIpcTypeId::STRUCT:
		layout = ArrowIpcLayout::STRUCT;
		return "";
	case ArrowIpcTypeId::MAP:
		layout = ArrowIpcLayout::MAP;
		return "";
	case ArrowIpcTypeId::UNION: {
		if (unit != 0 && unit != 1) {
			return "unknown union mode " + std::to_string(unit);
		}
		bool seen[128] = {};
		for (auto type_id : type_ids) {
			if (type_id < 0 || type_id > 127 || seen[type_id]) {
				return "union type id " + std::to_string(type_id) + " is out of range or repeated";
			}
			seen[type_id] = true;
		}
		layout = unit == 0 ? ArrowIpcLayout::SPARSE_UNION : ArrowIpcLayout::DENSE_UNION;
		return "";
	}
	case ArrowIpcTypeId::FIXED_SIZE_BINARY:
		if (fixed_size < 0) {
			return "negative fixed size binary width";
		}
		layout = ArrowIpcLayout::FIXED_WIDTH;
		byte_width = fixed_size;
		return "";
	case ArrowIpcTypeId::RUN_END_ENCODED:
		layout = ArrowIpcLayout::RUN_END_ENCODED;
		return "";
	default:
		return "unsupported type (id " + std::to_string(int(id)) + ")";
	}
}

std::string ArrowIpcType::ToFormat() const {
	switch (id) {
	case ArrowIpcTypeId::NA:
		return "n";
	case ArrowIpcTypeId::INT: {
		static const char SIGNED[] = {'c', 's', 'i', 'l'};
		static const char UNSIGNED[] = {'C', 'S', 'I', 'L'};
		int index = bit_width == 8 ? 0 : bit_width == 16 ? 1 : bit_width == 32 ? 2 : 3;
		return std::string(1, is_signed ? SIGNED[index] : UNSIGNED[index]);
	}
	case ArrowIpcTypeId::FLOATING_POINT:
		return precision == 0 ? "e" : precision == 1 ? "f" : "g";
	case ArrowIpcTypeId::BINARY:
		return "z";
	case ArrowIpcTypeId::UTF8:
		return "u";
	case ArrowIpcTypeId::LARGE_BINARY:
		return "Z";
	case ArrowIpcTypeId::LARGE_UTF8:
		return "U";
	case ArrowIpcTypeId::BINARY_VIEW:
		return "vz";
	case ArrowIpcTypeId::UTF8_VIEW:
		return "vu";
	case ArrowIpcTypeId::BOOL:
		return "b";
	case ArrowIpcTypeId::DECIMAL: {
		auto result = "d:" + std::to_string(precision) + "," + std::to_string(scale);
		if (bit_width != 128) {
			result += "," + std::to_string(bit_width);
		}
		return result;
	}
	case ArrowIpcTypeId::DATE:
		return unit == 0 ? "tdD" : "tdm";
	case ArrowIpcTypeId::TIME:
		return std::string("tt") + TimeUnitChar(unit);
	case ArrowIpcTypeId::TIMESTAMP:
		return std::string("ts") + TimeUnitChar(unit) + ":" + timezone;
	case ArrowIpcTypeId::DURATION:
		return std::string("tD") + TimeUnitChar(unit);
	case ArrowIpcTypeId::INTERVAL:
		return unit == 0 ? "tiM" : unit == 1 ? "tiD" : "tin";
	case ArrowIpcTypeId::LIST:
		return "+l";
	case ArrowIpcTypeId::LARGE_LIST:
		return "+L";
	case ArrowIpcTypeId::LIST_VIEW:
		return "+vl";
	case ArrowIpcTypeId::LARGE_LIST_VIEW:
		return "+vL";
	case ArrowIpcTypeId::FIXED_SIZE_LIST:
		return "+w:" + std::to_string(fixed_size);
	case ArrowIpcTypeId::STRUCT:
		return "+s";
	case ArrowIpcTypeId::MAP:
		return "+m";
	case ArrowIpcTypeId::UNION: {
		std::string result = unit == 0 ? "+us:" : "+ud:";
		for (size_t i = 0; i < type_ids.size(); i++) {
			if (i > 0) {
				result += ",";
			}
			result += std::to_string(type_ids[i]);
		}
		return result;
	}
	case ArrowIpcTypeId::FIXED_SIZE_BINARY:
		return "w:" + std::to_string(fixed_size);
	case ArrowIpcTypeId::RUN_END_ENCODED:
		return "+r";
	default:
		return "";
	}
}

std::string ParseArrowFormat(const char *format_p, int64_t flags, ArrowIpcType &result) {
	if (!format_p) {
		return "missing format string";
	}
	const std::string format(format_p);
	result = ArrowIpcType();
	auto unsupported = [&]() {
		return "unsupported Arrow format string '" + format + "'";
	};
	auto set_int = [&](int32_t bit_width, bool is_signed) {
		result.id = ArrowIpcTypeId::INT;
		result.bit_width = bit_width;
		result.is_signed = is_signed;
	};
	if (format.size() == 1) {
		switch (format[0]) {
		case 'n':
			result.id = ArrowIpcTypeId::NA;
			break;
		case 'b':
			result.id = ArrowIpcTypeId::BOOL;
			break;
		case 'c':
			set_int(8, true);
			break;
		case 'C':
			set_int(8, false);
			break;
		case 's':
			set_int(16, true);
			break;
		case 'S':
			set_int(16, false);
			break;
		case 'i':
			set_int(32, true);
			break;
		case 'I':
			set_int(32, false);
			break;
		case 'l':
			set_int(64, true);
			break;
		case 'L':
			set_int(64, false);
			break;
		case 'e':
		case 'f':
		case 'g':
			result.id = ArrowIpcTypeId::FLOATING_POINT;
			result.precision = format[0] == 'e' ? 0 : format[0] == 'f' ? 1 : 2;
			break;
		case 'z':
			result.id = ArrowIpcTypeId::BINARY;
			break;
		case 'Z':
			result.id = ArrowIpcTypeId::LARGE_BINARY;
			break;
		case 'u':
			result.id = ArrowIpcTypeId::UTF8;
			break;
		case 'U':
			result.id = ArrowIpcTypeId::LARGE_UTF8;
			break;
		default:
			return unsupported();
		}
	} else if (format == "vz") {
		result.id = ArrowIpcTypeId::BINARY_VIEW;
	} else if (format == "vu") {
		result.id = ArrowIpcTypeId::UTF8_VIEW;
	} else if (format.compare(0, 2, "d:") == 0) {
		size_t pos = 2;
		int64_t precision, scale, bit_width = 128;
		if (!ParseNumber(format, pos, precision) || pos >= format.size() || format[pos++] != ',' ||
		    !ParseNumber(format, pos, scale)) {
			return unsupported();
		}
		if (pos < format.size() && (format[pos++] != ',' || !ParseNumber(format, pos, bit_width))) {
			return unsupported();
		}
		if (pos != format.size()) {
			return unsupported();
		}
		result.id = ArrowIpcTypeId::DECIMAL;
		result.precision = int32_t(precision);
		result.scale = int32_t(scale);
		result.bit_width = int32_t(bit_width);
	} else if (format.compare(0, 2, "w:") == 0) {
		result.id = ArrowIpcTypeId::FIXED_SIZE_BINARY;
		if (!ParseSize(format, 2, result.fixed_size)) {
			return unsupported();
		}
	} else if (format == "tdD" || format == "tdm") {
		result.id = ArrowIpcTypeId::DATE;
		result.unit = format[2] == 'D' ? 0 : 1;
	} else if (format.size() == 3 && format.compare(0, 2, "tt") == 0) {
		result.id = ArrowIpcTypeId::TIME;
		if (!TimeUnitFromChar(format[2], result.unit)) {
			return unsupported();
		}
		result.bit_width = result.unit <= 1 ? 32 : 64;
	} else if (format.size() >= 4 && format.compare(0, 2, "ts") == 0 && format[3] == ':') {
		result.id = ArrowIpcTypeId::TIMESTAMP;
		if (!TimeUnitFromChar(format[2], result.unit)) {
			return unsupported();
		}
		result.timezone = format.substr(4);
	} else if (format.size() == 3 && format.compare(0, 2, "tD") == 0) {
		result.id = ArrowIpcTypeId::DURATION;
		if (!TimeUnitFromChar(format[2], result.unit)) {
			return unsupported();
		}
	} else if (format == "tiM" || format == "tiD" || format == "tin") {
		result.id = ArrowIpcTypeId::INTERVAL;
		result.unit = format[2] == 'M' ? 0 : format[2] == 'D' ? 1 : 2;
	} else if (format == "+l") {
		result.id = ArrowIpcTypeId::LIST;
	} else if (format == "+L") {
		result.id = ArrowIpcTypeId::LARGE_LIST;
	} else if (format == "+vl") {
		result.id = ArrowIpcTypeId::LIST_VIEW;
	} else if (format == "+vL") {
		result.id = ArrowIpcTypeId::LARGE_LIST_VIEW;
	} else if (format.compare(0, 3, "+w:") == 0) {
		result.id = ArrowIpcTypeId::FIXED_SIZE_LIST;
		if (!ParseSize(format, 3, result.fixed_size)) {
			return unsupported();
		}
	} else if (format == "+s") {
		result.id = ArrowIpcTypeId::STRUCT;
	} else if (format == "+m") {
		result.id = ArrowIpcTypeId::MAP;
		result.keys_sorted = (flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0;
	} else if (format.compare(0, 4, "+us:") == 0 || format.compare(0, 4, "+ud:") == 0) {
		result.id = ArrowIpcTypeId::UNION;
		result.unit = format[2] == 's' ? 0 : 1;
		size_t pos = 4;
		while (pos < format.size()) {
			int64_t type_id;
			if (!ParseNumber(format, pos, type_id) || type_id < 0 || type_id > 127) {
				return unsupported();
			}
			result.type_ids.push_back(int32_t(type_id));
			if (pos < format.size() && format[pos++] != ',') {
				return unsupported();
			}
		}
	} else if (format == "+r") {
		result.id = ArrowIpcTypeId::RUN_END_ENCODED;
	} else {
		return unsupported();
	}
	return result.Finalize();
}

ArrowIpcKeyValues DecodeArrowMetadata(const char *metadata) {
	ArrowIpcKeyValues result;
	if (!metadata) {
		return result;
	}
	auto read_int = [&]() {
		int32_t value;
		memcpy(&value, metadata, sizeof(value));
		metadata += sizeof(value);
		return value;
	};
	int32_t count = read_int();
	result.reserve(count > 0 ? count : 0);
	for (int32_t i = 0; i < count; i++) {
		int32_t key_length = read_int();
		std::string key(metadata, key_length);
		metadata += key_length;
		int32_t value_length = read_int();
		std::string value(metadata, value_length);
		metadata += value_length;
		result.emplace_back(std::move(key), std::move(value));
	}
	return result;
}

std::string EncodeArrowMetadata(const ArrowIpcKeyValues &pairs) {
	std::string result;
	if (pairs.empty()) {
		return result;
	}
	auto write_int = [&](size_t value) {
		int32_t value32 = int32_t(value);
		result.append(reinterpret_cast<const char *>(&value32), sizeof(value32));
	};
	write_int(pairs.size());
	for (auto &pair : pairs) {
		write_int(pair.first.size());
		result += pair.first;
		write_int(pair.second.size());
		result += pair.second;
	}
	return result;
}

int64_t ArrowIpcCountSetBits(const uint8_t *bits, int64_t bit_offset, int64_t count) {
	int64_t result = 0;
	int64_t position = bit_offset;
	const int64_t end = bit_offset + count;
	while (position < end && (position & 7) != 0) {
		result += (bits[position >> 3] >> (position & 7)) & 1;
		position++;
	}
	const uint8_t *bytes = bits + (position >> 3);
	const int64_t byte_count = (end - position) >> 3;
	int64_t i = 0;
	for (; i + 8 <= byte_count; i += 8) {
		uint64_t word;
		memcpy(&word, bytes + i, sizeof(word));
		result += __builtin_popcountll(word);
	}
	for (; i < byte_count; i++) {
		result += __builtin_popcount(bytes[i]);
	}
	position += byte_count * 8;
	while (position < end) {
		result += (bits[position >> 3] >> (position & 7)) & 1;
		position++;
	}
	return result;
}

void ArrowIpcCopyBits(const uint8_t *bits, int64_t bit_offset, int64_t count, uint8_t *dst) {
	const int64_t byte_count = (count + 7) / 8;
	if (byte_count == 0) {
		return;
	}
	const uint8_t *src = bits + (bit_offset >> 3);
	const int shift = int(bit_offset & 7);
	if (shift == 0) {
		memcpy(dst, src, byte_count);
	} else {
		// Only the source bytes that hold bits of the range may be read.
		const int64_t source_bytes = (shift + count + 7) / 8;
		for (int64_t i = 0; i < byte_count; i++) {
			uint8_t low = uint8_t(src[i] >> shift);
			uint8_t high = i + 1 < source_bytes ? uint8_t(src[i + 1] << (8 - shift)) : 0;
			dst[i] = low | high;
		}
	}
	if ((count & 7) != 0) {
		dst[byte_count - 1] &= uint8_t((1u << (count & 7)) - 1);
	}
}

int64_t ArrowIpcType::ExpectedChildCount() const {
	switch (layout) {
	case ArrowIpcLayout::LIST:
	case ArrowIpcLayout::LARGE_LIST:
	case ArrowIpcLayout::LIST_VIEW:
	case ArrowIpcLayout::LARGE_LIST_VIEW:
	case ArrowIpcLayout::FIXED_SIZE_LIST:
	case ArrowIpcLayout::MAP:
		return 1;
	case ArrowIpcLayout::RUN_END_ENCODED:
		return 2;
	case ArrowIpcLayout::STRUCT:
		return -1;
	case ArrowIpcLayout::SPARSE_UNION:
	case ArrowIpcLayout::DENSE_UNION:
		return static_cast<int64_t>(type_ids.size());
	default:
		return 0;
	}
}

} // namespace openduck
