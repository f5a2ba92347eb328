//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/s3_object_store.hpp
//
// Objects in an S3-compatible bucket under a key prefix, over libcurl with AWS Signature V4. Keys of the
// ObjectStore interface are relative to the prefix. Secrets never appear in errors or Describe().
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/object_store/object_store.hpp"
#include "storage/storage_config.hpp"

#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace openduck {

//! Tuning knobs with production defaults; tests shrink them.
struct S3Options {
	//! Objects larger than this go up as a multipart upload, part_size bytes per part (S3's minimum is 5 MiB).
	uint64_t multipart_threshold = 64ULL * 1024 * 1024;
	uint64_t part_size = 16ULL * 1024 * 1024;
	long connect_timeout_ms = 5000;
	//! A transfer that moves no byte for this long is abandoned (a stopped or partitioned server).
	long stall_timeout_s = 5;
	//! Attempts per request for connection errors, timeouts, 5xx and throttling.
	int max_attempts = 4;
	//! No retry starts after this long, so a dead store fails an operation within about
	//! retry_budget_ms + stall_timeout_s.
	long retry_budget_ms = 4000;
	//! Keys per ListObjectsV2 page (S3's maximum is 1000).
	int list_page_size = 1000;
};

class S3ObjectStore : public ObjectStore {
public:
	//! bucket and prefix come from "s3://bucket/prefix" (prefix without leading or trailing '/', may be empty).
	S3ObjectStore(std::string bucket, std::string prefix, S3Settings settings, S3Options options = S3Options());
	~S3ObjectStore() override;

	//! One PUT with the body's SHA-256 signed and Content-MD5 checked by the server; a multipart upload above
	//! multipart_threshold. S3 makes an object visible only once complete, so Put is atomic.
	void Put(const std::string &key, const std::string &data) override;
	void Get(const std::string &key, uint64_t offset, uint64_t length, char *out) override;
	uint64_t Size(const std::string &key) override;
	bool Exists(const std::string &key) override;
	std::vector<std::string> List(const std::string &prefix) override;
	void Delete(const std::string &key) override;
	std::string Describe() const override;

	//! Lists at most one key of the prefix, so bad credentials or a missing bucket fail at startup with the
	//! S3 error rather than at the first commit.
	void CheckAccess();

	struct Response {
		long status = 0;
		std::string body;
		std::map<std::string, std::string> headers;
	};
	struct Request;

private:
	Response Perform(const std::string &operation, const std::string &key, Request &request);
	//! HEAD of an object (Size and Exists read different parts of the answer).
	Response Head(const std::string &key);
	Response PerformOnce(Request &request, std::string &transport_error);
	std::string FullKey(const std::string &key) const;
	//! "s3://bucket/prefix/key" for messages.
	std::string ObjectUrl(const std::string &key) const;
	[[noreturn]] void ThrowFailure(const std::string &operation, const std::string &key, const Response &response);
	void PutMultipart(const std::string &key, const std::string &data);

	void *AcquireHandle();
	void ReleaseHandle(void *handle);

	std::string bucket;
	std::string prefix;
	S3Settings settings;
	S3Options options;
	//! "http://127.0.0.1:9000" or "https://s3.us-east-1.amazonaws.com" or the virtual host of the bucket.
	std::string base_url;
	std::string host_header;
	//! "/bucket" with path-style addressing, "" with virtual-host addressing.
	std::string path_prefix;

	std::mutex handles_lock;
	//! Idle curl easy handles: reusing one reuses its connection, which saves a TCP (and TLS) handshake per call.
	std::vector<void *> idle_handles;
};

} // namespace openduck
