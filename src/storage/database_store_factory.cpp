#include "storage/database_store.hpp"
#include "storage/layered_database_store.hpp"

namespace openduck {

std::unique_ptr<DatabaseStore> MakeDatabaseStore(const std::string &kind, const std::string &data_dir) {
	if (kind == "file") {
		return std::unique_ptr<DatabaseStore>(new LocalFileDatabaseStore(data_dir));
	}
	if (kind == "layered") {
		return std::unique_ptr<DatabaseStore>(new LayeredDatabaseStore(data_dir));
	}
	throw duckdb::InvalidInputException("unknown storage \"%s\": use \"file\" or \"layered\"", kind);
}

} // namespace openduck
