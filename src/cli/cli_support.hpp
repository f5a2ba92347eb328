//===----------------------------------------------------------------------===//
// OpenDuck
//
// cli/cli_support.hpp
//
// What every `openduck` command shares: help texts, usage errors (exit code 2) and the storage flags.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/storage_config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace openduck {

//! A help text with %STORAGE_FLAGS% replaced by the shared storage flags.
std::string Help(const char *text);
//! Prints "openduck: message" and the help, and exits with code 2.
[[noreturn]] void UsageError(const std::string &message, const char *help);
//! ParseStorageFlag, turning a bad value into a usage error.
bool ParseStorageFlagOrExit(const std::string &arg, const std::function<std::string()> &next_value,
                            StorageConfig &config, const char *help);
//! FinishStorageConfig, turning a bad combination into a usage error.
void FinishStorageConfigOrExit(StorageConfig &config, const char *help);

//! A command's arguments: storage flags into config, value flags named in value_flags into values, the rest
//! positional. "-h"/"--help" sets help. Unknown flags are usage errors.
struct CommandArguments {
	StorageConfig config;
	std::vector<std::string> positional;
	std::vector<std::pair<std::string, std::string>> values;
	bool help = false;

	//! The value of a flag, or fallback when it was not given.
	std::string Value(const std::string &flag, const std::string &fallback = std::string()) const;
};
CommandArguments ParseCommandArguments(const std::vector<std::string> &args,
                                       const std::vector<std::string> &value_flags, const char *help);

} // namespace openduck
