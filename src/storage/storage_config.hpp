//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/storage_config.hpp
//
// Where a server keeps its databases: the store kind, the metadata store and the object store, from
// `openduck serve` flags and the environment. Secrets (S3 keys) live here and are never part of Describe().
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace openduck {

class DatabaseStore;
class MetadataStore;
class ObjectStore;

struct S3Settings {
	//! "http://127.0.0.1:9000" for an S3-compatible server; empty means AWS ("https://s3.<region>.amazonaws.com").
	std::string endpoint;
	std::string region;
	std::string access_key_id;
	std::string secret_access_key;
	std::string session_token;
};

struct StorageConfig {
	//! "layered" (differential storage, the default) or "file" (one plain DuckDB file per database).
	std::string kind = "layered";
	std::string data_dir = "openduck-data";
	//! Empty: SQLite at <data_dir>/metadata.sqlite. Otherwise "sqlite:PATH" or "postgres://..." /
	//! "postgresql://..." (a libpq connection URI).
	std::string metadata_url;
	//! Empty: a local directory, <data_dir>/objects. Otherwise "file:PATH" or "s3://bucket[/prefix]".
	std::string store_url;
	S3Settings s3;
	//! Local read cache of object-store layers (remote stores only). Empty: <data_dir>/cache.
	std::string cache_dir;
	uint64_t cache_bytes = 8ULL * 1024 * 1024 * 1024;
	//! A read replica: serves the newest published snapshot of every database, read-only, moving to the newest
	//! one at the start of each request; never takes a writer lease.
	bool replica = false;
	//! Writes are refused while the disk holding the database data has less free space than this, so a commit
	//! does not run out of space halfway (0: never refuse).
	uint64_t min_free_bytes = 64ULL * 1024 * 1024;
	//! How long snapshots stay reachable for time travel before GC may drop them (named snapshots stay).
	int64_t retention_ms = 7LL * 24 * 3600 * 1000;

	//! Fills what flags did not set from OPENDUCK_METADATA, OPENDUCK_STORE and the standard AWS_* variables
	//! (AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
	//! AWS_SESSION_TOKEN).
	void ApplyEnvironment(const std::function<const char *(const char *)> &getenv);
	//! True when the metadata or the object store is not the embedded default (which needs layered storage).
	bool UsesSharedServices() const;
	//! The directory of a local object store (the default, or file:PATH); empty for a remote store.
	std::string LocalObjectsDirectory() const;
};

//! The metadata store named by config.metadata_url. Throws InvalidInputException for a URL it cannot use.
std::shared_ptr<MetadataStore> MakeMetadataStore(const StorageConfig &config);
//! The object store named by config.store_url (remote stores come wrapped in the local read cache).
std::shared_ptr<ObjectStore> MakeObjectStore(const StorageConfig &config);
//! The database store for config.kind.
std::unique_ptr<DatabaseStore> MakeDatabaseStore(const StorageConfig &config);

} // namespace openduck
