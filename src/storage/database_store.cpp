#include "storage/database_store.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/valid_checker.hpp"

#include <cctype>
#include <cstdio>
#include <sys/statvfs.h>

namespace openduck {

void ValidateDatabaseName(const std::string &name) {
	bool valid =
	    !name.empty() && name.size() <= 128 && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
	for (char c : name) {
		valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
	}
	if (!valid) {
		throw duckdb::InvalidInputException("invalid database name \"%s\": use letters, digits, '_' and '-', "
		                                    "starting with a letter",
		                                    name);
	}
}

void ApplyServerDatabaseOptions(duckdb::DBConfig &config) {
	// Remote clients must not reach the server's file system or install code through SQL.
	config.SetOptionByName("enable_external_access", duckdb::Value::BOOLEAN(false));
	config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
	config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
	// Only this server's DuckDB opens these files, so new databases may use every type (VARIANT...).
	config.SetOptionByName("storage_compatibility_version", duckdb::Value("latest"));
}

std::string FreeSpaceRefusal(const std::string &directory, uint64_t min_free_bytes, const std::string &database) {
	struct statvfs stats;
	if (min_free_bytes == 0 || ::statvfs(directory.c_str(), &stats) != 0) {
		return std::string();
	}
	auto free_bytes = static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize;
	if (free_bytes >= min_free_bytes) {
		return std::string();
	}
	char amounts[128];
	std::snprintf(amounts, sizeof(amounts), "%.1f MiB free, below the %.1f MiB", free_bytes / 1048576.0,
	              min_free_bytes / 1048576.0);
	return "not enough free disk space: \"" + directory + "\" has " + amounts +
	       " reserve the server keeps (--min-free-space) so that a commit never runs out of space halfway. Writes "
	       "to database \"" +
	       database + "\" are refused until space is freed; reads go on";
}

bool EngineInvalidated(duckdb::DuckDB &engine) {
	auto &instance = *engine.instance;
	if (duckdb::ValidChecker::IsInvalidated(instance)) {
		return true;
	}
	// A failed checkpoint invalidates the attached database rather than the whole instance.
	for (auto &database : instance.GetDatabaseManager().GetDatabases()) {
		if (duckdb::ValidChecker::IsInvalidated(*database)) {
			return true;
		}
	}
	return false;
}

[[noreturn]] static void ThrowNoSnapshots() {
	throw duckdb::NotImplementedException("snapshots, time travel and clones need differential storage: start the "
	                                      "server with --storage layered");
}

std::shared_ptr<duckdb::DuckDB> DatabaseStore::OpenSnapshot(const std::string &, const SnapshotSelector &) {
	ThrowNoSnapshots();
}

std::vector<SnapshotInfo> DatabaseStore::ListSnapshots(const std::string &) {
	ThrowNoSnapshots();
}

SnapshotInfo DatabaseStore::ResolveSnapshot(const std::string &, const SnapshotSelector &) {
	ThrowNoSnapshots();
}

SnapshotInfo DatabaseStore::CreateNamedSnapshot(const std::string &, const std::string &) {
	ThrowNoSnapshots();
}

SnapshotInfo DatabaseStore::CloneDatabase(const std::string &, const SnapshotSelector &, const std::string &) {
	ThrowNoSnapshots();
}

} // namespace openduck
