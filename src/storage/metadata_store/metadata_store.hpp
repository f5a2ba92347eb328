//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/metadata_store.hpp
//
// Databases, layers, snapshots (ordered lists of layers) and the writer lease. Publishing a snapshot and
// checking the writer's fencing token happen in one transaction: that is what makes a stale writer harmless.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace openduck {

struct LayerRecord {
	int64_t id = 0;
	std::string object_key;
	uint64_t size_bytes = 0;
};

struct SnapshotRecord {
	int64_t id = 0;
	std::string database;
	//! The snapshot this one was made from; 0 for the first.
	int64_t parent = 0;
	uint64_t layer_count = 0;
	int64_t created_at_ms = 0;
	std::string name;
	int64_t fencing_token = 0;
};

struct WriterLease {
	std::string database;
	std::string holder;
	int64_t fencing_token = 0;
	int64_t expires_at_ms = 0;
};

//! Decides whether a lease holder that has not expired is known to be gone (a dead process on this host).
using LeaseHolderGone = std::function<bool(const std::string &holder)>;

class MetadataStore {
public:
	virtual ~MetadataStore() = default;

	//! Names of the databases, sorted.
	virtual std::vector<std::string> ListDatabases() = 0;
	//! Registers a database; a no-op when it exists.
	virtual void CreateDatabase(const std::string &name) = 0;
	virtual bool DatabaseExists(const std::string &name) = 0;

	//! Takes the writer lease of a database for ttl_ms when it is free, expired, already ours, or its holder is
	//! gone, and returns it with a new fencing token (larger than every earlier one). Throws IOException naming
	//! the holder otherwise.
	virtual WriterLease AcquireWriterLease(const std::string &database, const std::string &holder, int64_t ttl_ms,
	                                       const LeaseHolderGone &holder_gone) = 0;
	//! Extends the lease; false when it is no longer held with this token (the writer is fenced off).
	virtual bool RenewWriterLease(const WriterLease &lease, int64_t ttl_ms) = 0;
	//! Gives the lease up (keeps the token counter).
	virtual void ReleaseWriterLease(const WriterLease &lease) = 0;

	//! The newest snapshot of a database; id 0 when it has none.
	virtual SnapshotRecord LatestSnapshot(const std::string &database) = 0;
	//! Snapshots of a database, oldest first.
	virtual std::vector<SnapshotRecord> ListSnapshots(const std::string &database) = 0;
	//! The ordered layer list of a snapshot, oldest first.
	virtual std::vector<LayerRecord> SnapshotLayers(int64_t snapshot_id) = 0;

	//! In one transaction: checks that lease's token is the database's current one and that parent is still
	//! the newest snapshot, records the layer, and adds a snapshot = parent's layers + this layer. Throws
	//! IOException (and changes nothing) when either check fails.
	virtual SnapshotRecord PublishSnapshot(const WriterLease &lease, int64_t parent, const LayerRecord &layer,
	                                       int64_t ttl_ms) = 0;

	virtual std::string Describe() const = 0;
};

//! Wall-clock milliseconds since the Unix epoch (the unit of every time in the metadata store).
int64_t NowMilliseconds();

} // namespace openduck
