//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/arrow_ipc_writer.hpp
//
// Encodes Arrow C data interface structures as Arrow IPC stream messages.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

//! Writes the encapsulated IPC messages of one Arrow stream (format version V5, little endian).
//! The schema passed in must outlive the writer. Dictionary-encoded fields (DuckDB ENUMs) get a
//! DictionaryBatch before the first record batch that uses them, and again whenever the
//! dictionary array changes.
class ArrowIpcWriter {
public:
	explicit ArrowIpcWriter(const ArrowSchema &schema);
	~ArrowIpcWriter();

	//! Appends the Schema message.
	void WriteSchema(std::string &out);
	//! Appends the DictionaryBatch messages (if any) and the RecordBatch message for one struct
	//! array whose children are the columns of the schema.
	void WriteBatch(const ArrowArray &batch, std::string &out);
	//! Appends the end-of-stream marker.
	static void WriteEndOfStream(std::string &out);

private:
	struct Impl;
	Impl *impl;
};

} // namespace openduck
