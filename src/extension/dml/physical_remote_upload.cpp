#include "dml/physical_remote_upload.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_transaction.hpp"
#include "dml/physical_remote_statement.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"
#include "duckdb/main/client_context.hpp"
#include "protocol/arrow_ipc_writer.hpp"
#include "protocol/arrow_size_estimate.hpp"
#include "protocol/interval_range_check.hpp"
#include "scan/remote_scan_wait.hpp"

#include <functional>
#include <future>

namespace openduck {

using namespace duckdb; // NOLINT

//! A record batch ends at this many rows or bytes: large enough that per-batch costs vanish,
//! small enough that a batch fits a gRPC message with room to spare.
static constexpr idx_t UPLOAD_BATCH_ROWS = 65536;
static constexpr idx_t UPLOAD_BATCH_BYTES = 8 * 1024 * 1024;
//! Bytes buffered before they go to the network.
static constexpr idx_t UPLOAD_SEND_BYTES = 1024 * 1024;

class RemoteUploadGlobalState : public GlobalSinkState {
public:
	RemoteUploadGlobalState(ClientContext &context, const vector<LogicalType> &types_p, const vector<std::string> &names)
	    : types(types_p) {
		properties = context.GetClientProperties();
		// UUID, HUGEINT and friends travel as Arrow extension types and arrive as the same type.
		properties.arrow_lossless_conversion = true;
		extension_types = ArrowTypeExtensionData::GetExtensionTypes(context, types);
		schema.release = nullptr;
		ArrowConverter::ToArrowSchema(&schema, types, names, properties);
		for (idx_t column = 0; column < types.size(); column++) {
			if (ContainsInterval(types[column])) {
				interval_columns.emplace_back(column, names[column]);
			}
		}
		writer = make_uniq<ArrowIpcWriter>(schema);
	}
	~RemoteUploadGlobalState() override {
		writer.reset();
		if (schema.release) {
			schema.release(&schema);
		}
	}

	//! Sends what is buffered (under `lock`).
	void Send() {
		if (!upload) {
			upload = start_upload();
		}
		upload->Write(buffer);
	}

	vector<LogicalType> types;
	ClientProperties properties;
	unordered_map<idx_t, const shared_ptr<ArrowTypeExtensionData>> extension_types;
	ArrowSchema schema;
	unique_ptr<ArrowIpcWriter> writer;
	//! INTERVAL columns, checked before encoding: Arrow cannot hold every DuckDB interval.
	vector<std::pair<idx_t, std::string>> interval_columns;

	std::mutex lock;
	//! Started with the first bytes to send, not before: a scan of the same server session must
	//! be answered first, and the session runs one statement at a time.
	std::function<std::unique_ptr<RemoteUpload>()> start_upload;
	//! Shared with the task that waits for the answer.
	std::shared_ptr<RemoteUpload> upload;
	//! Encoded IPC messages not sent yet.
	std::string buffer;
	//! The server's answer (or its error), set by whichever thread waited for it.
	std::shared_ptr<std::promise<std::unique_ptr<RemoteResult>>> answer =
	    std::make_shared<std::promise<std::unique_ptr<RemoteResult>>>();
	//! Read by the source once the wait for the answer ended.
	std::future<std::unique_ptr<RemoteResult>> answer_taken = answer->get_future();
	//! Whether a wait for the answer started (the source runs again once it ended).
	bool answer_awaited = false;
	RemoteRowsEmitter emitter;
};

class RemoteUploadLocalState : public LocalSinkState {
public:
	unique_ptr<ArrowAppender> appender;
	idx_t rows = 0;
	idx_t bytes = 0;
	//! Computes the uploaded columns when they are not the child's rows as they are.
	unique_ptr<ExpressionExecutor> executor;
	DataChunk computed;
};

PhysicalRemoteUpload::PhysicalRemoteUpload(PhysicalPlan &physical_plan, vector<LogicalType> types,
                                           OpenDuckCatalog &catalog_p, std::string upload_sql_p,
                                           vector<std::string> upload_names_p,
                                           vector<unique_ptr<Expression>> upload_expressions_p, bool changes_catalog_p,
                                           bool parallel_p, bool names_rows_by_id_p, idx_t estimated_cardinality)
    : PhysicalOperator(physical_plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog(catalog_p), upload_sql(std::move(upload_sql_p)), upload_names(std::move(upload_names_p)),
      upload_expressions(std::move(upload_expressions_p)), changes_catalog(changes_catalog_p), parallel(parallel_p),
      names_rows_by_id(names_rows_by_id_p) {
}

static vector<LogicalType> UploadTypes(const vector<unique_ptr<Expression>> &expressions,
                                       const vector<LogicalType> &child_types) {
	if (expressions.empty()) {
		return child_types;
	}
	vector<LogicalType> types;
	for (auto &expression : expressions) {
		types.push_back(expression->return_type);
	}
	return types;
}

unique_ptr<GlobalSinkState> PhysicalRemoteUpload::GetGlobalSinkState(ClientContext &context) const {
	auto state = make_uniq<RemoteUploadGlobalState>(
	    context, UploadTypes(upload_expressions, children[0].get().GetTypes()), upload_names);
	if (names_rows_by_id) {
		// Set up before the scan starts (sink states come first), so both use one server session.
		OpenDuckTransaction::Get(context, catalog).RequireSession();
	}
	auto &remote = catalog;
	auto sql = upload_sql;
	state->start_upload = [&context, &remote, sql]() {
		ExecuteOptions options;
		options.session_id = OpenDuckTransaction::Get(context, remote).SessionId(context);
		return remote.Client().StartUpload(remote.RemoteDatabase(), sql, remote.IsRemoteReadOnly(), options,
		                                   [&context]() { return context.interrupted.load(); });
	};
	state->writer->WriteSchema(state->buffer);
	return std::move(state);
}

unique_ptr<LocalSinkState> PhysicalRemoteUpload::GetLocalSinkState(ExecutionContext &context) const {
	auto state = make_uniq<RemoteUploadLocalState>();
	if (!upload_expressions.empty()) {
		state->executor = make_uniq<ExpressionExecutor>(context.client, upload_expressions);
		state->computed.Initialize(context.client, UploadTypes(upload_expressions, {}));
	}
	return std::move(state);
}

//! Encodes the local batch; sends what is buffered once enough is.
static void FlushLocalBatch(RemoteUploadGlobalState &global, RemoteUploadLocalState &local) {
	if (local.rows == 0) {
		return;
	}
	ArrowArray array = local.appender->Finalize();
	local.appender.reset();
	local.rows = 0;
	local.bytes = 0;
	std::lock_guard<std::mutex> guard(global.lock);
	global.writer->WriteBatch(array, global.buffer);
	array.release(&array);
	if (global.buffer.size() >= UPLOAD_SEND_BYTES) {
		global.Send();
	}
}

SinkResultType PhysicalRemoteUpload::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &global = input.global_state.Cast<RemoteUploadGlobalState>();
	auto &local = input.local_state.Cast<RemoteUploadLocalState>();
	if (!local.appender) {
		local.appender = make_uniq<ArrowAppender>(global.types, UPLOAD_BATCH_ROWS, global.properties,
		                                          global.extension_types);
	}
	auto *rows = &chunk;
	if (local.executor) {
		local.computed.Reset();
		local.executor->Execute(chunk, local.computed);
		rows = &local.computed;
	}
	for (auto &column : global.interval_columns) {
		CheckIntervalsFitArrow(rows->data[column.first], 0, rows->size(), column.second);
	}
	local.appender->Append(*rows, 0, rows->size(), rows->size());
	local.rows += rows->size();
	for (auto &column : rows->data) {
		local.bytes += EstimateArrowBytes(column, rows->size());
	}
	if (local.rows >= UPLOAD_BATCH_ROWS || local.bytes >= UPLOAD_BATCH_BYTES) {
		FlushLocalBatch(global, local);
	}
	return SinkResultType::NEED_MORE_INPUT;
}

SinkCombineResultType PhysicalRemoteUpload::Combine(ExecutionContext &context, OperatorSinkCombineInput &input) const {
	auto &global = input.global_state.Cast<RemoteUploadGlobalState>();
	auto &local = input.local_state.Cast<RemoteUploadLocalState>();
	FlushLocalBatch(global, local);
	return SinkCombineResultType::FINISHED;
}

SinkFinalizeType PhysicalRemoteUpload::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                                OperatorSinkFinalizeInput &input) const {
	auto &global = input.global_state.Cast<RemoteUploadGlobalState>();
	std::lock_guard<std::mutex> guard(global.lock);
	ArrowIpcWriter::WriteEndOfStream(global.buffer);
	if (!global.upload) {
		global.upload = global.start_upload();
	}
	// The answer is waited for in the source, where the wait can block the task instead of a thread.
	global.upload->SendLast(global.buffer);
	return SinkFinalizeType::READY;
}

SourceResultType PhysicalRemoteUpload::GetDataInternal(ExecutionContext &context, DataChunk &chunk,
                                                       OperatorSourceInput &input) const {
	auto &global = sink_state->Cast<RemoteUploadGlobalState>();
	if (!global.emitter.Started()) {
		if (!global.answer_awaited) {
			global.answer_awaited = true;
			auto upload = global.upload;
			auto answer = global.answer;
			auto wait = [upload, answer]() {
				try {
					answer->set_value(upload->WaitForAnswer());
				} catch (...) {
					answer->set_exception(std::current_exception());
				}
			};
			if (WaitAsynchronously(context, input, wait)) {
				return SourceResultType::BLOCKED;
			}
			wait();
		}
		global.emitter.Start(context.client, global.answer_taken.get());
		global.upload.reset();
		if (changes_catalog) {
			catalog.InvalidateSnapshots(context.client);
		}
	}
	return global.emitter.Emit(context.client, chunk);
}

InsertionOrderPreservingMap<std::string> PhysicalRemoteUpload::ParamsToString() const {
	InsertionOrderPreservingMap<std::string> result;
	result["Remote SQL"] = upload_sql;
	result["Remote Database"] = catalog.GetName();
	return result;
}

} // namespace openduck
