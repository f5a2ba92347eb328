//===----------------------------------------------------------------------===//
// OpenDuck
//
// cli/storage_commands.hpp
//
// `openduck snapshot list|create`, `openduck clone` and `openduck gc`: differential storage administered
// straight through the metadata and object stores, safe while servers run.
//===----------------------------------------------------------------------===//

#pragma once

#include <string>
#include <vector>

namespace openduck {

int RunSnapshotCommand(const std::vector<std::string> &args);
int RunCloneCommand(const std::vector<std::string> &args);
int RunGcCommand(const std::vector<std::string> &args);
//! Prints the help of a storage command; false when command is not one.
bool PrintStorageCommandHelp(const std::string &command);

} // namespace openduck
