#include "scan/remote_result_reader.hpp"

#include "duckdb/main/client_context.hpp"

namespace openduck {

using duckdb::idx_t;

RemoteResultReader::RemoteResultReader(duckdb::ClientContext &context_p, std::unique_ptr<RemoteResult> result_p)
    : context(context_p), result(std::move(result_p)) {
	auto interrupted = [this]() { return context.interrupted.load(); };
	result->ExportSchema(schema.arrow_schema, interrupted);
	duckdb::ArrowTableFunction::PopulateArrowTableSchema(context, arrow_table, schema.arrow_schema);
	types = arrow_table.GetTypes();
	names = arrow_table.GetNames();
	scan_state = duckdb::make_uniq<duckdb::ArrowScanLocalState>(duckdb::make_uniq<duckdb::ArrowArrayWrapper>(),
	                                                            context);
}

bool RemoteResultReader::NextBatch() {
	auto batch = duckdb::make_uniq<duckdb::ArrowArrayWrapper>();
	auto interrupted = [this]() { return context.interrupted.load(); };
	while (true) {
		if (!result->Next(batch->arrow_array, interrupted)) {
			return false;
		}
		if (batch->arrow_array.length > 0) {
			break;
		}
		batch->arrow_array.release(&batch->arrow_array);
		batch->arrow_array.release = nullptr;
	}
	scan_state->chunk = duckdb::shared_ptr<duckdb::ArrowArrayWrapper>(batch.release());
	scan_state->Reset();
	return true;
}

void RemoteResultReader::Fill(duckdb::DataChunk &output) {
	output.Reset();
	if (finished) {
		return;
	}
	auto &current = scan_state->chunk->arrow_array;
	if (!current.release || scan_state->chunk_offset >= static_cast<idx_t>(current.length)) {
		if (!NextBatch()) {
			finished = true;
			return;
		}
	}
	auto &batch = scan_state->chunk->arrow_array;
	auto count = duckdb::MinValue<idx_t>(STANDARD_VECTOR_SIZE, static_cast<idx_t>(batch.length) - scan_state->chunk_offset);
	output.SetCardinality(count);
	duckdb::ArrowTableFunction::ArrowToDuckDB(*scan_state, arrow_table.GetColumns(), output);
	scan_state->chunk_offset += count;
	output.Verify();
}

} // namespace openduck
