#include "catalog/openduck_table_entry.hpp"

#include "catalog/openduck_catalog.hpp"
#include "duckdb/storage/table_storage_info.hpp"
#include "scan/openduck_scan.hpp"
#include "scan/remote_result_reader.hpp"
#include "scan/remote_statistics.hpp"

#include "duckdb/parser/constraints/unique_constraint.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

OpenDuckTableEntry::OpenDuckTableEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateTableInfo &info,
                                       idx_t estimated_rows_p, std::string snapshot_p)
    : TableCatalogEntry(catalog, schema, info), estimated_rows(estimated_rows_p), snapshot(std::move(snapshot_p)) {
}

OpenDuckTableEntry::~OpenDuckTableEntry() = default;

//! One round trip for the statistics of all columns. A table without rows returns no row, and
//! then has no statistics.
static unique_ptr<RemoteTableStatistics> FetchStatistics(ClientContext &context, OpenDuckCatalog &catalog,
                                                         const std::string &sql, const vector<LogicalType> &types,
                                                         const std::string &snapshot) {
	auto result = make_uniq<RemoteTableStatistics>();
	result->columns.resize(types.size());
	ExecuteOptions options;
	options.snapshot = snapshot;
	RemoteResultReader reader(context, catalog.Execute(context, sql, options));
	if (reader.Types().size() != types.size()) {
		return result;
	}
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	bool first = true;
	while (true) {
		// Read to the end so the stream finishes normally rather than being cancelled.
		reader.Fill(chunk);
		if (chunk.size() == 0) {
			break;
		}
		for (idx_t i = 0; first && i < types.size(); i++) {
			auto text = chunk.GetValue(i, 0);
			if (!text.IsNull()) {
				result->columns[i] = ParseRemoteStatistics(text.ToString(), types[i]);
			}
		}
		first = false;
	}
	return result;
}

std::shared_ptr<const RemoteTableStatistics> OpenDuckTableEntry::Statistics(ClientContext &context) {
	auto query = context.transaction.HasActiveTransaction() ? context.transaction.GetActiveQuery() : MAXIMUM_QUERY_ID;
	std::lock_guard<std::mutex> guard(statistics_lock);
	if (statistics && ((query != MAXIMUM_QUERY_ID && statistics_query == query) || !snapshot.empty())) {
		// A past snapshot never changes: its statistics hold for good.
		return statistics;
	}
	vector<std::string> names;
	vector<LogicalType> types;
	for (auto &column : columns.Logical()) {
		names.push_back(column.Name());
		types.push_back(column.Type());
	}
	try {
		statistics = FetchStatistics(context, catalog.Cast<OpenDuckCatalog>(),
		                             BuildRemoteStatisticsSQL(schema.name, name, names), types, snapshot);
	} catch (std::exception &) {
		if (context.interrupted) {
			throw;
		}
		// Statistics only sharpen the plan: without them the query still runs (and reports any real
		// problem with the table when it scans). Remember the miss so this query asks once.
		auto none = std::make_shared<RemoteTableStatistics>();
		none->columns.resize(names.size());
		statistics = std::move(none);
	}
	statistics_query = query;
	return statistics;
}

unique_ptr<BaseStatistics> OpenDuckTableEntry::GetStatistics(ClientContext &context, column_t column_id) {
	if (column_id >= columns.LogicalColumnCount()) {
		return nullptr;
	}
	auto table_statistics = Statistics(context);
	auto &column = table_statistics->columns[column_id];
	return column ? column->ToUnique() : nullptr;
}

TableFunction OpenDuckTableEntry::GetScanFunction(ClientContext &context, unique_ptr<FunctionData> &bind_data) {
	auto data = make_uniq<OpenDuckScanBindData>();
	data->catalog = &catalog.Cast<OpenDuckCatalog>();
	data->table = this;
	data->schema_name = schema.name;
	data->table_name = name;
	for (auto &column : columns.Logical()) {
		data->column_names.push_back(column.Name());
		data->column_types.push_back(column.Type());
	}
	data->estimated_rows = estimated_rows.load();
	data->snapshot = snapshot;
	bind_data = std::move(data);
	return GetOpenDuckScanFunction();
}

TableStorageInfo OpenDuckTableEntry::GetStorageInfo(ClientContext &context) {
	TableStorageInfo info;
	info.cardinality = estimated_rows.load();
	// The server's keys, as the binder needs them for ON CONFLICT.
	for (auto &constraint : GetConstraints()) {
		if (constraint->type != ConstraintType::UNIQUE) {
			continue;
		}
		auto &unique = constraint->Cast<UniqueConstraint>();
		IndexInfo index;
		index.is_unique = true;
		index.is_primary = unique.IsPrimaryKey();
		index.is_foreign = false;
		for (auto &name : unique.GetColumnNames()) {
			index.column_set.insert(GetColumn(name).Physical().index);
		}
		info.index_info.push_back(std::move(index));
	}
	return info;
}

} // namespace openduck
