#include "storage/object_store/aws_signature_v4.hpp"

#include "storage/hex_encoding.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace openduck {

static std::string Digest(const EVP_MD *type, const void *data, size_t size) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	EVP_Digest(data, size, digest, &length, type, nullptr);
	return std::string(reinterpret_cast<char *>(digest), length);
}

static std::string HmacSha256(const std::string &key, const std::string &data) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
	     data.size(), digest, &length);
	return std::string(reinterpret_cast<char *>(digest), length);
}

std::string Sha256Hex(const void *data, size_t size) {
	auto digest = Digest(EVP_sha256(), data, size);
	return HexEncode(digest);
}

std::string Md5Base64(const void *data, size_t size) {
	auto digest = Digest(EVP_md5(), data, size);
	unsigned char encoded[64];
	auto length = EVP_EncodeBlock(encoded, reinterpret_cast<const unsigned char *>(digest.data()),
	                              static_cast<int>(digest.size()));
	return std::string(reinterpret_cast<char *>(encoded), static_cast<size_t>(length));
}

std::string UriEncode(const std::string &text, bool encode_slash) {
	static const char *DIGITS = "0123456789ABCDEF";
	std::string result;
	for (unsigned char c : text) {
		if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
			result += static_cast<char>(c);
		} else {
			result += '%';
			result += DIGITS[c >> 4];
			result += DIGITS[c & 0xF];
		}
	}
	return result;
}

std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>> &query) {
	std::vector<std::pair<std::string, std::string>> encoded;
	for (auto &entry : query) {
		encoded.emplace_back(UriEncode(entry.first, true), UriEncode(entry.second, true));
	}
	std::sort(encoded.begin(), encoded.end());
	std::string result;
	for (auto &entry : encoded) {
		result += (result.empty() ? "" : "&") + entry.first + "=" + entry.second;
	}
	return result;
}

static std::string Trim(const std::string &value) {
	auto begin = value.find_first_not_of(" \t");
	auto end = value.find_last_not_of(" \t");
	return begin == std::string::npos ? std::string() : value.substr(begin, end - begin + 1);
}

static std::string SignedHeaders(const SigV4Request &request) {
	std::string result;
	for (auto &header : request.headers) {
		result += (result.empty() ? "" : ";") + header.first;
	}
	return result;
}

std::string CanonicalRequest(const SigV4Request &request) {
	std::string result =
	    request.method + "\n" + request.canonical_uri + "\n" + CanonicalQueryString(request.query) + "\n";
	for (auto &header : request.headers) {
		result += header.first + ":" + Trim(header.second) + "\n";
	}
	result += "\n" + SignedHeaders(request) + "\n" + request.payload_hash;
	return result;
}

std::string CredentialScope(const std::string &amz_date, const std::string &region, const std::string &service) {
	return amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
}

std::string StringToSign(const SigV4Request &request, const std::string &amz_date, const std::string &region,
                         const std::string &service) {
	auto canonical = CanonicalRequest(request);
	return "AWS4-HMAC-SHA256\n" + amz_date + "\n" + CredentialScope(amz_date, region, service) + "\n" +
	       Sha256Hex(canonical.data(), canonical.size());
}

std::string SignatureV4Authorization(const SigV4Request &request, const SigV4Credentials &credentials,
                                     const std::string &amz_date, const std::string &region,
                                     const std::string &service) {
	auto date_key = HmacSha256("AWS4" + credentials.secret_access_key, amz_date.substr(0, 8));
	auto region_key = HmacSha256(date_key, region);
	auto service_key = HmacSha256(region_key, service);
	auto signing_key = HmacSha256(service_key, "aws4_request");
	auto signature = HmacSha256(signing_key, StringToSign(request, amz_date, region, service));
	return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
	       CredentialScope(amz_date, region, service) + ", SignedHeaders=" + SignedHeaders(request) +
	       ", Signature=" + HexEncode(signature);
}

std::string AmzDateNow() {
	auto now = std::time(nullptr);
	std::tm utc {};
	gmtime_r(&now, &utc);
	char text[32];
	std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
	return text;
}

} // namespace openduck
