//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/database_store.hpp
//
// Where the server's databases live. The worker only ever opens databases
// through this interface, so differential storage can replace the plain
// file store without touching the server.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace openduck {

class DatabaseStore {
public:
	virtual ~DatabaseStore() = default;

	//! Names of the databases this store holds, sorted.
	virtual std::vector<std::string> ListDatabases() = 0;
	//! Creates an empty database; a no-op when it exists.
	virtual void CreateDatabase(const std::string &name) = 0;
	//! The open engine for a database, or nullptr when the store has no such database. The
	//! instance stays open for the life of the store; every session shares it.
	virtual std::shared_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name) = 0;
	//! One line describing the store for the start-up log.
	virtual std::string Describe() const = 0;
};

//! The engine options every served database gets, whatever the store: remote SQL must not reach the server's
//! file system or install code.
void ApplyServerDatabaseOptions(duckdb::DBConfig &config);

//! Checks a database name: letters, digits, '_' and '-', starting with a letter or '_'. Throws
//! InvalidInputException otherwise, so names are safe as file names.
void ValidateDatabaseName(const std::string &name);

//! The embedded default: one DuckDB file per database, <data_dir>/<name>.duckdb.
class LocalFileDatabaseStore : public DatabaseStore {
public:
	explicit LocalFileDatabaseStore(std::string data_dir);

	std::vector<std::string> ListDatabases() override;
	void CreateDatabase(const std::string &name) override;
	std::shared_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name) override;
	std::string Describe() const override;

private:
	std::string PathFor(const std::string &name) const;
	std::shared_ptr<duckdb::DuckDB> OpenLocked(const std::string &name, bool create);

	std::string data_dir;
	std::mutex lock;
	std::unordered_map<std::string, std::shared_ptr<duckdb::DuckDB>> open_databases;
};

} // namespace openduck
