//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/layer_reader_cache.hpp
//
// Open layer readers shared by every layer space of one store: a layer is immutable, so a snapshot reader that
// opens after a commit reuses the indexes the writer (or an older reader) already read and validated. A layer's
// bytes come from the object store, or from the metadata store for inlined layers.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_reader.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/object_store/object_store.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace openduck {

class LayerReaderCache {
public:
	//! metadata serves the bytes of inlined layers.
	LayerReaderCache(std::shared_ptr<ObjectStore> objects, std::shared_ptr<MetadataStore> metadata);
	//! The reader of a layer of database, opened (header and index validated) when nobody holds it. An inlined
	//! layer's bytes are read from the metadata store once and kept with its reader.
	std::shared_ptr<const LayerReader> Open(const std::string &database, const std::string &object_key,
	                                        bool inlined);
	//! The reader of an inlined layer whose bytes the caller has at hand (it just published them).
	std::shared_ptr<const LayerReader> OpenInlined(const std::string &database, const std::string &object_key,
	                                               std::shared_ptr<const std::string> bytes);
	ObjectStore &Objects() {
		return *objects;
	}

private:
	std::shared_ptr<const LayerReader> Cached(const std::string &object_key);
	std::shared_ptr<const LayerReader> Remember(const std::string &object_key,
	                                            std::shared_ptr<const LayerReader> reader);

	std::shared_ptr<ObjectStore> objects;
	std::shared_ptr<MetadataStore> metadata;
	std::mutex lock;
	std::unordered_map<std::string, std::weak_ptr<const LayerReader>> readers;
};

} // namespace openduck
