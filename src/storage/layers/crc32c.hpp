//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/crc32c.hpp
//
// CRC32C (Castagnoli), the checksum of layer headers, indexes and extents.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstddef>
#include <cstdint>

namespace openduck {

//! CRC32C of [data, data + size), continuing from crc (0 to start). Uses the SSE4.2 crc32 instruction when
//! the CPU has it: checksums are computed on every read of sealed data, so they must cost far less than the read.
uint32_t Crc32c(const void *data, size_t size, uint32_t crc = 0);

} // namespace openduck
