//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/caching_object_store.hpp
//
// A read-through cache on local disk in front of a remote object store. Objects never change once written,
// so cached bytes never go stale: the cache holds aligned chunks of objects, evicts the least recently used
// chunks to stay under a byte cap, and checksums every chunk so a damaged cache file is refetched, never served.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/object_store/object_store.hpp"

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace openduck {

struct ObjectCacheStats {
	//! Chunks served from local disk.
	uint64_t hits = 0;
	//! Chunks fetched from the inner store.
	uint64_t misses = 0;
	uint64_t fetched_bytes = 0;
	//! Bytes of chunk files on disk now (never above the cap).
	uint64_t cached_bytes = 0;
	uint64_t evictions = 0;
	//! Chunk files that failed their checksum or length check (dropped and refetched).
	uint64_t corrupt_chunks = 0;
};

class CachingObjectStore : public ObjectStore {
public:
	//! DuckDB reads layers in extents of at most 1 MiB, so 1 MiB chunks fetch little beyond what is read.
	static constexpr uint64_t DEFAULT_CHUNK_SIZE = 1024 * 1024;
	//! Per chunk file: magic, chunk length, object size, data CRC32C, CRC32C of the trailer itself.
	static constexpr uint64_t TRAILER_SIZE = 24;

	//! Scans cache_dir for chunks of earlier runs (evicting down to cap_bytes) and removes stale temp files.
	CachingObjectStore(std::shared_ptr<ObjectStore> inner, std::string cache_dir, uint64_t cap_bytes,
	                   uint64_t chunk_size = DEFAULT_CHUNK_SIZE);

	//! Writes through to the inner store, then caches the object's chunks (best effort: a full cache disk
	//! never fails a Put).
	void Put(const std::string &key, const std::string &data) override;
	//! Serves cached chunks from disk and fetches each run of missing chunks with one ranged read.
	void Get(const std::string &key, uint64_t offset, uint64_t length, char *out) override;
	//! Remembered per object (objects are immutable); read from a cached chunk's trailer after a restart.
	uint64_t Size(const std::string &key) override;
	bool Exists(const std::string &key) override;
	std::vector<std::string> List(const std::string &prefix) override;
	//! Deletes from the inner store and drops the object's cached chunks.
	void Delete(const std::string &key) override;
	std::string Describe() const override;

	ObjectCacheStats GetStats() const;
	//! The cache file of one chunk (whether or not it exists); tests damage it to check detection.
	std::string ChunkPath(const std::string &key, uint64_t chunk_index) const;

private:
	struct Entry {
		uint64_t bytes;
		std::list<std::string>::iterator position;
	};

	static std::string ChunkName(const std::string &key, uint64_t chunk_index);
	//! True and data filled when the chunk is cached and intact; a damaged file is dropped.
	bool ReadChunk(const std::string &name, uint64_t chunk_length, uint64_t object_size, std::string &data);
	void StoreChunk(const std::string &name, const char *data, uint64_t chunk_length, uint64_t object_size);
	//! The object size from the trailer of a cached chunk 0, or false.
	bool SizeFromCachedChunk(const std::string &key, uint64_t &size);
	//! Requires lock. Drops the least recently used chunks until `needed` more bytes fit under the cap.
	bool MakeRoom(uint64_t needed);
	//! Requires lock.
	void DropEntry(const std::string &name);
	void ScanExistingChunks();

	std::shared_ptr<ObjectStore> inner;
	std::string cache_dir;
	std::string chunks_dir;
	std::string temp_dir;
	uint64_t cap_bytes;
	uint64_t chunk_size;

	mutable std::mutex lock;
	//! Least recently used at the front.
	std::list<std::string> lru;
	std::map<std::string, Entry> entries;
	std::unordered_map<std::string, uint64_t> object_sizes;
	uint64_t total_bytes = 0;
	//! Bytes of chunk files being written (counted against the cap before they exist).
	uint64_t reserved_bytes = 0;
	uint64_t evictions = 0;

	std::atomic<uint64_t> hits {0};
	std::atomic<uint64_t> misses {0};
	std::atomic<uint64_t> fetched_bytes {0};
	std::atomic<uint64_t> corrupt_chunks {0};
	std::atomic<uint64_t> temp_counter {0};
};

} // namespace openduck
