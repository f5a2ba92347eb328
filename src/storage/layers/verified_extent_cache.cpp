#include "storage/layers/verified_extent_cache.hpp"

#include <iterator>

namespace openduck {

VerifiedExtentCache::VerifiedExtentCache(uint64_t capacity_bytes_p) : capacity_bytes(capacity_bytes_p) {
}

VerifiedExtentCache &VerifiedExtentCache::Global() {
	// Never destroyed: layer readers held by static objects may still forget their entries at exit.
	static auto *cache = new VerifiedExtentCache();
	return *cache;
}

uint64_t VerifiedExtentCache::NewLayerId() {
	static std::atomic<uint64_t> next_id {1};
	return next_id.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const VerifiedExtent> VerifiedExtentCache::GetOrLoad(uint64_t layer_id, uint64_t extent_idx,
                                                                     const Loader &load) {
	Key key(layer_id, extent_idx);
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = entries.find(key);
		if (entry != entries.end()) {
			lru.splice(lru.end(), lru, entry->second.position);
			hits++;
			return entry->second.extent;
		}
	}
	misses++;
	// Outside the lock: reading and checksumming 1 MiB must not stall readers of other extents.
	auto extent = load();
	auto charge = Charge(*extent);
	std::lock_guard<std::mutex> guard(lock);
	auto existing = entries.find(key);
	if (existing != entries.end()) {
		return existing->second.extent;
	}
	if (charge > capacity_bytes) {
		return extent;
	}
	EvictFor(charge);
	auto position = lru.insert(lru.end(), key);
	entries.emplace(key, Entry {extent, position});
	cached_bytes += charge;
	return extent;
}

void VerifiedExtentCache::Forget(uint64_t layer_id) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = entries.lower_bound(Key(layer_id, 0));
	while (entry != entries.end() && entry->first.first == layer_id) {
		auto next = std::next(entry);
		Erase(entry);
		entry = next;
	}
}

void VerifiedExtentCache::SetCapacity(uint64_t capacity_bytes_p) {
	std::lock_guard<std::mutex> guard(lock);
	capacity_bytes = capacity_bytes_p;
	EvictFor(0);
}

VerifiedExtentCacheStats VerifiedExtentCache::GetStats() const {
	std::lock_guard<std::mutex> guard(lock);
	VerifiedExtentCacheStats stats;
	stats.hits = hits.load();
	stats.misses = misses.load();
	stats.evictions = evictions;
	stats.cached_bytes = cached_bytes;
	stats.entries = entries.size();
	stats.capacity_bytes = capacity_bytes;
	return stats;
}

void VerifiedExtentCache::EvictFor(uint64_t needed) {
	while (!lru.empty() && cached_bytes + needed > capacity_bytes) {
		Erase(entries.find(lru.front()));
		evictions++;
	}
}

void VerifiedExtentCache::Erase(std::map<Key, Entry>::iterator entry) {
	cached_bytes -= Charge(*entry->second.extent);
	lru.erase(entry->second.position);
	entries.erase(entry);
}

} // namespace openduck
