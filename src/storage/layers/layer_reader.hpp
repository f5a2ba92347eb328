//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/layer_reader.hpp
//
// Opens one layer object: validates the header and index when opened, and each extent's checksum before any byte
// of it is returned. Verified extents are kept in a VerifiedExtentCache, so an extent is read and checked once
// while it stays cached. Corruption raises an IOException naming the database and the layer; corrupt bytes are
// never returned.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_format.hpp"
#include "storage/layers/verified_extent_cache.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace openduck {

//! Reads exactly length bytes at offset of the layer object into out (throws when it cannot).
using LayerRangeReader = std::function<void(uint64_t offset, uint64_t length, char *out)>;

class LayerReader {
public:
	//! Reads and validates the header and the index. object_size is the object's size in the store. Extents are
	//! cached in cache (which must outlive the reader).
	LayerReader(std::string database, std::string layer_name, uint64_t object_size, LayerRangeReader read,
	            VerifiedExtentCache &cache = VerifiedExtentCache::Global());
	//! Drops this layer's extents from the cache.
	~LayerReader();
	LayerReader(const LayerReader &) = delete;
	LayerReader &operator=(const LayerReader &) = delete;

	const LayerIndex &Index() const {
		return index;
	}
	const std::string &Name() const {
		return layer_name;
	}
	//! Copies length bytes of extent extent_idx, starting skip bytes into it, to out. A whole extent is read
	//! into out and checked there; part of one comes from the cache, or after reading and checking the whole
	//! extent (which is then cached).
	void ReadExtent(size_t extent_idx, uint64_t skip, uint64_t length, char *out) const;

	//! Throws the corruption error for this layer.
	[[noreturn]] void Corrupt(const std::string &what) const;

private:
	[[noreturn]] void ThrowExtentCorrupt(size_t extent_idx) const;

	std::string database;
	std::string layer_name;
	uint64_t object_size;
	LayerRangeReader read;
	LayerIndex index;
	VerifiedExtentCache &cache;
	//! This reader's key in the cache.
	uint64_t cache_id;
};

} // namespace openduck
