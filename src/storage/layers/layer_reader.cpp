#include "storage/layers/layer_reader.hpp"

#include "duckdb.hpp"
#include "storage/layers/crc32c.hpp"

#include <cstring>
#include <unordered_set>

namespace openduck {

namespace {

//! Bounds-checked decoding of the index bytes.
class IndexCursor {
public:
	IndexCursor(const LayerReader &reader, const std::string &bytes) : reader(reader), bytes(bytes) {
	}

	template <class T>
	T Next() {
		Need(sizeof(T));
		T value;
		std::memcpy(&value, bytes.data() + position, sizeof(T));
		position += sizeof(T);
		return value;
	}
	std::string NextString(uint64_t length) {
		Need(length);
		auto value = bytes.substr(position, length);
		position += length;
		return value;
	}
	bool AtEnd() const {
		return position == bytes.size();
	}

private:
	void Need(uint64_t count) {
		if (count > bytes.size() - position) {
			reader.Corrupt("index ends early");
		}
	}

	const LayerReader &reader;
	const std::string &bytes;
	uint64_t position = 0;
};

template <class T>
T LoadInteger(const char *data) {
	T value;
	std::memcpy(&value, data, sizeof(T));
	return value;
}

} // namespace

LayerReader::LayerReader(std::string database_p, std::string layer_name_p, uint64_t object_size_p,
                         LayerRangeReader read_p, VerifiedExtentCache &cache_p)
    : database(std::move(database_p)), layer_name(std::move(layer_name_p)), object_size(object_size_p),
      read(std::move(read_p)), cache(cache_p), cache_id(VerifiedExtentCache::NewLayerId()) {
	if (object_size < LAYER_HEADER_SIZE + 4) {
		Corrupt("truncated: " + std::to_string(object_size) + " bytes, smaller than a header");
	}
	char header[LAYER_HEADER_SIZE];
	read(0, LAYER_HEADER_SIZE, header);
	if (std::memcmp(header, LAYER_MAGIC, sizeof(LAYER_MAGIC)) != 0) {
		Corrupt("bad magic (not a layer object)");
	}
	if (LoadInteger<uint32_t>(header + 40) != Crc32c(header, 40)) {
		Corrupt("header checksum mismatch");
	}
	if (LoadInteger<uint32_t>(header + 44) != 0) {
		Corrupt("reserved header bytes are not zero");
	}
	auto version = LoadInteger<uint32_t>(header + 8);
	if (version != LAYER_FORMAT_VERSION) {
		Corrupt("unsupported format version " + std::to_string(version));
	}
	auto index_offset = LoadInteger<uint64_t>(header + 16);
	auto index_length = LoadInteger<uint64_t>(header + 24);
	auto extent_count = LoadInteger<uint64_t>(header + 32);
	if (index_offset < LAYER_HEADER_SIZE || index_offset > object_size || index_length > object_size ||
	    index_offset + index_length + 4 != object_size) {
		Corrupt("truncated or padded: object has " + std::to_string(object_size) + " bytes, header says " +
		        std::to_string(index_offset + index_length + 4));
	}
	std::string index_bytes(index_length + 4, '\0');
	read(index_offset, index_length + 4, &index_bytes[0]);
	if (LoadInteger<uint32_t>(index_bytes.data() + index_length) != Crc32c(index_bytes.data(), index_length)) {
		Corrupt("index checksum mismatch");
	}
	index_bytes.resize(index_length);

	IndexCursor cursor(*this, index_bytes);
	index.next_file_id = cursor.Next<uint64_t>();
	auto file_count = cursor.Next<uint32_t>();
	std::unordered_set<uint64_t> file_ids;
	for (uint32_t i = 0; i < file_count; i++) {
		LayerFileEntry file;
		file.file_id = cursor.Next<uint64_t>();
		file.size = cursor.Next<uint64_t>();
		file.truncate_floor = cursor.Next<uint64_t>();
		file.name = cursor.NextString(cursor.Next<uint32_t>());
		if (file.file_id >= index.next_file_id || !file_ids.insert(file.file_id).second) {
			Corrupt("bad file table entry for \"" + file.name + "\"");
		}
		index.files.push_back(std::move(file));
	}
	auto listed_extents = cursor.Next<uint32_t>();
	if (listed_extents != extent_count) {
		Corrupt("extent count mismatch between header and index");
	}
	index.extents.reserve(listed_extents);
	for (uint32_t i = 0; i < listed_extents; i++) {
		LayerExtentEntry extent;
		extent.file_id = cursor.Next<uint64_t>();
		extent.file_offset = cursor.Next<uint64_t>();
		extent.length = cursor.Next<uint64_t>();
		extent.data_offset = cursor.Next<uint64_t>();
		extent.crc = cursor.Next<uint32_t>();
		if (extent.data_offset < LAYER_HEADER_SIZE || extent.length > LAYER_MAX_EXTENT_SIZE ||
		    extent.data_offset + extent.length > index_offset || file_ids.count(extent.file_id) == 0) {
			Corrupt("extent " + std::to_string(i) + " lies outside the data region or names no file");
		}
		index.extents.push_back(extent);
	}
	if (!cursor.AtEnd()) {
		Corrupt("trailing bytes in the index");
	}
}

LayerReader::~LayerReader() {
	cache.Forget(cache_id);
}

void LayerReader::ReadExtent(size_t extent_idx, uint64_t skip, uint64_t length, char *out) const {
	auto &extent = index.extents.at(extent_idx);
	if (skip + length > extent.length) {
		throw duckdb::InternalException("read past the end of extent %llu of layer %s", (unsigned long long)extent_idx,
		                                layer_name);
	}
	if (skip == 0 && length == extent.length) {
		// A whole extent (a DuckDB block when layers follow DuckDB's block grid): the caller keeps it in its own
		// buffer pool, so verify it in place instead of caching a second copy. On a mismatch the bytes are wiped
		// before the error (also a failed read's), so nothing unverified is left behind.
		try {
			read(extent.data_offset, extent.length, out);
		} catch (...) {
			std::memset(out, 0, length);
			throw;
		}
		if (Crc32c(out, length) != extent.crc) {
			std::memset(out, 0, length);
			ThrowExtentCorrupt(extent_idx);
		}
		return;
	}
	auto data = cache.GetOrLoad(cache_id, extent_idx, [&]() {
		auto loaded = std::make_shared<VerifiedExtent>(extent.length);
		read(extent.data_offset, extent.length, loaded->data.get());
		if (Crc32c(loaded->data.get(), loaded->size) != extent.crc) {
			ThrowExtentCorrupt(extent_idx);
		}
		return std::shared_ptr<const VerifiedExtent>(std::move(loaded));
	});
	std::memcpy(out, data->data.get() + skip, length);
}

void LayerReader::ThrowExtentCorrupt(size_t extent_idx) const {
	auto &extent = index.extents[extent_idx];
	Corrupt("checksum mismatch in extent " + std::to_string(extent_idx) + " (file id " +
	        std::to_string(extent.file_id) + ", offset " + std::to_string(extent.file_offset) + ")");
}

void LayerReader::Corrupt(const std::string &what) const {
	throw duckdb::IOException("corrupt layer in database \"%s\", layer \"%s\": %s", database, layer_name, what);
}

} // namespace openduck
