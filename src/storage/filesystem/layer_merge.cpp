#include "storage/filesystem/layer_merge.hpp"

#include "duckdb.hpp"
#include "storage/filesystem/interval_lookup.hpp"
#include "storage/layers/layer_writer.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

namespace openduck {

namespace {

//! Bytes of the run: part of one extent of one of its layers.
struct Segment {
	size_t layer = 0;
	uint32_t extent = 0;
	uint64_t skip = 0;
	uint64_t length = 0;
};

using SegmentMap = std::map<uint64_t, Segment>;

struct MergedFile {
	uint64_t size = 0;
	uint64_t truncate_floor = 0;
	std::string name;
	SegmentMap segments;
};

constexpr uint64_t END_OF_FILE = std::numeric_limits<uint64_t>::max();

//! Removes [start, end) from segments, keeping the parts of overlapping segments outside it.
void CutSegments(SegmentMap &segments, uint64_t start, uint64_t end) {
	if (start >= end) {
		return;
	}
	auto it = FirstRunEndingAfter(segments, start);
	while (it != segments.end() && it->first < end) {
		auto segment_start = it->first;
		auto segment_end = segment_start + it->second.length;
		if (segment_end > end) {
			auto tail = it->second;
			tail.skip += end - segment_start;
			tail.length = segment_end - end;
			segments.emplace(end, tail);
		}
		if (segment_start < start) {
			it->second.length = start - segment_start;
			++it;
		} else {
			it = segments.erase(it);
		}
	}
}

} // namespace

std::string MergeLayers(const std::vector<std::shared_ptr<const LayerReader>> &layers) {
	if (layers.empty()) {
		throw duckdb::InternalException("MergeLayers needs at least one layer");
	}
	std::unordered_map<uint64_t, MergedFile> files;
	for (size_t layer_index = 0; layer_index < layers.size(); layer_index++) {
		auto &index = layers[layer_index]->Index();
		// Files missing from a layer's (complete) table were removed; ids are never reused, so they are gone.
		std::unordered_map<uint64_t, MergedFile> next;
		for (auto &entry : index.files) {
			auto &file = next[entry.file_id];
			auto existing = files.find(entry.file_id);
			if (existing != files.end()) {
				file = std::move(existing->second);
				CutSegments(file.segments, entry.truncate_floor, END_OF_FILE);
				file.truncate_floor = std::min(file.truncate_floor, entry.truncate_floor);
			} else {
				file.truncate_floor = entry.truncate_floor;
			}
			file.size = entry.size;
			file.name = entry.name;
		}
		for (uint32_t i = 0; i < index.extents.size(); i++) {
			auto &extent = index.extents[i];
			auto found = next.find(extent.file_id);
			if (found == next.end()) {
				continue;
			}
			CutSegments(found->second.segments, extent.file_offset, extent.file_offset + extent.length);
			found->second.segments.emplace(extent.file_offset, Segment {layer_index, i, 0, extent.length});
		}
		for (auto &entry : next) {
			CutSegments(entry.second.segments, entry.second.size, END_OF_FILE);
		}
		files = std::move(next);
	}

	LayerWriter writer;
	// Extents on DuckDB's block grid: a block read then reads and checksums exactly that block.
	writer.SetExtentGrid(DUCKDB_BLOCK_GRID_ORIGIN, DUCKDB_BLOCK_GRID_STEP);
	writer.SetNextFileId(layers.back()->Index().next_file_id);
	std::vector<uint64_t> ids;
	for (auto &entry : files) {
		ids.push_back(entry.first);
	}
	std::sort(ids.begin(), ids.end());
	std::string buffer;
	for (auto id : ids) {
		auto &file = files[id];
		writer.AddFile({id, file.size, file.truncate_floor, file.name});
		for (auto &segment : file.segments) {
			auto &piece = segment.second;
			buffer.resize(piece.length);
			layers[piece.layer]->ReadExtent(piece.extent, piece.skip, piece.length, &buffer[0]);
			writer.AddExtent(id, segment.first, buffer.data(), piece.length);
		}
	}
	return writer.Finish();
}

} // namespace openduck
