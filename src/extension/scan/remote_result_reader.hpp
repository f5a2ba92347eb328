//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/remote_result_reader.hpp
//
// Turns a remote result stream (Arrow record batches) into DuckDB DataChunks
// with DuckDB's own Arrow conversion.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/function/table/arrow.hpp"
#include "protocol/remote_client.hpp"

namespace openduck {

class RemoteResultReader {
public:
	//! Reads the whole of `result`, in order (through its first stream). `declared_types` are the
	//! exact types the caller knows the columns to have (from the remote catalog); without them
	//! the server's type names are used. Arrow has no ENUM, so such columns arrive as VARCHAR and
	//! are cast back to the declared type. Waits for the server's answer and the schema.
	RemoteResultReader(duckdb::ClientContext &context, std::shared_ptr<RemoteResult> result,
	                   const duckdb::vector<duckdb::LogicalType> *declared_types = nullptr);
	//! Reads one of several parallel streams of a result whose column type names are `type_names`.
	//! Waits for the schema (see SchemaReady).
	RemoteResultReader(duckdb::ClientContext &context, std::shared_ptr<RemoteStream> stream,
	                   const std::vector<std::string> &type_names,
	                   const duckdb::vector<duckdb::LogicalType> *declared_types = nullptr);

	//! DuckDB types of the result columns.
	const duckdb::vector<duckdb::LogicalType> &Types() const {
		return types;
	}
	const duckdb::vector<duckdb::string> &Names() const {
		return names;
	}
	//! Fills `output` (whose columns match Types()) with up to STANDARD_VECTOR_SIZE rows; leaves it
	//! empty at the end of the result.
	void Fill(duckdb::DataChunk &output);
	//! True when Fill would not wait for the network.
	bool Ready();
	//! Waits up to `timeout` for Ready(); returns Ready().
	bool WaitUntilReady(std::chrono::milliseconds timeout);
	//! Position in the result of the rows the last Fill returned (ResultChunk.batch_index).
	uint64_t BatchIndex() const {
		return batch_index;
	}

private:
	void Initialize(const std::vector<std::string> &type_names,
	                const duckdb::vector<duckdb::LogicalType> *declared_types);
	bool NextBatch();
	void FillFromArrow(duckdb::DataChunk &output);
	void ResolveDeclaredTypes(const std::vector<std::string> &type_names,
	                          const duckdb::vector<duckdb::LogicalType> *declared_types);
	bool HasBufferedRows() const;

	duckdb::ClientContext &context;
	//! Set when the reader owns the whole result (first constructor).
	std::shared_ptr<RemoteResult> result;
	std::shared_ptr<RemoteStream> stream;
	duckdb::ArrowSchemaWrapper schema;
	duckdb::ArrowTableSchema arrow_table;
	duckdb::vector<duckdb::LogicalType> types;
	//! Types as decoded from Arrow; differs from `types` only where a cast is needed.
	duckdb::vector<duckdb::LogicalType> arrow_types;
	duckdb::vector<bool> needs_cast;
	bool any_cast = false;
	duckdb::DataChunk arrow_chunk;
	duckdb::vector<duckdb::string> names;
	duckdb::unique_ptr<duckdb::ArrowScanLocalState> scan_state;
	uint64_t batch_index = 0;
	bool finished = false;
};

} // namespace openduck
