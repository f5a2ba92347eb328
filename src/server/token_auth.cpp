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

TokenAuthenticator::TokenAuthenticator(std::string token) {
	if (!token.empty()) {
		expected_header = "Bearer " + token;
	}
}

bool TokenAuthenticator::IsAuthorized(const grpc::ServerContext &context) const {
	if (!Enabled()) {
		return true;
	}
	auto &metadata = context.client_metadata();
	auto entry = metadata.find("authorization");
	if (entry == metadata.end()) {
		return false;
	}
	return ConstantTimeEquals(std::string(entry->second.data(), entry->second.size()), expected_header);
}

} // namespace openduck
