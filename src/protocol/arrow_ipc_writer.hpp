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
#include <functional>
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

	//! One array of a record batch written by the caller: its length and null count.
	struct FieldNode {
		int64_t length;
		int64_t null_count;
	};
	//! One body buffer written by the caller: `append` appends exactly `length` bytes to its
	//! argument (appending, rather than filling zeroed space, writes each byte once).
	struct BodyBuffer {
		int64_t length;
		std::function<void(std::string &out)> append;
	};
	//! Appends a RecordBatch message whose nodes and buffers (in IPC order, see the Arrow columnar
	//! format) the caller produces itself, so that they go straight into `out` without an
	//! intermediate ArrowArray. Only for schemas without dictionary-encoded fields.
	void WriteRecordBatch(int64_t length, const std::vector<FieldNode> &nodes, const std::vector<BodyBuffer> &buffers,
	                      std::string &out);

private:
	struct Impl;
	Impl *impl;
};

} // namespace openduck
