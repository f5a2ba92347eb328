//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/token_auth.hpp
//
// Bearer-token check for every call.
//===----------------------------------------------------------------------===//

#pragma once

#include <string>

namespace grpc {
class ServerContext;
}

namespace openduck {

//! Compares in time that depends only on the lengths, so a token cannot be guessed byte by byte.
bool ConstantTimeEquals(const std::string &a, const std::string &b);

enum class TokenAccess { DENIED, READ_WRITE, READ_ONLY };

class TokenAuthenticator {
public:
	//! Without either token, authentication is off (the server then listens on loopback only).
	//! Calls with `read_only_token` may read but never write.
	TokenAuthenticator(std::string token, std::string read_only_token = std::string());

	bool Enabled() const {
		return !expected_header.empty() || !read_only_header.empty();
	}
	//! What a call carrying "authorization: Bearer <token>" may do.
	TokenAccess Check(const grpc::ServerContext &context) const;

private:
	std::string expected_header;
	std::string read_only_header;
};

} // namespace openduck
