#include "protocol/endpoint.hpp"

#include "duckdb/common/exception.hpp"
#include "protocol/protocol_constants.hpp"

#include <cctype>

namespace openduck {

static bool IsValidHost(const std::string &host) {
	if (host.empty()) {
		return false;
	}
	for (char c : host) {
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' ||
		      c == ']')) {
			return false;
		}
	}
	return true;
}

EndpointConfig ParseEndpoint(const std::string &endpoint) {
	EndpointConfig result;
	result.endpoint = endpoint;
	std::string rest = endpoint;
	auto scheme_end = rest.find("://");
	if (scheme_end != std::string::npos) {
		auto scheme = rest.substr(0, scheme_end);
		for (auto &c : scheme) {
			c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		}
		if (scheme == "https" || scheme == "grpcs") {
			result.use_tls = true;
		} else if (scheme != "http" && scheme != "grpc") {
			throw duckdb::InvalidInputException("invalid OpenDuck endpoint \"%s\": unsupported scheme \"%s\" (use "
			                                    "http:// or https://)",
			                                    endpoint, scheme);
		}
		rest = rest.substr(scheme_end + 3);
	}
	// A trailing slash or path is harmless in a URL the user pasted; the protocol has no paths.
	auto slash = rest.find('/');
	if (slash != std::string::npos) {
		rest = rest.substr(0, slash);
	}
	std::string host = rest;
	std::string port;
	auto bracket = rest.rfind(']');
	auto colon = rest.rfind(':');
	if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
		host = rest.substr(0, colon);
		port = rest.substr(colon + 1);
	}
	if (!IsValidHost(host)) {
		throw duckdb::InvalidInputException("invalid OpenDuck endpoint \"%s\": expected http://host:port", endpoint);
	}
	if (port.empty()) {
		port = result.use_tls && scheme_end != std::string::npos ? "443" : std::to_string(DEFAULT_PORT);
	}
	for (char c : port) {
		if (!std::isdigit(static_cast<unsigned char>(c))) {
			throw duckdb::InvalidInputException("invalid OpenDuck endpoint \"%s\": port \"%s\" is not a number",
			                                    endpoint, port);
		}
	}
	if (port.size() > 5 || std::stoi(port) <= 0 || std::stoi(port) > 65535) {
		throw duckdb::InvalidInputException("invalid OpenDuck endpoint \"%s\": port %s is out of range", endpoint,
		                                    port);
	}
	result.target = host + ":" + port;
	return result;
}

} // namespace openduck
