//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/file_io.hpp
//
// Whole reads and writes on file descriptors, retried across EINTR and short
// transfers, for the stores that keep objects in local files.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>

namespace openduck {

//! Reads exactly `size` bytes at `offset`. False on an error (errno says which) or when the file ends first
//! (errno is 0).
bool ReadFully(int fd, char *out, uint64_t size, uint64_t offset);
//! Writes all `size` bytes at the file position. False on an error (errno says which).
bool WriteFully(int fd, const char *data, uint64_t size);

} // namespace openduck
