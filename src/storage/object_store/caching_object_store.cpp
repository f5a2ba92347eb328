#include "storage/object_store/caching_object_store.hpp"

#include "duckdb.hpp"
#include "storage/layers/crc32c.hpp"
#include "storage/object_store/file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace openduck {

namespace fs = std::filesystem;

static constexpr uint32_t CHUNK_MAGIC = 0x3143444F; // "ODC1"

static void StoreU32(char *out, uint32_t value) {
	for (int i = 0; i < 4; i++) {
		out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
	}
}

static void StoreU64(char *out, uint64_t value) {
	for (int i = 0; i < 8; i++) {
		out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
	}
}

static uint32_t LoadU32(const char *in) {
	uint32_t value = 0;
	for (int i = 0; i < 4; i++) {
		value |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
	}
	return value;
}

static uint64_t LoadU64(const char *in) {
	uint64_t value = 0;
	for (int i = 0; i < 8; i++) {
		value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
	}
	return value;
}

namespace {
struct Trailer {
	uint32_t chunk_length;
	uint64_t object_size;
	uint32_t data_crc;
};
} // namespace

static void EncodeTrailer(const Trailer &trailer, char *out) {
	StoreU32(out, CHUNK_MAGIC);
	StoreU32(out + 4, trailer.chunk_length);
	StoreU64(out + 8, trailer.object_size);
	StoreU32(out + 16, trailer.data_crc);
	StoreU32(out + 20, Crc32c(out, 20));
}

static bool DecodeTrailer(const char *in, Trailer &trailer) {
	if (LoadU32(in) != CHUNK_MAGIC || LoadU32(in + 20) != Crc32c(in, 20)) {
		return false;
	}
	trailer.chunk_length = LoadU32(in + 4);
	trailer.object_size = LoadU64(in + 8);
	trailer.data_crc = LoadU32(in + 16);
	return true;
}

CachingObjectStore::CachingObjectStore(std::shared_ptr<ObjectStore> inner_p, std::string cache_dir_p,
                                       uint64_t cap_bytes_p, uint64_t chunk_size_p)
    : inner(std::move(inner_p)), cache_dir(std::move(cache_dir_p)), cap_bytes(cap_bytes_p), chunk_size(chunk_size_p) {
	if (chunk_size == 0 || chunk_size > (1ULL << 31)) {
		throw duckdb::InvalidInputException("invalid object cache chunk size %llu", (unsigned long long)chunk_size);
	}
	chunks_dir = (fs::path(cache_dir) / "chunks").string();
	temp_dir = (fs::path(cache_dir) / "tmp").string();
	std::error_code error;
	fs::remove_all(temp_dir, error);
	for (auto &dir : {chunks_dir, temp_dir}) {
		fs::create_directories(dir, error);
		if (error) {
			throw duckdb::IOException("cannot create object cache directory \"%s\": %s", dir, error.message());
		}
	}
	ScanExistingChunks();
}

void CachingObjectStore::ScanExistingChunks() {
	struct Found {
		fs::file_time_type modified;
		std::string name;
		uint64_t bytes;
	};
	std::vector<Found> found;
	std::vector<fs::path> strays;
	std::error_code error;
	for (fs::recursive_directory_iterator it(chunks_dir, error), end; !error && it != end; it.increment(error)) {
		std::error_code entry_error;
		if (!it->is_regular_file(entry_error)) {
			continue;
		}
		auto name = fs::relative(it->path(), chunks_dir, entry_error).generic_string();
		auto bytes = it->file_size(entry_error);
		auto modified = it->last_write_time(entry_error);
		if (entry_error || name.find('@') == std::string::npos || bytes < TRAILER_SIZE) {
			strays.push_back(it->path());
			continue;
		}
		found.push_back(Found {modified, name, bytes});
	}
	for (auto &path : strays) {
		fs::remove(path, error);
	}
	// Oldest first, so the chunks written (or fetched) last are evicted last.
	std::sort(found.begin(), found.end(), [](const Found &a, const Found &b) { return a.modified < b.modified; });
	std::lock_guard<std::mutex> guard(lock);
	for (auto &chunk : found) {
		auto position = lru.insert(lru.end(), chunk.name);
		entries[chunk.name] = Entry {chunk.bytes, position};
		total_bytes += chunk.bytes;
	}
	MakeRoom(0);
}

std::string CachingObjectStore::ChunkName(const std::string &key, uint64_t chunk_index) {
	// '@' cannot occur in a valid key, so a chunk name never collides with another key's.
	return key + "@" + std::to_string(chunk_index);
}

std::string CachingObjectStore::ChunkPath(const std::string &key, uint64_t chunk_index) const {
	return (fs::path(chunks_dir) / ChunkName(key, chunk_index)).string();
}

bool CachingObjectStore::MakeRoom(uint64_t needed) {
	while (total_bytes + reserved_bytes + needed > cap_bytes && !lru.empty()) {
		DropEntry(lru.front());
		evictions++;
	}
	return total_bytes + reserved_bytes + needed <= cap_bytes;
}

void CachingObjectStore::DropEntry(const std::string &name) {
	auto entry = entries.find(name);
	if (entry == entries.end()) {
		return;
	}
	auto path = (fs::path(chunks_dir) / name).string();
	::unlink(path.c_str());
	total_bytes -= entry->second.bytes;
	lru.erase(entry->second.position);
	entries.erase(entry);
}

bool CachingObjectStore::ReadChunk(const std::string &name, uint64_t chunk_length, uint64_t object_size,
                                   std::string &data) {
	int fd;
	{
		// Open under the lock: an evicted file is unlinked under it, and an open descriptor stays readable.
		std::lock_guard<std::mutex> guard(lock);
		auto entry = entries.find(name);
		if (entry == entries.end()) {
			return false;
		}
		lru.splice(lru.end(), lru, entry->second.position);
		fd = ::open((fs::path(chunks_dir) / name).c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			DropEntry(name);
			return false;
		}
	}
	struct stat info;
	data.resize(chunk_length);
	char trailer_bytes[TRAILER_SIZE];
	Trailer trailer {};
	bool intact = ::fstat(fd, &info) == 0 && static_cast<uint64_t>(info.st_size) == chunk_length + TRAILER_SIZE &&
	              ReadFully(fd, &data[0], chunk_length, 0) &&
	              ReadFully(fd, trailer_bytes, TRAILER_SIZE, chunk_length) && DecodeTrailer(trailer_bytes, trailer) &&
	              trailer.chunk_length == chunk_length && trailer.object_size == object_size &&
	              trailer.data_crc == Crc32c(data.data(), data.size());
	::close(fd);
	if (!intact) {
		corrupt_chunks++;
		std::lock_guard<std::mutex> guard(lock);
		DropEntry(name);
		return false;
	}
	hits++;
	return true;
}

void CachingObjectStore::StoreChunk(const std::string &name, const char *data, uint64_t chunk_length,
                                    uint64_t object_size) {
	auto bytes = chunk_length + TRAILER_SIZE;
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = entries.find(name);
		if (entry != entries.end()) {
			lru.splice(lru.end(), lru, entry->second.position);
			return;
		}
		if (bytes > cap_bytes || !MakeRoom(bytes)) {
			return;
		}
		reserved_bytes += bytes;
	}
	auto final_path = fs::path(chunks_dir) / name;
	auto temp_path =
	    (fs::path(temp_dir) / (std::to_string(::getpid()) + "-" + std::to_string(temp_counter++))).string();
	char trailer[TRAILER_SIZE];
	EncodeTrailer(Trailer {static_cast<uint32_t>(chunk_length), object_size, Crc32c(data, chunk_length)}, trailer);
	bool written = false;
	int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		written = WriteFully(fd, data, chunk_length) && WriteFully(fd, trailer, TRAILER_SIZE);
		::close(fd);
		std::error_code error;
		fs::create_directories(final_path.parent_path(), error);
		written = written && !error;
	}
	// Rename and register under the lock: a rename racing another reader's eviction of the same name would
	// otherwise leave the accounting and the directory disagreeing about whether the chunk is there.
	std::lock_guard<std::mutex> guard(lock);
	reserved_bytes -= bytes;
	auto entry = entries.find(name);
	if (entry != entries.end()) {
		// Another reader cached the same chunk meanwhile.
		lru.splice(lru.end(), lru, entry->second.position);
		written = false;
	}
	// Rename makes the file appear complete or not at all; a crash mid-write leaves only a temp file.
	if (!written || ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
		::unlink(temp_path.c_str());
		return;
	}
	auto position = lru.insert(lru.end(), name);
	entries[name] = Entry {bytes, position};
	total_bytes += bytes;
}

void CachingObjectStore::Put(const std::string &key, const std::string &data) {
	inner->Put(key, data);
	{
		std::lock_guard<std::mutex> guard(lock);
		object_sizes[key] = data.size();
	}
	// The writer reads a layer back right after sealing it; caching it now saves that round trip.
	for (uint64_t start = 0, index = 0; start < data.size(); start += chunk_size, index++) {
		auto length = std::min<uint64_t>(chunk_size, data.size() - start);
		StoreChunk(ChunkName(key, index), data.data() + start, length, data.size());
	}
}

void CachingObjectStore::Get(const std::string &key, uint64_t offset, uint64_t length, char *out) {
	ValidateObjectKey(key);
	auto size = Size(key);
	if (length == 0) {
		return;
	}
	if (offset > size || length > size - offset) {
		throw duckdb::IOException("cannot read %llu bytes at %llu of object \"%s\": object is shorter than expected "
		                          "(%llu bytes)",
		                          (unsigned long long)length, (unsigned long long)offset, key,
		                          (unsigned long long)size);
	}
	auto first = offset / chunk_size;
	auto last = (offset + length - 1) / chunk_size;
	// Copies the part of chunk `index` (starting at chunk_data) that the caller asked for.
	auto copy_out = [&](uint64_t index, const char *chunk_data) {
		auto chunk_start = index * chunk_size;
		auto chunk_length = std::min<uint64_t>(chunk_size, size - chunk_start);
		auto begin = std::max(offset, chunk_start);
		auto end = std::min(offset + length, chunk_start + chunk_length);
		std::memcpy(out + (begin - offset), chunk_data + (begin - chunk_start), end - begin);
	};
	std::string chunk;
	for (uint64_t index = first; index <= last;) {
		auto chunk_length = std::min<uint64_t>(chunk_size, size - index * chunk_size);
		if (ReadChunk(ChunkName(key, index), chunk_length, size, chunk)) {
			copy_out(index, chunk.data());
			index++;
			continue;
		}
		// Fetch this chunk and every following missing one of the range in a single request.
		auto run_end = index + 1;
		while (run_end <= last) {
			std::lock_guard<std::mutex> guard(lock);
			if (entries.count(ChunkName(key, run_end))) {
				break;
			}
			run_end++;
		}
		auto run_start = index * chunk_size;
		auto run_length = std::min(run_end * chunk_size, size) - run_start;
		std::string fetched(run_length, '\0');
		inner->Get(key, run_start, run_length, &fetched[0]);
		misses += run_end - index;
		fetched_bytes += run_length;
		for (; index < run_end; index++) {
			auto piece = fetched.data() + (index * chunk_size - run_start);
			StoreChunk(ChunkName(key, index), piece, std::min<uint64_t>(chunk_size, size - index * chunk_size), size);
			copy_out(index, piece);
		}
	}
}

bool CachingObjectStore::SizeFromCachedChunk(const std::string &key, uint64_t &size) {
	auto name = ChunkName(key, 0);
	int fd;
	{
		std::lock_guard<std::mutex> guard(lock);
		if (!entries.count(name)) {
			return false;
		}
		fd = ::open((fs::path(chunks_dir) / name).c_str(), O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		return false;
	}
	struct stat info;
	char bytes[TRAILER_SIZE];
	Trailer trailer {};
	bool valid = ::fstat(fd, &info) == 0 && static_cast<uint64_t>(info.st_size) >= TRAILER_SIZE &&
	             ReadFully(fd, bytes, TRAILER_SIZE, static_cast<uint64_t>(info.st_size) - TRAILER_SIZE) &&
	             DecodeTrailer(bytes, trailer) &&
	             static_cast<uint64_t>(info.st_size) == trailer.chunk_length + TRAILER_SIZE &&
	             trailer.chunk_length == std::min<uint64_t>(chunk_size, trailer.object_size);
	::close(fd);
	if (valid) {
		size = trailer.object_size;
	}
	return valid;
}

uint64_t CachingObjectStore::Size(const std::string &key) {
	{
		std::lock_guard<std::mutex> guard(lock);
		auto known = object_sizes.find(key);
		if (known != object_sizes.end()) {
			return known->second;
		}
	}
	uint64_t size = 0;
	if (!SizeFromCachedChunk(key, size)) {
		size = inner->Size(key);
	}
	std::lock_guard<std::mutex> guard(lock);
	object_sizes[key] = size;
	return size;
}

bool CachingObjectStore::Exists(const std::string &key) {
	{
		std::lock_guard<std::mutex> guard(lock);
		if (object_sizes.count(key) || entries.count(ChunkName(key, 0))) {
			return true;
		}
	}
	return inner->Exists(key);
}

std::vector<std::string> CachingObjectStore::List(const std::string &prefix) {
	return inner->List(prefix);
}

void CachingObjectStore::Delete(const std::string &key) {
	ValidateObjectKey(key);
	inner->Delete(key);
	std::lock_guard<std::mutex> guard(lock);
	object_sizes.erase(key);
	auto chunk_prefix = key + "@";
	std::vector<std::string> names;
	for (auto it = entries.lower_bound(chunk_prefix);
	     it != entries.end() && it->first.compare(0, chunk_prefix.size(), chunk_prefix) == 0; ++it) {
		names.push_back(it->first);
	}
	for (auto &name : names) {
		DropEntry(name);
	}
}

ObjectCacheStats CachingObjectStore::GetStats() const {
	ObjectCacheStats stats;
	stats.hits = hits;
	stats.misses = misses;
	stats.fetched_bytes = fetched_bytes;
	stats.corrupt_chunks = corrupt_chunks;
	std::lock_guard<std::mutex> guard(lock);
	stats.cached_bytes = total_bytes;
	stats.evictions = evictions;
	return stats;
}

std::string CachingObjectStore::Describe() const {
	auto stats = GetStats();
	return inner->Describe() + ", read cache in " + fs::absolute(cache_dir).string() + " (" +
	       std::to_string(stats.cached_bytes >> 20) + " of " + std::to_string(cap_bytes >> 20) + " MiB used, " +
	       std::to_string(stats.hits) + " hits, " + std::to_string(stats.misses) + " misses)";
}

} // namespace openduck
