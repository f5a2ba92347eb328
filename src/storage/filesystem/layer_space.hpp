//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/layer_space.hpp
//
// The logical files of one database (main file, WALs) as sealed layers plus an active layer, with the
// in-memory extent map that resolves reads. The writer's half of differential storage; LayeredFileSystem
// adapts it to DuckDB's FileSystem API. docs/storage.md describes the protocol.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/filesystem/layer_reader_cache.hpp"
#include "storage/layers/layer_reader.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/object_store/object_store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace openduck {

//! Consecutive layers of the space worth merging into one (see LayerSpace::PlanCompaction).
struct CompactionPlan {
	int64_t parent = 0;
	uint64_t first_position = 0;
	std::vector<std::shared_ptr<const LayerReader>> run;
	//! The merged layer's key: object_key in the object store, inline_key when it is small enough to inline.
	std::string object_key;
	std::string inline_key;
	//! No run because a commit is under way: worth planning again shortly.
	bool busy = false;
};

struct LayerSpaceStats {
	uint64_t sealed_layers = 0;
	uint64_t seals = 0;
	int64_t snapshot_id = 0;
	uint64_t active_bytes = 0;
	//! Compactions that had to rebuild the extent map from every layer (re-pointing the pieces found a piece it
	//! could not account for). Zero in a healthy space.
	uint64_t compaction_rebuilds = 0;
};

class LayerSpace {
public:
	//! A writer over the database's newest snapshot. lease must be held: every seal publishes with its token.
	LayerSpace(std::string database, std::shared_ptr<LayerReaderCache> layers, std::shared_ptr<MetadataStore> metadata,
	           WriterLease lease, int64_t lease_ttl_ms);
	//! A reader of one snapshot: every change is refused.
	LayerSpace(std::string database, std::shared_ptr<LayerReaderCache> layers, std::shared_ptr<MetadataStore> metadata);

	//! Opens a published snapshot (0: the newest): reads every layer's index (validating it) and builds the extent
	//! map.
	void Load(int64_t snapshot_id = 0);
	bool ReadOnly() const {
		return read_only;
	}
	//! Why a seal failed, empty while none did. A failed space refuses every change; reopen from the newest
	//! snapshot.
	std::string Failure();

	bool Exists(const std::string &name);
	//! The id of a file, creating it (empty) when create is set and it is missing; -1 when missing. truncate
	//! empties an existing file. The id stays valid (readable) while a handle holds it via Retain.
	int64_t Open(const std::string &name, bool create, bool truncate);
	void Retain(uint64_t file_id);
	void Release(uint64_t file_id);
	//! Names of the existing files, sorted.
	std::vector<std::string> List();

	//! Copies up to length bytes at offset; returns how many (fewer only at the end of the file). Bytes never
	//! written read as zeros. Sealed bytes are checksummed before they are copied.
	uint64_t Read(uint64_t file_id, uint64_t offset, uint64_t length, char *out);
	void Write(uint64_t file_id, uint64_t offset, const char *data, uint64_t length);
	uint64_t Size(uint64_t file_id);
	void Truncate(uint64_t file_id, uint64_t size);
	//! Removes a name; false when it did not exist. Sealed at once (a removal must not come back after a crash).
	bool Remove(const std::string &name);
	//! Renames a file, replacing target. Sealed at once, as DuckDB relies on renames being atomic.
	void Move(const std::string &source, const std::string &target);

	//! Makes everything written so far durable: writes the active layer to the object store, then publishes a
	//! snapshot. A no-op when nothing changed. After a failure the space refuses every further change.
	void Seal();

	//! Tiered compaction: once the space has at least min_layers layers, the newest run of layers that is small
	//! next to the layer below it (so big layers are not rewritten for small changes). An empty run: nothing to do.
	CompactionPlan PlanCompaction(size_t min_layers);
	//! Merges plan's run into one layer (reading and writing without blocking the space), publishes it, and
	//! re-points the extent map at it. False, with nothing published, when the space is mid-change or changed
	//! under the plan; plan again later.
	bool Compact(const CompactionPlan &plan);
	//! Called (outside the lock) after every seal with the number of layers.
	void SetSealListener(std::function<void(size_t layer_count)> listener);

	const std::string &Database() const {
		return database;
	}
	LayerSpaceStats Stats();

private:
	//! A contiguous piece of a file: either active bytes (buffer set) or bytes of a sealed layer's extent.
	struct Piece {
		uint64_t length = 0;
		std::shared_ptr<const std::string> buffer;
		uint64_t buffer_offset = 0;
		std::shared_ptr<const LayerReader> layer;
		uint32_t extent = 0;
		uint64_t skip = 0;

		Piece Advanced(uint64_t delta) const;
	};
	using PieceMap = std::map<uint64_t, Piece>;

	struct FileState {
		uint64_t size = 0;
		//! The smallest size since the last seal: older layers' bytes at or past it are gone.
		uint64_t truncate_floor = 0;
		PieceMap pieces;
		//! Offsets of the pieces that hold active bytes: a seal visits these, not every piece of the file (the WAL
		//! gains a piece per commit, so walking them all made each commit slower than the one before).
		std::set<uint64_t> active;
		uint32_t handles = 0;
		bool removed = false;
	};

	static void Cut(FileState &file, uint64_t start, uint64_t end);
	FileState &File(uint64_t file_id);
	void CheckUsable() const;
	void ApplyLayer(std::shared_ptr<const LayerReader> layer, uint64_t size_bytes);
	//! A new layer's name, "<fencing token>-<sequence>", unique per writer.
	std::string NextLayerNameLocked();
	//! Its key: "<db>/layers/<name>.layer" for objects, "<db>/inline/<name>.layer" for layers kept in the metadata
	//! store.
	std::string LayerKey(const std::string &layer_name, bool inlined) const;
	void AdoptFileNames();
	void SealLocked();
	//! After a compaction: points every piece that reads a layer of plan's run at merged instead, in time
	//! proportional to the run's extents (not the database's). False when a piece still reads the run.
	bool RepointAtMerged(const CompactionPlan &plan, const std::shared_ptr<const LayerReader> &merged);
	bool ReadsFromRun(const std::unordered_set<const LayerReader *> &run, uint64_t file_id, uint64_t start,
	                  uint64_t end);
	void DropIfUnused(uint64_t file_id);
	std::shared_ptr<const LayerReader> OpenLayer(const std::string &object_key, bool inlined);

	std::string database;
	std::shared_ptr<LayerReaderCache> layers;
	std::shared_ptr<MetadataStore> metadata;
	WriterLease lease;
	int64_t lease_ttl_ms = 0;
	bool read_only = false;

	std::mutex lock;
	std::map<std::string, uint64_t> names;
	std::unordered_map<uint64_t, FileState> files;
	uint64_t next_file_id = 1;
	int64_t snapshot_id = 0;
	uint64_t sealed_layers = 0;
	uint64_t seals = 0;
	uint64_t seal_sequence = 0;
	uint64_t active_bytes = 0;
	uint64_t compaction_rebuilds = 0;
	//! Something changed since the last seal.
	bool dirty = false;
	//! A seal failed: memory is ahead of anything durable, so nothing more may be published.
	std::string failure;
	//! The snapshot's layers, oldest first, with their sizes.
	std::vector<std::pair<std::shared_ptr<const LayerReader>, uint64_t>> stack;
	std::function<void(size_t)> seal_listener;
};

} // namespace openduck
