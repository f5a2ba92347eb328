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

//! DuckDB's block layout: three 4 KiB headers, then blocks of (at most) 256 KiB. Extents split on this grid line
//! up with DuckDB's block reads, so a block read never reads or checksums bytes of other blocks.
static constexpr uint64_t DUCKDB_BLOCK_GRID_ORIGIN = 3 * 4096;
static constexpr uint64_t DUCKDB_BLOCK_GRID_STEP = 256 * 1024;

class LayerWriter {
public:
	LayerWriter();

	//! Also splits extents where a file offset is origin + k * step (k >= 0) and at origin itself. step 0 (the
	//! default) splits only at LAYER_MAX_EXTENT_SIZE.
	void SetExtentGrid(uint64_t origin, uint64_t step);

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
	uint64_t grid_origin = 0;
	uint64_t grid_step = 0;
	bool finished = false;
};

} // namespace openduck
