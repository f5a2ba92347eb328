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
	RemoteResultReader(duckdb::ClientContext &context, std::unique_ptr<RemoteResult> result);

	//! DuckDB types of the result columns, as decoded from the Arrow schema.
	const duckdb::vector<duckdb::LogicalType> &Types() const {
		return types;
	}
	const duckdb::vector<duckdb::string> &Names() const {
		return names;
	}
	//! Fills `output` (whose columns match Types()) with up to STANDARD_VECTOR_SIZE rows; leaves it
	//! empty at the end of the result.
	void Fill(duckdb::DataChunk &output);
	RemoteResult &Result() {
		return *result;
	}

private:
	bool NextBatch();

	duckdb::ClientContext &context;
	std::unique_ptr<RemoteResult> result;
	duckdb::ArrowSchemaWrapper schema;
	duckdb::ArrowTableSchema arrow_table;
	duckdb::vector<duckdb::LogicalType> types;
	duckdb::vector<duckdb::string> names;
	duckdb::unique_ptr<duckdb::ArrowScanLocalState> scan_state;
	bool finished = false;
};

} // namespace openduck
