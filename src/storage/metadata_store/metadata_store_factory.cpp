#include "duckdb.hpp"
#include "storage/metadata_store/postgres_metadata_store.hpp"
#include "storage/metadata_store/sqlite_metadata_store.hpp"
#include "storage/storage_config.hpp"

#include <filesystem>

namespace openduck {

std::shared_ptr<MetadataStore> MakeMetadataStore(const StorageConfig &config) {
	auto &url = config.metadata_url;
	if (url.empty()) {
		return std::make_shared<SqliteMetadataStore>(
		    (std::filesystem::path(config.data_dir) / "metadata.sqlite").string());
	}
	if (url.rfind("sqlite:", 0) == 0) {
		return std::make_shared<SqliteMetadataStore>(url.substr(7));
	}
	if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
		return std::make_shared<PostgresMetadataStore>(url);
	}
	// Only the scheme is repeated: the rest of a URL may carry a password.
	throw duckdb::InvalidInputException("unsupported metadata store \"%s\": use sqlite:PATH or "
	                                    "postgres://user:password@host:port/database",
	                                    url.substr(0, url.find(':')));
}

} // namespace openduck
