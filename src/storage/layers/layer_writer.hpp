//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/layers/layer_writer.hpp
//
// Builds one layer object in memory. The object is written once and never changed.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_format.hpp"

#include <cstdint>
#include <string>

namespace openduck {

class LayerWriter {
public:
	LayerWriter();

	void SetNextFileId(uint64_t next_file_id);
	void AddFile(LayerFileEntry file);
	//! Appends data for [file_offset, file_offset + length) of a file, split into extents of at most
	//! LAYER_MAX_EXTENT_SIZE, each with its checksum.
	void AddExtent(uint64_t file_id, uint64_t file_offset, const char *data, uint64_t length);
	//! The complete object: header, data, index and index checksum. The writer is spent afterwards.
	std::string Finish();

	const LayerIndex &Index() const {
		return index;
	}

private:
	std::string object;
	LayerIndex index;
	bool finished = false;
};

} // namespace openduck
