#include "storage/layers/layer_writer.hpp"

#include "storage/layers/crc32c.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace openduck {

template <class T>
static void AppendInteger(std::string &out, T value) {
	char bytes[sizeof(T)];
	std::memcpy(bytes, &value, sizeof(T));
	out.append(bytes, sizeof(T));
}

template <class T>
static void StoreInteger(std::string &out, size_t position, T value) {
	std::memcpy(&out[position], &value, sizeof(T));
}

LayerWriter::LayerWriter() {
	// The header is filled in by Finish, once the index position is known.
	object.assign(LAYER_HEADER_SIZE, '\0');
}

void LayerWriter::SetNextFileId(uint64_t next_file_id) {
	index.next_file_id = next_file_id;
}

void LayerWriter::SetExtentGrid(uint64_t origin, uint64_t step) {
	grid_origin = origin;
	grid_step = step;
}

void LayerWriter::AddFile(LayerFileEntry file) {
	index.files.push_back(std::move(file));
}

void LayerWriter::AddExtent(uint64_t file_id, uint64_t file_offset, const char *data, uint64_t length) {
	if (finished) {
		throw std::logic_error("LayerWriter::AddExtent after Finish");
	}
	uint64_t done = 0;
	while (done < length) {
		auto part = std::min<uint64_t>(length - done, LAYER_MAX_EXTENT_SIZE);
		if (grid_step > 0) {
			auto position = file_offset + done;
			auto next_split = position < grid_origin
			                      ? grid_origin
			                      : grid_origin + ((position - grid_origin) / grid_step + 1) * grid_step;
			part = std::min<uint64_t>(part, next_split - position);
		}
		LayerExtentEntry extent;
		extent.file_id = file_id;
		extent.file_offset = file_offset + done;
		extent.length = part;
		extent.data_offset = object.size();
		extent.crc = Crc32c(data + done, part);
		object.append(data + done, part);
		index.extents.push_back(extent);
		done += part;
	}
}

std::string LayerWriter::Finish() {
	if (finished) {
		throw std::logic_error("LayerWriter::Finish called twice");
	}
	finished = true;
	auto index_offset = static_cast<uint64_t>(object.size());
	AppendInteger<uint64_t>(object, index.next_file_id);
	AppendInteger<uint32_t>(object, static_cast<uint32_t>(index.files.size()));
	for (auto &file : index.files) {
		AppendInteger<uint64_t>(object, file.file_id);
		AppendInteger<uint64_t>(object, file.size);
		AppendInteger<uint64_t>(object, file.truncate_floor);
		AppendInteger<uint32_t>(object, static_cast<uint32_t>(file.name.size()));
		object.append(file.name);
	}
	AppendInteger<uint32_t>(object, static_cast<uint32_t>(index.extents.size()));
	for (auto &extent : index.extents) {
		AppendInteger<uint64_t>(object, extent.file_id);
		AppendInteger<uint64_t>(object, extent.file_offset);
		AppendInteger<uint64_t>(object, extent.length);
		AppendInteger<uint64_t>(object, extent.data_offset);
		AppendInteger<uint32_t>(object, extent.crc);
	}
	auto index_length = static_cast<uint64_t>(object.size()) - index_offset;
	AppendInteger<uint32_t>(object, Crc32c(object.data() + index_offset, index_length));

	std::memcpy(&object[0], LAYER_MAGIC, sizeof(LAYER_MAGIC));
	StoreInteger<uint32_t>(object, 8, LAYER_FORMAT_VERSION);
	StoreInteger<uint32_t>(object, 12, 0);
	StoreInteger<uint64_t>(object, 16, index_offset);
	StoreInteger<uint64_t>(object, 24, index_length);
	StoreInteger<uint64_t>(object, 32, static_cast<uint64_t>(index.extents.size()));
	StoreInteger<uint32_t>(object, 40, Crc32c(object.data(), 40));
	StoreInteger<uint32_t>(object, 44, 0);
	return std::move(object);
}

} // namespace openduck
