#include "scan/openduck_scan.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/filter_to_sql.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/table_filter.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT: DuckDB's API is used throughout this file

struct OpenDuckScanGlobalState : public GlobalTableFunctionState {
	unique_ptr<RemoteResultReader> reader;
	//! Filters DuckDB handed us that could not be sent to the server; applied here.
	unique_ptr<Expression> local_filter;
	unique_ptr<ExpressionExecutor> local_filter_executor;
	SelectionVector selection {STANDARD_VECTOR_SIZE};

	idx_t MaxThreads() const override {
		return 1;
	}
};

std::string BuildRemoteScanSQL(const OpenDuckScanBindData &bind_data, const vector<column_t> &column_ids,
                               optional_ptr<TableFilterSet> filters, vector<idx_t> &local_filters) {
	std::string select_list;
	for (idx_t i = 0; i < column_ids.size(); i++) {
		auto column_id = column_ids[i];
		if (i > 0) {
			select_list += ", ";
		}
		if (column_id < bind_data.column_names.size()) {
			select_list += QuoteIdentifier(bind_data.column_names[column_id]);
		} else {
			// Virtual columns (row ids, empty projections) carry no remote data.
			select_list += "NULL::BIGINT";
		}
	}
	if (select_list.empty()) {
		select_list = "NULL::BIGINT";
	}
	std::string where_sql;
	if (filters) {
		for (auto &entry : filters->filters) {
			auto index = entry.first;
			auto column_id = index < column_ids.size() ? column_ids[index] : COLUMN_IDENTIFIER_ROW_ID;
			std::string predicate;
			bool translated = column_id < bind_data.column_names.size() &&
			                  TryTableFilterToSQL(*entry.second, QuoteIdentifier(bind_data.column_names[column_id]),
			                                      bind_data.column_types[column_id], predicate);
			if (!translated) {
				local_filters.push_back(index);
				continue;
			}
			if (!predicate.empty()) {
				where_sql += (where_sql.empty() ? " WHERE " : " AND ") + predicate;
			}
		}
	}
	return "SELECT " + select_list + " FROM " + QuoteIdentifier(bind_data.schema_name) + "." +
	       QuoteIdentifier(bind_data.table_name) + where_sql;
}

static unique_ptr<GlobalTableFunctionState> OpenDuckScanInitGlobal(ClientContext &context,
                                                                  TableFunctionInitInput &input) {
	auto &bind_data = input.bind_data->Cast<OpenDuckScanBindData>();
	auto state = make_uniq<OpenDuckScanGlobalState>();
	vector<idx_t> local_filters;
	auto sql = BuildRemoteScanSQL(bind_data, input.column_ids, input.filters, local_filters);
	vector<LogicalType> expected;
	for (auto column_id : input.column_ids) {
		expected.push_back(column_id < bind_data.column_types.size() ? bind_data.column_types[column_id]
		                                                             : LogicalType::BIGINT);
	}
	if (input.column_ids.empty()) {
		expected.push_back(LogicalType::BIGINT);
	}
	state->reader = make_uniq<RemoteResultReader>(context, bind_data.catalog->Execute(context, sql), &expected);
	auto &received = state->reader->Types();
	if (received.size() != expected.size()) {
		throw IOException("OpenDuck: remote table %s.%s returned %d columns where %d were expected; it changed on "
		                  "the server, run the query again",
		                  bind_data.schema_name, bind_data.table_name, received.size(), expected.size());
	}
	for (idx_t i = 0; i < expected.size(); i++) {
		if (received[i] != expected[i]) {
			throw IOException("OpenDuck: column %d of remote table %s.%s arrived as %s where %s was expected; it "
			                  "changed on the server, run the query again",
			                  i, bind_data.schema_name, bind_data.table_name, received[i].ToString(),
			                  expected[i].ToString());
		}
	}
	if (!local_filters.empty()) {
		auto conjunction = make_uniq<BoundConjunctionExpression>(ExpressionType::CONJUNCTION_AND);
		for (auto index : local_filters) {
			BoundReferenceExpression column(expected[index], index);
			conjunction->children.push_back(input.filters->filters.at(index)->ToExpression(column));
		}
		state->local_filter = std::move(conjunction);
		state->local_filter_executor = make_uniq<ExpressionExecutor>(context, *state->local_filter);
	}
	return std::move(state);
}

static void OpenDuckScanFunction(ClientContext &context, TableFunctionInput &data, DataChunk &output) {
	auto &state = data.global_state->Cast<OpenDuckScanGlobalState>();
	while (true) {
		state.reader->Fill(output);
		if (output.size() == 0 || !state.local_filter_executor) {
			return;
		}
		auto count = state.local_filter_executor->SelectExpression(output, state.selection);
		if (count == output.size()) {
			return;
		}
		if (count > 0) {
			output.Slice(state.selection, count);
			return;
		}
		// Every row was filtered out; an empty chunk would end the scan, so read on.
	}
}

static unique_ptr<NodeStatistics> OpenDuckScanCardinality(ClientContext &context, const FunctionData *bind_data_p) {
	auto &bind_data = bind_data_p->Cast<OpenDuckScanBindData>();
	return make_uniq<NodeStatistics>(bind_data.estimated_rows, bind_data.estimated_rows);
}

static InsertionOrderPreservingMap<string> OpenDuckScanToString(TableFunctionToStringInput &input) {
	InsertionOrderPreservingMap<string> result;
	auto &bind_data = input.bind_data->Cast<OpenDuckScanBindData>();
	result["Remote Table"] = bind_data.schema_name + "." + bind_data.table_name;
	result["Remote Database"] = bind_data.catalog->GetDBPath();
	return result;
}

static BindInfo OpenDuckScanBindInfo(const optional_ptr<FunctionData> bind_data_p) {
	auto &bind_data = bind_data_p->Cast<OpenDuckScanBindData>();
	return BindInfo(*bind_data.table);
}

TableFunction GetOpenDuckScanFunction() {
	TableFunction function("openduck_scan", {}, OpenDuckScanFunction);
	function.init_global = OpenDuckScanInitGlobal;
	function.cardinality = OpenDuckScanCardinality;
	function.to_string = OpenDuckScanToString;
	function.get_bind_info = OpenDuckScanBindInfo;
	function.projection_pushdown = true;
	function.filter_pushdown = true;
	function.filter_prune = false;
	return function;
}

} // namespace openduck
