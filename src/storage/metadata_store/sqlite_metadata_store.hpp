//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/sqlite_metadata_store.hpp
//
// The embedded default metadata store: one SQLite file (WAL journal, synchronous=FULL, so a committed publish
// survives a crash). Schema in docs/storage.md.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/metadata_store/metadata_store.hpp"

#include <mutex>

struct sqlite3;

namespace openduck {

class SqliteMetadataStore : public MetadataStore {
public:
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
	SnapshotRecord PublishSnapshot(const WriterLease &lease, int64_t parent, const LayerRecord &layer,
	                               int64_t ttl_ms) override;
	std::string Describe() const override;

private:
	void Execute(const std::string &sql);
	SnapshotRecord LatestSnapshotLocked(const std::string &database);

	std::string path;
	sqlite3 *db = nullptr;
	//! One connection, used by one thread at a time.
	std::mutex lock;
};

} // namespace openduck
