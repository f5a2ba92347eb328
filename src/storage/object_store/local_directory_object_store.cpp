#include "storage/object_store/local_directory_object_store.hpp"

#include "duckdb.hpp"
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

//! Name fragment of temporary files; List skips them and GC may delete them.
static constexpr const char *TEMP_MARKER = ".tmp-";

void ValidateObjectKey(const std::string &key) {
	bool valid = !key.empty() && key.size() <= 1024 && key.front() != '/' && key.back() != '/';
	size_t segment_start = 0;
	for (size_t i = 0; valid && i <= key.size(); i++) {
		if (i == key.size() || key[i] == '/') {
			auto segment = key.substr(segment_start, i - segment_start);
			valid = !segment.empty() && segment != "." && segment != "..";
			segment_start = i + 1;
			continue;
		}
		auto c = static_cast<unsigned char>(key[i]);
		valid = std::isalnum(c) || c == '_' || c == '-' || c == '.';
	}
	if (!valid) {
		throw duckdb::InvalidInputException("invalid object key \"%s\"", key);
	}
}

static std::string ErrnoText() {
	return std::strerror(errno);
}

static void FsyncPath(const std::string &path, int open_flags) {
	int fd = ::open(path.c_str(), open_flags | O_CLOEXEC);
	if (fd < 0) {
		throw duckdb::IOException("cannot open \"%s\" to sync it: %s", path, ErrnoText());
	}
	int result = ::fsync(fd);
	auto saved_errno = errno;
	::close(fd);
	if (result != 0) {
		errno = saved_errno;
		throw duckdb::IOException("cannot fsync \"%s\": %s", path, ErrnoText());
	}
}

LocalDirectoryObjectStore::LocalDirectoryObjectStore(std::string root_p) : root(std::move(root_p)) {
	std::error_code error;
	fs::create_directories(root, error);
	if (error) {
		throw duckdb::IOException("cannot create object directory \"%s\": %s", root, error.message());
	}
}

std::string LocalDirectoryObjectStore::PathFor(const std::string &key) const {
	ValidateObjectKey(key);
	return (fs::path(root) / key).string();
}

void LocalDirectoryObjectStore::Put(const std::string &key, const std::string &data) {
	auto path = PathFor(key);
	auto directory = fs::path(path).parent_path();
	// Create missing directories one level at a time, remembering which are new: their entries in their parents
	// must be synced too, or a crash could lose the directory and the object with it.
	std::vector<fs::path> created;
	for (auto dir = directory; !fs::exists(dir); dir = dir.parent_path()) {
		created.push_back(dir);
	}
	std::reverse(created.begin(), created.end());
	for (auto &dir : created) {
		std::error_code error;
		fs::create_directory(dir, error);
		if (error) {
			throw duckdb::IOException("cannot create directory \"%s\": %s", dir.string(), error.message());
		}
	}
	auto temp_path = path + TEMP_MARKER + std::to_string(::getpid()) + "-" + std::to_string(temp_counter++);
	int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		throw duckdb::IOException("cannot create \"%s\": %s", temp_path, ErrnoText());
	}
	if (!WriteFully(fd, data.data(), data.size())) {
		auto message = ErrnoText();
		::close(fd);
		::unlink(temp_path.c_str());
		throw duckdb::IOException("cannot write \"%s\": %s", temp_path, message);
	}
	if (::fsync(fd) != 0) {
		auto message = ErrnoText();
		::close(fd);
		::unlink(temp_path.c_str());
		throw duckdb::IOException("cannot fsync \"%s\": %s", temp_path, message);
	}
	::close(fd);
	if (::rename(temp_path.c_str(), path.c_str()) != 0) {
		auto message = ErrnoText();
		::unlink(temp_path.c_str());
		throw duckdb::IOException("cannot rename \"%s\" to \"%s\": %s", temp_path, path, message);
	}
	FsyncPath(directory.string(), O_RDONLY | O_DIRECTORY);
	for (auto &dir : created) {
		FsyncPath(dir.parent_path().string(), O_RDONLY | O_DIRECTORY);
	}
}

void LocalDirectoryObjectStore::Get(const std::string &key, uint64_t offset, uint64_t length, char *out) {
	auto path = PathFor(key);
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		throw duckdb::IOException("cannot open object \"%s\": %s", key, ErrnoText());
	}
	if (!ReadFully(fd, out, length, offset)) {
		auto message = errno == 0 ? std::string("object is shorter than expected") : ErrnoText();
		::close(fd);
		throw duckdb::IOException("cannot read %llu bytes at %llu of object \"%s\": %s", (unsigned long long)length,
		                          (unsigned long long)offset, key, message);
	}
	::close(fd);
}

uint64_t LocalDirectoryObjectStore::Size(const std::string &key) {
	struct stat info;
	if (::stat(PathFor(key).c_str(), &info) != 0) {
		throw duckdb::IOException("cannot stat object \"%s\": %s", key, ErrnoText());
	}
	return static_cast<uint64_t>(info.st_size);
}

bool LocalDirectoryObjectStore::Exists(const std::string &key) {
	struct stat info;
	return ::stat(PathFor(key).c_str(), &info) == 0;
}

std::vector<std::string> LocalDirectoryObjectStore::List(const std::string &prefix) {
	std::vector<std::string> keys;
	std::error_code error;
	for (fs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
		if (!it->is_regular_file()) {
			continue;
		}
		auto key = fs::relative(it->path(), root).generic_string();
		if (key.rfind(prefix, 0) == 0 && key.find(TEMP_MARKER) == std::string::npos) {
			keys.push_back(key);
		}
	}
	std::sort(keys.begin(), keys.end());
	return keys;
}

void LocalDirectoryObjectStore::Delete(const std::string &key) {
	if (::unlink(PathFor(key).c_str()) != 0 && errno != ENOENT) {
		throw duckdb::IOException("cannot delete object \"%s\": %s", key, ErrnoText());
	}
}

std::string LocalDirectoryObjectStore::Describe() const {
	return "objects in " + fs::absolute(root).string();
}

} // namespace openduck
