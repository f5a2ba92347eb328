#include "storage/object_store/s3_object_store.hpp"

#include "duckdb.hpp"
#include "storage/object_store/aws_signature_v4.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <curl/curl.h>
#include <thread>

namespace openduck {

//! Everything one HTTP exchange needs; out (when set) receives a 2xx body directly, without a copy.
struct S3ObjectStore::Request {
	std::string method;
	//! The full object key (prefix included); empty for bucket-level requests.
	std::string full_key;
	std::vector<std::pair<std::string, std::string>> query;
	std::map<std::string, std::string> headers;
	const char *body = nullptr;
	size_t body_size = 0;
	std::string payload_hash = "UNSIGNED-PAYLOAD";
	char *out = nullptr;
	uint64_t out_capacity = 0;
	//! Bytes of a 2xx body received; may exceed out_capacity (then only out_capacity were stored).
	uint64_t out_received = 0;
};

static constexpr size_t MAX_ERROR_BODY = 1024 * 1024;

static void InitCurlOnce() {
	static std::once_flag once;
	std::call_once(once, []() { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

static std::string XmlUnescape(const std::string &text) {
	static const std::pair<const char *, char> ENTITIES[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	std::string result;
	for (size_t i = 0; i < text.size();) {
		bool replaced = false;
		if (text[i] == '&') {
			for (auto &entity : ENTITIES) {
				auto length = std::char_traits<char>::length(entity.first);
				if (text.compare(i, length, entity.first) == 0) {
					result += entity.second;
					i += length;
					replaced = true;
					break;
				}
			}
		}
		if (!replaced) {
			result += text[i++];
		}
	}
	return result;
}

static std::string XmlEscape(const std::string &text) {
	std::string result;
	for (auto c : text) {
		switch (c) {
		case '&':
			result += "&amp;";
			break;
		case '<':
			result += "&lt;";
			break;
		case '>':
			result += "&gt;";
			break;
		case '"':
			result += "&quot;";
			break;
		default:
			result += c;
		}
	}
	return result;
}

//! The text of every <tag>...</tag> in document order (S3's responses are flat enough for this).
static std::vector<std::string> XmlValues(const std::string &xml, const std::string &tag) {
	std::vector<std::string> values;
	auto open = "<" + tag + ">";
	auto close = "</" + tag + ">";
	for (size_t position = xml.find(open); position != std::string::npos; position = xml.find(open, position)) {
		auto begin = position + open.size();
		auto end = xml.find(close, begin);
		if (end == std::string::npos) {
			break;
		}
		values.push_back(XmlUnescape(xml.substr(begin, end - begin)));
		position = end + close.size();
	}
	return values;
}

static std::string XmlValue(const std::string &xml, const std::string &tag) {
	auto values = XmlValues(xml, tag);
	return values.empty() ? std::string() : values.front();
}

S3ObjectStore::S3ObjectStore(std::string bucket_p, std::string prefix_p, S3Settings settings_p, S3Options options_p)
    : bucket(std::move(bucket_p)), prefix(std::move(prefix_p)), settings(std::move(settings_p)), options(options_p) {
	InitCurlOnce();
	if (settings.region.empty()) {
		settings.region = "us-east-1";
	}
	if (!settings.endpoint.empty()) {
		auto &endpoint = settings.endpoint;
		auto scheme_end = endpoint.find("://");
		auto scheme = scheme_end == std::string::npos ? std::string() : endpoint.substr(0, scheme_end);
		if (scheme != "http" && scheme != "https") {
			throw duckdb::InvalidInputException(
			    "invalid S3 endpoint \"%s\": use http://host:port or https://host[:port]", endpoint);
		}
		while (!endpoint.empty() && endpoint.back() == '/') {
			endpoint.pop_back();
		}
		host_header = endpoint.substr(scheme_end + 3);
		if (host_header.empty() || host_header.find_first_of("/?#@ ") != std::string::npos) {
			throw duckdb::InvalidInputException(
			    "invalid S3 endpoint \"%s\": give only scheme, host and port (no path, query or user)", endpoint);
		}
		// S3-compatible servers (MinIO, moto, Ceph) generally only do path-style addressing.
		base_url = endpoint;
		path_prefix = "/" + bucket;
	} else if (bucket.find('.') != std::string::npos) {
		// A dotted bucket name would not match the wildcard TLS certificate of a virtual host.
		host_header = "s3." + settings.region + ".amazonaws.com";
		base_url = "https://" + host_header;
		path_prefix = "/" + bucket;
	} else {
		host_header = bucket + ".s3." + settings.region + ".amazonaws.com";
		base_url = "https://" + host_header;
	}
}

S3ObjectStore::~S3ObjectStore() {
	for (auto handle : idle_handles) {
		curl_easy_cleanup(static_cast<CURL *>(handle));
	}
}

std::string S3ObjectStore::FullKey(const std::string &key) const {
	return prefix.empty() ? key : prefix + "/" + key;
}

std::string S3ObjectStore::ObjectUrl(const std::string &key) const {
	auto full_key = FullKey(key);
	return "s3://" + bucket + (full_key.empty() ? "" : "/" + full_key);
}

std::string S3ObjectStore::Describe() const {
	return "objects in s3://" + bucket + (prefix.empty() ? "" : "/" + prefix) + " at " +
	       (settings.endpoint.empty() ? "AWS" : settings.endpoint) + " (region " + settings.region + ")";
}

void *S3ObjectStore::AcquireHandle() {
	{
		std::lock_guard<std::mutex> guard(handles_lock);
		if (!idle_handles.empty()) {
			auto handle = idle_handles.back();
			idle_handles.pop_back();
			return handle;
		}
	}
	auto handle = curl_easy_init();
	if (!handle) {
		throw duckdb::IOException("S3: cannot create a libcurl handle");
	}
	return handle;
}

void S3ObjectStore::ReleaseHandle(void *handle) {
	std::lock_guard<std::mutex> guard(handles_lock);
	idle_handles.push_back(handle);
}

namespace {
struct Exchange {
	CURL *curl;
	S3ObjectStore::Request *request;
	S3ObjectStore::Response *response;
	long stall_timeout_s;
	curl_off_t last_bytes = -1;
	std::chrono::steady_clock::time_point last_progress;
	bool stalled = false;
};
} // namespace

//! Aborts a transfer once no byte has moved either way for stall_timeout_s. (curl's own low-speed limit
//! averages over a window and so reacts only after up to twice its time.)
static int OnProgress(void *user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t uploaded) {
	auto &exchange = *static_cast<Exchange *>(user);
	auto now = std::chrono::steady_clock::now();
	if (downloaded + uploaded != exchange.last_bytes) {
		exchange.last_bytes = downloaded + uploaded;
		exchange.last_progress = now;
		return 0;
	}
	if (now - exchange.last_progress >= std::chrono::seconds(exchange.stall_timeout_s)) {
		exchange.stalled = true;
		return 1;
	}
	return 0;
}

static size_t OnHeader(char *data, size_t size, size_t count, void *user) {
	auto &exchange = *static_cast<Exchange *>(user);
	std::string line(data, size * count);
	if (line.rfind("HTTP/", 0) == 0) {
		// A new status line (after "100 Continue" or a redirect): headers start over.
		exchange.response->headers.clear();
		return size * count;
	}
	auto colon = line.find(':');
	if (colon != std::string::npos) {
		std::string name = line.substr(0, colon);
		for (auto &c : name) {
			c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		}
		auto value = line.substr(colon + 1);
		auto begin = value.find_first_not_of(" \t");
		auto end = value.find_last_not_of(" \t\r\n");
		exchange.response->headers[name] = begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
	}
	return size * count;
}

static size_t OnBody(char *data, size_t size, size_t count, void *user) {
	auto &exchange = *static_cast<Exchange *>(user);
	auto bytes = size * count;
	long status = 0;
	curl_easy_getinfo(exchange.curl, CURLINFO_RESPONSE_CODE, &status);
	auto &request = *exchange.request;
	if (request.out && status >= 200 && status < 300) {
		if (request.out_received < request.out_capacity) {
			auto room = request.out_capacity - request.out_received;
			std::memcpy(request.out + request.out_received, data, std::min<uint64_t>(room, bytes));
		}
		request.out_received += bytes;
	} else if (exchange.response->body.size() < MAX_ERROR_BODY || !request.out) {
		exchange.response->body.append(data, bytes);
	}
	return bytes;
}

//! The query string as sent: like the canonical one, but a parameter without a value goes bare ("?uploads").
static std::string WireQueryString(const std::vector<std::pair<std::string, std::string>> &query) {
	std::string result;
	for (auto &entry : query) {
		result += (result.empty() ? "" : "&") + UriEncode(entry.first, true);
		if (!entry.second.empty()) {
			result += "=" + UriEncode(entry.second, true);
		}
	}
	return result;
}

S3ObjectStore::Response S3ObjectStore::PerformOnce(Request &request, std::string &transport_error) {
	Response response;
	request.out_received = 0;
	auto path = path_prefix + "/" + UriEncode(request.full_key, false);
	auto url = base_url + path;
	auto query = WireQueryString(request.query);
	if (!query.empty()) {
		url += "?" + query;
	}

	SigV4Request signing;
	signing.method = request.method;
	signing.canonical_uri = path;
	signing.query = request.query;
	signing.headers = request.headers;
	signing.headers["host"] = host_header;
	signing.payload_hash = request.payload_hash;
	auto amz_date = AmzDateNow();
	signing.headers["x-amz-date"] = amz_date;
	signing.headers["x-amz-content-sha256"] = request.payload_hash;
	if (!settings.session_token.empty()) {
		signing.headers["x-amz-security-token"] = settings.session_token;
	}

	curl_slist *header_list = nullptr;
	for (auto &header : signing.headers) {
		if (header.first != "host") {
			header_list = curl_slist_append(header_list, (header.first + ": " + header.second).c_str());
		}
	}
	if (!settings.access_key_id.empty()) {
		auto authorization =
		    SignatureV4Authorization(signing, SigV4Credentials {settings.access_key_id, settings.secret_access_key},
		                             amz_date, settings.region, "s3");
		header_list = curl_slist_append(header_list, ("authorization: " + authorization).c_str());
	}
	// Without this curl waits up to a second for "100 Continue" before sending a large body.
	header_list = curl_slist_append(header_list, "Expect:");
	if (request.method == "PUT" || request.method == "POST") {
		// Otherwise curl labels the body as a form, and S3 would store that as the object's type.
		header_list = curl_slist_append(header_list, request.method == "PUT" ? "Content-Type: application/octet-stream"
		                                                                     : "Content-Type: application/xml");
	}

	auto curl = static_cast<CURL *>(AcquireHandle());
	curl_easy_reset(curl);
	Exchange exchange {curl, &request, &response, options.stall_timeout_s, -1, std::chrono::steady_clock::now(), false};
	char error_buffer[CURL_ERROR_SIZE] = {0};
	curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
	if (request.method == "HEAD") {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else if (request.method == "GET") {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
		if (request.body || request.method == "POST" || request.method == "PUT") {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body ? request.body : "");
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body_size));
		}
	}
	auto code = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
	curl_slist_free_all(header_list);
	if (code != CURLE_OK) {
		if (exchange.stalled) {
			transport_error = "no response: nothing received for " + std::to_string(options.stall_timeout_s) + " s";
		} else {
			transport_error = error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
		}
		// The connection may be in any state: do not reuse it.
		curl_easy_cleanup(curl);
	} else {
		ReleaseHandle(curl);
	}
	return response;
}

S3ObjectStore::Response S3ObjectStore::Perform(const std::string &operation, const std::string &key, Request &request) {
	auto start = std::chrono::steady_clock::now();
	for (int attempt = 1;; attempt++) {
		std::string transport_error;
		auto response = PerformOnce(request, transport_error);
		bool retryable = !transport_error.empty() || response.status >= 500 || response.status == 429;
		if (!retryable) {
			return response;
		}
		auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
		if (attempt >= options.max_attempts || elapsed.count() >= options.retry_budget_ms) {
			if (!transport_error.empty()) {
				throw duckdb::IOException("S3 %s %s failed after %d attempt(s) in %.1f s: %s", operation,
				                          ObjectUrl(key), attempt, elapsed.count() / 1000.0, transport_error);
			}
			return response;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100LL << (attempt - 1)));
	}
}

void S3ObjectStore::ThrowFailure(const std::string &operation, const std::string &key, const Response &response) {
	auto code = XmlValue(response.body, "Code");
	auto message = XmlValue(response.body, "Message");
	std::string detail;
	if (!code.empty()) {
		detail = " " + code + (message.empty() ? "" : ": " + message);
	} else if (response.status == 404) {
		detail = " (not found)";
	} else if (response.status == 403) {
		detail = " (access denied: check the S3 credentials and the bucket policy)";
	}
	throw duckdb::IOException("S3 %s %s failed: HTTP %d%s", operation, ObjectUrl(key), (int)response.status, detail);
}

void S3ObjectStore::Put(const std::string &key, const std::string &data) {
	ValidateObjectKey(key);
	if (data.size() > options.multipart_threshold) {
		PutMultipart(key, data);
		return;
	}
	Request request;
	request.method = "PUT";
	request.full_key = FullKey(key);
	request.body = data.data();
	request.body_size = data.size();
	request.payload_hash = Sha256Hex(data.data(), data.size());
	request.headers["content-md5"] = Md5Base64(data.data(), data.size());
	auto response = Perform("PUT", key, request);
	if (response.status != 200) {
		ThrowFailure("PUT", key, response);
	}
}

void S3ObjectStore::PutMultipart(const std::string &key, const std::string &data) {
	Request create;
	create.method = "POST";
	create.full_key = FullKey(key);
	create.query = {{"uploads", ""}};
	auto created = Perform("PUT (create multipart upload)", key, create);
	auto upload_id = XmlValue(created.body, "UploadId");
	if (created.status != 200 || upload_id.empty()) {
		ThrowFailure("PUT (create multipart upload)", key, created);
	}
	try {
		std::string parts_xml;
		uint64_t part_number = 1;
		for (uint64_t offset = 0; offset < data.size(); offset += options.part_size, part_number++) {
			auto size = std::min<uint64_t>(options.part_size, data.size() - offset);
			Request part;
			part.method = "PUT";
			part.full_key = FullKey(key);
			part.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
			part.body = data.data() + offset;
			part.body_size = size;
			part.payload_hash = Sha256Hex(part.body, size);
			part.headers["content-md5"] = Md5Base64(part.body, size);
			auto operation = "PUT (part " + std::to_string(part_number) + ")";
			auto response = Perform(operation, key, part);
			auto etag = response.headers["etag"];
			if (response.status != 200 || etag.empty()) {
				ThrowFailure(operation, key, response);
			}
			parts_xml += "<Part><PartNumber>" + std::to_string(part_number) + "</PartNumber><ETag>" + XmlEscape(etag) +
			             "</ETag></Part>";
		}
		auto body = "<CompleteMultipartUpload>" + parts_xml + "</CompleteMultipartUpload>";
		Request complete;
		complete.method = "POST";
		complete.full_key = FullKey(key);
		complete.query = {{"uploadId", upload_id}};
		complete.body = body.data();
		complete.body_size = body.size();
		complete.payload_hash = Sha256Hex(body.data(), body.size());
		auto response = Perform("PUT (complete multipart upload)", key, complete);
		// S3 may answer 200 and still report an error in the body.
		if (response.status != 200 || response.body.find("<Error>") != std::string::npos) {
			ThrowFailure("PUT (complete multipart upload)", key, response);
		}
	} catch (...) {
		try {
			Request abort;
			abort.method = "DELETE";
			abort.full_key = FullKey(key);
			abort.query = {{"uploadId", upload_id}};
			Perform("PUT (abort multipart upload)", key, abort);
		} catch (std::exception &) {
			// The bucket's lifecycle rules clean up abandoned uploads; the original error matters more.
		}
		throw;
	}
}

void S3ObjectStore::Get(const std::string &key, uint64_t offset, uint64_t length, char *out) {
	ValidateObjectKey(key);
	if (length == 0) {
		// Nothing to read, but a missing object must still fail as the interface promises.
		Size(key);
		return;
	}
	Request request;
	request.method = "GET";
	request.full_key = FullKey(key);
	request.headers["range"] = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
	request.out = out;
	request.out_capacity = length;
	auto response = Perform("GET", key, request);
	if (response.status == 416) {
		throw duckdb::IOException("S3 GET %s failed: cannot read %llu bytes at %llu: object is shorter than expected",
		                          ObjectUrl(key), (unsigned long long)length, (unsigned long long)offset);
	}
	if (response.status != 206 && !(response.status == 200 && offset == 0)) {
		ThrowFailure("GET", key, response);
	}
	if (request.out_received != length) {
		throw duckdb::IOException("S3 GET %s failed: asked for %llu bytes at %llu, received %llu%s", ObjectUrl(key),
		                          (unsigned long long)length, (unsigned long long)offset,
		                          (unsigned long long)request.out_received,
		                          request.out_received < length ? " (object is shorter than expected)" : "");
	}
}

S3ObjectStore::Response S3ObjectStore::Head(const std::string &key) {
	ValidateObjectKey(key);
	Request request;
	request.method = "HEAD";
	request.full_key = FullKey(key);
	return Perform("HEAD", key, request);
}

uint64_t S3ObjectStore::Size(const std::string &key) {
	auto response = Head(key);
	auto length = response.headers.find("content-length");
	if (response.status != 200 || length == response.headers.end()) {
		ThrowFailure("HEAD", key, response);
	}
	auto &text = length->second;
	if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
		throw duckdb::IOException("S3 HEAD %s failed: invalid Content-Length \"%s\"", ObjectUrl(key), text);
	}
	return std::stoull(text);
}

bool S3ObjectStore::Exists(const std::string &key) {
	auto response = Head(key);
	if (response.status == 404) {
		return false;
	}
	if (response.status != 200) {
		ThrowFailure("HEAD", key, response);
	}
	return true;
}

std::vector<std::string> S3ObjectStore::List(const std::string &list_prefix) {
	auto full_prefix = prefix.empty() ? list_prefix : prefix + "/" + list_prefix;
	auto strip = prefix.empty() ? 0 : prefix.size() + 1;
	std::vector<std::string> keys;
	std::string continuation;
	while (true) {
		Request request;
		request.method = "GET";
		request.query = {
		    {"list-type", "2"}, {"max-keys", std::to_string(options.list_page_size)}, {"prefix", full_prefix}};
		if (!continuation.empty()) {
			request.query.emplace_back("continuation-token", continuation);
		}
		auto response = Perform("LIST", list_prefix, request);
		if (response.status != 200) {
			ThrowFailure("LIST", list_prefix, response);
		}
		for (auto &full_key : XmlValues(response.body, "Key")) {
			if (full_key.size() > strip && full_key.compare(0, full_prefix.size(), full_prefix) == 0) {
				keys.push_back(full_key.substr(strip));
			}
		}
		continuation = XmlValue(response.body, "NextContinuationToken");
		if (XmlValue(response.body, "IsTruncated") != "true" || continuation.empty()) {
			break;
		}
	}
	std::sort(keys.begin(), keys.end());
	return keys;
}

void S3ObjectStore::Delete(const std::string &key) {
	ValidateObjectKey(key);
	Request request;
	request.method = "DELETE";
	request.full_key = FullKey(key);
	auto response = Perform("DELETE", key, request);
	if (response.status != 204 && response.status != 200 && response.status != 404) {
		ThrowFailure("DELETE", key, response);
	}
}

void S3ObjectStore::CheckAccess() {
	Request request;
	request.method = "GET";
	request.query = {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", prefix.empty() ? "" : prefix + "/"}};
	auto response = Perform("LIST", "", request);
	if (response.status != 200) {
		ThrowFailure("LIST", "", response);
	}
}

} // namespace openduck
