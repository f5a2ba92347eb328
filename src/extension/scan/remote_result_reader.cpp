#include "scan/remote_result_reader.hpp"

#include "duckdb/common/type_visitor.hpp"
#include "duckdb/main/client_context.hpp"

namespace openduck {

using duckdb::idx_t;

//! Read-ahead of a result read through one stream.
static constexpr size_t SINGLE_STREAM_BUFFERED_BATCHES = 8;

RemoteResultReader::RemoteResultReader(duckdb::ClientContext &context_p, std::shared_ptr<RemoteResult> result_p,
                                       const duckdb::vector<duckdb::LogicalType> *declared_types)
    : context(context_p), result(std::move(result_p)) {
	result->WaitStarted([this]() { return context.interrupted.load(); });
	stream = result->OpenStream(0, SINGLE_STREAM_BUFFERED_BATCHES);
	Initialize(result->ColumnTypes(), declared_types);
}

RemoteResultReader::RemoteResultReader(duckdb::ClientContext &context_p, std::shared_ptr<RemoteStream> stream_p,
                                       const std::vector<std::string> &type_names,
                                       const duckdb::vector<duckdb::LogicalType> *declared_types)
    : context(context_p), stream(std::move(stream_p)) {
	Initialize(type_names, declared_types);
}

void RemoteResultReader::Initialize(const std::vector<std::string> &type_names,
                                    const duckdb::vector<duckdb::LogicalType> *declared_types) {
	stream->ExportSchema(schema.arrow_schema, [this]() { return context.interrupted.load(); });
	duckdb::ArrowTableFunction::PopulateArrowTableSchema(context, arrow_table, schema.arrow_schema);
	arrow_types = arrow_table.GetTypes();
	names = arrow_table.GetNames();
	ResolveDeclaredTypes(type_names, declared_types);
	scan_state =
	    duckdb::make_uniq<duckdb::ArrowScanLocalState>(duckdb::make_uniq<duckdb::ArrowArrayWrapper>(), context);
}

void RemoteResultReader::ResolveDeclaredTypes(const std::vector<std::string> &type_names,
                                              const duckdb::vector<duckdb::LogicalType> *declared_types) {
	types = arrow_types;
	duckdb::vector<duckdb::LogicalType> declared;
	if (declared_types) {
		declared = *declared_types;
	} else {
		for (idx_t i = 0; i < type_names.size(); i++) {
			// Nearly always the Arrow type's own name: no need to run the parser (a good share of a
			// small query's client time) to learn that.
			if (i < arrow_types.size() && type_names[i] == arrow_types[i].ToString()) {
				declared.push_back(arrow_types[i]);
				continue;
			}
			try {
				declared.push_back(duckdb::TransformStringToLogicalType(type_names[i], context));
			} catch (std::exception &) {
				declared.clear();
				break;
			}
		}
	}
	needs_cast.assign(types.size(), false);
	if (declared.size() != types.size()) {
		return;
	}
	for (idx_t i = 0; i < types.size(); i++) {
		// Only ENUMs lose their type in Arrow; any other difference means the remote table changed,
		// which callers detect by comparing Types().
		if (declared[i] == arrow_types[i] || !duckdb::TypeVisitor::Contains(declared[i], duckdb::LogicalTypeId::ENUM)) {
			continue;
		}
		types[i] = declared[i];
		needs_cast[i] = true;
		any_cast = true;
	}
	if (any_cast) {
		arrow_chunk.Initialize(duckdb::Allocator::Get(context), arrow_types);
	}
}

bool RemoteResultReader::NextBatch() {
	auto batch = duckdb::make_uniq<duckdb::ArrowArrayWrapper>();
	auto interrupted = [this]() {
		return context.interrupted.load();
	};
	while (true) {
		if (!stream->Next(batch->arrow_array, interrupted, &batch_index)) {
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

bool RemoteResultReader::HasBufferedRows() const {
	auto &current = scan_state->chunk->arrow_array;
	return current.release && scan_state->chunk_offset < static_cast<idx_t>(current.length);
}

bool RemoteResultReader::Ready() {
	return finished || HasBufferedRows() || stream->BatchReady();
}

bool RemoteResultReader::WaitUntilReady(std::chrono::milliseconds timeout) {
	return Ready() || stream->WaitForBatch(timeout);
}

void RemoteResultReader::Fill(duckdb::DataChunk &output) {
	if (!any_cast) {
		FillFromArrow(output);
		return;
	}
	FillFromArrow(arrow_chunk);
	output.Reset();
	auto count = arrow_chunk.size();
	for (idx_t i = 0; i < types.size(); i++) {
		if (needs_cast[i]) {
			duckdb::VectorOperations::Cast(context, arrow_chunk.data[i], output.data[i], count, true);
		} else {
			output.data[i].Reference(arrow_chunk.data[i]);
		}
	}
	output.SetCardinality(count);
}

void RemoteResultReader::FillFromArrow(duckdb::DataChunk &output) {
	output.Reset();
	if (finished) {
		return;
	}
	if (!HasBufferedRows() && !NextBatch()) {
		finished = true;
		return;
	}
	auto &batch = scan_state->chunk->arrow_array;
	auto count =
	    duckdb::MinValue<idx_t>(STANDARD_VECTOR_SIZE, static_cast<idx_t>(batch.length) - scan_state->chunk_offset);
	output.SetCardinality(count);
	duckdb::ArrowTableFunction::ArrowToDuckDB(*scan_state, arrow_table.GetColumns(), output);
	scan_state->chunk_offset += count;
	output.Verify();
}

} // namespace openduck
