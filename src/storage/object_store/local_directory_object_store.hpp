//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/local_directory_object_store.hpp
//
// The embedded default object store: one file per object under a root directory.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/object_store/object_store.hpp"

#include <atomic>

namespace openduck {

class LocalDirectoryObjectStore : public ObjectStore {
public:
	explicit LocalDirectoryObjectStore(std::string root);

	//! Writes a temporary file, fsyncs it, renames it to the key and fsyncs the directory (and any directory it
	//! had to create), so the object is either absent or complete after a crash.
	void Put(const std::string &key, const std::string &data) override;
	void Get(const std::string &key, uint64_t offset, uint64_t length, char *out) override;
	uint64_t Size(const std::string &key) override;
	bool Exists(const std::string &key) override;
	std::vector<std::string> List(const std::string &prefix) override;
	void Delete(const std::string &key) override;
	std::string Describe() const override;

private:
	std::string PathFor(const std::string &key) const;

	std::string root;
	std::atomic<uint64_t> temp_counter {0};
};

} // namespace openduck
