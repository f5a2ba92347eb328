#include "storage/filesystem/layer_reader_cache.hpp"

#include "duckdb.hpp"

#include <cstring>

namespace openduck {

LayerReaderCache::LayerReaderCache(std::shared_ptr<ObjectStore> objects_p, std::shared_ptr<MetadataStore> metadata_p)
    : objects(std::move(objects_p)), metadata(std::move(metadata_p)) {
}

std::shared_ptr<const LayerReader> LayerReaderCache::Cached(const std::string &object_key) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = readers.find(object_key);
	if (entry != readers.end()) {
		return entry->second.lock();
	}
	return nullptr;
}

std::shared_ptr<const LayerReader> LayerReaderCache::Remember(const std::string &object_key,
                                                              std::shared_ptr<const LayerReader> reader) {
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

std::shared_ptr<const LayerReader> LayerReaderCache::OpenInlined(const std::string &database,
                                                                 const std::string &object_key,
                                                                 std::shared_ptr<const std::string> bytes) {
	auto size = bytes->size();
	auto reader = std::make_shared<const LayerReader>(database, object_key, size,
	                                                  [bytes](uint64_t offset, uint64_t length, char *out) {
		                                                  if (offset + length > bytes->size()) {
			                                                  throw duckdb::IOException(
			                                                      "the inlined layer has %llu bytes, fewer than %llu",
			                                                      (unsigned long long)bytes->size(),
			                                                      (unsigned long long)(offset + length));
		                                                  }
		                                                  memcpy(out, bytes->data() + offset, length);
	                                                  });
	return Remember(object_key, std::move(reader));
}

std::shared_ptr<const LayerReader> LayerReaderCache::Open(const std::string &database, const std::string &object_key,
                                                          bool inlined) {
	if (auto reader = Cached(object_key)) {
		return reader;
	}
	if (inlined) {
		std::shared_ptr<const std::string> bytes;
		try {
			bytes = std::make_shared<const std::string>(metadata->ReadInlineLayer(object_key));
		} catch (std::exception &ex) {
			throw duckdb::IOException("database \"%s\", layer \"%s\": the inlined layer is missing: %s", database,
			                          object_key, duckdb::ErrorData(ex).RawMessage());
		}
		return OpenInlined(database, object_key, std::move(bytes));
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
	return Remember(object_key, std::move(reader));
}

} // namespace openduck
