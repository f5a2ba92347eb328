#include "server/token_auth.hpp"

#include <grpcpp/server_context.h>

namespace openduck {

bool ConstantTimeEquals(const std::string &a, const std::string &b) {
	// Fold over the longer length so a length mismatch costs the same as a content mismatch.
	size_t length = a.size() > b.size() ? a.size() : b.size();
	unsigned char difference = a.size() == b.size() ? 0 : 1;
	for (size_t i = 0; i < length; i++) {
		unsigned char left = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
		unsigned char right = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
		difference |= static_cast<unsigned char>(left ^ right);
	}
	return difference == 0;
}

TokenAuthenticator::TokenAuthenticator(std::string token, std::string read_only_token) {
	if (!token.empty()) {
		expected_header = "Bearer " + token;
	}
	if (!read_only_token.empty()) {
		read_only_header = "Bearer " + read_only_token;
	}
}

TokenAccess TokenAuthenticator::Check(const grpc::ServerContext &context) const {
	if (!Enabled()) {
		return TokenAccess::READ_WRITE;
	}
	auto &metadata = context.client_metadata();
	auto entry = metadata.find("authorization");
	if (entry == metadata.end()) {
		return TokenAccess::DENIED;
	}
	std::string presented(entry->second.data(), entry->second.size());
	// Both compared every time, so the timing does not tell which token was close.
	bool full = !expected_header.empty() && ConstantTimeEquals(presented, expected_header);
	bool read_only = !read_only_header.empty() && ConstantTimeEquals(presented, read_only_header);
	if (full) {
		return TokenAccess::READ_WRITE;
	}
	return read_only ? TokenAccess::READ_ONLY : TokenAccess::DENIED;
}

} // namespace openduck
