//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/verified_extent_cache.hpp
//
// Extents whose checksum has been checked, kept in memory and shared by every layer reader of the process, so an
// extent is read from the object store and checksummed once and then served by memcpy. DuckDB reads 256 KiB
// blocks and an extent holds up to 1 MiB, so without it every block read would read and checksum 4x its size.
// Only a loader that returns normally (after verifying) adds an entry: corrupt bytes never enter the cache.
//===----------------------------------------------------------------------===//

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace openduck {

//! The bytes of one verified extent. Immutable once cached; a reader holding it may copy from it while the cache
//! evicts it.
struct VerifiedExtent {
	explicit VerifiedExtent(uint64_t size_p) : data(new char[size_p]), size(size_p) {
	}
	std::unique_ptr<char[]> data;
	uint64_t size;
};

struct VerifiedExtentCacheStats {
	uint64_t hits = 0;
	uint64_t misses = 0;
	uint64_t evictions = 0;
	//! Bytes held now (extent bytes plus a fixed overhead per entry), never above the capacity.
	uint64_t cached_bytes = 0;
	uint64_t entries = 0;
	uint64_t capacity_bytes = 0;
};

class VerifiedExtentCache {
public:
	//! The process-wide cache's default size. Small on purpose: DuckDB keeps the blocks it reads in its own buffer
	//! pool, so this only has to hold the extents whose blocks are still being read (it saves the 4x read and
	//! checksum). A larger cache would double-cache DuckDB's data and fault in fresh pages for every extent.
	static constexpr uint64_t DEFAULT_CAPACITY_BYTES = 32ULL * 1024 * 1024;
	//! Bookkeeping counted per entry, so that many tiny extents (WAL commits) cannot exceed the cap unnoticed.
	static constexpr uint64_t ENTRY_OVERHEAD_BYTES = 128;

	using Loader = std::function<std::shared_ptr<const VerifiedExtent>()>;

	explicit VerifiedExtentCache(uint64_t capacity_bytes = DEFAULT_CAPACITY_BYTES);

	//! The cache every LayerReader uses unless it is given another one.
	static VerifiedExtentCache &Global();
	//! A process-unique id for one layer reader: entries are keyed by it, never by object key, because two stores
	//! in one process may hold different objects under the same key.
	static uint64_t NewLayerId();

	//! The cached extent, or the one load returns (then cached, least recently used entries making room). load
	//! must verify the bytes and throw when they are corrupt; nothing is cached then. Concurrent misses of the
	//! same extent may each load it; the first to finish is kept.
	std::shared_ptr<const VerifiedExtent> GetOrLoad(uint64_t layer_id, uint64_t extent_idx, const Loader &load);
	//! Drops every entry of a layer (its reader is gone: nobody can ask for them again).
	void Forget(uint64_t layer_id);
	//! Changes the cap, evicting at once down to it. 0 turns caching off.
	void SetCapacity(uint64_t capacity_bytes);
	VerifiedExtentCacheStats GetStats() const;

private:
	using Key = std::pair<uint64_t, uint64_t>;
	struct Entry {
		std::shared_ptr<const VerifiedExtent> extent;
		std::list<Key>::iterator position;
	};

	static uint64_t Charge(const VerifiedExtent &extent) {
		return extent.size + ENTRY_OVERHEAD_BYTES;
	}
	//! Requires lock. Evicts least recently used entries until cached_bytes + needed fits the capacity.
	void EvictFor(uint64_t needed);
	//! Requires lock.
	void Erase(std::map<Key, Entry>::iterator entry);

	mutable std::mutex lock;
	uint64_t capacity_bytes;
	uint64_t cached_bytes = 0;
	//! Ordered, so that Forget drops a layer's entries as one range.
	std::map<Key, Entry> entries;
	//! Least recently used at the front.
	std::list<Key> lru;
	uint64_t evictions = 0;
	std::atomic<uint64_t> hits {0};
	std::atomic<uint64_t> misses {0};
};

} // namespace openduck
