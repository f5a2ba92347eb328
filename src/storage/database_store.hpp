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
#include "storage/snapshot_selector.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace openduck {

struct SnapshotInfo {
	int64_t id = 0;
	//! The snapshot this one was made from (for a clone's first snapshot: the source's), 0 for none.
	int64_t parent = 0;
	int64_t created_at_ms = 0;
	std::string name;
	uint64_t layer_count = 0;
	bool newest = false;
};

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
	//! Why database `name` cannot take writes right now (too little free disk, a failed commit being
	//! recovered), or empty when it can. Cheap: asked before every statement.
	virtual std::string WriteRefusal(const std::string &name) {
		return std::string();
	}

	//! A read-only engine over a past state of a database. Throws InvalidInputException when there is no such
	//! snapshot, NotImplementedException when the store keeps no snapshots.
	virtual std::shared_ptr<duckdb::DuckDB> OpenSnapshot(const std::string &name, const SnapshotSelector &at);
	//! The database's snapshots, oldest first.
	virtual std::vector<SnapshotInfo> ListSnapshots(const std::string &name);
	//! The one snapshot `at` names. Throws InvalidInputException naming what was asked for when there is none.
	virtual SnapshotInfo ResolveSnapshot(const std::string &name, const SnapshotSelector &at);
	//! Names the database's newest snapshot (every acknowledged commit is in it), so it outlives retention.
	virtual SnapshotInfo CreateNamedSnapshot(const std::string &name, const std::string &snapshot_name);
	//! Creates database target as a zero-copy clone of source at a snapshot: metadata only, constant time.
	virtual SnapshotInfo CloneDatabase(const std::string &source, const SnapshotSelector &at,
	                                   const std::string &target);
};

//! The engine options every served database gets, whatever the store: remote SQL must not reach the server's
//! file system or install code.
void ApplyServerDatabaseOptions(duckdb::DBConfig &config);

//! The reason to refuse writes when the file system holding `directory` has less than `min_free_bytes` free
//! (0: never), or empty.
std::string FreeSpaceRefusal(const std::string &directory, uint64_t min_free_bytes, const std::string &database);

//! Whether DuckDB gave up on the engine after a fatal error (e.g. a checkpoint that hit a full disk): every
//! later statement on it fails until it is opened again.
bool EngineInvalidated(duckdb::DuckDB &engine);

//! Checks a database name: letters, digits, '_' and '-', starting with a letter or '_'. Throws
//! InvalidInputException otherwise, so names are safe as file names.
void ValidateDatabaseName(const std::string &name);

//! The embedded default: one DuckDB file per database, <data_dir>/<name>.duckdb.
class LocalFileDatabaseStore : public DatabaseStore {
public:
	LocalFileDatabaseStore(std::string data_dir, uint64_t min_free_bytes);

	std::vector<std::string> ListDatabases() override;
	void CreateDatabase(const std::string &name) override;
	//! An engine DuckDB invalidated (a write failed, e.g. on a full disk) is opened again from its file, which
	//! holds every commit that was acknowledged.
	std::shared_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name) override;
	std::string Describe() const override;
	std::string WriteRefusal(const std::string &name) override;

private:
	std::string PathFor(const std::string &name) const;
	std::shared_ptr<duckdb::DuckDB> OpenLocked(const std::string &name, bool create);

	std::string data_dir;
	uint64_t min_free_bytes;
	std::mutex lock;
	std::unordered_map<std::string, std::shared_ptr<duckdb::DuckDB>> open_databases;
};

} // namespace openduck
