#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_data/create_view_info.hpp"
#include "protocol/status_mapping.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! Runs a DescribeViewsQuery and files its rows by view index.
static void ReadViewDescriptions(ClientContext &context, OpenDuckCatalog &catalog, const std::string &sql,
                                 const std::string &snapshot, size_t first_view,
                                 std::vector<std::vector<DescribedViewColumn>> &described) {
	ExecuteOptions options;
	options.snapshot = snapshot;
	RemoteResultReader reader(context, catalog.Execute(context, sql, options));
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	std::vector<std::vector<DescribedViewColumn>> rows(described.size());
	while (true) {
		reader.Fill(chunk);
		if (chunk.size() == 0) {
			break;
		}
		for (idx_t row = 0; row < chunk.size(); row++) {
			auto view = first_view + chunk.GetValue(0, row).GetValue<int64_t>();
			if (view >= rows.size()) {
				continue;
			}
			DescribedViewColumn column;
			column.name = chunk.GetValue(1, row).ToString();
			column.not_null = chunk.GetValue(2, row).ToString() == "NO";
			auto key = chunk.GetValue(3, row);
			column.key = key.IsNull() ? std::string() : key.ToString();
			auto default_text = chunk.GetValue(4, row);
			column.default_text = default_text.IsNull() ? std::string() : default_text.ToString();
			rows[view].push_back(std::move(column));
		}
	}
	for (size_t view = 0; view < rows.size(); view++) {
		if (!rows[view].empty()) {
			described[view] = std::move(rows[view]);
		}
	}
}

std::vector<std::vector<DescribedViewColumn>>
OpenDuckCatalog::DescribeViews(ClientContext &context, const std::vector<std::pair<std::string, std::string>> &views,
                               const std::string &snapshot) {
	std::vector<std::vector<DescribedViewColumn>> described(views.size());
	if (views.empty()) {
		return described;
	}
	try {
		ReadViewDescriptions(context, *this, DescribeViewsQuery(views), snapshot, 0, described);
		return described;
	} catch (std::exception &ex) {
		if (IsCallFailure(ex)) {
			throw;
		}
	}
	// A view whose tables were dropped fails to describe, and fails the whole query with it: describe
	// each view alone, and leave the broken ones without details.
	for (size_t i = 0; i < views.size(); i++) {
		try {
			ReadViewDescriptions(context, *this, DescribeViewsQuery({views[i]}), snapshot, i, described);
		} catch (std::exception &ex) {
			if (IsCallFailure(ex)) {
				throw;
			}
		}
	}
	return described;
}

unique_ptr<ViewCatalogEntry> OpenDuckCatalog::BuildRemoteView(SchemaCatalogEntry &schema, CreateTableInfo &columns,
                                                              const std::string &remote_snapshot,
                                                              const std::vector<DescribedViewColumn> &described,
                                                              ViewColumnsBySQL &view_columns_built) {
	// The view's definition lives on the server; locally it is "run that view there", so the
	// client never needs to bind the server's SQL against its own catalog.
	auto remote_sql = "SELECT * FROM " + QuoteIdentifier(schema.name) + "." + QuoteIdentifier(columns.table);
	CreateViewInfo info(GetName(), schema.name, columns.table);
	info.comment = columns.comment;
	auto snapshot_argument =
	    remote_snapshot.empty() ? std::string() : ", snapshot := " + QuoteStringLiteral(remote_snapshot);
	info.query = CreateViewInfo::ParseSelect("SELECT * FROM openduck_query(" + QuoteStringLiteral(GetName()) + ", " +
	                                         QuoteStringLiteral(remote_sql) + snapshot_argument + ")");
	for (auto &column : columns.columns.Logical()) {
		info.aliases.push_back(column.Name());
		info.names.push_back(column.Name());
		info.types.push_back(column.Type());
	}
	if (auto view_columns_entry = RemoteViewColumnsEntry::Make(*this, schema, columns, described)) {
		view_columns_built[remote_sql] = std::move(view_columns_entry);
	}
	return make_uniq<ViewCatalogEntry>(*this, schema, info);
}

std::shared_ptr<RemoteViewColumnsEntry> OpenDuckCatalog::FindViewColumns(const std::string &sql,
                                                                         const std::string &snapshot) {
	std::lock_guard<std::mutex> guard(view_columns_lock);
	auto by_snapshot = view_columns.find(snapshot);
	if (by_snapshot == view_columns.end()) {
		return nullptr;
	}
	auto entry = by_snapshot->second.find(sql);
	return entry == by_snapshot->second.end() ? nullptr : entry->second;
}

} // namespace openduck
