#include "server/upload_function.hpp"

#include "duckdb/function/table/arrow.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
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

struct UploadScanState : public duckdb::GlobalTableFunctionState {
	explicit UploadScanState(duckdb::ClientContext &context)
	    : scan(duckdb::make_uniq<duckdb::ArrowArrayWrapper>(), context) {
	}
	//! The rows come in the order the client sent them, from one gRPC call: one thread reads.
	idx_t MaxThreads() const override {
		return 1;
	}

	std::mutex lock;
	duckdb::ArrowScanLocalState scan;
	bool finished = false;
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
	auto state = duckdb::make_uniq<UploadScanState>(context);
	// Only the columns the query uses are converted (projection pushdown); the record batches
	// still hold all of them.
	state->scan.column_ids = input.column_ids;
	return std::move(state);
}

void UploadScan(duckdb::ClientContext &context, duckdb::TableFunctionInput &input, duckdb::DataChunk &output) {
	auto &bind_data = input.bind_data->Cast<UploadBindData>();
	auto &state = input.global_state->Cast<UploadScanState>();
	std::lock_guard<std::mutex> guard(state.lock);
	if (state.finished) {
		return;
	}
	auto &scan = state.scan;
	auto &current = scan.chunk->arrow_array;
	if (!current.release || scan.chunk_offset >= static_cast<idx_t>(current.length)) {
		auto batch = duckdb::make_uniq<duckdb::ArrowArrayWrapper>();
		if (!bind_data.source->NextBatch(batch->arrow_array)) {
			state.finished = true;
			return;
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
	}
	auto &batch = scan.chunk->arrow_array;
	auto count = duckdb::MinValue<idx_t>(STANDARD_VECTOR_SIZE, static_cast<idx_t>(batch.length) - scan.chunk_offset);
	output.SetCardinality(count);
	duckdb::ArrowTableFunction::ArrowToDuckDB(scan, bind_data.arrow_table->GetColumns(), output,
	                                          /*arrow_scan_is_projected=*/false);
	scan.chunk_offset += count;
	output.Verify();
}

} // namespace

void RegisterUploadFunction(duckdb::DatabaseInstance &db) {
	duckdb::TableFunction function("openduck_upload", {}, UploadScan, UploadBind, UploadInit);
	function.projection_pushdown = true;
	duckdb::ExtensionLoader loader(db, "openduck_server");
	loader.RegisterFunction(std::move(function));
}

} // namespace openduck
