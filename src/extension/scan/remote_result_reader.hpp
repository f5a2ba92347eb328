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
	//! `declared_types` are the exact types the caller knows the columns to have (from the remote
	//! catalog); without them the server's type names are used. Arrow has no ENUM, so such
	//! columns arrive as VARCHAR and are cast back to the declared type.
	RemoteResultReader(duckdb::ClientContext &context, std::unique_ptr<RemoteResult> result,
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

private:
	bool NextBatch();
	void FillFromArrow(duckdb::DataChunk &output);
	void ResolveDeclaredTypes(const duckdb::vector<duckdb::LogicalType> *declared_types);

	duckdb::ClientContext &context;
	std::unique_ptr<RemoteResult> result;
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
	bool finished = false;
};

} // namespace openduck
