//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/layer_reader_cache.hpp
//
// Open layer readers shared by every layer space of one store: a layer is immutable, so a snapshot reader that
// opens after a commit reuses the indexes the writer (or an older reader) already read and validated.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_reader.hpp"
#include "storage/object_store/object_store.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace openduck {

class LayerReaderCache {
public:
	explicit LayerReaderCache(std::shared_ptr<ObjectStore> objects);

	//! The reader of a layer object of database, opened (header and index validated) when nobody holds it.
	std::shared_ptr<const LayerReader> Open(const std::string &database, const std::string &object_key);
	ObjectStore &Objects() {
		return *objects;
	}

private:
	std::shared_ptr<ObjectStore> objects;
	std::mutex lock;
	std::unordered_map<std::string, std::weak_ptr<const LayerReader>> readers;
};

} // namespace openduck
