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
	//! The layer's bytes live in the metadata store itself, not in the object store (see InlineLayerLimit).
	bool inlined = false;
	//! When publishing an inlined layer: its bytes, stored in the same transaction as the snapshot.
	std::string inline_data;
};

//! Layers up to this size are stored inline in the metadata store: a small commit (a single-row INSERT's WAL
//! append) then costs one metadata transaction, instead of an object write, its fsyncs (or an S3 PUT) and that
//! transaction. Compaction merges them into object-store layers.
constexpr uint64_t INLINE_LAYER_LIMIT = 64 * 1024;

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
	//! The bytes of an inlined layer; throws IOException when no inlined layer has this key.
	virtual std::string ReadInlineLayer(const std::string &object_key) = 0;

	//! In one transaction: checks that lease's token is the database's current one and that parent is still
	//! the newest snapshot, records the layer (with its bytes when layer.inlined), and adds a snapshot = parent's
	//! layers + this layer. Throws IOException (and changes nothing) when either check fails.
	virtual SnapshotRecord PublishSnapshot(const WriterLease &lease, int64_t parent, const LayerRecord &layer,
	                                       int64_t ttl_ms) = 0;

	//! The snapshot id of database; id 0 when there is none (or it belongs to another database).
	virtual SnapshotRecord GetSnapshot(const std::string &database, int64_t snapshot_id) = 0;
	//! The snapshot of database named name; id 0 when there is none.
	virtual SnapshotRecord FindNamedSnapshot(const std::string &database, const std::string &name) = 0;
	//! The newest snapshot of database created at or before time_ms; id 0 when there is none.
	virtual SnapshotRecord SnapshotAsOf(const std::string &database, int64_t time_ms) = 0;
	//! Names a snapshot (names are unique per database; a named snapshot is never expired). Throws
	//! InvalidInputException when the name is taken or the snapshot is not database's.
	virtual SnapshotRecord NameSnapshot(const std::string &database, int64_t snapshot_id, const std::string &name) = 0;

	//! In one transaction, in constant time: creates database target (which must not exist) whose first snapshot
	//! has exactly the layers of source's snapshot snapshot_id. The layers are shared, not copied; after this
	//! each side writes independently. Throws InvalidInputException when target exists or the snapshot is not
	//! source's.
	virtual SnapshotRecord CloneDatabase(const std::string &source, int64_t snapshot_id, const std::string &target) = 0;

	//! Like PublishSnapshot (same fencing and parent checks, in one transaction), for compaction: records merged
	//! and adds a snapshot (stored with base NULL) whose layers are parent's [0, first_position), then merged, then
	//! parent's from first_position + replaced_count on. merged must have the same effect as the replaced_count
	//! layers it replaces, so the content is unchanged.
	virtual SnapshotRecord PublishCompaction(const WriterLease &lease, int64_t parent, const LayerRecord &merged,
	                                         uint64_t first_position, uint64_t replaced_count, int64_t ttl_ms) = 0;

	//! Records (or renews) that holder reads snapshot_id of database until ttl_ms from now, so GC keeps it.
	//! Returns false, recording nothing, when the snapshot no longer exists (the caller picks another).
	virtual bool HoldSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id,
	                          int64_t ttl_ms) = 0;
	//! Drops holder's hold on the snapshot; a no-op when there is none.
	virtual void ReleaseSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id) = 0;

	//! Deletes the snapshots of database created before cutoff_ms, except the newest, named ones and ones an
	//! unexpired hold names. Snapshots that are kept never lose a layer: one whose base is deleted first gets its
	//! whole layer list. Returns how many were deleted.
	virtual uint64_t ExpireSnapshots(const std::string &database, int64_t cutoff_ms) = 0;
	//! Layers, of any database, that no snapshot lists any more.
	virtual std::vector<LayerRecord> UnreferencedLayers() = 0;
	//! Forgets layer rows (call after their objects are deleted); rows a snapshot lists again are kept.
	virtual void DeleteLayerRecords(const std::vector<int64_t> &layer_ids) = 0;
	//! Whether a layer row with this object key exists (to find objects a crashed writer never published).
	virtual bool IsLayerRecorded(const std::string &object_key) = 0;
	//! The fencing token of database's newest writer lease, 0 when it never had one. Objects written under a
	//! smaller token can never be published any more.
	virtual int64_t CurrentFencingToken(const std::string &database) = 0;

	virtual std::string Describe() const = 0;
};

//! Wall-clock milliseconds since the Unix epoch (the unit of every time in the metadata store).
int64_t NowMilliseconds();

} // namespace openduck
