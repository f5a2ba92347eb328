#include "server/catalog_check.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/storage/object_cache.hpp"
#include "duckdb/storage/table_storage_info.hpp"

#include <atomic>
#include <cstdio>
#include <random>

namespace openduck {

namespace {

//! Names one DuckDB instance for the life of this process. DuckDB's catalog version counts changes
//! since the instance opened, so a reopened engine (a replica's newer snapshot, a writer recovered
//! after an I/O error, a restarted server) can repeat a number with a different catalog behind it.
class EngineIdentity : public duckdb::ObjectCacheEntry {
public:
	EngineIdentity() : serial(NextSerial()) {
	}

	static std::string ObjectType() {
		return "openduck_engine_identity";
	}
	std::string GetObjectType() override {
		return ObjectType();
	}
	duckdb::optional_idx GetEstimatedCacheMemory() const override {
		// Never evicted: a new identity would only make clients read the catalog again.
		return duckdb::optional_idx();
	}

	//! "<process incarnation>.<engine serial>"
	std::string Prefix() const {
		char text[64];
		std::snprintf(text, sizeof(text), "%016llx.%llu", static_cast<unsigned long long>(Incarnation()),
		              static_cast<unsigned long long>(serial));
		return text;
	}

private:
	static uint64_t NextSerial() {
		static std::atomic<uint64_t> next {1};
		return next++;
	}
	static uint64_t Incarnation() {
		static const uint64_t incarnation = []() {
			std::random_device seed;
			return (uint64_t(seed()) << 32) ^ seed();
		}();
		return incarnation;
	}

	uint64_t serial;
};

} // namespace

void ReadCatalogCheck(duckdb::ClientContext &context, v1::CheckCatalogResponse &response) {
	auto &database = duckdb::DatabaseManager::GetDefaultDatabase(context);
	auto &catalog = duckdb::Catalog::GetCatalog(context, database);
	auto identity =
	    duckdb::ObjectCache::GetObjectCache(context).GetOrCreate<EngineIdentity>(EngineIdentity::ObjectType());
	auto version = catalog.GetCatalogVersion(context);
	if (identity && version.IsValid()) {
		response.set_catalog_version(identity->Prefix() + "." + std::to_string(version.GetIndex()));
	}
	// Straight from the catalog: cheaper than duckdb_tables(), which also renders each table's SQL.
	catalog.ScanSchemas(context, [&](duckdb::SchemaCatalogEntry &schema) {
		schema.Scan(context, duckdb::CatalogType::TABLE_ENTRY, [&](duckdb::CatalogEntry &entry) {
			if (entry.type != duckdb::CatalogType::TABLE_ENTRY) {
				return;
			}
			auto &table = *response.add_tables();
			table.set_schema_name(schema.name);
			table.set_table_name(entry.name);
			auto info = entry.Cast<duckdb::TableCatalogEntry>().GetStorageInfo(context);
			if (info.cardinality.IsValid()) {
				table.set_estimated_rows(info.cardinality.GetIndex());
			}
		});
	});
}

} // namespace openduck
