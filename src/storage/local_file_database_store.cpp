#include "storage/database_store.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace openduck {

namespace fs = std::filesystem;

static constexpr const char *DATABASE_FILE_SUFFIX = ".duckdb";

void ValidateDatabaseName(const std::string &name) {
	bool valid = !name.empty() && name.size() <= 128 &&
	             (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
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

LocalFileDatabaseStore::LocalFileDatabaseStore(std::string data_dir_p) : data_dir(std::move(data_dir_p)) {
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
		return entry->second;
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

std::string LocalFileDatabaseStore::Describe() const {
	return "local files in " + fs::absolute(data_dir).string();
}

} // namespace openduck
