#include "catalog/openduck_schema_entry.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_index_entry.hpp"
#include "catalog/remote_ddl.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/entry_lookup_info.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/parser/parsed_data/create_schema_info.hpp"
#include "duckdb/planner/parsed_data/bound_create_table_info.hpp"
#include "scan/remote_result_reader.hpp"

#include <algorithm>

namespace openduck {

using namespace duckdb; // NOLINT

OpenDuckSchemaEntry::OpenDuckSchemaEntry(Catalog &catalog, CreateSchemaInfo &info) : SchemaCatalogEntry(catalog, info) {
}

void OpenDuckSchemaEntry::AddTable(unique_ptr<OpenDuckTableEntry> table) {
	auto name = table->name;
	tables[name] = std::move(table);
}

void OpenDuckSchemaEntry::AddView(unique_ptr<ViewCatalogEntry> view) {
	auto name = view->name;
	views[name] = std::move(view);
}

bool OpenDuckSchemaEntry::UpdateEstimate(const std::string &table_name, idx_t estimated_rows) {
	auto entry = tables.find(table_name);
	if (entry == tables.end()) {
		return false;
	}
	auto previous = entry->second->GetEstimatedRows();
	entry->second->SetEstimatedRows(estimated_rows);
	// Join orders follow magnitudes: a table that grew or shrank by half again may plan differently.
	auto low = std::min(previous, estimated_rows);
	auto high = std::max(previous, estimated_rows);
	return high * 2 > low * 3;
}

void OpenDuckSchemaEntry::Scan(ClientContext &context, CatalogType type,
                               const std::function<void(CatalogEntry &)> &callback) {
	Scan(type, callback);
}

void OpenDuckSchemaEntry::Scan(CatalogType type, const std::function<void(CatalogEntry &)> &callback) {
	// Tables and views share one namespace, as in DuckDB's own schemas; callers filter by entry type.
	if (type != CatalogType::TABLE_ENTRY && type != CatalogType::VIEW_ENTRY) {
		return;
	}
	for (auto &entry : tables) {
		callback(*entry.second);
	}
	for (auto &entry : views) {
		callback(*entry.second);
	}
}

optional_ptr<CatalogEntry> OpenDuckSchemaEntry::LookupEntry(CatalogTransaction transaction,
                                                            const EntryLookupInfo &lookup_info) {
	auto type = lookup_info.GetCatalogType();
	if (type == CatalogType::INDEX_ENTRY) {
		return LookupIndex(transaction, lookup_info.GetEntryName());
	}
	if (type != CatalogType::TABLE_ENTRY && type != CatalogType::VIEW_ENTRY) {
		return nullptr;
	}
	auto table = tables.find(lookup_info.GetEntryName());
	if (table != tables.end()) {
		return table->second.get();
	}
	auto view = views.find(lookup_info.GetEntryName());
	if (view != views.end()) {
		return view->second.get();
	}
	return nullptr;
}

void OpenDuckSchemaEntry::ThrowUnsupported(const std::string &what) {
	throw NotImplementedException("OpenDuck: %s in remote database \"%s\" is not supported through the catalog yet; "
	                              "run it on the server with CALL openduck_execute('%s', '<sql>')",
	                              what, catalog.GetName(), catalog.GetName());
}

optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateIndex(CatalogTransaction transaction, CreateIndexInfo &info,
                                                            TableCatalogEntry &) {
	RemoteCatalog().ExecuteDDL(transaction.GetContext(), CreateIndexSQL(info));
	return nullptr;
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateFunction(CatalogTransaction, CreateFunctionInfo &) {
	ThrowUnsupported("CREATE FUNCTION/MACRO");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateTable(CatalogTransaction transaction,
                                                            BoundCreateTableInfo &info) {
	RemoteCatalog().ExecuteDDL(transaction.GetContext(), CreateTableSQL(info.Base()));
	return nullptr;
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateView(CatalogTransaction transaction, CreateViewInfo &info) {
	auto &context = transaction.GetContext();
	RemoteCatalog().ExecuteDDL(context, CreateViewSQL(context, info, RemoteCatalog()));
	return nullptr;
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateSequence(CatalogTransaction, CreateSequenceInfo &) {
	ThrowUnsupported("CREATE SEQUENCE");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateTableFunction(CatalogTransaction, CreateTableFunctionInfo &) {
	ThrowUnsupported("creating table functions");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateCopyFunction(CatalogTransaction, CreateCopyFunctionInfo &) {
	ThrowUnsupported("creating copy functions");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreatePragmaFunction(CatalogTransaction, CreatePragmaFunctionInfo &) {
	ThrowUnsupported("creating pragma functions");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateCollation(CatalogTransaction, CreateCollationInfo &) {
	ThrowUnsupported("CREATE COLLATION");
}
optional_ptr<CatalogEntry> OpenDuckSchemaEntry::CreateType(CatalogTransaction, CreateTypeInfo &) {
	ThrowUnsupported("CREATE TYPE");
}
void OpenDuckSchemaEntry::DropEntry(ClientContext &context, DropInfo &info) {
	RemoteCatalog().ExecuteDDL(context, DropSQL(info));
}
void OpenDuckSchemaEntry::Alter(CatalogTransaction transaction, AlterInfo &info) {
	RemoteCatalog().ExecuteDDL(transaction.GetContext(), AlterSQL(info));
}

optional_ptr<CatalogEntry> OpenDuckSchemaEntry::LookupIndex(CatalogTransaction transaction, const std::string &name) {
	if (!transaction.HasContext()) {
		return nullptr;
	}
	auto &context = transaction.GetContext();
	auto sql = "SELECT table_name FROM duckdb_indexes() WHERE database_name = current_database() AND schema_name = " +
	           QuoteStringLiteral(this->name) + " AND index_name = " + QuoteStringLiteral(name);
	RemoteResultReader reader(context, RemoteCatalog().Execute(context, sql));
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	reader.Fill(chunk);
	if (chunk.size() == 0) {
		return nullptr;
	}
	CreateIndexInfo info;
	info.index_name = name;
	info.schema = this->name;
	info.table = chunk.GetValue(0, 0).ToString();
	do {
		reader.Fill(chunk);
	} while (chunk.size() > 0);
	std::lock_guard<std::mutex> guard(indexes_lock);
	auto &entry = indexes[name];
	if (!entry) {
		// Never replaced: a statement planned earlier may still point at it.
		entry = make_uniq<OpenDuckIndexEntry>(catalog, *this, info);
	}
	return entry.get();
}

OpenDuckCatalog &OpenDuckSchemaEntry::RemoteCatalog() {
	return catalog.Cast<OpenDuckCatalog>();
}

} // namespace openduck
