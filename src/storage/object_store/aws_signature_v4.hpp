//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/object_store/aws_signature_v4.hpp
//
// AWS Signature Version 4 for S3 requests (header-based signing), over OpenSSL's SHA-256 and HMAC.
//===----------------------------------------------------------------------===//

#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace openduck {

//! A request as SigV4 sees it. Header names are lower case; every header here is signed.
struct SigV4Request {
	std::string method;
	//! The path, already URI-encoded as sent (e.g. "/bucket/my%20key").
	std::string canonical_uri;
	//! Query parameters, not encoded; SigV4 encodes and sorts them.
	std::vector<std::pair<std::string, std::string>> query;
	std::map<std::string, std::string> headers;
	//! Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
	std::string payload_hash;
};

struct SigV4Credentials {
	std::string access_key_id;
	std::string secret_access_key;
};

//! Hex SHA-256 of [data, data + size).
std::string Sha256Hex(const void *data, size_t size);
//! Base64 MD5 of [data, data + size) (the Content-MD5 header).
std::string Md5Base64(const void *data, size_t size);
//! RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX (upper case);
//! '/' stays when encode_slash is false (paths).
std::string UriEncode(const std::string &text, bool encode_slash);
//! The query string in canonical form: encoded, sorted by name then value, joined by '&'.
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>> &query);

std::string CanonicalRequest(const SigV4Request &request);
//! "<yyyymmdd>/<region>/<service>/aws4_request".
std::string CredentialScope(const std::string &amz_date, const std::string &region, const std::string &service);
std::string StringToSign(const SigV4Request &request, const std::string &amz_date, const std::string &region,
                         const std::string &service);
//! The value of the Authorization header. amz_date is the x-amz-date value ("20130524T000000Z"), which the
//! request's headers must carry too.
std::string SignatureV4Authorization(const SigV4Request &request, const SigV4Credentials &credentials,
                                     const std::string &amz_date, const std::string &region,
                                     const std::string &service);
//! The current UTC time as "yyyymmddThhmmssZ".
std::string AmzDateNow();

} // namespace openduck
