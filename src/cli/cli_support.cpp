#include "cli/cli_support.hpp"

#include "cli/storage_flags.hpp"
#include "duckdb.hpp"
#include "duckdb/common/error_data.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace openduck {

//! A help text with the shared storage flags filled in.
std::string Help(const char *text) {
	std::string help = text;
	auto marker = help.find("%STORAGE_FLAGS%");
	if (marker != std::string::npos) {
		help.replace(marker, std::strlen("%STORAGE_FLAGS%"), STORAGE_FLAGS_HELP);
	}
	return help;
}

[[noreturn]] void UsageError(const std::string &message, const char *help) {
	std::cerr << "openduck: " << message << "\n\n" << Help(help);
	std::exit(2);
}

bool ParseStorageFlagOrExit(const std::string &arg, const std::function<std::string()> &next_value,
                            StorageConfig &config, const char *help) {
	try {
		return ParseStorageFlag(arg, next_value, config);
	} catch (std::exception &ex) {
		UsageError(duckdb::ErrorData(ex).RawMessage(), help);
	}
}

void FinishStorageConfigOrExit(StorageConfig &config, const char *help) {
	try {
		FinishStorageConfig(config);
	} catch (std::exception &ex) {
		UsageError(duckdb::ErrorData(ex).RawMessage(), help);
	}
}

std::string CommandArguments::Value(const std::string &flag, const std::string &fallback) const {
	for (auto it = values.rbegin(); it != values.rend(); ++it) {
		if (it->first == flag) {
			return it->second;
		}
	}
	return fallback;
}

CommandArguments ParseCommandArguments(const std::vector<std::string> &args,
                                       const std::vector<std::string> &value_flags, const char *help) {
	CommandArguments result;
	result.config = StorageConfigFromEnvironment();
	for (size_t i = 0; i < args.size(); i++) {
		auto arg = args[i];
		std::string inline_value;
		bool has_inline_value = false;
		if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
			inline_value = arg.substr(arg.find('=') + 1);
			arg = arg.substr(0, arg.find('='));
			has_inline_value = true;
		}
		auto next_value = [&]() -> std::string {
			if (has_inline_value) {
				return inline_value;
			}
			if (i + 1 >= args.size()) {
				UsageError("flag " + arg + " needs a value", help);
			}
			return args[++i];
		};
		if (arg == "-h" || arg == "--help") {
			result.help = true;
		} else if (ParseStorageFlagOrExit(arg, next_value, result.config, help)) {
			continue;
		} else if (std::find(value_flags.begin(), value_flags.end(), arg) != value_flags.end()) {
			result.values.emplace_back(arg, next_value());
		} else if (!arg.empty() && arg[0] == '-') {
			UsageError("unknown flag \"" + arg + "\"", help);
		} else {
			result.positional.push_back(arg);
		}
	}
	FinishStorageConfigOrExit(result.config, help);
	return result;
}

} // namespace openduck
