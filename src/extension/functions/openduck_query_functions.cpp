#include "functions/openduck_query_functions.hpp"

#include "catalog/openduck_catalog.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/main/attached_database.hpp"
#include "protocol/status_mapping.hpp"
#include "scan/remote_result_reader.hpp"
#include "scan/remote_scan_wait.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! The query's rows are read in its own order (it may have ORDER BY), through one stream.
static ExecuteOptions InOrder(const std::string &snapshot) {
	ExecuteOptions options;
	options.preserve_order = true;
	options.snapshot = snapshot;
	return options;
}

static constexpr size_t QUERY_BUFFERED_BATCHES = 8;

static OpenDuckCatalog &GetRemoteCatalog(ClientContext &context, const Value &alias) {
	if (alias.IsNull()) {
		throw BinderException("OpenDuck: the database argument must not be NULL");
	}
	auto name = alias.ToString();
	auto &catalog = Catalog::GetCatalog(context, name);
	if (catalog.GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
		throw BinderException("OpenDuck: \"%s\" is not an attached OpenDuck database (attach one with ATTACH "
		                      "'openduck:<name>' AS %s)",
		                      name, name);
	}
	return catalog.Cast<OpenDuckCatalog>();
}

static std::string GetSQLArgument(const Value &sql) {
	if (sql.IsNull()) {
		throw BinderException("OpenDuck: the SQL argument must not be NULL");
	}
	return sql.ToString();
}

struct OpenDuckQueryBindData : public TableFunctionData {
	OpenDuckCatalog *catalog = nullptr;
	std::string sql;
	//! The past snapshot the query reads (time travel); empty for the current state.
	std::string snapshot;
	//! The result types the plan was bound with.
	vector<LogicalType> types;
	//! For the query of a remote view: its columns' NOT NULL, keys and defaults, which DESCRIBE shows.
	std::shared_ptr<RemoteViewColumnsEntry> view_columns;
	//! Set when the statement had to run at bind time; the scan takes this result over.
	mutable unique_ptr<RemoteResultReader> first_reader;
	mutable std::mutex lock;
};

struct OpenDuckQueryGlobalState : public GlobalTableFunctionState {
	//! The running statement (null when bind already ran it). Read in order, through one stream.
	std::shared_ptr<RemoteResult> result;
	std::shared_ptr<RemoteStream> stream;
	unique_ptr<RemoteResultReader> reader;
	bool done = false;
};

unique_ptr<FunctionData> BindRemoteQuery(ClientContext &context, OpenDuckCatalog &catalog, std::string sql,
                                         vector<LogicalType> &return_types, vector<string> &names,
                                         const std::string &snapshot) {
	auto data = make_uniq<OpenDuckQueryBindData>();
	data->catalog = &catalog;
	data->sql = std::move(sql);
	data->snapshot = snapshot;
	// Binding may happen more than once per execution (relations, prepared statements), so learn the
	// types without running anything: from the shape cache, else by a describe-only request. Only SQL
	// that cannot be prepared alone (statements that depend on each other) runs at bind time, once,
	// and the scan then takes that result.
	OpenDuckCatalog::ResultShape shape;
	if (!data->catalog->LookupResultShape(data->sql, snapshot, shape)) {
		try {
			RemoteResultReader described(context, data->catalog->Describe(context, data->sql, snapshot));
			shape.names = described.Names();
			shape.types = described.Types();
			data->catalog->RememberResultShape(data->sql, snapshot, shape);
		} catch (std::exception &ex) {
			if (IsCallFailure(ex)) {
				throw;
			}
			data->first_reader =
			    make_uniq<RemoteResultReader>(context, data->catalog->Execute(context, data->sql, InOrder(snapshot)));
			shape.names = data->first_reader->Names();
			shape.types = data->first_reader->Types();
		}
	}
	data->types = shape.types;
	return_types = shape.types;
	names = shape.names;
	if (return_types.empty()) {
		// A statement without result columns (DDL, SET) still needs one column to be a table.
		return_types.push_back(LogicalType::BOOLEAN);
		names.push_back("success");
	}
	return std::move(data);
}

static unique_ptr<FunctionData> OpenDuckQueryBind(ClientContext &context, TableFunctionBindInput &input,
                                                  vector<LogicalType> &return_types, vector<string> &names) {
	std::string snapshot;
	auto snapshot_parameter = input.named_parameters.find("snapshot");
	if (snapshot_parameter != input.named_parameters.end() && !snapshot_parameter->second.IsNull()) {
		snapshot = snapshot_parameter->second.ToString();
		if (snapshot.empty()) {
			throw BinderException("OpenDuck: snapshot must not be empty: use a snapshot id, name or time");
		}
	}
	auto &catalog = GetRemoteCatalog(context, input.inputs[0]);
	auto sql = GetSQLArgument(input.inputs[1]);
	auto view_columns = catalog.FindViewColumns(sql, snapshot);
	auto bind_data = BindRemoteQuery(context, catalog, std::move(sql), return_types, names, snapshot);
	if (view_columns && view_columns->GetColumns().GetColumnTypes() == return_types) {
		bind_data->Cast<OpenDuckQueryBindData>().view_columns = std::move(view_columns);
	}
	return bind_data;
}

static BindInfo OpenDuckQueryBindInfo(const optional_ptr<FunctionData> bind_data_p) {
	auto &bind_data = bind_data_p->Cast<OpenDuckQueryBindData>();
	if (!bind_data.view_columns) {
		return BindInfo(ScanType::EXTERNAL);
	}
	return BindInfo(*bind_data.view_columns);
}

static unique_ptr<GlobalTableFunctionState> OpenDuckQueryInit(ClientContext &context, TableFunctionInitInput &input) {
	auto &data = input.bind_data->Cast<OpenDuckQueryBindData>();
	auto state = make_uniq<OpenDuckQueryGlobalState>();
	std::lock_guard<std::mutex> guard(data.lock);
	if (data.first_reader) {
		state->reader = std::move(data.first_reader);
	} else {
		// Returns at once; the scan waits for the answer in short slices, so DuckDB keeps
		// updating the progress bar (from the server's progress) while the server works.
		state->result = data.catalog->Execute(context, data.sql, InOrder(data.snapshot));
	}
	return std::move(state);
}

//! Creates the reader once the server answered. Returns false when the call became a wait.
static bool OpenQueryReader(ClientContext &context, TableFunctionInput &input, OpenDuckQueryGlobalState &state) {
	auto &data = input.bind_data->Cast<OpenDuckQueryBindData>();
	auto result = state.result;
	if (!result->WaitStartedFor(REMOTE_QUICK_WAIT) &&
	    WaitAsynchronously(input, [result]() { result->WaitStartedFor(REMOTE_WAIT_SLICE); })) {
		return false;
	}
	result->WaitStarted([&context]() { return context.interrupted.load(); });
	if (!state.stream) {
		state.stream = result->OpenStream(0, QUERY_BUFFERED_BATCHES);
	}
	auto stream = state.stream;
	if (!stream->SchemaReady() && !stream->WaitForBatch(REMOTE_QUICK_WAIT) &&
	    WaitAsynchronously(input, [stream]() { stream->WaitForBatch(REMOTE_WAIT_SLICE); })) {
		return false;
	}
	state.reader = make_uniq<RemoteResultReader>(context, stream, result->ColumnTypes());
	if (state.reader->Types() != data.types) {
		// The types were known from an earlier bind and the statement's result changed since.
		data.catalog->ForgetResultShapes();
		throw InvalidInputException("OpenDuck: the result of this openduck_query changed shape on the server "
		                            "since the query was bound; run it again");
	}
	return true;
}

//! False when the call became a wait for the network.
static bool WaitForRows(TableFunctionInput &input, OpenDuckQueryGlobalState &state) {
	if (!state.stream || state.reader->WaitUntilReady(REMOTE_QUICK_WAIT)) {
		return true;
	}
	auto stream = state.stream;
	return !WaitAsynchronously(input, [stream]() { stream->WaitForBatch(REMOTE_WAIT_SLICE); });
}

static void OpenDuckQueryScan(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<OpenDuckQueryGlobalState>();
	if (state.done) {
		return;
	}
	if (context.interrupted) {
		if (state.result) {
			state.result->Cancel();
		}
		throw InterruptException();
	}
	if (!state.reader && !OpenQueryReader(context, input, state)) {
		return;
	}
	if (!state.reader->Types().empty()) {
		if (WaitForRows(input, state)) {
			state.reader->Fill(output);
			state.done = output.size() == 0;
		}
		return;
	}
	// A result without columns: drain it so errors surface, then report one row of success.
	DataChunk ignored;
	do {
		if (!WaitForRows(input, state)) {
			return;
		}
		state.reader->Fill(ignored);
	} while (ignored.size() > 0);
	state.done = true;
	output.SetValue(0, 0, Value::BOOLEAN(true));
	output.SetCardinality(1);
}

//! The server's own progress: a long remote aggregate sends no rows until it is done.
static double OpenDuckQueryProgress(ClientContext &context, const FunctionData *bind_data,
                                    const GlobalTableFunctionState *global_state) {
	auto &state = global_state->Cast<OpenDuckQueryGlobalState>();
	if (!state.result) {
		return 0;
	}
	return MaxValue(0.0, state.result->ServerProgress());
}

bool OpenDuckQueryRanAtBind(const FunctionData &bind_data) {
	auto &data = bind_data.Cast<OpenDuckQueryBindData>();
	std::lock_guard<std::mutex> guard(data.lock);
	return data.first_reader != nullptr;
}

//! EXPLAIN shows the SQL the server runs (never the endpoint or the token).
static InsertionOrderPreservingMap<string> OpenDuckQueryToString(TableFunctionToStringInput &input) {
	InsertionOrderPreservingMap<string> result;
	auto &data = input.bind_data->Cast<OpenDuckQueryBindData>();
	result["Remote Database"] = data.catalog->GetDBPath();
	result["Remote SQL"] = data.sql;
	if (!data.snapshot.empty()) {
		result["Remote Snapshot"] = data.snapshot;
	}
	return result;
}

TableFunction MakeRemoteQueryFunction(const std::string &name, vector<LogicalType> arguments,
                                      table_function_bind_t bind) {
	TableFunction function(name, std::move(arguments), OpenDuckQueryScan, bind, OpenDuckQueryInit);
	function.to_string = OpenDuckQueryToString;
	function.table_scan_progress = OpenDuckQueryProgress;
	function.get_bind_info = OpenDuckQueryBindInfo;
	return function;
}

TableFunction GetOpenDuckQueryFunction() {
	auto function =
	    MakeRemoteQueryFunction("openduck_query", {LogicalType::VARCHAR, LogicalType::VARCHAR}, OpenDuckQueryBind);
	// Runs the query as of a past snapshot (id, name or time) of the database.
	function.named_parameters["snapshot"] = LogicalType::VARCHAR;
	return function;
}

struct OpenDuckExecuteBindData : public TableFunctionData {
	OpenDuckCatalog *catalog = nullptr;
	std::string sql;
};

struct OpenDuckExecuteState : public GlobalTableFunctionState {
	bool done = false;
};

static unique_ptr<FunctionData> OpenDuckExecuteBind(ClientContext &context, TableFunctionBindInput &input,
                                                    vector<LogicalType> &return_types, vector<string> &names) {
	auto data = make_uniq<OpenDuckExecuteBindData>();
	data->catalog = &GetRemoteCatalog(context, input.inputs[0]);
	data->sql = GetSQLArgument(input.inputs[1]);
	return_types.push_back(LogicalType::BOOLEAN);
	names.push_back("success");
	return std::move(data);
}

static unique_ptr<GlobalTableFunctionState> OpenDuckExecuteInit(ClientContext &context,
                                                                TableFunctionInitInput &input) {
	return make_uniq<OpenDuckExecuteState>();
}

static void OpenDuckExecuteScan(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<OpenDuckExecuteState>();
	if (state.done) {
		return;
	}
	state.done = true;
	auto &data = input.bind_data->Cast<OpenDuckExecuteBindData>();
	// Runs when the plan executes, not when it binds, so PREPARE/EXPLAIN never change the server.
	RemoteResultReader reader(context, data.catalog->Execute(context, data.sql));
	DataChunk rows;
	rows.Initialize(Allocator::DefaultAllocator(), reader.Types().empty() ? vector<LogicalType> {LogicalType::BOOLEAN}
	                                                                      : reader.Types());
	do {
		reader.Fill(rows);
	} while (rows.size() > 0);
	// Later statements in this transaction must see what the remote statement created.
	data.catalog->InvalidateSnapshots(context);
	output.SetValue(0, 0, Value::BOOLEAN(true));
	output.SetCardinality(1);
}

TableFunction GetOpenDuckExecuteFunction() {
	TableFunction function("openduck_execute", {LogicalType::VARCHAR, LogicalType::VARCHAR}, OpenDuckExecuteScan,
	                       OpenDuckExecuteBind, OpenDuckExecuteInit);
	return function;
}

} // namespace openduck
