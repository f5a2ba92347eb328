#include "protocol/arrow_ipc_arrays.hpp"

#include <cstring>

namespace openduck {

namespace {

//! Backing memory of buffers that are empty in the stream: some consumers read the first offset
//! of an empty offsets buffer, so it must be readable zeros rather than null.
alignas(64) const uint8_t EMPTY_BUFFER[64] = {};

struct ExportedArray {
	std::shared_ptr<ArrowIpcNode> node;
	std::vector<ArrowArray> children;
	std::vector<ArrowArray *> child_pointers;
	ArrowArray dictionary;
};

//! Releases an exported array or schema: children (unless a consumer moved them out, which nulls
//! their release), then the dictionary, then the holder.
template <class EXPORTED, class ARROW_STRUCT>
void ReleaseExported(ARROW_STRUCT *exported_struct) {
	if (!exported_struct || !exported_struct->release) {
		return;
	}
	auto exported = static_cast<EXPORTED *>(exported_struct->private_data);
	for (auto &child : exported->children) {
		if (child.release) {
			child.release(&child);
		}
	}
	if (exported->dictionary.release) {
		exported->dictionary.release(&exported->dictionary);
	}
	delete exported;
	exported_struct->release = nullptr;
}

struct ExportedSchema {
	ArrowIpcSchemaNode node;
	std::vector<ArrowSchema> children;
	std::vector<ArrowSchema *> child_pointers;
	ArrowSchema dictionary;
};

void ReleaseArray(ArrowArray *array) {
	ReleaseExported<ExportedArray>(array);
}

void ReleaseSchema(ArrowSchema *schema) {
	ReleaseExported<ExportedSchema>(schema);
}

} // namespace

const void *ArrowIpcNode::AddBuffer(const uint8_t *data, int64_t length) {
	const void *result;
	if (length == 0) {
		result = EMPTY_BUFFER;
	} else if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
		auto copy = AllocateBuffer(length);
		memcpy(copy, data, length);
		result = copy;
	} else {
		result = data;
	}
	buffers.push_back(result);
	return result;
}

uint8_t *ArrowIpcNode::AllocateBuffer(int64_t length) {
	const size_t words = size_t(length + 7) / 8;
	owned.emplace_back(new uint64_t[words > 0 ? words : 1]());
	return reinterpret_cast<uint8_t *>(owned.back().get());
}

void ExportArrowIpcArray(const std::shared_ptr<ArrowIpcNode> &node, ArrowArray &out) {
	auto exported = new ExportedArray();
	exported->node = node;
	const size_t child_count = node->children.size();
	exported->children.resize(child_count);
	exported->child_pointers.resize(child_count);
	for (size_t i = 0; i < child_count; i++) {
		ExportArrowIpcArray(node->children[i], exported->children[i]);
		exported->child_pointers[i] = &exported->children[i];
	}
	exported->dictionary.release = nullptr;
	if (node->dictionary) {
		ExportArrowIpcArray(node->dictionary, exported->dictionary);
	}
	out.length = node->length;
	out.null_count = node->null_count;
	out.offset = 0;
	out.n_buffers = int64_t(node->buffers.size());
	out.n_children = int64_t(child_count);
	out.buffers = node->buffers.empty() ? nullptr : node->buffers.data();
	out.children = child_count == 0 ? nullptr : exported->child_pointers.data();
	out.dictionary = node->dictionary ? &exported->dictionary : nullptr;
	out.release = ReleaseArray;
	out.private_data = exported;
}

void ExportArrowIpcSchema(ArrowIpcSchemaNode node, ArrowSchema &out) {
	auto exported = new ExportedSchema();
	exported->node = std::move(node);
	auto &source = exported->node;
	const size_t child_count = source.children.size();
	exported->children.resize(child_count);
	exported->child_pointers.resize(child_count);
	for (size_t i = 0; i < child_count; i++) {
		ExportArrowIpcSchema(std::move(source.children[i]), exported->children[i]);
		exported->child_pointers[i] = &exported->children[i];
	}
	exported->dictionary.release = nullptr;
	if (source.dictionary) {
		ExportArrowIpcSchema(std::move(*source.dictionary), exported->dictionary);
	}
	out.format = source.format.c_str();
	out.name = source.name.c_str();
	out.metadata = source.metadata.empty() ? nullptr : source.metadata.data();
	out.flags = source.flags;
	out.n_children = int64_t(child_count);
	out.children = child_count == 0 ? nullptr : exported->child_pointers.data();
	out.dictionary = source.dictionary ? &exported->dictionary : nullptr;
	out.release = ReleaseSchema;
	out.private_data = exported;
}

} // namespace openduck
