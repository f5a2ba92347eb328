//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/endpoint.hpp
//
// Where a server is and how to reach it.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <string>

namespace openduck {

struct EndpointConfig {
	//! As the user wrote it, e.g. http://localhost:7878 (used in error messages; never holds the token).
	std::string endpoint;
	//! host:port for gRPC.
	std::string target;
	bool use_tls = false;
	std::string token;
	double connect_timeout_seconds = 5;
	int64_t max_message_bytes = 0;
};

//! Parses http://host[:port], https://host[:port], grpc://..., or host[:port]. Throws
//! InvalidInputException naming the bad endpoint.
EndpointConfig ParseEndpoint(const std::string &endpoint);

} // namespace openduck
