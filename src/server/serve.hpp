//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/serve.hpp
//
// `openduck serve`: the gateway and one worker in one process.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/storage_config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

struct ServeOptions {
	std::string host;
	uint16_t port = 7878;
	//! Port for HTTP GET /health: -1 means port + 1, 0 turns it off.
	int32_t health_port = -1;
	StorageConfig storage;
	std::vector<std::string> databases;
	std::string token;
	//! Clients with this token may only read.
	std::string read_only_token;
	int64_t max_message_bytes = 0;
};

//! Runs until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeOptions &options);

} // namespace openduck
