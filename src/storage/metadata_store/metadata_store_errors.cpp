#include "storage/metadata_store/metadata_store_errors.hpp"

#include "duckdb.hpp"

namespace openduck {

void ThrowLeaseHeld(const std::string &database, const std::string &holder, int64_t expires_in_ms) {
	throw duckdb::IOException("database \"%s\" has another writer (%s) whose lease expires in %lld ms", database,
	                          holder, (long long)expires_in_ms);
}

void ThrowLeaseLost(const WriterLease &lease) {
	throw duckdb::IOException("database \"%s\": this writer (fencing token %lld) lost its lease; the commit was not "
	                          "published",
	                          lease.database, (long long)lease.fencing_token);
}

void ThrowParentMoved(const std::string &database, int64_t latest, int64_t parent) {
	throw duckdb::IOException("database \"%s\": snapshot %lld was published by someone else while this writer was "
	                          "at %lld; the commit was not published",
	                          database, (long long)latest, (long long)parent);
}

void ThrowNoSuchSnapshot(const std::string &database, int64_t snapshot_id) {
	throw duckdb::InvalidInputException("database \"%s\" has no snapshot %lld", database, (long long)snapshot_id);
}

void CheckCompactionRange(const std::string &database, uint64_t first_position, uint64_t replaced_count,
                          uint64_t layer_count) {
	if (replaced_count == 0 || first_position > layer_count || replaced_count > layer_count - first_position) {
		throw duckdb::InvalidInputException("database \"%s\": a compaction must replace a non-empty range of the %llu "
		                                    "layers, not %llu layers from position %llu",
		                                    database, (unsigned long long)layer_count,
		                                    (unsigned long long)replaced_count, (unsigned long long)first_position);
	}
}

void CheckSnapshotName(const std::string &database, const std::string &name) {
	if (name.empty()) {
		throw duckdb::InvalidInputException("database \"%s\": a snapshot name must not be empty", database);
	}
}

} // namespace openduck
