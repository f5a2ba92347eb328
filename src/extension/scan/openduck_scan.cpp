#include "scan/openduck_scan.hpp"

#include "catalog/openduck_transaction.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_table_entry.hpp"
#include "common/filter_to_sql.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/execution/partition_info.hpp"
#include "duckdb/parallel/task_scheduler.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/table_filter.hpp"
#include "scan/remote_result_reader.hpp"
#include "scan/remote_scan_wait.hpp"
#include "scan/remote_statistics.hpp"
#include "scan/scan_limit_pushdown.hpp"

namespace openduck {

using namespace duckdb; // NOLINT: DuckDB's API is used throughout this file

//! Streams a scan reads in parallel at most (one per DuckDB thread, up to what the server grants).
static constexpr idx_t MAX_SCAN_STREAMS = 8;
//! Read-ahead per stream: the streams of a scan together buffer about as much as a single one.
static constexpr size_t SCAN_BUFFERED_BATCHES = 8;

struct OpenDuckScanGlobalState : public GlobalTableFunctionState {
	//! The remote query. Every local state reads one of its streams; the server hands each batch
	//! to one stream, and batch indexes restore the order where DuckDB keeps it.
	std::shared_ptr<RemoteResult> result;
	//! The types the columns must arrive as.
	vector<LogicalType> expected;
	std::string table_name;
	idx_t streams = 1;
	std::atomic<idx_t> next_stream {0};
	//! For progress: rows received so far, against the catalog's estimate.
	std::atomic<idx_t> rows_received {0};
	idx_t estimated_rows = 0;
	//! Filters DuckDB handed us that could not be sent to the server; applied here.
	unique_ptr<Expression> local_filter;

	idx_t MaxThreads() const override {
		return streams;
	}
};

struct OpenDuckScanLocalState : public LocalTableFunctionState {
	idx_t stream_index = 0;
	std::shared_ptr<RemoteStream> stream;
	unique_ptr<RemoteResultReader> reader;
	bool done = false;
	unique_ptr<ExpressionExecutor> local_filter_executor;
	SelectionVector selection {STANDARD_VECTOR_SIZE};
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
		} else if (column_id == COLUMN_IDENTIFIER_ROW_ID) {
			// The server's row id: UPDATE and DELETE name rows by it, within one server transaction.
			select_list += "rowid";
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
	// A filter applied here after a remote LIMIT would drop rows the LIMIT counted.
	auto limit_sql = local_filters.empty() ? RemoteLimitSQL(bind_data) : std::string();
	return "SELECT " + select_list + " FROM " + QuoteIdentifier(bind_data.schema_name) + "." +
	       QuoteIdentifier(bind_data.table_name) + where_sql + limit_sql;
}

static unique_ptr<GlobalTableFunctionState> OpenDuckScanInitGlobal(ClientContext &context,
                                                                  TableFunctionInitInput &input) {
	auto &bind_data = input.bind_data->Cast<OpenDuckScanBindData>();
	auto state = make_uniq<OpenDuckScanGlobalState>();
	vector<idx_t> local_filters;
	auto sql = BuildRemoteScanSQL(bind_data, input.column_ids, input.filters, local_filters);
	for (auto column_id : input.column_ids) {
		state->expected.push_back(column_id < bind_data.column_types.size() ? bind_data.column_types[column_id]
		                                                                    : LogicalType::BIGINT);
	}
	if (input.column_ids.empty()) {
		state->expected.push_back(LogicalType::BIGINT);
	}
	state->table_name = bind_data.schema_name + "." + bind_data.table_name;
	state->estimated_rows = bind_data.estimated_rows;
	// Rows sent in a remote order (Top-N) come through one stream; otherwise one per thread.
	auto threads = NumericCast<idx_t>(TaskScheduler::GetScheduler(context).NumberOfThreads());
	state->streams = bind_data.remote_order.empty() ? MaxValue<idx_t>(1, MinValue(threads, MAX_SCAN_STREAMS)) : 1;
	if (std::find(input.column_ids.begin(), input.column_ids.end(), COLUMN_IDENTIFIER_ROW_ID) !=
	    input.column_ids.end()) {
		// Row ids name rows only within one server transaction: the write that uses them runs there.
		OpenDuckTransaction::Get(context, *bind_data.catalog).RequireSession();
	}
	// Returns at once: the scan waits for the server's answer without blocking DuckDB's threads.
	ExecuteOptions options;
	options.snapshot = bind_data.snapshot;
	state->result = bind_data.catalog->Execute(context, sql, options);
	if (!local_filters.empty()) {
		auto conjunction = make_uniq<BoundConjunctionExpression>(ExpressionType::CONJUNCTION_AND);
		for (auto index : local_filters) {
			BoundReferenceExpression column(state->expected[index], index);
			conjunction->children.push_back(input.filters->filters.at(index)->ToExpression(column));
		}
		state->local_filter = std::move(conjunction);
	}
	return std::move(state);
}

static unique_ptr<LocalTableFunctionState> OpenDuckScanInitLocal(ExecutionContext &context,
                                                                TableFunctionInitInput &input,
                                                                GlobalTableFunctionState *global_state) {
	auto &global = global_state->Cast<OpenDuckScanGlobalState>();
	auto state = make_uniq<OpenDuckScanLocalState>();
	state->stream_index = global.next_stream++;
	if (global.local_filter) {
		state->local_filter_executor = make_uniq<ExpressionExecutor>(context.client, *global.local_filter);
	}
	return std::move(state);
}

static void CheckReceivedTypes(const OpenDuckScanGlobalState &global, const vector<LogicalType> &received) {
	auto &expected = global.expected;
	if (received.size() != expected.size()) {
		throw IOException("OpenDuck: remote table %s returned %d columns where %d were expected; it changed on "
		                  "the server, run the query again",
		                  global.table_name, received.size(), expected.size());
	}
	for (idx_t i = 0; i < expected.size(); i++) {
		if (received[i] != expected[i]) {
			throw IOException("OpenDuck: column %d of remote table %s arrived as %s where %s was expected; it "
			                  "changed on the server, run the query again",
			                  i, global.table_name, received[i].ToString(), expected[i].ToString());
		}
	}
}

//! Sets up this thread's stream once the server answered. Returns false when the call became a
//! wait (see WaitAsynchronously).
static bool OpenLocalStream(ClientContext &context, TableFunctionInput &data, OpenDuckScanGlobalState &global,
                            OpenDuckScanLocalState &local) {
	auto result = global.result;
	if (!result->WaitStartedFor(REMOTE_QUICK_WAIT) &&
	    WaitAsynchronously(data, [result]() { result->WaitStartedFor(REMOTE_WAIT_SLICE); })) {
		return false;
	}
	result->WaitStarted([&context]() { return context.interrupted.load(); });
	if (local.stream_index >= result->StreamCount()) {
		// The server granted fewer streams than DuckDB has threads.
		local.done = true;
		return true;
	}
	if (!local.stream) {
		auto buffered = MaxValue<size_t>(2, SCAN_BUFFERED_BATCHES / global.streams);
		local.stream = result->OpenStream(NumericCast<uint32_t>(local.stream_index), buffered);
	}
	auto stream = local.stream;
	if (!stream->SchemaReady() && !stream->WaitForBatch(REMOTE_QUICK_WAIT) &&
	    WaitAsynchronously(data, [stream]() { stream->WaitForBatch(REMOTE_WAIT_SLICE); })) {
		return false;
	}
	local.reader = make_uniq<RemoteResultReader>(context, stream, result->ColumnTypes(), &global.expected);
	CheckReceivedTypes(global, local.reader->Types());
	return true;
}

static void OpenDuckScanFunction(ClientContext &context, TableFunctionInput &data, DataChunk &output) {
	auto &global = data.global_state->Cast<OpenDuckScanGlobalState>();
	auto &local = data.local_state->Cast<OpenDuckScanLocalState>();
	if (local.done) {
		return;
	}
	if (context.interrupted) {
		global.result->Cancel();
		throw InterruptException();
	}
	if (!local.reader && (!OpenLocalStream(context, data, global, local) || local.done)) {
		return;
	}
	while (true) {
		if (!local.reader->WaitUntilReady(REMOTE_QUICK_WAIT)) {
			auto stream = local.stream;
			if (WaitAsynchronously(data, [stream]() { stream->WaitForBatch(REMOTE_WAIT_SLICE); })) {
				return;
			}
		}
		local.reader->Fill(output);
		if (output.size() == 0) {
			local.done = true;
			return;
		}
		global.rows_received += output.size();
		if (!local.local_filter_executor) {
			return;
		}
		auto count = local.local_filter_executor->SelectExpression(output, local.selection);
		if (count == output.size()) {
			return;
		}
		if (count > 0) {
			output.Slice(local.selection, count);
			return;
		}
		// Every row was filtered out; an empty chunk would end the scan, so read on.
	}
}

static OperatorPartitionData OpenDuckScanPartitionData(ClientContext &context, TableFunctionGetPartitionInput &input) {
	if (input.partition_info.RequiresPartitionColumns()) {
		throw InternalException("OpenDuck: the remote scan has no partition columns");
	}
	auto &local = input.local_state->Cast<OpenDuckScanLocalState>();
	return OperatorPartitionData(local.reader ? local.reader->BatchIndex() : 0);
}

//! Rows received against the catalog's estimate, or the server's own progress when it is further
//! (a filtered scan receives fewer rows than the table has).
static double OpenDuckScanProgress(ClientContext &context, const FunctionData *bind_data,
                                   const GlobalTableFunctionState *global_state) {
	auto &global = global_state->Cast<OpenDuckScanGlobalState>();
	double progress = 0;
	if (global.estimated_rows > 0) {
		progress = 100.0 * double(global.rows_received.load()) / double(global.estimated_rows);
	}
	progress = MaxValue(progress, global.result->ServerProgress());
	return MinValue(progress, 100.0);
}

static unique_ptr<NodeStatistics> OpenDuckScanCardinality(ClientContext &context, const FunctionData *bind_data_p) {
	auto &bind_data = bind_data_p->Cast<OpenDuckScanBindData>();
	// The entry's count, which every catalog read refreshes. Only an estimate: others write
	// meanwhile, so no maximum is claimed.
	auto rows = bind_data.table ? bind_data.table->Cast<OpenDuckTableEntry>().GetEstimatedRows()
	                            : bind_data.estimated_rows;
	return make_uniq<NodeStatistics>(rows);
}

static InsertionOrderPreservingMap<string> OpenDuckScanToString(TableFunctionToStringInput &input) {
	InsertionOrderPreservingMap<string> result;
	auto &bind_data = input.bind_data->Cast<OpenDuckScanBindData>();
	result["Remote Table"] = bind_data.schema_name + "." + bind_data.table_name;
	result["Remote Database"] = bind_data.catalog->GetDBPath();
	if (!bind_data.snapshot.empty()) {
		result["Remote Snapshot"] = bind_data.snapshot;
	}
	return result;
}

static BindInfo OpenDuckScanBindInfo(const optional_ptr<FunctionData> bind_data_p) {
	auto &bind_data = bind_data_p->Cast<OpenDuckScanBindData>();
	return BindInfo(*bind_data.table);
}

TableFunction GetOpenDuckScanFunction() {
	TableFunction function("openduck_scan", {}, OpenDuckScanFunction);
	function.init_global = OpenDuckScanInitGlobal;
	function.init_local = OpenDuckScanInitLocal;
	function.get_partition_data = OpenDuckScanPartitionData;
	function.table_scan_progress = OpenDuckScanProgress;
	function.cardinality = OpenDuckScanCardinality;
	function.statistics = OpenDuckScanStatistics;
	function.to_string = OpenDuckScanToString;
	function.get_bind_info = OpenDuckScanBindInfo;
	function.projection_pushdown = true;
	function.filter_pushdown = true;
	function.filter_prune = false;
	return function;
}

} // namespace openduck
