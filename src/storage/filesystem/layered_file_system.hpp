//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/layered_file_system.hpp
//
// DuckDB's view of a LayerSpace: a FileSystem for paths under "openduck-layers://<db>/", registered on that
// database's own DuckDB instance. FileSync seals (and so publishes a snapshot); everything else maps onto
// logical files.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/common/file_system.hpp"
#include "storage/filesystem/layer_space.hpp"

#include <memory>

namespace openduck {

static constexpr const char *LAYERED_PATH_SCHEME = "openduck-layers://";

class LayeredFileSystem : public duckdb::FileSystem {
public:
	explicit LayeredFileSystem(std::shared_ptr<LayerSpace> space);

	//! "openduck-layers://<db>/<db>.duckdb": the path DuckDB opens for a layered database.
	static std::string DatabasePath(const std::string &database);

	duckdb::unique_ptr<duckdb::FileHandle> OpenFile(const std::string &path, duckdb::FileOpenFlags flags,
	                                                duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) override;
	void Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) override;
	int64_t Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) override;
	int64_t Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) override;
	int64_t GetFileSize(duckdb::FileHandle &handle) override;
	duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle &handle) override;
	duckdb::FileType GetFileType(duckdb::FileHandle &handle) override;
	void Truncate(duckdb::FileHandle &handle, int64_t new_size) override;
	void FileSync(duckdb::FileHandle &handle) override;
	bool FileExists(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void RemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	bool TryRemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void MoveFile(const std::string &source, const std::string &target,
	              duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	bool DirectoryExists(const std::string &directory, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void CreateDirectory(const std::string &directory, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	bool ListFiles(const std::string &directory, const std::function<void(const std::string &, bool)> &callback,
	               duckdb::FileOpener *opener) override;
	void Seek(duckdb::FileHandle &handle, duckdb::idx_t location) override;
	void Reset(duckdb::FileHandle &handle) override;
	duckdb::idx_t SeekPosition(duckdb::FileHandle &handle) override;
	bool CanSeek() override;
	bool OnDiskFile(duckdb::FileHandle &handle) override;
	bool CanHandleFile(const std::string &path) override;
	std::string GetName() const override;
	//! Paths are returned as given: the generic canonicalization would fold the scheme's "//".
	std::string CanonicalizePath(const std::string &path, duckdb::optional_ptr<duckdb::FileOpener> opener) override;

private:
	//! The logical file name of a path under this database's prefix; throws for any other path.
	std::string NameOf(const std::string &path) const;

	std::shared_ptr<LayerSpace> space;
	std::string prefix;
};

} // namespace openduck
