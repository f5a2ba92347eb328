#include "storage/hex_encoding.hpp"

#include "duckdb/common/exception.hpp"

namespace openduck {

std::string HexEncode(const void *data, size_t size) {
	static const char *DIGITS = "0123456789abcdef";
	auto bytes = static_cast<const unsigned char *>(data);
	std::string hex(size * 2, '0');
	for (size_t i = 0; i < size; i++) {
		hex[2 * i] = DIGITS[bytes[i] >> 4];
		hex[2 * i + 1] = DIGITS[bytes[i] & 0xF];
	}
	return hex;
}

static int HexDigitValue(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
		return (c | 0x20) - 'a' + 10;
	}
	return -1;
}

std::string HexDecode(const std::string &hex) {
	if (hex.size() % 2 != 0) {
		throw duckdb::IOException("malformed hex value: odd length %llu", (unsigned long long)hex.size());
	}
	std::string bytes(hex.size() / 2, '\0');
	for (size_t i = 0; i < bytes.size(); i++) {
		auto high = HexDigitValue(hex[2 * i]);
		auto low = HexDigitValue(hex[2 * i + 1]);
		if (high < 0 || low < 0) {
			throw duckdb::IOException("malformed hex value: not a hex digit at %llu", (unsigned long long)(2 * i));
		}
		bytes[i] = static_cast<char>(high << 4 | low);
	}
	return bytes;
}

} // namespace openduck
