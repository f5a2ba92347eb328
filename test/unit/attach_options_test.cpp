#include "extension/common/attach_options.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

using openduck::AttachPath;
using openduck::AttachSettings;
using openduck::AttachSources;
using openduck::ParseAttachPath;
using openduck::PercentDecode;
using openduck::ResolveAttachSettings;

namespace {

const std::string SECRET = "s3cr3t-T0KEN_value";

//! Runs `fn`, expects an InvalidInputException and returns its message.
std::string InvalidInputMessage(const std::function<void()> &fn) {
	try {
		fn();
	} catch (duckdb::InvalidInputException &ex) {
		return duckdb::ErrorData(ex).RawMessage();
	} catch (std::exception &ex) {
		ADD_FAILURE() << "unexpected exception: " << ex.what();
		return std::string();
	}
	ADD_FAILURE() << "no exception";
	return std::string();
}

std::string ParseError(const std::string &path) {
	return InvalidInputMessage([&]() { ParseAttachPath(path); });
}

std::string ResolveError(const AttachSources &sources) {
	return InvalidInputMessage([&]() { ResolveAttachSettings(sources); });
}

AttachSources Sources(const std::string &path) {
	AttachSources sources;
	sources.path = ParseAttachPath(path);
	return sources;
}

std::function<std::string(const std::string &)> Env(std::map<std::string, std::string> vars) {
	return [vars](const std::string &name) {
		auto entry = vars.find(name);
		return entry == vars.end() ? std::string() : entry->second;
	};
}

} // namespace

TEST(AttachOptions, PathForms) {
	for (auto path : {"openduck:mydb", "OpenDuck:mydb", "OPENDUCK:mydb", "od:mydb", "OD:mydb", "mydb"}) {
		auto parsed = ParseAttachPath(path);
		EXPECT_EQ(parsed.database, "mydb") << path;
		EXPECT_TRUE(parsed.parameters.empty()) << path;
	}
	for (auto name : {"_x", "a-b_c-9", "Z", "db2"}) {
		EXPECT_EQ(ParseAttachPath(std::string("openduck:") + name).database, name);
	}
	auto parsed = ParseAttachPath("openduck:mydb?endpoint=http://h:1&token=abc&read_only=true");
	EXPECT_EQ(parsed.database, "mydb");
	EXPECT_EQ(parsed.parameters.size(), 3u);
	EXPECT_EQ(parsed.parameters["endpoint"], "http://h:1");
	EXPECT_EQ(parsed.parameters["token"], "abc");
	EXPECT_EQ(parsed.parameters["read_only"], "true");

	// Keys are case-insensitive, empty segments are tolerated, an empty query is no parameters.
	parsed = ParseAttachPath("od:db?TOKEN=x&&Connect_Timeout=2&");
	EXPECT_EQ(parsed.parameters["token"], "x");
	EXPECT_EQ(parsed.parameters["connect_timeout"], "2");
	EXPECT_TRUE(ParseAttachPath("db?").parameters.empty());
	// Everything after the first '=' is the value.
	EXPECT_EQ(ParseAttachPath("db?token=a=b==").parameters["token"], "a=b==");
	EXPECT_EQ(ParseAttachPath("db?token=").parameters["token"], "");
	EXPECT_EQ(ParseAttachPath("db?snapshot=5&max_message_size=10").parameters.size(), 2u);
}

TEST(AttachOptions, PercentDecoding) {
	EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
	EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
	EXPECT_EQ(PercentDecode("%2B%2b%25%3D%26", true), "++%=&");
	EXPECT_EQ(PercentDecode("%C3%BC", false), "ü");
	EXPECT_EQ(PercentDecode("", true), "");
	for (auto bad : {"%", "%2", "%zz", "a%g0", "%%"}) {
		EXPECT_NE(InvalidInputMessage([&]() { PercentDecode(bad, true); }), "") << bad;
	}

	auto parsed = ParseAttachPath("openduck:db?endpoint=https%3A%2F%2Fexample.com%3A443%2Fp%3Fq&token=a%2Bb+c%26d");
	EXPECT_EQ(parsed.parameters["endpoint"], "https://example.com:443/p?q");
	EXPECT_EQ(parsed.parameters["token"], "a+b c&d");
	// Keys are decoded too, but '+' stays '+' there.
	parsed = ParseAttachPath("db?%74oken=x&read%5Fonly=1");
	EXPECT_EQ(parsed.parameters["token"], "x");
	EXPECT_EQ(parsed.parameters["read_only"], "1");
	EXPECT_NE(ParseError("db?read+only=1"), "");
}

TEST(AttachOptions, PathErrors) {
	EXPECT_NE(ParseError(""), "");
	EXPECT_NE(ParseError("openduck:"), "");
	EXPECT_NE(ParseError("od:?token=x"), "");
	for (auto bad : {"openduck:1db", "openduck:-db", "openduck:my db", "openduck:my.db", "openduck:a/b", "md:db",
	                 "openduck:db%41", "openduck:ünï", "openduck:openduck:db"}) {
		EXPECT_NE(ParseError(bad), "") << bad;
	}
	auto unknown = ParseError("openduck:db?tokn=x");
	EXPECT_NE(unknown.find("did you mean \"token\""), std::string::npos) << unknown;
	for (auto allowed : {"endpoint", "token", "connect_timeout", "max_message_size", "snapshot", "read_only"}) {
		EXPECT_NE(unknown.find(allowed), std::string::npos) << unknown;
	}
	auto repeated = ParseError("openduck:db?token=a&TOKEN=b");
	EXPECT_NE(repeated.find("token"), std::string::npos) << repeated;
	EXPECT_NE(ParseError("openduck:db?endpoint=a&endpoint=a"), "");
	EXPECT_NE(ParseError("openduck:db?token"), "");
	EXPECT_NE(ParseError("openduck:db?=x"), "");
}

TEST(AttachOptions, ErrorsNeverContainTheToken) {
	std::vector<std::string> paths = {
	    "openduck:db&token=" + SECRET,             // '?' forgotten: the "name" contains the token
	    "openduck:db?token=" + SECRET + "%zz",     // malformed escape inside the token
	    "openduck:db?token=" + SECRET + "&token=" + SECRET, // repeated
	    "openduck:db?" + SECRET,                   // token pasted without a key
	    "openduck:db?" + SECRET + "=1",            // token pasted as a key
	    "openduck:db?token%3D" + SECRET + "=1",    // encoded '=' makes it part of the key
	    "openduck:" + SECRET + "?x=1",             // invalid database name ('?x' unknown) ... or the name itself
	    "openduck:db?token=" + SECRET + "&bogus=1",
	};
	for (auto &path : paths) {
		std::string message;
		try {
			ParseAttachPath(path);
			continue;
		} catch (std::exception &ex) {
			message = ex.what();
		}
		EXPECT_EQ(message.find(SECRET), std::string::npos) << message;
		EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
	}

	std::vector<std::map<std::string, std::string>> option_sets = {
	    {{"token", SECRET + "\n"}},
	    {{"token", SECRET}, {"connect_timeout", "soon"}},
	    {{"token", SECRET}, {"connect_timeout", SECRET}},
	    {{"token", SECRET}, {"max_message_size", SECRET}},
	    {{"token", SECRET}, {"read_only", SECRET}},
	    {{"token", SECRET}, {"endpoint", SECRET + " x"}},
	    {{SECRET, "1"}},
	    {{"token", SECRET}, {"snapshot", ""}},
	};
	for (auto &options : option_sets) {
		auto sources = Sources("openduck:db");
		sources.options = options;
		auto message = ResolveError(sources);
		EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
	}
	auto sources = Sources("openduck:db?token=%01" + SECRET);
	auto message = ResolveError(sources);
	EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
}

TEST(AttachOptions, Defaults) {
	auto settings = ResolveAttachSettings(Sources("openduck:mydb"));
	EXPECT_EQ(settings.database, "mydb");
	EXPECT_EQ(settings.endpoint, "http://localhost:7878");
	EXPECT_EQ(settings.token, "");
	EXPECT_FALSE(settings.read_only);
	EXPECT_DOUBLE_EQ(settings.connect_timeout_seconds, 5);
	EXPECT_EQ(settings.max_message_bytes, 0);
}

TEST(AttachOptions, Precedence) {
	auto env = Env({{"OPENDUCK_ENDPOINT", "http://env:1"}, {"OPENDUCK_TOKEN", "env-token"}});

	auto sources = Sources("openduck:db");
	sources.getenv = env;
	auto settings = ResolveAttachSettings(sources);
	EXPECT_EQ(settings.endpoint, "http://env:1");
	EXPECT_EQ(settings.token, "env-token");

	sources.secret_endpoint = "http://secret:2";
	sources.secret_token = "secret-token";
	settings = ResolveAttachSettings(sources);
	EXPECT_EQ(settings.endpoint, "http://secret:2");
	EXPECT_EQ(settings.token, "secret-token");

	auto with_url = Sources("openduck:db?endpoint=http%3A%2F%2Furl%3A3&token=url-token&read_only=yes&connect_timeout=2.5");
	with_url.getenv = env;
	with_url.secret_endpoint = "http://secret:2";
	with_url.secret_token = "secret-token";
	settings = ResolveAttachSettings(with_url);
	EXPECT_EQ(settings.endpoint, "http://url:3");
	EXPECT_EQ(settings.token, "url-token");
	EXPECT_TRUE(settings.read_only);
	EXPECT_DOUBLE_EQ(settings.connect_timeout_seconds, 2.5);

	with_url.options = {{"endpoint", "http://option:4"}, {"token", "option-token"}, {"read_only", "false"},
	                    {"connect_timeout", "7"}, {"max_message_size", "1048576"}, {"type", "openduck"}};
	settings = ResolveAttachSettings(with_url);
	EXPECT_EQ(settings.endpoint, "http://option:4");
	EXPECT_EQ(settings.token, "option-token");
	EXPECT_FALSE(settings.read_only);
	EXPECT_DOUBLE_EQ(settings.connect_timeout_seconds, 7);
	EXPECT_EQ(settings.max_message_bytes, 1048576);

	// Only the environment: each variable independently.
	auto only_token = Sources("db");
	only_token.getenv = Env({{"OPENDUCK_TOKEN", "t"}});
	settings = ResolveAttachSettings(only_token);
	EXPECT_EQ(settings.endpoint, "http://localhost:7878");
	EXPECT_EQ(settings.token, "t");

	// An explicitly empty token overrides a lower-precedence one.
	auto empty_token = Sources("db?token=");
	empty_token.secret_token = "secret-token";
	EXPECT_EQ(ResolveAttachSettings(empty_token).token, "");
}

TEST(AttachOptions, ValueParsing) {
	auto resolve = [](std::map<std::string, std::string> options) {
		auto sources = Sources("db");
		sources.options = std::move(options);
		return ResolveAttachSettings(sources);
	};
	for (auto yes : {"true", "TRUE", "True", "1", "yes", "YES"}) {
		EXPECT_TRUE(resolve({{"read_only", yes}}).read_only) << yes;
	}
	for (auto no : {"false", "FALSE", "0", "no", "No"}) {
		EXPECT_FALSE(resolve({{"read_only", no}}).read_only) << no;
	}
	for (auto bad : {"", "2", "y", "on", "truee", " true"}) {
		EXPECT_NE(ResolveError([&]() {
			          auto sources = Sources("db");
			          sources.options = {{"read_only", bad}};
			          return sources;
		          }()),
		          "")
		    << bad;
	}

	EXPECT_DOUBLE_EQ(resolve({{"connect_timeout", "0.25"}}).connect_timeout_seconds, 0.25);
	EXPECT_DOUBLE_EQ(resolve({{"connect_timeout", "3600"}}).connect_timeout_seconds, 3600);
	EXPECT_DOUBLE_EQ(resolve({{"connect_timeout", "10"}}).connect_timeout_seconds, 10);
	for (auto bad : {"", "0", "-1", "3600.5", "1e3", "nan", "inf", "abc", "5s", " 5", "0x10"}) {
		auto sources = Sources("db");
		sources.options = {{"connect_timeout", bad}};
		EXPECT_NE(ResolveError(sources), "") << bad;
	}

	EXPECT_EQ(resolve({{"max_message_size", "1"}}).max_message_bytes, 1);
	EXPECT_EQ(resolve({{"max_message_size", "2147483647"}}).max_message_bytes, 2147483647);
	for (auto bad : {"", "0", "-5", "1.5", "1e6", "2147483648", "99999999999999999999999", "10MB", " 1"}) {
		auto sources = Sources("db");
		sources.options = {{"max_message_size", bad}};
		EXPECT_NE(ResolveError(sources), "") << bad;
	}

	// URL values are checked the same way.
	EXPECT_NE(ResolveError(Sources("db?connect_timeout=0")), "");
	EXPECT_NE(ResolveError(Sources("db?read_only=maybe")), "");
	EXPECT_EQ(ResolveAttachSettings(Sources("db?max_message_size=4096")).max_message_bytes, 4096);
}

TEST(AttachOptions, ResolveErrors) {
	auto unknown = Sources("db");
	unknown.options = {{"tokne", "x"}};
	auto message = ResolveError(unknown);
	EXPECT_NE(message.find("did you mean \"token\""), std::string::npos) << message;
	unknown.options = {{"colour", "x"}};
	message = ResolveError(unknown);
	EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
	EXPECT_NE(message.find("connect_timeout"), std::string::npos) << message;

	EXPECT_NE(ResolveError(Sources("db?endpoint=")), "");
	EXPECT_NE(ResolveError(Sources("db?snapshot=")), "");

	AttachSources bad_name;
	bad_name.path.database = "1bad";
	EXPECT_NE(ResolveError(bad_name), "");
}

TEST(AttachOptions, SnapshotReadsAPastStateReadOnly) {
	auto settings = ResolveAttachSettings(Sources("openduck:db?snapshot=before-migration"));
	EXPECT_EQ(settings.snapshot, "before-migration");
	EXPECT_TRUE(settings.read_only);
	auto by_time = ResolveAttachSettings(Sources("openduck:db?snapshot=2026-11-22%2004:30:00"));
	EXPECT_EQ(by_time.snapshot, "2026-11-22 04:30:00");
	EXPECT_TRUE(by_time.read_only);
	auto newest = ResolveAttachSettings(Sources("openduck:db"));
	EXPECT_EQ(newest.snapshot, "");
	EXPECT_FALSE(newest.read_only);
}
