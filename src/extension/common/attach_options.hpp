//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/common/attach_options.hpp
//
// What an ATTACH of an OpenDuck database means: which database, where, and
// with which token.
//===----------------------------------------------------------------------===//

#pragma once

#include <functional>
#include <map>
#include <string>

namespace openduck {

//! "openduck:mydb?endpoint=...&token=..." split into the database name and its decoded parameters.
struct AttachPath {
	std::string database;
	//! Lower-cased keys, percent-decoded values.
	std::map<std::string, std::string> parameters;
};

//! Decodes %XX escapes (and '+' as space in parameter values). Throws InvalidInputException on a
//! malformed escape.
std::string PercentDecode(const std::string &text, bool plus_is_space);
//! Accepts "openduck:NAME", "od:NAME" and bare "NAME", each optionally followed by "?k=v&k=v".
//! Throws InvalidInputException (naming the problem but never echoing a token) when the name is
//! empty or invalid, or a parameter is unknown or repeated. Known parameters: endpoint, token,
//! connect_timeout, max_message_size, snapshot, read_only.
AttachPath ParseAttachPath(const std::string &path);

struct AttachSettings {
	std::string database;
	std::string endpoint;
	std::string token;
	bool read_only = false;
	//! A past state to read (snapshot id, name or time); empty for the newest. Implies read_only.
	std::string snapshot;
	double connect_timeout_seconds = 5;
	int64_t max_message_bytes = 0;
};

//! Where a setting can come from, highest precedence first: ATTACH options, URL parameters, the
//! openduck secret, environment (OPENDUCK_ENDPOINT, OPENDUCK_TOKEN), defaults.
struct AttachSources {
	AttachPath path;
	//! Lower-cased ATTACH option names with their values as text (TOKEN, ENDPOINT, READ_ONLY, ...).
	std::map<std::string, std::string> options;
	std::string secret_token;
	std::string secret_endpoint;
	std::function<std::string(const std::string &)> getenv;
};

//! Resolves and validates the settings. Throws InvalidInputException for bad values (e.g. a
//! non-numeric connect_timeout), never echoing the token.
AttachSettings ResolveAttachSettings(const AttachSources &sources);

} // namespace openduck
