#include "storage/filesystem/layer_reader_cache.hpp"

#include "duckdb.hpp"

namespace openduck {

LayerReaderCache::LayerReaderCache(std::shared_ptr<ObjectStore> objects_p) : objects(std::move(objects_p)) {
}

std::shared_ptr<const LayerReader> LayerReaderCache::Open(const std::string &database, const std::string &object_key) {
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = readers.find(object_key);
		if (entry != readers.end()) {
			if (auto reader = entry->second.lock()) {
				return reader;
			}
		}
	}
	auto store = objects;
	uint64_t size;
	try {
		size = store->Size(object_key);
	} catch (std::exception &ex) {
		throw duckdb::IOException("database \"%s\", layer \"%s\": the layer object is missing: %s", database,
		                          object_key, duckdb::ErrorData(ex).RawMessage());
	}
	auto reader = std::make_shared<const LayerReader>(database, object_key, size,
	                                                  [store, object_key](uint64_t offset, uint64_t length, char *out) {
		                                                  store->Get(object_key, offset, length, out);
	                                                  });
	std::lock_guard<std::mutex> guard(lock);
	auto &slot = readers[object_key];
	if (auto existing = slot.lock()) {
		return existing;
	}
	slot = reader;
	// Forget readers nobody holds, so the map does not grow with every layer ever opened.
	if (readers.size() > 1024) {
		for (auto it = readers.begin(); it != readers.end();) {
			it = it->second.expired() ? readers.erase(it) : std::next(it);
		}
	}
	return reader;
}

} // namespace openduck
