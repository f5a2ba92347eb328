//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/arrow_ipc_arrays.hpp
//
// Owning trees behind the ArrowSchema / ArrowArray structures the IPC reader hands out. Array
// buffers point into the received stream pieces (zero-copy); every exported ArrowArray keeps the
// pieces it points into alive until its release callback runs.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace openduck {

//! One decoded array (C data interface layout, offset 0).
struct ArrowIpcNode {
	int64_t length = 0;
	int64_t null_count = 0;
	std::vector<const void *> buffers;
	std::vector<std::shared_ptr<ArrowIpcNode>> children;
	std::shared_ptr<ArrowIpcNode> dictionary;
	//! The stream piece the buffers point into.
	std::shared_ptr<const std::string> piece;
	//! Buffers the reader had to make itself (realigned copies, variadic sizes, ...).
	std::vector<std::unique_ptr<uint64_t[]>> owned;

	//! Appends a buffer of `length` bytes at `data`. Empty buffers point to static zeros (never
	//! null, consumers may read a first offset) and misaligned ones are copied so that typed
	//! access is safe. Returns the pointer stored.
	const void *AddBuffer(const uint8_t *data, int64_t length);
	//! Returns zeroed, 8-byte aligned memory owned by this node (not appended to `buffers`).
	uint8_t *AllocateBuffer(int64_t length);
};

//! Fills `out` with an ArrowArray (offset 0) for `node`; its release callback drops the node.
void ExportArrowIpcArray(const std::shared_ptr<ArrowIpcNode> &node, ArrowArray &out);

//! A schema tree to export.
struct ArrowIpcSchemaNode {
	std::string format;
	std::string name;
	//! ArrowSchema.metadata binary encoding, empty for none.
	std::string metadata;
	int64_t flags = 0;
	std::vector<ArrowIpcSchemaNode> children;
	std::unique_ptr<ArrowIpcSchemaNode> dictionary;
};

//! Fills `out` with an owning ArrowSchema for `node`.
void ExportArrowIpcSchema(ArrowIpcSchemaNode node, ArrowSchema &out);

} // namespace openduck
