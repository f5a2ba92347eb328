#include "storage/database_store.hpp"
#include "storage/layered_database_store.hpp"
#include "storage/storage_config.hpp"

namespace openduck {

std::unique_ptr<DatabaseStore> MakeDatabaseStore(const StorageConfig &config) {
	if (config.kind == "file") {
		if (config.UsesSharedServices()) {
			throw duckdb::InvalidInputException(
			    "--metadata and --store need layered storage: add --storage layered (or leave --storage unset)");
		}
		return std::unique_ptr<DatabaseStore>(new LocalFileDatabaseStore(config.data_dir, config.min_free_bytes));
	}
	if (config.kind == "layered") {
		return std::unique_ptr<DatabaseStore>(new LayeredDatabaseStore(config));
	}
	throw duckdb::InvalidInputException("unknown storage \"%s\": use \"file\" or \"layered\"", config.kind);
}

} // namespace openduck
