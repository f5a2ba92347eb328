#include "extension/common/attach_options.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/string_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace openduck {

using duckdb::InvalidInputException;
using duckdb::StringUtil;

namespace {

constexpr const char *DEFAULT_ENDPOINT = "http://localhost:7878";
constexpr double MAX_CONNECT_TIMEOUT_SECONDS = 3600;
//! gRPC takes message size limits as an int.
constexpr int64_t MAX_MESSAGE_BYTES = std::numeric_limits<int32_t>::max();

const char *const KNOWN_PARAMETERS[] = {"endpoint", "token", "connect_timeout", "max_message_size", "snapshot",
                                        "read_only"};
constexpr const char *KNOWN_PARAMETER_LIST = "endpoint, token, connect_timeout, max_message_size, snapshot, read_only";

bool IsKnownParameter(const std::string &key) {
	for (auto known : KNOWN_PARAMETERS) {
		if (key == known) {
			return true;
		}
	}
	return false;
}

size_t EditDistance(const std::string &a, const std::string &b) {
	std::vector<size_t> row(b.size() + 1);
	for (size_t j = 0; j <= b.size(); j++) {
		row[j] = j;
	}
	for (size_t i = 1; i <= a.size(); i++) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b.size(); j++) {
			size_t above = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
			diagonal = above;
		}
	}
	return row[b.size()];
}

//! The error for an unknown name. The name itself is never echoed: a token pasted in the wrong
//! place (as a key, or with an encoded '=') would otherwise end up in logs. A close known name is
//! suggested instead.
std::string UnknownNameMessage(const std::string &what, const std::string &name) {
	std::string message = "Unknown OpenDuck ATTACH " + what;
	const char *best = nullptr;
	size_t best_distance = 3;
	for (auto known : KNOWN_PARAMETERS) {
		auto distance = EditDistance(StringUtil::Lower(name), known);
		if (distance < best_distance) {
			best = known;
			best_distance = distance;
		}
	}
	if (best) {
		message += std::string(" (did you mean \"") + best + "\"?)";
	}
	return message + "; allowed: " + KNOWN_PARAMETER_LIST;
}

bool IsValidDatabaseName(const std::string &name) {
	if (name.empty()) {
		return false;
	}
	if (!StringUtil::CharacterIsAlpha(name[0]) && name[0] != '_') {
		return false;
	}
	for (char c : name) {
		if (!StringUtil::CharacterIsAlphaNumeric(c) && c != '_' && c != '-') {
			return false;
		}
	}
	return true;
}

int HexDigitValue(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

bool StartsWithCaseInsensitive(const std::string &text, const std::string &prefix) {
	return text.size() >= prefix.size() && StringUtil::CIEquals(text.substr(0, prefix.size()), prefix);
}

bool ParseBool(const std::string &text, bool &out) {
	auto lower = StringUtil::Lower(text);
	if (lower == "true" || lower == "1" || lower == "yes") {
		out = true;
		return true;
	}
	if (lower == "false" || lower == "0" || lower == "no") {
		out = false;
		return true;
	}
	return false;
}

//! Strict and locale-independent: the whole text must be a plain decimal number.
bool ParseDouble(const std::string &text, double &out) {
	if (text.empty()) {
		return false;
	}
	auto begin = text.data();
	auto end = begin + text.size();
	auto res = std::from_chars(begin, end, out, std::chars_format::fixed);
	return res.ec == std::errc() && res.ptr == end && std::isfinite(out);
}

bool ParseInt64(const std::string &text, int64_t &out) {
	if (text.empty()) {
		return false;
	}
	auto begin = text.data();
	auto end = begin + text.size();
	auto res = std::from_chars(begin, end, out);
	return res.ec == std::errc() && res.ptr == end;
}

//! The value of a setting by precedence: ATTACH option, then URL parameter.
const std::string *FindExplicit(const AttachSources &sources, const std::string &key) {
	auto option = sources.options.find(key);
	if (option != sources.options.end()) {
		return &option->second;
	}
	auto parameter = sources.path.parameters.find(key);
	if (parameter != sources.path.parameters.end()) {
		return &parameter->second;
	}
	return nullptr;
}

std::string GetEnv(const AttachSources &sources, const std::string &name) {
	return sources.getenv ? sources.getenv(name) : std::string();
}

} // namespace

std::string PercentDecode(const std::string &text, bool plus_is_space) {
	std::string result;
	result.reserve(text.size());
	for (size_t i = 0; i < text.size(); i++) {
		char c = text[i];
		if (c == '%') {
			int high = i + 1 < text.size() ? HexDigitValue(text[i + 1]) : -1;
			int low = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
			if (high < 0 || low < 0) {
				// The text may be a token: describe the problem without quoting it.
				throw InvalidInputException("Malformed percent-escape in OpenDuck ATTACH path: '%' must be followed by "
				                            "two hexadecimal digits (write %25 for a literal '%')");
			}
			result += static_cast<char>(high * 16 + low);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			result += ' ';
		} else {
			result += c;
		}
	}
	return result;
}

AttachPath ParseAttachPath(const std::string &path) {
	std::string rest = path;
	for (auto prefix : {"openduck:", "od:"}) {
		if (StartsWithCaseInsensitive(rest, prefix)) {
			rest = rest.substr(strlen(prefix));
			break;
		}
	}
	AttachPath result;
	auto question = rest.find('?');
	result.database = rest.substr(0, question);
	if (result.database.empty()) {
		throw InvalidInputException("OpenDuck ATTACH path has no database name (expected 'openduck:NAME?key=value&...')");
	}
	if (!IsValidDatabaseName(result.database)) {
		// Not echoed: with a missing '?' the "name" would include the parameters, token and all.
		throw InvalidInputException("Invalid OpenDuck database name: names consist of letters, digits, '_' and '-' "
		                            "and start with a letter or '_' (parameters go after '?')");
	}
	if (question == std::string::npos) {
		return result;
	}
	auto query = rest.substr(question + 1);
	for (auto &segment : StringUtil::Split(query, '&')) {
		if (segment.empty()) {
			// Tolerate "a=1&&b=2" and a trailing '&'.
			continue;
		}
		auto equals = segment.find('=');
		if (equals == std::string::npos || equals == 0) {
			throw InvalidInputException("Malformed parameter in OpenDuck ATTACH path: expected key=value pairs "
			                            "separated by '&' (allowed keys: %s)",
			                            KNOWN_PARAMETER_LIST);
		}
		auto key = StringUtil::Lower(PercentDecode(segment.substr(0, equals), false));
		if (!IsKnownParameter(key)) {
			throw InvalidInputException(UnknownNameMessage("parameter", key));
		}
		auto value = PercentDecode(segment.substr(equals + 1), true);
		if (!result.parameters.emplace(key, std::move(value)).second) {
			throw InvalidInputException("OpenDuck ATTACH parameter \"%s\" is given more than once", key);
		}
	}
	return result;
}

AttachSettings ResolveAttachSettings(const AttachSources &sources) {
	AttachSettings settings;
	settings.database = sources.path.database;
	if (!IsValidDatabaseName(settings.database)) {
		throw InvalidInputException("Invalid OpenDuck database name: names consist of letters, digits, '_' and '-' "
		                            "and start with a letter or '_'");
	}
	for (auto &option : sources.options) {
		// TYPE is how DuckDB routed the ATTACH to us; it carries nothing for OpenDuck itself.
		if (option.first == "type") {
			continue;
		}
		if (!IsKnownParameter(option.first)) {
			throw InvalidInputException(UnknownNameMessage("option", option.first));
		}
	}

	// endpoint: option > URL > secret > OPENDUCK_ENDPOINT > default.
	if (auto endpoint = FindExplicit(sources, "endpoint")) {
		settings.endpoint = *endpoint;
	} else if (!sources.secret_endpoint.empty()) {
		settings.endpoint = sources.secret_endpoint;
	} else {
		settings.endpoint = GetEnv(sources, "OPENDUCK_ENDPOINT");
		if (settings.endpoint.empty()) {
			settings.endpoint = DEFAULT_ENDPOINT;
		}
	}
	if (settings.endpoint.empty()) {
		throw InvalidInputException("OpenDuck endpoint must not be empty");
	}
	for (char c : settings.endpoint) {
		if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) {
			throw InvalidInputException("OpenDuck endpoint must not contain spaces or control characters");
		}
	}

	// token: option > URL > secret > OPENDUCK_TOKEN > none. An explicit empty token means "none".
	if (auto token = FindExplicit(sources, "token")) {
		settings.token = *token;
	} else if (!sources.secret_token.empty()) {
		settings.token = sources.secret_token;
	} else {
		settings.token = GetEnv(sources, "OPENDUCK_TOKEN");
	}
	for (char c : settings.token) {
		// It travels as gRPC metadata, which only carries printable ASCII. Never echo it.
		if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
			throw InvalidInputException("OpenDuck token contains characters other than printable ASCII");
		}
	}

	if (auto read_only = FindExplicit(sources, "read_only")) {
		if (!ParseBool(*read_only, settings.read_only)) {
			throw InvalidInputException("OpenDuck read_only must be true/false, 1/0 or yes/no");
		}
	}
	if (auto timeout = FindExplicit(sources, "connect_timeout")) {
		double seconds;
		if (!ParseDouble(*timeout, seconds) || seconds <= 0 || seconds > MAX_CONNECT_TIMEOUT_SECONDS) {
			throw InvalidInputException("OpenDuck connect_timeout must be a positive number of seconds, at most 3600");
		}
		settings.connect_timeout_seconds = seconds;
	}
	if (auto size = FindExplicit(sources, "max_message_size")) {
		int64_t bytes;
		if (!ParseInt64(*size, bytes) || bytes <= 0 || bytes > MAX_MESSAGE_BYTES) {
			throw InvalidInputException(
			    "OpenDuck max_message_size must be a positive whole number of bytes, at most 2147483647");
		}
		settings.max_message_bytes = bytes;
	}
	if (auto snapshot = FindExplicit(sources, "snapshot")) {
		if (snapshot->empty()) {
			throw InvalidInputException("OpenDuck snapshot must not be empty: use a snapshot id, a snapshot name or "
			                            "a time such as 2026-11-22 04:30:00");
		}
		// A past state cannot change: the attach reads only.
		settings.snapshot = *snapshot;
		settings.read_only = true;
	}
	return settings;
}

} // namespace openduck
