//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/hex_encoding.hpp
//
// Lower-case hex of bytes, and back: for S3 signatures and for binary values sent to PostgreSQL as text.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstddef>
#include <string>

namespace openduck {

std::string HexEncode(const void *data, size_t size);
inline std::string HexEncode(const std::string &bytes) {
	return HexEncode(bytes.data(), bytes.size());
}
//! Decodes pairs of hex digits; throws IOException on anything else.
std::string HexDecode(const std::string &hex);

} // namespace openduck
