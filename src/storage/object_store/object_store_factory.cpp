#include "duckdb.hpp"
#include "storage/object_store/caching_object_store.hpp"
#include "storage/object_store/local_directory_object_store.hpp"
#include "storage/object_store/s3_object_store.hpp"
#include "storage/storage_config.hpp"

#include <cctype>
#include <filesystem>

namespace openduck {

//! S3's bucket naming rules (3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or
//! digit, no "..", not an IP address), so a typo fails here rather than as an HTTP error.
static void ValidateBucketName(const std::string &bucket, const std::string &url) {
	auto fail = [&](const char *why) {
		throw duckdb::InvalidInputException("invalid S3 bucket \"%s\" in store URL \"%s\": %s", bucket, url, why);
	};
	if (bucket.size() < 3 || bucket.size() > 63) {
		fail("a bucket name has 3 to 63 characters");
	}
	bool only_digits_and_dots = true;
	for (auto c : bucket) {
		auto uc = static_cast<unsigned char>(c);
		if (!(std::islower(uc) || std::isdigit(uc) || c == '.' || c == '-')) {
			fail("use lower-case letters, digits, '.' and '-'");
		}
		only_digits_and_dots = only_digits_and_dots && (std::isdigit(uc) || c == '.');
	}
	if (!std::isalnum(static_cast<unsigned char>(bucket.front())) ||
	    !std::isalnum(static_cast<unsigned char>(bucket.back()))) {
		fail("a bucket name starts and ends with a letter or digit");
	}
	if (bucket.find("..") != std::string::npos) {
		fail("a bucket name has no \"..\"");
	}
	if (only_digits_and_dots) {
		fail("a bucket name cannot look like an IP address");
	}
}

static std::shared_ptr<ObjectStore> MakeS3ObjectStore(const StorageConfig &config) {
	auto &url = config.store_url;
	auto rest = url.substr(5);
	auto slash = rest.find('/');
	auto bucket = rest.substr(0, slash);
	auto prefix = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
	while (!prefix.empty() && prefix.back() == '/') {
		prefix.pop_back();
	}
	ValidateBucketName(bucket, url);
	if (!prefix.empty()) {
		try {
			ValidateObjectKey(prefix);
		} catch (duckdb::InvalidInputException &) {
			throw duckdb::InvalidInputException(
			    "invalid key prefix \"%s\" in store URL \"%s\": use segments of letters, digits, '_', '-' and '.' "
			    "separated by '/'",
			    prefix, url);
		}
	}
	auto s3 = std::make_shared<S3ObjectStore>(bucket, prefix, config.s3);
	// Fail at startup, with S3's own reason (403 SignatureDoesNotMatch, 404 NoSuchBucket), not at the first commit.
	s3->CheckAccess();
	auto cache_dir =
	    config.cache_dir.empty() ? (std::filesystem::path(config.data_dir) / "cache").string() : config.cache_dir;
	return std::make_shared<CachingObjectStore>(std::move(s3), cache_dir, config.cache_bytes);
}

std::shared_ptr<ObjectStore> MakeObjectStore(const StorageConfig &config) {
	auto &url = config.store_url;
	auto local_directory = config.LocalObjectsDirectory();
	if (!local_directory.empty()) {
		return std::make_shared<LocalDirectoryObjectStore>(local_directory);
	}
	if (url.rfind("s3://", 0) == 0) {
		return MakeS3ObjectStore(config);
	}
	throw duckdb::InvalidInputException("unsupported object store \"%s\": use file:PATH or s3://bucket/prefix",
	                                    url.substr(0, url.find(':')));
}

} // namespace openduck
