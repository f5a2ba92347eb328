#include "storage/database_store.hpp"

#include <cctype>

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
