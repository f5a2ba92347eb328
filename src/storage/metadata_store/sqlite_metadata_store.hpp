//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/sqlite_metadata_store.hpp
//
// The embedded default metadata store: one SQLite file (WAL journal, synchronous=FULL, so a committed publish
// survives a crash). Every change runs in one BEGIN IMMEDIATE transaction, which serializes writers across
// processes sharing the file. Schema and migrations in docs/storage.md.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/metadata_store/metadata_store.hpp"
#include "storage/metadata_store/sqlite_statement.hpp"

#include <mutex>

struct sqlite3;

namespace openduck {

class SqliteMetadataStore : public MetadataStore {
public:
	//! Opens (or creates) the file and applies the schema migrations it lacks.
	explicit SqliteMetadataStore(std::string path);
	~SqliteMetadataStore() override;

	std::vector<std::string> ListDatabases() override;
	void CreateDatabase(const std::string &name) override;
	bool DatabaseExists(const std::string &name) override;
	WriterLease AcquireWriterLease(const std::string &database, const std::string &holder, int64_t ttl_ms,
	                               const LeaseHolderGone &holder_gone) override;
	bool RenewWriterLease(const WriterLease &lease, int64_t ttl_ms) override;
	void ReleaseWriterLease(const WriterLease &lease) override;
	SnapshotRecord LatestSnapshot(const std::string &database) override;
	std::vector<SnapshotRecord> ListSnapshots(const std::string &database) override;
	std::vector<LayerRecord> SnapshotLayers(int64_t snapshot_id) override;
	std::string ReadInlineLayer(const std::string &object_key) override;
	SnapshotRecord PublishSnapshot(const WriterLease &lease, int64_t parent, const LayerRecord &layer,
	                               int64_t ttl_ms) override;
	SnapshotRecord GetSnapshot(const std::string &database, int64_t snapshot_id) override;
	SnapshotRecord FindNamedSnapshot(const std::string &database, const std::string &name) override;
	SnapshotRecord SnapshotAsOf(const std::string &database, int64_t time_ms) override;
	SnapshotRecord NameSnapshot(const std::string &database, int64_t snapshot_id, const std::string &name) override;
	SnapshotRecord CloneDatabase(const std::string &source, int64_t snapshot_id, const std::string &target) override;
	SnapshotRecord PublishCompaction(const WriterLease &lease, int64_t parent, const LayerRecord &merged,
	                                 uint64_t first_position, uint64_t replaced_count, int64_t ttl_ms) override;
	bool HoldSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id,
	                  int64_t ttl_ms) override;
	void ReleaseSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id) override;
	uint64_t ExpireSnapshots(const std::string &database, int64_t cutoff_ms) override;
	std::vector<LayerRecord> UnreferencedLayers() override;
	void DeleteLayerRecords(const std::vector<int64_t> &layer_ids) override;
	bool IsLayerRecorded(const std::string &object_key) override;
	int64_t CurrentFencingToken(const std::string &database) override;
	std::string Describe() const override;

private:
	//! The first snapshot row a query (selecting SNAPSHOT_COLUMNS, parameters bound by bind) returns; id 0 if none.
	SnapshotRecord QuerySnapshot(const std::string &where_order, const std::string &database, int64_t value);
	SnapshotRecord LatestSnapshotLocked(const std::string &database);
	//! Throws IOException unless lease is the database's current lease and parent its newest snapshot; returns
	//! the newest snapshot.
	SnapshotRecord CheckWriterLocked(const WriterLease &lease, int64_t parent);
	int64_t InsertLayerLocked(const std::string &database, const LayerRecord &layer, int64_t now);
	int64_t InsertSnapshotLocked(const SnapshotRecord &snapshot, int64_t base);
	void RenewAfterPublishLocked(const WriterLease &lease, int64_t now, int64_t ttl_ms);

	std::string path;
	sqlite3 *db = nullptr;
	SqliteStatementCache statements;
	//! One connection, used by one thread at a time.
	std::mutex lock;
};

} // namespace openduck
