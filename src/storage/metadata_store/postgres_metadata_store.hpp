//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/postgres_metadata_store.hpp
//
// The shared metadata store: PostgreSQL through libpq, so several servers can share one snapshot history. Same
// schema, migrations and semantics as the SQLite store. Every change of a database runs in one transaction that
// first takes that database's advisory lock (and row-locks its writer_leases row where the lease is checked), so
// two servers can never both publish. Reads reconnect and retry once after a dropped connection; a publish
// fails with "metadata store postgres://host:port/db unavailable: ..." instead. docs/storage.md.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/metadata_store/metadata_store.hpp"

#include <memory>
#include <mutex>

namespace openduck {

class PostgresConnection;
class PostgresResult;

class PostgresMetadataStore : public MetadataStore {
public:
	//! Connects to url (postgres://user:password@host:port/database, any libpq URI) and applies the schema
	//! migrations the database lacks. Throws IOException (redacted URL) when PostgreSQL cannot be reached.
	explicit PostgresMetadataStore(const std::string &url);
	~PostgresMetadataStore() override;

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
	//! Runs operation under the connection lock. Retryable operations (reads, and changes that are safe to
	//! repeat) reconnect and run once more when the connection broke; others fail with "unavailable".
	template <class OPERATION>
	auto Run(bool retryable, OPERATION &&operation) -> decltype(operation());
	//! Serializes this transaction with every other change of database (publish, lease, expiry, holds, clones).
	void LockDatabase(const std::string &database);
	SnapshotRecord QuerySnapshot(const std::string &where_order, const std::string &database, int64_t value);
	SnapshotRecord LatestSnapshotLocked(const std::string &database);
	SnapshotRecord CheckWriterLocked(const WriterLease &lease, int64_t parent);
	int64_t InsertLayerLocked(const std::string &database, const LayerRecord &layer, int64_t now);
	int64_t InsertSnapshotLocked(const SnapshotRecord &snapshot, int64_t base);

	std::unique_ptr<PostgresConnection> connection;
	std::mutex lock;
};

} // namespace openduck
