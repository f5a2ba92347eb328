#include "storage/database_store.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace openduck {

namespace fs = std::filesystem;

static constexpr const char *DATABASE_FILE_SUFFIX = ".duckdb";

LocalFileDatabaseStore::LocalFileDatabaseStore(std::string data_dir_p, uint64_t min_free_bytes_p)
    : data_dir(std::move(data_dir_p)), min_free_bytes(min_free_bytes_p) {
	std::error_code error;
	fs::create_directories(data_dir, error);
	if (error) {
		throw duckdb::IOException("cannot create data directory \"%s\": %s", data_dir, error.message());
	}
}

std::string LocalFileDatabaseStore::PathFor(const std::string &name) const {
	return (fs::path(data_dir) / (name + DATABASE_FILE_SUFFIX)).string();
}

std::vector<std::string> LocalFileDatabaseStore::ListDatabases() {
	std::vector<std::string> names;
	for (auto &entry : fs::directory_iterator(data_dir)) {
		auto path = entry.path();
		if (entry.is_regular_file() && path.extension() == DATABASE_FILE_SUFFIX) {
			names.push_back(path.stem().string());
		}
	}
	std::sort(names.begin(), names.end());
	return names;
}

void LocalFileDatabaseStore::CreateDatabase(const std::string &name) {
	ValidateDatabaseName(name);
	std::lock_guard<std::mutex> guard(lock);
	OpenLocked(name, true);
}

std::shared_ptr<duckdb::DuckDB> LocalFileDatabaseStore::OpenDatabase(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	return OpenLocked(name, false);
}

std::shared_ptr<duckdb::DuckDB> LocalFileDatabaseStore::OpenLocked(const std::string &name, bool create) {
	auto entry = open_databases.find(name);
	if (entry != open_databases.end()) {
		if (!EngineInvalidated(*entry->second)) {
			return entry->second;
		}
		// DuckDB gave up on this engine after a failed write; its file and WAL hold every acknowledged commit.
		// Requests still using the old engine fail on their own; new ones get a fresh engine.
		open_databases.erase(entry);
	}
	ValidateDatabaseName(name);
	auto path = PathFor(name);
	if (!create && !fs::exists(path)) {
		return nullptr;
	}
	duckdb::DBConfig config;
	ApplyServerDatabaseOptions(config);
	auto database = std::make_shared<duckdb::DuckDB>(path, &config);
	open_databases.emplace(name, database);
	return database;
}

std::string LocalFileDatabaseStore::WriteRefusal(const std::string &name) {
	return FreeSpaceRefusal(data_dir, min_free_bytes, name);
}

std::string LocalFileDatabaseStore::Describe() const {
	return "local files in " + fs::absolute(data_dir).string();
}

} // namespace openduck
