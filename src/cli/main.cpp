// The `openduck` command: serve databases over the OpenDuck protocol.
#include "cli/cli_support.hpp"
#include "cli/storage_commands.hpp"
#include "cli/storage_flags.hpp"
#include "duckdb/common/error_data.hpp"
#include "protocol/protocol_constants.hpp"
#include "server/serve.hpp"

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#ifndef OPENDUCK_VERSION
#define OPENDUCK_VERSION "0.1.0"
#endif

namespace {

using openduck::Help;
using openduck::UsageError;

const char *MAIN_HELP = R"(openduck - an open, self-hosted distributed DuckDB

Usage:
  openduck <command> [flags]

Commands:
  serve      Run the server (gateway and worker in one process) on the embedded defaults
  snapshot   Snapshots of layered storage: openduck snapshot list|create ...
  clone      Zero-copy clone of a database: openduck clone SOURCE TARGET [--snapshot S]
  gc         Expire old snapshots and delete unreferenced layers: openduck gc [DB...]
  version    Print the OpenDuck, protocol and DuckDB versions
  help       Show help for a command: openduck help serve

Clients attach with:
  LOAD 'build/extension/openduck.duckdb_extension';
  ATTACH 'openduck:mydb?endpoint=http://localhost:7878&token=...' AS cloud;
)";

const char *SERVE_HELP = R"(openduck serve - serve DuckDB databases over gRPC + Arrow IPC

Usage:
  openduck serve [flags]

Flags:
  -d, --database NAME        Database to serve (created if missing). Repeat the flag or separate
                             names with commas. Every database already in the data directory is
                             served too. Default when the directory is empty: mydb
  -t, --token TOKEN          Token clients must send ("authorization: Bearer TOKEN").
                             Default: $OPENDUCK_TOKEN. Without a token, authentication is off and
                             the server listens on loopback only.
      --read-only-token TOKEN
                             A second token whose clients may read but never write.
                             Default: $OPENDUCK_READ_ONLY_TOKEN.
      --host ADDR            Address to listen on. Default: 127.0.0.1. A non-loopback address
                             requires a token.
  -p, --port PORT            TCP port for gRPC. Default: 7878 (0 picks a free port; the start-up
                             log line says which).
      --health-port PORT     TCP port for plain HTTP GET /health. Default: the gRPC port + 1
                             (7879); 0 turns it off.
      --max-message-size N   Largest gRPC message in bytes, either direction. Default: 67108864.
                             Result batches are sized well below it.
  -h, --help                 Show this help

Storage flags:
%STORAGE_FLAGS%
Health:
  curl http://localhost:7879/health        (plain HTTP, on --health-port)
  grpc.health.v1.Health/Check              (standard gRPC health service, on the gRPC port)

SIGINT or SIGTERM stops the server cleanly.
)";

bool ParsePort(const std::string &text, uint16_t &port) {
	if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
		return false;
	}
	auto value = std::stoul(text);
	if (value > 65535) {
		return false;
	}
	port = static_cast<uint16_t>(value);
	return true;
}

int Serve(const std::vector<std::string> &args) {
	openduck::ServeOptions options;
	if (auto token = std::getenv("OPENDUCK_TOKEN")) {
		options.token = token;
	}
	if (auto token = std::getenv("OPENDUCK_READ_ONLY_TOKEN")) {
		options.read_only_token = token;
	}
	auto arguments =
	    openduck::ParseCommandArguments(args,
	                                    {"-d", "--database", "--db", "-t", "--token", "--read-only-token", "--host",
	                                     "--listen", "-p", "--port", "--health-port", "--max-message-size"},
	                                    SERVE_HELP);
	if (arguments.help) {
		std::cout << Help(SERVE_HELP);
		return 0;
	}
	if (!arguments.positional.empty()) {
		UsageError("unexpected argument \"" + arguments.positional[0] + "\"", SERVE_HELP);
	}
	options.storage = arguments.config;
	for (auto &flag : arguments.values) {
		auto &arg = flag.first;
		auto &text = flag.second;
		if (arg == "-d" || arg == "--database" || arg == "--db") {
			std::stringstream names(text);
			std::string name;
			while (std::getline(names, name, ',')) {
				if (!name.empty()) {
					options.databases.push_back(name);
				}
			}
		} else if (arg == "-t" || arg == "--token") {
			options.token = text;
		} else if (arg == "--read-only-token") {
			options.read_only_token = text;
		} else if (arg == "--host" || arg == "--listen") {
			options.host = text;
		} else if (arg == "-p" || arg == "--port") {
			if (!ParsePort(text, options.port)) {
				UsageError("invalid port \"" + text + "\"", SERVE_HELP);
			}
		} else if (arg == "--health-port") {
			uint16_t health_port = 0;
			if (!ParsePort(text, health_port)) {
				UsageError("invalid health port \"" + text + "\"", SERVE_HELP);
			}
			options.health_port = health_port;
		} else if (arg == "--max-message-size") {
			char *end = nullptr;
			auto bytes = std::strtoll(text.c_str(), &end, 10);
			if (text.empty() || *end != '\0' || bytes < 4096 || bytes > 2147483647LL) {
				UsageError("invalid --max-message-size \"" + text + "\" (bytes, 4096 to 2147483647)", SERVE_HELP);
			}
			options.max_message_bytes = bytes;
		}
	}
	return openduck::RunServe(options);
}

} // namespace

int main(int argc, char **argv) {
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.empty() || args[0] == "-h" || args[0] == "--help") {
		std::cout << MAIN_HELP;
		return args.empty() ? 2 : 0;
	}
	auto command = args[0];
	std::vector<std::string> rest(args.begin() + 1, args.end());
	if (command == "serve") {
		return Serve(rest);
	}
	if (command == "snapshot") {
		return openduck::RunSnapshotCommand(rest);
	}
	if (command == "clone") {
		return openduck::RunCloneCommand(rest);
	}
	if (command == "gc") {
		return openduck::RunGcCommand(rest);
	}
	if (command == "version" || command == "--version") {
		std::cout << "openduck " << OPENDUCK_VERSION << " (protocol " << openduck::PROTOCOL_VERSION << ", DuckDB "
		          << OPENDUCK_DUCKDB_VERSION << ")\n";
		return 0;
	}
	if (command == "help") {
		if (!rest.empty() && openduck::PrintStorageCommandHelp(rest[0])) {
			return 0;
		}
		std::cout << Help(!rest.empty() && rest[0] == "serve" ? SERVE_HELP : MAIN_HELP);
		return 0;
	}
	UsageError("unknown command \"" + command + "\"", MAIN_HELP);
}
