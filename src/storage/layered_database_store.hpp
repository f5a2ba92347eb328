//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layered_database_store.hpp
//
// Differential storage behind the DatabaseStore interface (`openduck serve --storage layered`): each database
// is a LayerSpace over the embedded defaults, SQLite metadata (<data-dir>/metadata.sqlite) and a local
// directory object store (<data-dir>/objects). This process holds each open database's writer lease.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/database_store.hpp"
#include "storage/filesystem/layer_space.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/object_store/object_store.hpp"
#include "storage/storage_config.hpp"

#include <condition_variable>
#include <thread>

namespace openduck {

class LayeredDatabaseStore : public DatabaseStore {
public:
	explicit LayeredDatabaseStore(StorageConfig config);
	//! Closes the databases (DuckDB checkpoints, which seals), then releases the leases.
	~LayeredDatabaseStore() override;

	std::vector<std::string> ListDatabases() override;
	void CreateDatabase(const std::string &name) override;
	std::shared_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name) override;
	std::string Describe() const override;

	//! How long a writer lease lasts without renewal; renewed every third of it.
	static constexpr int64_t LEASE_TTL_MS = 30000;

	//! "host:pid:nonce", unique per store instance.
	static std::string MakeHolderName();
	//! True when holder names a process on this host that no longer exists (so its lease needs no waiting out).
	static bool HolderIsGone(const std::string &holder);

private:
	struct OpenEntry {
		std::shared_ptr<duckdb::DuckDB> database;
		std::shared_ptr<LayerSpace> space;
		WriterLease lease;
	};

	std::shared_ptr<duckdb::DuckDB> OpenLocked(const std::string &name);
	//! A plain DuckDB file <data-dir>/<name>.duckdb (and its WAL) from the plain-file store, if there is one.
	std::string PlainFilePath(const std::string &name) const;
	//! Copies a plain file (and WAL) into an empty layer space as its first layer, in one seal, so a crash
	//! mid-import leaves no snapshot at all rather than half a database. The plain files are left untouched.
	void ImportPlainFile(LayerSpace &space, const std::string &name);
	void RenewLeases();

	StorageConfig config;
	std::string data_dir;
	std::string holder;
	std::shared_ptr<MetadataStore> metadata;
	std::shared_ptr<ObjectStore> objects;

	std::mutex lock;
	std::unordered_map<std::string, OpenEntry> open_databases;

	std::mutex heartbeat_lock;
	std::condition_variable heartbeat_wakeup;
	bool stopping = false;
	std::thread heartbeat;
};

} // namespace openduck
