//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/protocol_constants.hpp
//
// Values both sides of the wire must agree on.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>

namespace openduck {

//! Version of proto/openduck/v1; client and server refuse a mismatch.
constexpr uint32_t PROTOCOL_VERSION = 1;
constexpr uint16_t DEFAULT_PORT = 7878;
constexpr const char *DEFAULT_ENDPOINT = "http://localhost:7878";
//! Default gRPC message size limit on both sides; result chunks are sized well below it.
constexpr int64_t DEFAULT_MAX_MESSAGE_BYTES = 64LL * 1024 * 1024;
//! Newest Arrow columnar format version (times ten) a DuckDB client reads: compact decimals and
//! binary views save bytes and conversions on both sides.
constexpr uint32_t CLIENT_ARROW_FORMAT_VERSION = 15;
//! Trailing metadata key carrying the DuckDB ExceptionType name of a failed query.
constexpr const char *ERROR_TYPE_METADATA_KEY = "openduck-error-type";

} // namespace openduck
