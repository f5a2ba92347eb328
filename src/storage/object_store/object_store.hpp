//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/object_store.hpp
//
// Where sealed layers live. Objects are immutable: written once, whole, then only read (by byte range) or
// deleted. Keys are relative paths such as "mydb/layers/00000001-000042.layer".
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

class ObjectStore {
public:
	virtual ~ObjectStore() = default;

	//! Stores an object atomically and durably: no reader ever sees part of it, and once Put returns it
	//! survives a crash. That is what lets a snapshot reference it.
	virtual void Put(const std::string &key, const std::string &data) = 0;
	//! Reads exactly length bytes at offset; throws IOException if the object is missing or too short.
	virtual void Get(const std::string &key, uint64_t offset, uint64_t length, char *out) = 0;
	//! The object's size; throws IOException if it is missing.
	virtual uint64_t Size(const std::string &key) = 0;
	virtual bool Exists(const std::string &key) = 0;
	//! Keys starting with prefix, sorted.
	virtual std::vector<std::string> List(const std::string &prefix) = 0;
	//! Removes an object; a no-op when it does not exist.
	virtual void Delete(const std::string &key) = 0;
	virtual std::string Describe() const = 0;
};

//! Checks an object key: non-empty segments of letters, digits, '_', '-' and '.', separated by '/', none "." or
//! "..". Throws InvalidInputException otherwise, so a key can never leave the store's root.
void ValidateObjectKey(const std::string &key);

} // namespace openduck
