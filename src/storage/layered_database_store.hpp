//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layered_database_store.hpp
//
// Differential storage behind the DatabaseStore interface (`openduck serve --storage layered`): each database
// is a LayerSpace over a metadata store (SQLite by default, or PostgreSQL) and an object store (a local
// directory by default, or S3). A writer holds each open database's writer lease; snapshot readers (time
// travel, `--replica`) open published snapshots read-only and hold them against garbage collection.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/database_store.hpp"
#include "storage/filesystem/layer_space.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/object_store/object_store.hpp"
#include "storage/storage_config.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>

namespace openduck {

struct GarbageReport {
	uint64_t expired_snapshots = 0;
	uint64_t deleted_layers = 0;
	uint64_t deleted_bytes = 0;
	//! Layer objects a writer stored but never published (it crashed or was fenced off in between).
	uint64_t deleted_orphans = 0;
};

class LayeredDatabaseStore : public DatabaseStore {
public:
	explicit LayeredDatabaseStore(StorageConfig config);
	//! Closes the databases (DuckDB checkpoints, which seals), then releases the leases and holds.
	~LayeredDatabaseStore() override;

	std::vector<std::string> ListDatabases() override;
	void CreateDatabase(const std::string &name) override;
	//! The writer's engine; a replica's engine over the newest snapshot. A writer whose last commit failed to
	//! publish is reopened from the newest snapshot here.
	std::shared_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name) override;
	std::string Describe() const override;

	std::shared_ptr<duckdb::DuckDB> OpenSnapshot(const std::string &name, const SnapshotSelector &at) override;
	std::vector<SnapshotInfo> ListSnapshots(const std::string &name) override;
	std::string WriteRefusal(const std::string &name) override;
	SnapshotInfo ResolveSnapshot(const std::string &name, const SnapshotSelector &at) override;
	SnapshotInfo CreateNamedSnapshot(const std::string &name, const std::string &snapshot_name) override;
	SnapshotInfo CloneDatabase(const std::string &source, const SnapshotSelector &at,
	                           const std::string &target) override;

	//! Expires snapshots older than the retention (never the newest, named or held ones) of the given databases
	//! (all when empty), then deletes layer objects no snapshot of any database references, and objects that
	//! fenced-off writers stored but never published.
	GarbageReport CollectGarbage(const std::vector<std::string> &databases);

	//! How long a writer lease (or a snapshot hold) lasts without renewal; renewed every third of it.
	static constexpr int64_t LEASE_TTL_MS = 30000;
	//! Snapshot engines kept open for reuse (time travel, a replica's recent snapshots).
	static constexpr size_t MAX_SNAPSHOT_ENGINES = 8;
	//! A writer compacts a database once it has this many layers.
	static constexpr size_t COMPACT_AT_LAYERS = 16;
	//! How often a writer collects garbage by itself.
	static constexpr int64_t GC_INTERVAL_MS = 5 * 60 * 1000;
	//! After a failed commit, how often a writer tries to reopen from the newest snapshot.
	static constexpr int64_t REOPEN_RETRY_MS = 1000;
	//! A replica looks for a newer snapshot at most this often.
	static constexpr int64_t REPLICA_POLL_MS = 50;

	//! "host:pid:nonce", unique per store instance.
	static std::string MakeHolderName();
	//! True when holder names a process on this host that no longer exists (so its lease needs no waiting out).
	static bool HolderIsGone(const std::string &holder);

private:
	struct WriterEntry {
		std::shared_ptr<duckdb::DuckDB> database;
		std::shared_ptr<LayerSpace> space;
		WriterLease lease;
		//! When reopening after a failed commit last failed.
		std::chrono::steady_clock::time_point failed_reopen_at;
	};
	struct SnapshotEngine {
		std::string database;
		int64_t snapshot_id = 0;
		std::shared_ptr<duckdb::DuckDB> engine;
		std::chrono::steady_clock::time_point last_used;
	};
	struct ReplicaState {
		int64_t snapshot_id = 0;
		bool refreshing = false;
	};

	std::shared_ptr<duckdb::DuckDB> OpenWriterLocked(const std::string &name);
	std::shared_ptr<duckdb::DuckDB> CachedEngineLocked(const std::string &name, int64_t snapshot_id);
	//! Holds a snapshot against GC and starts a read-only engine on it (without the store lock).
	SnapshotEngine OpenSnapshotEngine(const std::string &name, int64_t snapshot_id);
	//! Caches an opened engine, closing or retiring the least recently used one beyond the cap.
	std::shared_ptr<duckdb::DuckDB> AdoptEngineLocked(SnapshotEngine engine);
	//! The cached engine of a snapshot, opened with the lock released when missing.
	std::shared_ptr<duckdb::DuckDB> EngineFor(std::unique_lock<std::mutex> &guard, const std::string &name,
	                                          int64_t snapshot_id);
	//! A replica's engine: the newest snapshot the refresher has opened.
	std::shared_ptr<duckdb::DuckDB> OpenReplica(std::unique_lock<std::mutex> &guard, const std::string &name);
	//! Queues, for every database a replica serves, a snapshot newer than the one it serves (releases
	//! the lock while it asks the metadata).
	void QueueNewerSnapshots(std::unique_lock<std::mutex> &guard);
	//! On a replica, polls the metadata every REPLICA_POLL_MS and opens newer snapshots, one at a
	//! time, off the request path.
	void RefresherLoop();
	//! A DuckDB instance over space; read_only for snapshot readers. temp_name keeps spill files apart.
	std::shared_ptr<duckdb::DuckDB> StartEngine(const std::string &name, std::shared_ptr<LayerSpace> space,
	                                            const std::string &temp_name);
	bool DatabaseKnown(const std::string &name);
	//! A plain DuckDB file <data-dir>/<name>.duckdb (and its WAL) from the plain-file store, if there is one.
	std::string PlainFilePath(const std::string &name) const;
	//! Copies a plain file (and WAL) into an empty layer space as its first layer, in one seal, so a crash
	//! mid-import leaves no snapshot at all rather than half a database. The plain files are left untouched.
	void ImportPlainFile(LayerSpace &space, const std::string &name);
	//! Renews leases and holds, and releases holds of retired snapshot engines nobody uses any more.
	void Heartbeat();
	//! Compacts the databases whose seals asked for it, one at a time, off the commit path.
	void CompactorLoop();
	void CompactDatabase(const std::string &name);
	SnapshotInfo ToInfo(const SnapshotRecord &record, int64_t newest_id) const;

	StorageConfig config;
	std::string data_dir;
	std::string holder;
	std::shared_ptr<MetadataStore> metadata;
	std::shared_ptr<ObjectStore> objects;
	std::shared_ptr<LayerReaderCache> layer_readers;

	std::mutex lock;
	std::unordered_map<std::string, WriterEntry> writers;
	std::vector<SnapshotEngine> snapshot_engines;
	//! Evicted snapshot engines that sessions may still use: their holds last until the last user lets go.
	std::vector<SnapshotEngine> retired_engines;
	std::unordered_map<std::string, ReplicaState> replicas;
	//! (database, snapshot) pairs for the refresher (guarded by lock).
	std::set<std::pair<std::string, int64_t>> refresh_queue;
	std::condition_variable refresher_wakeup;
	bool stopping_refresher = false;
	std::thread refresher;

	std::chrono::steady_clock::time_point last_gc;
	std::mutex heartbeat_lock;
	std::condition_variable heartbeat_wakeup;
	bool stopping = false;
	std::thread heartbeat;
	//! Databases waiting for compaction (guarded by heartbeat_lock).
	std::set<std::string> compaction_queue;
	std::condition_variable compactor_wakeup;
	std::thread compactor;
};

} // namespace openduck
