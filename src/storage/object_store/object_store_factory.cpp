#include "duckdb.hpp"
#include "storage/object_store/local_directory_object_store.hpp"
#include "storage/storage_config.hpp"

#include <filesystem>

namespace openduck {

std::shared_ptr<ObjectStore> MakeObjectStore(const StorageConfig &config) {
	auto &url = config.store_url;
	if (url.empty()) {
		return std::make_shared<LocalDirectoryObjectStore>((std::filesystem::path(config.data_dir) / "objects").string());
	}
	if (url.rfind("file:", 0) == 0) {
		return std::make_shared<LocalDirectoryObjectStore>(url.substr(5));
	}
	throw duckdb::InvalidInputException("unsupported object store \"%s\": use file:PATH or s3://bucket/prefix",
	                                    url.substr(0, url.find(':')));
}

} // namespace openduck
