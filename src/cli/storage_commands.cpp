#include "cli/storage_commands.hpp"

#include "cli/cli_support.hpp"
#include "duckdb.hpp"
#include "duckdb/common/error_data.hpp"
#include "storage/layered_database_store.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/snapshot_selector.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace openduck {

namespace {

const char *SNAPSHOT_HELP = R"(openduck snapshot - snapshots of differential (layered) storage

Usage:
  openduck snapshot list [flags] [DB...]
  openduck snapshot create [flags] DB NAME

list    Prints the snapshots of each DB (default: every database), oldest first: id, parent,
        creation time (UTC), name, number of layers and the fencing token of the writer that
        published it.
create  Names DB's newest snapshot NAME (every acknowledged commit is in it). Named snapshots are
        kept past the retention period; attach one with ATTACH 'openduck:DB?snapshot=NAME'.

Both work while servers run.

Storage flags:
%STORAGE_FLAGS%)";

const char *CLONE_HELP = R"(openduck clone - zero-copy clone of a database

Usage:
  openduck clone [flags] SOURCE TARGET [--snapshot S]

Creates database TARGET with the content of SOURCE at snapshot S (an id, a name, or a time such
as "2026-11-22 04:30:00"; default: the newest). Only metadata is written, so it takes the same
time for any size; afterwards each database changes independently. Works while servers run; a
server serves TARGET at its next request for it.

Storage flags:
%STORAGE_FLAGS%)";

const char *GC_HELP = R"(openduck gc - expire old snapshots and delete layers nothing references

Usage:
  openduck gc [flags] [DB...]

For each DB (default: every database): drops snapshots older than --retention, except the newest,
named ones and ones a reader holds, then deletes the layer objects no remaining snapshot of any
database references (clones share layers), and objects left by writers that crashed before
publishing. Servers also run this by themselves every few minutes.

Storage flags:
%STORAGE_FLAGS%)";

//! Layered storage, whatever --storage says (these commands only make sense for it). Refuses an embedded
//! data directory without metadata rather than creating an empty one.
StorageConfig LayeredConfig(StorageConfig config) {
	auto metadata_path = std::filesystem::path(config.data_dir) / "metadata.sqlite";
	if (config.metadata_url.empty() && !std::filesystem::exists(metadata_path)) {
		std::cerr << "openduck: no layered storage in \"" << config.data_dir << "\" (" << metadata_path.string()
		          << " is missing): pass the server's --data-dir, or its --metadata and --store\n";
		std::exit(1);
	}
	config.kind = "layered";
	return config;
}

int Fail(std::exception &ex) {
	std::cerr << "openduck: " << duckdb::ErrorData(ex).RawMessage() << "\n";
	return 1;
}

int ListSnapshots(const CommandArguments &arguments) {
	auto config = LayeredConfig(arguments.config);
	auto metadata = MakeMetadataStore(config);
	auto known = metadata->ListDatabases();
	auto databases = arguments.positional;
	databases.erase(databases.begin());
	if (databases.empty()) {
		databases = known;
	}
	std::printf("%-20s %10s %10s  %-23s %-20s %8s %8s\n", "database", "snapshot", "parent", "created_at (UTC)", "name",
	            "layers", "token");
	for (auto &database : databases) {
		if (std::find(known.begin(), known.end(), database) == known.end()) {
			std::cerr << "openduck: no database \"" << database << "\" in " << metadata->Describe() << "\n";
			return 1;
		}
		for (auto &snapshot : metadata->ListSnapshots(database)) {
			std::printf("%-20s %10lld %10s  %-23s %-20s %8llu %8lld\n", database.c_str(), (long long)snapshot.id,
			            snapshot.parent ? std::to_string(snapshot.parent).c_str() : "-",
			            FormatUtcMilliseconds(snapshot.created_at_ms).c_str(),
			            snapshot.name.empty() ? "-" : snapshot.name.c_str(), (unsigned long long)snapshot.layer_count,
			            (long long)snapshot.fencing_token);
		}
	}
	return 0;
}

} // namespace

bool PrintStorageCommandHelp(const std::string &command) {
	const char *help = command == "snapshot" ? SNAPSHOT_HELP
	                   : command == "clone"  ? CLONE_HELP
	                   : command == "gc"     ? GC_HELP
	                                         : nullptr;
	if (!help) {
		return false;
	}
	std::cout << Help(help);
	return true;
}

int RunSnapshotCommand(const std::vector<std::string> &args) {
	auto arguments = ParseCommandArguments(args, {}, SNAPSHOT_HELP);
	if (arguments.help || arguments.positional.empty()) {
		std::cout << Help(SNAPSHOT_HELP);
		return arguments.help ? 0 : 2;
	}
	auto &action = arguments.positional[0];
	try {
		if (action == "list") {
			return ListSnapshots(arguments);
		}
		if (action == "create") {
			if (arguments.positional.size() != 3) {
				UsageError("snapshot create needs DB and NAME", SNAPSHOT_HELP);
			}
			LayeredDatabaseStore store(LayeredConfig(arguments.config));
			auto info = store.CreateNamedSnapshot(arguments.positional[1], arguments.positional[2]);
			std::cout << "snapshot " << info.id << " of " << arguments.positional[1] << " is named " << info.name
			          << "\n";
			return 0;
		}
	} catch (std::exception &ex) {
		return Fail(ex);
	}
	UsageError("unknown snapshot command \"" + action + "\"", SNAPSHOT_HELP);
}

int RunCloneCommand(const std::vector<std::string> &args) {
	auto arguments = ParseCommandArguments(args, {"--snapshot"}, CLONE_HELP);
	if (arguments.help) {
		std::cout << Help(CLONE_HELP);
		return 0;
	}
	if (arguments.positional.size() != 2) {
		UsageError("clone needs SOURCE and TARGET", CLONE_HELP);
	}
	try {
		LayeredDatabaseStore store(LayeredConfig(arguments.config));
		auto info = store.CloneDatabase(arguments.positional[0], SnapshotSelector::Parse(arguments.Value("--snapshot")),
		                                arguments.positional[1]);
		std::cout << "created " << arguments.positional[1] << " from " << arguments.positional[0] << " at snapshot "
		          << info.parent << "\n";
		return 0;
	} catch (std::exception &ex) {
		return Fail(ex);
	}
}

int RunGcCommand(const std::vector<std::string> &args) {
	auto arguments = ParseCommandArguments(args, {}, GC_HELP);
	if (arguments.help) {
		std::cout << Help(GC_HELP);
		return 0;
	}
	try {
		LayeredDatabaseStore store(LayeredConfig(arguments.config));
		auto report = store.CollectGarbage(arguments.positional);
		std::cout << "expired " << report.expired_snapshots << " snapshots, deleted " << report.deleted_layers
		          << " layers (" << report.deleted_bytes << " bytes) and " << report.deleted_orphans
		          << " unpublished objects\n";
		return 0;
	} catch (std::exception &ex) {
		return Fail(ex);
	}
}

} // namespace openduck
