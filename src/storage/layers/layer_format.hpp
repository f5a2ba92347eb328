//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/layer_format.hpp
//
// The layer file format (docs/storage.md, "Layer file format"): a header, the extent data, then the index
// (file table + extent table) and its checksum. All integers little-endian.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

static constexpr char LAYER_MAGIC[8] = {'O', 'D', 'L', 'A', 'Y', 'E', 'R', '1'};
static constexpr uint32_t LAYER_FORMAT_VERSION = 1;
static constexpr uint64_t LAYER_HEADER_SIZE = 48;
//! Extents are split at this size so that checking the checksum of a read never reads more than this.
static constexpr uint64_t LAYER_MAX_EXTENT_SIZE = 1024 * 1024;
//! Size of one serialized extent entry in the index.
static constexpr uint64_t LAYER_EXTENT_ENTRY_SIZE = 8 + 8 + 8 + 8 + 4;

//! A logical file as it exists once the layer is applied.
struct LayerFileEntry {
	uint64_t file_id = 0;
	uint64_t size = 0;
	//! The smallest size the file had while the layer was active: older bytes at or past it are gone.
	uint64_t truncate_floor = 0;
	std::string name;

	bool operator==(const LayerFileEntry &other) const {
		return file_id == other.file_id && size == other.size && truncate_floor == other.truncate_floor &&
		       name == other.name;
	}
};

//! A byte range of a logical file whose data is stored in the layer.
struct LayerExtentEntry {
	uint64_t file_id = 0;
	uint64_t file_offset = 0;
	uint64_t length = 0;
	//! Where the data starts, from the beginning of the layer object.
	uint64_t data_offset = 0;
	uint32_t crc = 0;
};

struct LayerIndex {
	uint64_t next_file_id = 1;
	//! Complete: every file that exists once the layer is applied. A file not listed has been removed.
	std::vector<LayerFileEntry> files;
	std::vector<LayerExtentEntry> extents;
};

} // namespace openduck
