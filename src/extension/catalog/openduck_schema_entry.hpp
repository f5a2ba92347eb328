//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_schema_entry.hpp
//
// A remote schema and its tables.
//===----------------------------------------------------------------------===//

#pragma once

#include "catalog/openduck_table_entry.hpp"
#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/catalog/catalog_entry/index_catalog_entry.hpp"

#include <mutex>

namespace openduck {

class OpenDuckCatalog;

class OpenDuckSchemaEntry : public duckdb::SchemaCatalogEntry {
public:
	OpenDuckSchemaEntry(duckdb::Catalog &catalog, duckdb::CreateSchemaInfo &info);

	//! Adds a table while the snapshot is being built.
	void AddTable(duckdb::unique_ptr<OpenDuckTableEntry> table);
	//! Adds a remote view; it is a DuckDB view whose query runs the remote view on the server.
	void AddView(duckdb::unique_ptr<duckdb::ViewCatalogEntry> view);
	//! True when the estimate moved enough (by half again, or from zero) to change a plan.
	bool UpdateEstimate(const std::string &table_name, duckdb::idx_t estimated_rows);

	void Scan(duckdb::ClientContext &context, duckdb::CatalogType type,
	          const std::function<void(duckdb::CatalogEntry &)> &callback) override;
	void Scan(duckdb::CatalogType type, const std::function<void(duckdb::CatalogEntry &)> &callback) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> LookupEntry(duckdb::CatalogTransaction transaction,
	                                                       const duckdb::EntryLookupInfo &lookup_info) override;

	duckdb::optional_ptr<duckdb::CatalogEntry> CreateIndex(duckdb::CatalogTransaction transaction,
	                                                       duckdb::CreateIndexInfo &info,
	                                                       duckdb::TableCatalogEntry &table) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateFunction(duckdb::CatalogTransaction transaction,
	                                                          duckdb::CreateFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateTable(duckdb::CatalogTransaction transaction,
	                                                       duckdb::BoundCreateTableInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateView(duckdb::CatalogTransaction transaction,
	                                                      duckdb::CreateViewInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateSequence(duckdb::CatalogTransaction transaction,
	                                                          duckdb::CreateSequenceInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateTableFunction(duckdb::CatalogTransaction transaction,
	                                                               duckdb::CreateTableFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateCopyFunction(duckdb::CatalogTransaction transaction,
	                                                              duckdb::CreateCopyFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreatePragmaFunction(duckdb::CatalogTransaction transaction,
	                                                                duckdb::CreatePragmaFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateCollation(duckdb::CatalogTransaction transaction,
	                                                           duckdb::CreateCollationInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateType(duckdb::CatalogTransaction transaction,
	                                                      duckdb::CreateTypeInfo &info) override;
	void DropEntry(duckdb::ClientContext &context, duckdb::DropInfo &info) override;
	void Alter(duckdb::CatalogTransaction transaction, duckdb::AlterInfo &info) override;

private:
	[[noreturn]] void ThrowUnsupported(const std::string &what);
	OpenDuckCatalog &RemoteCatalog();
	//! Asks the server whether index `name` exists in this schema.
	duckdb::optional_ptr<duckdb::CatalogEntry> LookupIndex(duckdb::CatalogTransaction transaction,
	                                                       const std::string &name);

	duckdb::case_insensitive_map_t<duckdb::unique_ptr<OpenDuckTableEntry>> tables;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::ViewCatalogEntry>> views;
	//! Server indexes looked up by name (DROP INDEX); kept so the entries outlive the statement.
	std::mutex indexes_lock;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::IndexCatalogEntry>> indexes;
};

} // namespace openduck
