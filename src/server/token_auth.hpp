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

class TokenAuthenticator {
public:
	//! An empty token disables authentication (the server then listens on loopback only).
	explicit TokenAuthenticator(std::string token);

	bool Enabled() const {
		return !expected_header.empty();
	}
	//! True when the call carries "authorization: Bearer <token>" with the right token.
	bool IsAuthorized(const grpc::ServerContext &context) const;

private:
	std::string expected_header;
};

} // namespace openduck
