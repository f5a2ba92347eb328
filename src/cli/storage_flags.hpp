//===----------------------------------------------------------------------===//
// OpenDuck
//
// cli/storage_flags.hpp
//
// The storage flags that `openduck serve`, `openduck snapshot` and `openduck clone` share, so every command
// finds the same databases the same way.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/storage_config.hpp"

#include <functional>
#include <string>

namespace openduck {

//! Help text for the flags ParseStorageFlag knows.
extern const char *STORAGE_FLAGS_HELP;

//! A StorageConfig with OPENDUCK_DATA_DIR / OPENDUCK_STORAGE / OPENDUCK_METADATA / OPENDUCK_STORE / AWS_* read.
StorageConfig StorageConfigFromEnvironment();

//! Handles one storage flag (arg without its value). next_value yields the value. Returns false when arg is not
//! a storage flag; throws InvalidInputException for a bad value.
bool ParseStorageFlag(const std::string &arg, const std::function<std::string()> &next_value, StorageConfig &config);

//! Call after all flags: picks layered storage when --metadata or --store was given without --storage.
void FinishStorageConfig(StorageConfig &config);

//! "500ms", "30s", "15m", "12h", "7d" or plain milliseconds; throws InvalidInputException otherwise.
int64_t ParseDurationMilliseconds(const std::string &text);
//! "1048576", "512KB", "64MB", "8GB" (powers of 1024); throws InvalidInputException otherwise.
uint64_t ParseByteSize(const std::string &text);

} // namespace openduck
