//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/remote_view_columns.hpp
//
// What the server knows about a remote view's columns beyond names and types:
// the NOT NULL, key and default of the base table columns they come from.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"

#include <string>
#include <utility>
#include <vector>

namespace openduck {

//! One row of the server's DESCRIBE of a view.
struct DescribedViewColumn {
	std::string name;
	bool not_null = false;
	//! "PRI", "UNI" or empty.
	std::string key;
	//! The default's SQL text; empty when the column has none.
	std::string default_text;
};

//! A remote view's columns as a table entry that is never scanned. DESCRIBE traces a view's
//! columns to the table entry of the scan they come from; a remote view is a scan of the
//! server's result, so this entry stands in for the base tables the server traced them to.
class RemoteViewColumnsEntry : public duckdb::TableCatalogEntry {
public:
	RemoteViewColumnsEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &info);

	duckdb::unique_ptr<duckdb::BaseStatistics> GetStatistics(duckdb::ClientContext &context,
	                                                         duckdb::column_t column_id) override;
	duckdb::TableFunction GetScanFunction(duckdb::ClientContext &context,
	                                      duckdb::unique_ptr<duckdb::FunctionData> &bind_data) override;
	duckdb::TableStorageInfo GetStorageInfo(duckdb::ClientContext &context) override;

	//! The entry for a view with `view_columns` (names and types as the client knows them), or null
	//! when the description does not name every one of them.
	static duckdb::unique_ptr<RemoteViewColumnsEntry> Make(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema,
	                                                       const duckdb::CreateTableInfo &view_columns,
	                                                       const std::vector<DescribedViewColumn> &described);
};

//! One query that describes every view in `views` (schema, view): rows of (view index,
//! column_name, null, key, default), the last four as DESCRIBE reports them.
std::string DescribeViewsQuery(const std::vector<std::pair<std::string, std::string>> &views);

} // namespace openduck
