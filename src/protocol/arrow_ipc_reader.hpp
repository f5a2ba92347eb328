//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/arrow_ipc_reader.hpp
//
// Decodes an Arrow IPC stream into Arrow C data interface structures.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace openduck {

//! Incremental reader of one Arrow IPC stream. Bytes arrive in pieces (each piece holds whole
//! messages); decoded arrays point into those pieces without copying and keep them alive.
//! Malformed input throws duckdb::IOException naming what is wrong; nothing is ever read out of
//! bounds.
class ArrowIpcStreamReader {
public:
	ArrowIpcStreamReader();
	~ArrowIpcStreamReader();

	//! Hands over the next piece of the stream.
	void Feed(std::shared_ptr<const std::string> piece);
	//! True once the Schema message was decoded.
	bool HasSchema() const;
	//! Exports the schema (caller owns the result and must release it).
	void ExportSchema(ArrowSchema &out) const;
	//! Moves the next decoded record batch into `out` (a struct array of the columns; caller
	//! releases it). Returns false when no complete batch is buffered.
	bool NextBatch(ArrowArray &out);
	//! True after the end-of-stream marker.
	bool Finished() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl;
};

} // namespace openduck
