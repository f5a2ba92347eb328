#include "storage/filesystem/layered_file_system.hpp"

namespace openduck {

using duckdb::FileHandle;
using duckdb::idx_t;

namespace {

class LayeredFileHandle : public FileHandle {
public:
	LayeredFileHandle(duckdb::FileSystem &file_system, std::string path, duckdb::FileOpenFlags flags,
	                  std::shared_ptr<LayerSpace> space_p, uint64_t file_id_p)
	    : FileHandle(file_system, std::move(path), flags), space(std::move(space_p)), file_id(file_id_p) {
		space->Retain(file_id);
	}
	~LayeredFileHandle() override {
		Close();
	}
	void Close() override {
		if (!closed) {
			closed = true;
			space->Release(file_id);
		}
	}

	std::shared_ptr<LayerSpace> space;
	uint64_t file_id;
	idx_t position = 0;
	bool closed = false;
};

LayeredFileHandle &Handle(FileHandle &handle) {
	return handle.Cast<LayeredFileHandle>();
}

} // namespace

LayeredFileSystem::LayeredFileSystem(std::shared_ptr<LayerSpace> space_p)
    : space(std::move(space_p)), prefix(std::string(LAYERED_PATH_SCHEME) + space->Database() + "/") {
}

std::string LayeredFileSystem::DatabasePath(const std::string &database) {
	return std::string(LAYERED_PATH_SCHEME) + database + "/" + database + ".duckdb";
}

std::string LayeredFileSystem::NameOf(const std::string &path) const {
	if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) {
		throw duckdb::IOException("\"%s\" is not a file of layered database \"%s\"", path, space->Database());
	}
	return path.substr(prefix.size());
}

duckdb::unique_ptr<FileHandle> LayeredFileSystem::OpenFile(const std::string &path, duckdb::FileOpenFlags flags,
                                                           duckdb::optional_ptr<duckdb::FileOpener> opener) {
	auto name = NameOf(path);
	bool exists = space->Exists(name);
	if (exists && flags.ReturnNullIfExists()) {
		return nullptr;
	}
	if (!exists && !flags.CreateFileIfNotExists() && !flags.OverwriteExistingFile()) {
		if (flags.ReturnNullIfNotExists()) {
			return nullptr;
		}
		throw duckdb::IOException("Cannot open file \"%s\": No such file or directory", path);
	}
	bool create = flags.OpenForWriting() && (flags.CreateFileIfNotExists() || flags.OverwriteExistingFile());
	auto file_id = space->Open(name, create, flags.OpenForWriting() && flags.OverwriteExistingFile());
	if (file_id < 0) {
		throw duckdb::IOException("Cannot open file \"%s\": No such file or directory", path);
	}
	auto handle = duckdb::make_uniq<LayeredFileHandle>(*this, path, flags, space, static_cast<uint64_t>(file_id));
	if (flags.OpenForAppending()) {
		handle->position = space->Size(handle->file_id);
	}
	return std::move(handle);
}

void LayeredFileSystem::Read(FileHandle &handle, void *buffer, int64_t nr_bytes, idx_t location) {
	auto &layered = Handle(handle);
	auto read = space->Read(layered.file_id, location, static_cast<uint64_t>(nr_bytes), static_cast<char *>(buffer));
	if (read != static_cast<uint64_t>(nr_bytes)) {
		throw duckdb::IOException("Could not read enough bytes from file \"%s\": attempted to read %llu bytes from "
		                          "location %llu",
		                          handle.path, (unsigned long long)nr_bytes, (unsigned long long)location);
	}
}

void LayeredFileSystem::Write(FileHandle &handle, void *buffer, int64_t nr_bytes, idx_t location) {
	space->Write(Handle(handle).file_id, location, static_cast<const char *>(buffer), static_cast<uint64_t>(nr_bytes));
}

int64_t LayeredFileSystem::Read(FileHandle &handle, void *buffer, int64_t nr_bytes) {
	auto &layered = Handle(handle);
	auto read =
	    space->Read(layered.file_id, layered.position, static_cast<uint64_t>(nr_bytes), static_cast<char *>(buffer));
	layered.position += read;
	return static_cast<int64_t>(read);
}

int64_t LayeredFileSystem::Write(FileHandle &handle, void *buffer, int64_t nr_bytes) {
	auto &layered = Handle(handle);
	space->Write(layered.file_id, layered.position, static_cast<const char *>(buffer),
	             static_cast<uint64_t>(nr_bytes));
	layered.position += static_cast<idx_t>(nr_bytes);
	return nr_bytes;
}

int64_t LayeredFileSystem::GetFileSize(FileHandle &handle) {
	return static_cast<int64_t>(space->Size(Handle(handle).file_id));
}

duckdb::timestamp_t LayeredFileSystem::GetLastModifiedTime(FileHandle &handle) {
	// Nothing caches layered files by modification time; a constant keeps the answer deterministic.
	return duckdb::timestamp_t(0);
}

duckdb::FileType LayeredFileSystem::GetFileType(FileHandle &handle) {
	return duckdb::FileType::FILE_TYPE_REGULAR;
}

void LayeredFileSystem::Truncate(FileHandle &handle, int64_t new_size) {
	space->Truncate(Handle(handle).file_id, static_cast<uint64_t>(new_size));
}

void LayeredFileSystem::FileSync(FileHandle &handle) {
	space->Seal();
}

bool LayeredFileSystem::FileExists(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) {
	return CanHandleFile(filename) && space->Exists(NameOf(filename));
}

void LayeredFileSystem::RemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) {
	if (!space->Remove(NameOf(filename))) {
		throw duckdb::IOException("Could not remove file \"%s\": No such file or directory", filename);
	}
}

bool LayeredFileSystem::TryRemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) {
	return space->Remove(NameOf(filename));
}

void LayeredFileSystem::MoveFile(const std::string &source, const std::string &target,
                                 duckdb::optional_ptr<duckdb::FileOpener> opener) {
	space->Move(NameOf(source), NameOf(target));
}

bool LayeredFileSystem::DirectoryExists(const std::string &directory,
                                        duckdb::optional_ptr<duckdb::FileOpener> opener) {
	// The database's root is the only directory: logical files have flat names.
	return directory == prefix || directory + "/" == prefix;
}

void LayeredFileSystem::CreateDirectory(const std::string &directory,
                                        duckdb::optional_ptr<duckdb::FileOpener> opener) {
	if (!DirectoryExists(directory, opener)) {
		throw duckdb::IOException("layered database \"%s\" has no directories: cannot create \"%s\"",
		                          space->Database(), directory);
	}
}

bool LayeredFileSystem::ListFiles(const std::string &directory,
                                  const std::function<void(const std::string &, bool)> &callback,
                                  duckdb::FileOpener *opener) {
	if (!DirectoryExists(directory, nullptr)) {
		return false;
	}
	for (auto &name : space->List()) {
		callback(name, false);
	}
	return true;
}

void LayeredFileSystem::Seek(FileHandle &handle, idx_t location) {
	Handle(handle).position = location;
}

void LayeredFileSystem::Reset(FileHandle &handle) {
	Handle(handle).position = 0;
}

idx_t LayeredFileSystem::SeekPosition(FileHandle &handle) {
	return Handle(handle).position;
}

bool LayeredFileSystem::CanSeek() {
	return true;
}

bool LayeredFileSystem::OnDiskFile(FileHandle &handle) {
	// Reads are served locally from the object store's files and memory: no remote-file prefetching needed.
	return true;
}

bool LayeredFileSystem::CanHandleFile(const std::string &path) {
	return path.compare(0, prefix.size(), prefix) == 0;
}

std::string LayeredFileSystem::CanonicalizePath(const std::string &path,
                                                duckdb::optional_ptr<duckdb::FileOpener> opener) {
	return path;
}

std::string LayeredFileSystem::GetName() const {
	return "LayeredFileSystem";
}

} // namespace openduck
