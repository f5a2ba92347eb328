#include "dml/physical_remote_insert.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_transaction.hpp"
#include "dml/physical_remote_statement.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"
#include "duckdb/main/client_context.hpp"
#include "protocol/arrow_ipc_writer.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! Rows per Arrow record batch: large enough that per-batch costs vanish, small enough that a
//! batch stays a few megabytes.
static constexpr idx_t UPLOAD_BATCH_ROWS = 65536;
//! Bytes buffered before they go to the network.
static constexpr idx_t UPLOAD_SEND_BYTES = 1024 * 1024;

class RemoteInsertGlobalState : public GlobalSinkState {
public:
	RemoteInsertGlobalState(ClientContext &context, const vector<LogicalType> &types_p, const vector<std::string> &names)
	    : types(types_p) {
		properties = context.GetClientProperties();
		// UUID, HUGEINT and friends travel as Arrow extension types and arrive as the same type.
		properties.arrow_lossless_conversion = true;
		extension_types = ArrowTypeExtensionData::GetExtensionTypes(context, types);
		schema.release = nullptr;
		ArrowConverter::ToArrowSchema(&schema, types, names, properties);
		writer = make_uniq<ArrowIpcWriter>(schema);
	}
	~RemoteInsertGlobalState() override {
		writer.reset();
		if (schema.release) {
			schema.release(&schema);
		}
	}

	vector<LogicalType> types;
	ClientProperties properties;
	unordered_map<idx_t, const shared_ptr<ArrowTypeExtensionData>> extension_types;
	ArrowSchema schema;
	unique_ptr<ArrowIpcWriter> writer;

	std::mutex lock;
	std::unique_ptr<RemoteUpload> upload;
	std::string buffer;
	RemoteRowsEmitter emitter;
	std::unique_ptr<RemoteResult> result;
};

class RemoteInsertLocalState : public LocalSinkState {
public:
	unique_ptr<ArrowAppender> appender;
	idx_t rows = 0;
};

PhysicalRemoteInsert::PhysicalRemoteInsert(PhysicalPlan &physical_plan, vector<LogicalType> types,
                                           OpenDuckCatalog &catalog_p, std::string upload_sql_p,
                                           vector<std::string> upload_names_p, bool changes_catalog_p, bool parallel_p,
                                           idx_t estimated_cardinality)
    : PhysicalOperator(physical_plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog(catalog_p), upload_sql(std::move(upload_sql_p)), upload_names(std::move(upload_names_p)),
      changes_catalog(changes_catalog_p), parallel(parallel_p) {
}

unique_ptr<GlobalSinkState> PhysicalRemoteInsert::GetGlobalSinkState(ClientContext &context) const {
	auto state = make_uniq<RemoteInsertGlobalState>(context, children[0].get().GetTypes(), upload_names);
	ExecuteOptions options;
	options.session_id = OpenDuckTransaction::Get(context, catalog).SessionId(context);
	state->upload = catalog.Client().StartUpload(catalog.RemoteDatabase(), upload_sql, catalog.IsRemoteReadOnly(),
	                                             options, [&context]() { return context.interrupted.load(); });
	state->writer->WriteSchema(state->buffer);
	return std::move(state);
}

unique_ptr<LocalSinkState> PhysicalRemoteInsert::GetLocalSinkState(ExecutionContext &context) const {
	return make_uniq<RemoteInsertLocalState>();
}

//! Encodes the local batch and sends it (with whatever else is buffered once enough is).
static void FlushLocalBatch(RemoteInsertGlobalState &global, RemoteInsertLocalState &local, bool force_send) {
	if (local.rows > 0) {
		ArrowArray array = local.appender->Finalize();
		local.appender.reset();
		local.rows = 0;
		std::lock_guard<std::mutex> guard(global.lock);
		global.writer->WriteBatch(array, global.buffer);
		array.release(&array);
		if (global.buffer.size() >= UPLOAD_SEND_BYTES || force_send) {
			global.upload->Write(global.buffer);
		}
		return;
	}
	if (force_send) {
		std::lock_guard<std::mutex> guard(global.lock);
		global.upload->Write(global.buffer);
	}
}

SinkResultType PhysicalRemoteInsert::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &global = input.global_state.Cast<RemoteInsertGlobalState>();
	auto &local = input.local_state.Cast<RemoteInsertLocalState>();
	if (!local.appender) {
		local.appender = make_uniq<ArrowAppender>(global.types, UPLOAD_BATCH_ROWS, global.properties,
		                                          global.extension_types);
	}
	local.appender->Append(chunk, 0, chunk.size(), chunk.size());
	local.rows += chunk.size();
	if (local.rows >= UPLOAD_BATCH_ROWS) {
		FlushLocalBatch(global, local, false);
	}
	return SinkResultType::NEED_MORE_INPUT;
}

SinkCombineResultType PhysicalRemoteInsert::Combine(ExecutionContext &context, OperatorSinkCombineInput &input) const {
	auto &global = input.global_state.Cast<RemoteInsertGlobalState>();
	auto &local = input.local_state.Cast<RemoteInsertLocalState>();
	FlushLocalBatch(global, local, false);
	return SinkCombineResultType::FINISHED;
}

SinkFinalizeType PhysicalRemoteInsert::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                                OperatorSinkFinalizeInput &input) const {
	auto &global = input.global_state.Cast<RemoteInsertGlobalState>();
	std::lock_guard<std::mutex> guard(global.lock);
	ArrowIpcWriter::WriteEndOfStream(global.buffer);
	global.upload->Write(global.buffer);
	global.result = global.upload->Finish();
	global.upload.reset();
	if (changes_catalog) {
		catalog.InvalidateSnapshots(context);
	}
	return SinkFinalizeType::READY;
}

SourceResultType PhysicalRemoteInsert::GetDataInternal(ExecutionContext &context, DataChunk &chunk,
                                                       OperatorSourceInput &input) const {
	auto &global = sink_state->Cast<RemoteInsertGlobalState>();
	if (!global.emitter.Started()) {
		global.emitter.Start(context.client, std::move(global.result));
	}
	return global.emitter.Emit(context.client, chunk);
}

InsertionOrderPreservingMap<std::string> PhysicalRemoteInsert::ParamsToString() const {
	InsertionOrderPreservingMap<std::string> result;
	result["Remote SQL"] = upload_sql;
	result["Remote Database"] = catalog.GetName();
	return result;
}

} // namespace openduck
