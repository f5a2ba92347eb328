//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/layer_reader.hpp
//
// Opens one layer object: validates the header and index when opened, and each extent's checksum on every read
// of it. Corruption raises an IOException naming the database and the layer; corrupt bytes are never returned.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_format.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace openduck {

//! Reads exactly length bytes at offset of the layer object into out (throws when it cannot).
using LayerRangeReader = std::function<void(uint64_t offset, uint64_t length, char *out)>;

class LayerReader {
public:
	//! Reads and validates the header and the index. object_size is the object's size in the store.
	LayerReader(std::string database, std::string layer_name, uint64_t object_size, LayerRangeReader read);

	const LayerIndex &Index() const {
		return index;
	}
	const std::string &Name() const {
		return layer_name;
	}
	//! Copies length bytes of extent extent_idx, starting skip bytes into it, to out. Reads and checks the whole
	//! extent first.
	void ReadExtent(size_t extent_idx, uint64_t skip, uint64_t length, char *out) const;

	//! Throws the corruption error for this layer.
	[[noreturn]] void Corrupt(const std::string &what) const;

private:
	std::string database;
	std::string layer_name;
	uint64_t object_size;
	LayerRangeReader read;
	LayerIndex index;
};

} // namespace openduck
