#include "catalog/remote_view_columns.hpp"

#include "common/sql_quoting.hpp"
#include "duckdb/parser/constraints/not_null_constraint.hpp"
#include "duckdb/parser/constraints/unique_constraint.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/storage/table_storage_info.hpp"

#include <algorithm>

namespace openduck {

using namespace duckdb; // NOLINT

RemoteViewColumnsEntry::RemoteViewColumnsEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateTableInfo &info)
    : TableCatalogEntry(catalog, schema, info) {
}

unique_ptr<BaseStatistics> RemoteViewColumnsEntry::GetStatistics(ClientContext &context, column_t column_id) {
	return nullptr;
}

TableFunction RemoteViewColumnsEntry::GetScanFunction(ClientContext &context, unique_ptr<FunctionData> &bind_data) {
	throw InternalException("OpenDuck: the columns of remote view \"%s\" cannot be scanned as a table", name);
}

TableStorageInfo RemoteViewColumnsEntry::GetStorageInfo(ClientContext &context) {
	return TableStorageInfo();
}

//! The default as DESCRIBE shows it: DuckDB prints the parsed expression, so it must parse.
static unique_ptr<ParsedExpression> ParseDefault(const std::string &text) {
	if (text.empty()) {
		return nullptr;
	}
	try {
		auto parsed = Parser::ParseExpressionList(text);
		return parsed.size() == 1 ? std::move(parsed[0]) : nullptr;
	} catch (std::exception &) {
		return nullptr;
	}
}

unique_ptr<RemoteViewColumnsEntry> RemoteViewColumnsEntry::Make(Catalog &catalog, SchemaCatalogEntry &schema,
                                                                const CreateTableInfo &view_columns,
                                                                const std::vector<DescribedViewColumn> &described) {
	CreateTableInfo info(catalog.GetName(), schema.name, view_columns.table);
	for (auto &view_column : view_columns.columns.Logical()) {
		// DuckDB gives a view's columns distinct names, so the name finds the row.
		auto row = std::find_if(described.begin(), described.end(), [&](const DescribedViewColumn &candidate) {
			return candidate.name == view_column.Name();
		});
		if (row == described.end()) {
			return nullptr;
		}
		auto index = LogicalIndex(info.columns.LogicalColumnCount());
		ColumnDefinition column(view_column.Name(), view_column.Type());
		if (auto default_value = ParseDefault(row->default_text)) {
			column.SetDefaultValue(std::move(default_value));
		}
		info.columns.AddColumn(std::move(column));
		if (row->not_null) {
			info.constraints.push_back(make_uniq<NotNullConstraint>(index));
		}
		if (row->key == "PRI" || row->key == "UNI") {
			info.constraints.push_back(make_uniq<UniqueConstraint>(index, row->key == "PRI"));
		}
	}
	return make_uniq<RemoteViewColumnsEntry>(catalog, schema, info);
}

std::string DescribeViewsQuery(const std::vector<std::pair<std::string, std::string>> &views) {
	std::string sql;
	for (size_t i = 0; i < views.size(); i++) {
		if (i > 0) {
			sql += "\nUNION ALL\n";
		}
		sql += "SELECT " + std::to_string(i) +
		       " AS view_index, column_name, \"null\", \"key\", \"default\" FROM (DESCRIBE " +
		       QuoteIdentifier(views[i].first) + "." + QuoteIdentifier(views[i].second) + ")";
	}
	return sql;
}

} // namespace openduck
