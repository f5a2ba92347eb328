#include "server/upload_function.hpp"

#include "duckdb/execution/execution_context.hpp"
#include "duckdb/function/table/arrow.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parallel/task_scheduler.hpp"
#include "server/upload_source.hpp"

namespace openduck {

using duckdb::idx_t;

namespace {

struct UploadBindData : public duckdb::TableFunctionData {
	duckdb::shared_ptr<UploadSource> source;
	//! Shared: the converters are built once per bind and only read afterwards.
	std::shared_ptr<duckdb::ArrowSchemaWrapper> schema;
	std::shared_ptr<duckdb::ArrowTableSchema> arrow_table;

	duckdb::unique_ptr<duckdb::FunctionData> Copy() const override {
		auto copy = duckdb::make_uniq<UploadBindData>();
		copy->source = source;
		copy->schema = schema;
		copy->arrow_table = arrow_table;
		return std::move(copy);
	}
	bool Equals(const duckdb::FunctionData &other) const override {
		return source == other.Cast<UploadBindData>().source;
	}
};

//! The batches of one upload, handed out in arrival order. Each thread converts and inserts the batches it took;
//! their batch indexes let DuckDB keep the rows in the order the client sent them (a batch insert), so a large
//! upload is stored by every thread while the order is kept.
struct UploadScanState : public duckdb::GlobalTableFunctionState {
	explicit UploadScanState(idx_t max_threads_p) : max_threads(max_threads_p) {
	}
	idx_t MaxThreads() const override {
		return max_threads;
	}

	idx_t max_threads;
	//! Guards taking the next batch (reading the call, in order) and its index.
	std::mutex lock;
	idx_t next_batch_index = 0;
	bool finished = false;
	duckdb::vector<duckdb::column_t> column_ids;
};

struct UploadLocalState : public duckdb::LocalTableFunctionState {
	explicit UploadLocalState(duckdb::ClientContext &context)
	    : scan(duckdb::make_uniq<duckdb::ArrowArrayWrapper>(), context) {
	}
	duckdb::ArrowScanLocalState scan;
};

duckdb::unique_ptr<duckdb::FunctionData> UploadBind(duckdb::ClientContext &context,
                                                    duckdb::TableFunctionBindInput &input,
                                                    duckdb::vector<duckdb::LogicalType> &return_types,
                                                    duckdb::vector<duckdb::string> &names) {
	auto source = context.registered_state->Get<UploadSource>(UploadSource::STATE_KEY);
	if (!source) {
		throw duckdb::InvalidInputException(
		    "openduck_upload() reads the rows a client sends with an ExecuteWithUpload call and can only be used "
		    "in the SQL of such a call");
	}
	auto result = duckdb::make_uniq<UploadBindData>();
	result->source = source;
	result->schema = std::make_shared<duckdb::ArrowSchemaWrapper>();
	result->arrow_table = std::make_shared<duckdb::ArrowTableSchema>();
	source->ExportSchema(result->schema->arrow_schema);
	duckdb::ArrowTableFunction::PopulateArrowTableSchema(context, *result->arrow_table, result->schema->arrow_schema);
	return_types = result->arrow_table->GetTypes();
	names = result->arrow_table->GetNames();
	if (return_types.empty()) {
		throw duckdb::InvalidInputException("openduck_upload(): the uploaded Arrow schema has no columns");
	}
	return std::move(result);
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> UploadInit(duckdb::ClientContext &context,
                                                                duckdb::TableFunctionInitInput &input) {
	auto &bind_data = input.bind_data->Cast<UploadBindData>();
	bind_data.source->Claim();
	auto threads = static_cast<idx_t>(duckdb::TaskScheduler::GetScheduler(context).NumberOfThreads());
	auto state = duckdb::make_uniq<UploadScanState>(duckdb::MaxValue<idx_t>(threads, 1));
	// Only the columns the query uses are converted (projection pushdown); the record batches
	// still hold all of them.
	state->column_ids = input.column_ids;
	return std::move(state);
}

duckdb::unique_ptr<duckdb::LocalTableFunctionState> UploadInitLocal(duckdb::ExecutionContext &context,
                                                                    duckdb::TableFunctionInitInput &input,
                                                                    duckdb::GlobalTableFunctionState *global_state) {
	auto local = duckdb::make_uniq<UploadLocalState>(context.client);
	local->scan.column_ids = global_state->Cast<UploadScanState>().column_ids;
	return std::move(local);
}

//! Takes the next batch of the call for this thread; false once the stream ended.
bool TakeNextBatch(const UploadBindData &bind_data, UploadScanState &state, duckdb::ArrowScanLocalState &scan) {
	auto batch = duckdb::make_uniq<duckdb::ArrowArrayWrapper>();
	{
		std::lock_guard<std::mutex> guard(state.lock);
		if (state.finished) {
			return false;
		}
		if (!bind_data.source->NextBatch(batch->arrow_array)) {
			state.finished = true;
			return false;
		}
		scan.batch_index = state.next_batch_index++;
	}
	auto columns = bind_data.arrow_table->GetColumns().size();
	if (batch->arrow_array.n_children != static_cast<int64_t>(columns)) {
		throw duckdb::InvalidInputException("openduck_upload(): a record batch has %lld columns, the schema %llu",
		                                    static_cast<long long>(batch->arrow_array.n_children),
		                                    static_cast<unsigned long long>(columns));
	}
	// The previous batch stays alive as long as vectors of earlier chunks still point into it.
	scan.chunk = duckdb::shared_ptr<duckdb::ArrowArrayWrapper>(batch.release());
	scan.Reset();
	return true;
}

void UploadScan(duckdb::ClientContext &context, duckdb::TableFunctionInput &input, duckdb::DataChunk &output) {
	auto &bind_data = input.bind_data->Cast<UploadBindData>();
	auto &state = input.global_state->Cast<UploadScanState>();
	auto &scan = input.local_state->Cast<UploadLocalState>().scan;
	auto &current = scan.chunk->arrow_array;
	if (!current.release || scan.chunk_offset >= static_cast<idx_t>(current.length)) {
		if (!TakeNextBatch(bind_data, state, scan)) {
			return;
		}
	}
	auto &batch = scan.chunk->arrow_array;
	auto count = duckdb::MinValue<idx_t>(STANDARD_VECTOR_SIZE, static_cast<idx_t>(batch.length) - scan.chunk_offset);
	output.SetCardinality(count);
	duckdb::ArrowTableFunction::ArrowToDuckDB(scan, bind_data.arrow_table->GetColumns(), output,
	                                          /*arrow_scan_is_projected=*/false);
	scan.chunk_offset += count;
	output.Verify();
}

duckdb::OperatorPartitionData UploadPartitionData(duckdb::ClientContext &context,
                                                  duckdb::TableFunctionGetPartitionInput &input) {
	if (input.partition_info.RequiresPartitionColumns()) {
		throw duckdb::InternalException("openduck_upload() has no partition columns");
	}
	return duckdb::OperatorPartitionData(input.local_state->Cast<UploadLocalState>().scan.batch_index);
}

} // namespace

void RegisterUploadFunction(duckdb::DatabaseInstance &db) {
	duckdb::TableFunction function("openduck_upload", {}, UploadScan, UploadBind, UploadInit, UploadInitLocal);
	function.projection_pushdown = true;
	function.get_partition_data = UploadPartitionData;
	duckdb::ExtensionLoader loader(db, "openduck_server");
	loader.RegisterFunction(std::move(function));
}

} // namespace openduck
