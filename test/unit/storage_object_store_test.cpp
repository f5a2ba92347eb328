// Object stores beyond the local directory: AWS Signature V4 (against AWS's published examples), the local
// read cache (with an in-memory inner store), and the S3 store against a real moto server started here.

#include "duckdb.hpp"
#include "storage/hex_encoding.hpp"
#include "storage/object_store/aws_signature_v4.hpp"
#include "storage/object_store/caching_object_store.hpp"
#include "storage/object_store/s3_object_store.hpp"
#include "storage/storage_config.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <curl/curl.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace openduck {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------- SigV4

// The examples of "Signature Calculations for the Authorization Header" in the Amazon S3 API reference.
const char *EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const char *EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const char *EXAMPLE_DATE = "20130524T000000Z";
const char *EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request ExampleRequest(const std::string &method, const std::string &uri, const std::string &payload_hash) {
	SigV4Request request;
	request.method = method;
	request.canonical_uri = uri;
	request.payload_hash = payload_hash;
	request.headers["host"] = "examplebucket.s3.amazonaws.com";
	request.headers["x-amz-date"] = EXAMPLE_DATE;
	request.headers["x-amz-content-sha256"] = payload_hash;
	return request;
}

std::string ExampleAuthorization(const SigV4Request &request) {
	return SignatureV4Authorization(request, SigV4Credentials {EXAMPLE_ACCESS_KEY, EXAMPLE_SECRET_KEY}, EXAMPLE_DATE,
	                                "us-east-1", "s3");
}

TEST(AwsSignatureV4, GetObjectExample) {
	auto request = ExampleRequest("GET", "/test.txt", EMPTY_SHA256);
	request.headers["range"] = "bytes=0-9";
	EXPECT_EQ(CanonicalRequest(request), "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
	                                     "x-amz-content-sha256:" +
	                                         std::string(EMPTY_SHA256) +
	                                         "\nx-amz-date:20130524T000000Z\n\n"
	                                         "host;range;x-amz-content-sha256;x-amz-date\n" +
	                                         EMPTY_SHA256);
	EXPECT_EQ(StringToSign(request, EXAMPLE_DATE, "us-east-1", "s3"),
	          "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	          "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	EXPECT_EQ(ExampleAuthorization(request),
	          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(AwsSignatureV4, PutObjectExample) {
	std::string body = "Welcome to Amazon S3.";
	auto hash = Sha256Hex(body.data(), body.size());
	EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	auto request = ExampleRequest("PUT", "/" + UriEncode("test$file.text", false), hash);
	EXPECT_EQ(request.canonical_uri, "/test%24file.text");
	request.headers["date"] = "Fri, 24 May 2013 00:00:00 GMT";
	request.headers["x-amz-storage-class"] = "REDUCED_REDUNDANCY";
	EXPECT_EQ(ExampleAuthorization(request),
	          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	          "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
	          "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(AwsSignatureV4, GetBucketLifecycleExample) {
	auto request = ExampleRequest("GET", "/", EMPTY_SHA256);
	request.query = {{"lifecycle", ""}};
	EXPECT_EQ(ExampleAuthorization(request),
	          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	          "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
	          "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(AwsSignatureV4, ListObjectsExample) {
	auto request = ExampleRequest("GET", "/", EMPTY_SHA256);
	// Given out of order: the canonical query string sorts them.
	request.query = {{"prefix", "J"}, {"max-keys", "2"}};
	EXPECT_EQ(CanonicalQueryString(request.query), "max-keys=2&prefix=J");
	EXPECT_EQ(ExampleAuthorization(request),
	          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	          "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
	          "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(AwsSignatureV4, EncodingAndDigests) {
	EXPECT_EQ(UriEncode("a b/c~d*e", false), "a%20b/c~d%2Ae");
	EXPECT_EQ(UriEncode("a b/c", true), "a%20b%2Fc");
	EXPECT_EQ(Md5Base64("", 0), "1B2M2Y8AsgTpgAmY7PhCfg==");
	EXPECT_EQ(Sha256Hex("", 0), EMPTY_SHA256);
	auto now = AmzDateNow();
	ASSERT_EQ(now.size(), 16u);
	EXPECT_EQ(now[8], 'T');
	EXPECT_EQ(now.back(), 'Z');
}

TEST(HexEncoding, RoundTripAndMalformedInput) {
	std::string bytes;
	for (int i = 0; i < 256; i++) {
		bytes.push_back(static_cast<char>(i));
	}
	auto hex = HexEncode(bytes);
	EXPECT_EQ(hex.substr(0, 8), "00010203");
	EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
	EXPECT_TRUE(HexDecode(hex) == bytes);
	EXPECT_EQ(HexDecode("DEADbeef"), std::string("\xde\xad\xbe\xef"));
	EXPECT_THROW(HexDecode("abc"), duckdb::IOException);
	EXPECT_THROW(HexDecode("zz"), duckdb::IOException);
}

// ---------------------------------------------------------------------------------------------- cache

//! An in-memory store that counts calls and can be switched off (an outage).
class FakeStore : public ObjectStore {
public:
	void Put(const std::string &key, const std::string &data) override {
		CheckUp();
		std::lock_guard<std::mutex> guard(lock);
		objects[key] = data;
	}
	void Get(const std::string &key, uint64_t offset, uint64_t length, char *out) override {
		CheckUp();
		gets++;
		std::lock_guard<std::mutex> guard(lock);
		auto object = objects.find(key);
		if (object == objects.end() || offset + length > object->second.size()) {
			throw duckdb::IOException("fake: cannot read \"%s\"", key);
		}
		std::memcpy(out, object->second.data() + offset, length);
	}
	uint64_t Size(const std::string &key) override {
		CheckUp();
		sizes++;
		std::lock_guard<std::mutex> guard(lock);
		auto object = objects.find(key);
		if (object == objects.end()) {
			throw duckdb::IOException("fake: no object \"%s\"", key);
		}
		return object->second.size();
	}
	bool Exists(const std::string &key) override {
		CheckUp();
		std::lock_guard<std::mutex> guard(lock);
		return objects.count(key) > 0;
	}
	std::vector<std::string> List(const std::string &prefix) override {
		CheckUp();
		std::lock_guard<std::mutex> guard(lock);
		std::vector<std::string> keys;
		for (auto &object : objects) {
			if (object.first.rfind(prefix, 0) == 0) {
				keys.push_back(object.first);
			}
		}
		return keys;
	}
	void Delete(const std::string &key) override {
		CheckUp();
		std::lock_guard<std::mutex> guard(lock);
		objects.erase(key);
	}
	std::string Describe() const override {
		return "fake";
	}
	void CheckUp() {
		if (down) {
			throw duckdb::IOException("fake store is down");
		}
	}

	std::mutex lock;
	std::map<std::string, std::string> objects;
	std::atomic<int> gets {0};
	std::atomic<int> sizes {0};
	std::atomic<bool> down {false};
};

std::string RandomBytes(size_t size, uint32_t seed) {
	std::mt19937 random(seed);
	std::string data(size, '\0');
	for (auto &c : data) {
		c = static_cast<char>(random());
	}
	return data;
}

class TempDir {
public:
	TempDir() {
		char pattern[] = "/tmp/openduck-cache-test-XXXXXX";
		path = mkdtemp(pattern);
	}
	~TempDir() {
		std::error_code error;
		fs::remove_all(path, error);
	}
	std::string path;
};

uint64_t ChunkBytesOnDisk(const std::string &cache_dir) {
	uint64_t total = 0;
	for (auto &entry : fs::recursive_directory_iterator(fs::path(cache_dir) / "chunks")) {
		if (entry.is_regular_file()) {
			total += entry.file_size();
		}
	}
	return total;
}

std::string Read(ObjectStore &store, const std::string &key, uint64_t offset, uint64_t length) {
	std::string out(length, '\0');
	store.Get(key, offset, length, &out[0]);
	return out;
}

constexpr uint64_t CHUNK = 1024;
constexpr uint64_t CHUNK_FILE = CHUNK + CachingObjectStore::TRAILER_SIZE;

TEST(CachingObjectStore, SecondReadIsAHitAndRangesAreExact) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	auto data = RandomBytes(10 * CHUNK + 100, 1);
	fake->objects["db/layers/a.layer"] = data;
	CachingObjectStore cache(fake, dir.path, 1 << 20, CHUNK);

	// A range spanning three chunks is fetched in one request.
	EXPECT_EQ(Read(cache, "db/layers/a.layer", 1000, 2000), data.substr(1000, 2000));
	EXPECT_EQ(fake->gets, 1);
	EXPECT_EQ(cache.GetStats().misses, 3u);
	EXPECT_EQ(Read(cache, "db/layers/a.layer", 1024, 1024), data.substr(1024, 1024));
	EXPECT_EQ(fake->gets, 1);
	EXPECT_EQ(cache.GetStats().hits, 1u);
	// The short last chunk, and a read to the end.
	EXPECT_EQ(Read(cache, "db/layers/a.layer", 10 * CHUNK + 50, 50), data.substr(10 * CHUNK + 50));
	EXPECT_EQ(cache.Size("db/layers/a.layer"), data.size());
	EXPECT_EQ(fake->sizes, 1);
	EXPECT_THROW(Read(cache, "db/layers/a.layer", data.size() - 10, 11), duckdb::IOException);
	EXPECT_THROW(Read(cache, "db/layers/missing.layer", 0, 1), duckdb::IOException);

	std::mt19937 random(7);
	for (int i = 0; i < 200; i++) {
		auto offset = random() % data.size();
		auto length = random() % (data.size() - offset) + 1;
		ASSERT_EQ(Read(cache, "db/layers/a.layer", offset, length), data.substr(offset, length));
	}
	EXPECT_EQ(cache.GetStats().misses, 11u);
	EXPECT_EQ(cache.GetStats().cached_bytes, ChunkBytesOnDisk(dir.path));
}

TEST(CachingObjectStore, PutWritesThroughAndDeleteRemovesBoth) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	CachingObjectStore cache(fake, dir.path, 1 << 20, CHUNK);
	auto data = RandomBytes(3 * CHUNK, 2);
	cache.Put("db/layers/b.layer", data);
	EXPECT_EQ(fake->objects["db/layers/b.layer"], data);
	// Populated on Put: the writer reads its own layer back without a round trip.
	EXPECT_EQ(Read(cache, "db/layers/b.layer", 0, data.size()), data);
	EXPECT_EQ(fake->gets, 0);
	EXPECT_EQ(fake->sizes, 0);
	EXPECT_TRUE(cache.Exists("db/layers/b.layer"));
	EXPECT_EQ(cache.List("db/"), std::vector<std::string>({"db/layers/b.layer"}));

	cache.Delete("db/layers/b.layer");
	EXPECT_FALSE(fake->objects.count("db/layers/b.layer"));
	EXPECT_FALSE(cache.Exists("db/layers/b.layer"));
	EXPECT_FALSE(fs::exists(cache.ChunkPath("db/layers/b.layer", 0)));
	EXPECT_EQ(cache.GetStats().cached_bytes, 0u);
	EXPECT_THROW(Read(cache, "db/layers/b.layer", 0, 1), duckdb::IOException);
}

TEST(CachingObjectStore, EvictsLeastRecentlyUsedAtTheCap) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	auto data = RandomBytes(8 * CHUNK, 3);
	fake->objects["k"] = data;
	CachingObjectStore cache(fake, dir.path, 3 * CHUNK_FILE, CHUNK);
	for (uint64_t chunk = 0; chunk < 3; chunk++) {
		Read(cache, "k", chunk * CHUNK, 1);
	}
	// Touch chunk 0 so chunk 1 is the least recently used.
	Read(cache, "k", 0, 1);
	EXPECT_EQ(fake->gets, 3);
	Read(cache, "k", 3 * CHUNK, 1);
	EXPECT_EQ(cache.GetStats().evictions, 1u);
	EXPECT_FALSE(fs::exists(cache.ChunkPath("k", 1)));
	EXPECT_TRUE(fs::exists(cache.ChunkPath("k", 0)));
	Read(cache, "k", 0, 1);
	EXPECT_EQ(fake->gets, 4);
	EXPECT_LE(ChunkBytesOnDisk(dir.path), 3 * CHUNK_FILE);

	// A range larger than the cap is still served whole, and the cap still holds.
	EXPECT_EQ(Read(cache, "k", 0, data.size()), data);
	EXPECT_LE(cache.GetStats().cached_bytes, 3 * CHUNK_FILE);
	EXPECT_LE(ChunkBytesOnDisk(dir.path), 3 * CHUNK_FILE);
}

TEST(CachingObjectStore, RestartKeepsChunksAndAppliesTheNewCap) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	auto data = RandomBytes(6 * CHUNK, 4);
	fake->objects["db/x.layer"] = data;
	{
		CachingObjectStore cache(fake, dir.path, 1 << 20, CHUNK);
		EXPECT_EQ(Read(cache, "db/x.layer", 0, data.size()), data);
	}
	// Leftover temp files of a crashed process are removed.
	std::ofstream(fs::path(dir.path) / "tmp" / "123-4") << "partial";
	fake->gets = 0;
	fake->sizes = 0;
	{
		CachingObjectStore cache(fake, dir.path, 1 << 20, CHUNK);
		EXPECT_FALSE(fs::exists(fs::path(dir.path) / "tmp" / "123-4"));
		EXPECT_EQ(cache.GetStats().cached_bytes, 6 * CHUNK_FILE);
		fake->down = true;
		// Served entirely from disk, the size included (from chunk 0's trailer): the inner store is down.
		EXPECT_EQ(Read(cache, "db/x.layer", 0, data.size()), data);
		EXPECT_EQ(fake->gets, 0);
		fake->down = false;
	}
	CachingObjectStore smaller(fake, dir.path, 2 * CHUNK_FILE, CHUNK);
	EXPECT_LE(smaller.GetStats().cached_bytes, 2 * CHUNK_FILE);
	EXPECT_LE(ChunkBytesOnDisk(dir.path), 2 * CHUNK_FILE);
	EXPECT_EQ(Read(smaller, "db/x.layer", 0, data.size()), data);
}

TEST(CachingObjectStore, CorruptOrTruncatedChunkIsRefetched) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	auto data = RandomBytes(3 * CHUNK, 5);
	fake->objects["k"] = data;
	CachingObjectStore cache(fake, dir.path, 1 << 20, CHUNK);
	EXPECT_EQ(Read(cache, "k", 0, data.size()), data);
	EXPECT_EQ(fake->gets, 1);
	{
		std::fstream file(cache.ChunkPath("k", 1), std::ios::in | std::ios::out | std::ios::binary);
		file.seekp(100);
		file.put(static_cast<char>(data[CHUNK + 100] ^ 0x20));
	}
	EXPECT_EQ(Read(cache, "k", CHUNK, CHUNK), data.substr(CHUNK, CHUNK));
	EXPECT_EQ(cache.GetStats().corrupt_chunks, 1u);
	EXPECT_EQ(fake->gets, 2);
	fs::resize_file(cache.ChunkPath("k", 2), CHUNK / 2);
	EXPECT_EQ(Read(cache, "k", 2 * CHUNK, CHUNK), data.substr(2 * CHUNK));
	EXPECT_EQ(cache.GetStats().corrupt_chunks, 2u);
	EXPECT_EQ(fake->gets, 3);
	// Both were rewritten intact.
	EXPECT_EQ(Read(cache, "k", 0, data.size()), data);
	EXPECT_EQ(fake->gets, 3);
}

TEST(CachingObjectStore, ConcurrentReadersUnderEvictionChurn) {
	TempDir dir;
	auto fake = std::make_shared<FakeStore>();
	std::vector<std::string> objects;
	for (uint32_t i = 0; i < 4; i++) {
		objects.push_back(RandomBytes(20 * CHUNK + i * 37, 10 + i));
		fake->objects["o" + std::to_string(i)] = objects.back();
	}
	const uint64_t cap = 16 * CHUNK_FILE;
	CachingObjectStore cache(fake, dir.path, cap, CHUNK);
	std::atomic<int> wrong {0};
	std::atomic<bool> over_cap {false};
	std::vector<std::thread> threads;
	for (int t = 0; t < 8; t++) {
		threads.emplace_back([&, t]() {
			std::mt19937 random(100 + t);
			for (int i = 0; i < 300; i++) {
				auto which = random() % objects.size();
				auto &data = objects[which];
				auto offset = random() % data.size();
				auto length = std::min<uint64_t>(random() % (3 * CHUNK) + 1, data.size() - offset);
				if (Read(cache, "o" + std::to_string(which), offset, length) != data.substr(offset, length)) {
					wrong++;
				}
				if (cache.GetStats().cached_bytes > cap) {
					over_cap = true;
				}
			}
		});
	}
	for (auto &thread : threads) {
		thread.join();
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_FALSE(over_cap);
	auto stats = cache.GetStats();
	EXPECT_GT(stats.hits, 0u);
	EXPECT_GT(stats.evictions, 0u);
	EXPECT_LE(ChunkBytesOnDisk(dir.path), cap);
	EXPECT_EQ(stats.cached_bytes, ChunkBytesOnDisk(dir.path));
}

// ---------------------------------------------------------------------------------------------- S3 (moto)

int FreePort() {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address {};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
	socklen_t length = sizeof(address);
	getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
	close(fd);
	return ntohs(address.sin_port);
}

size_t IgnoreBody(char *, size_t size, size_t count, void *) {
	return size * count;
}

//! HTTP status of an unsigned request (moto without IAM checks accepts it), or 0 if nothing answered.
long PlainRequest(const std::string &method, const std::string &url) {
	auto curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, IgnoreBody);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
	long status = 0;
	if (curl_easy_perform(curl) == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_easy_cleanup(curl);
	return status;
}

//! moto_server from the project's virtualenv on a free loopback port, for the whole suite.
class MotoServer {
public:
	static std::unique_ptr<MotoServer> instance;
	~MotoServer() {
		Stop();
	}

	void Start() {
		auto binary =
		    std::getenv("OPENDUCK_TEST_MOTO_SERVER")
		        ? std::string(std::getenv("OPENDUCK_TEST_MOTO_SERVER"))
		        : (fs::path(__FILE__).parent_path().parent_path().parent_path() / ".venv/bin/moto_server").string();
		if (!fs::exists(binary)) {
			error = "moto_server not found at " + binary + " (scripts/install_deps.sh installs moto[server] in .venv)";
			return;
		}
		port = FreePort();
		log = dir.path + "/moto.log";
		pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(fd, 1);
			dup2(fd, 2);
			auto port_text = std::to_string(port);
			execl(binary.c_str(), binary.c_str(), "-H", "127.0.0.1", "-p", port_text.c_str(), (char *)nullptr);
			auto reason = "cannot execute " + binary + ": " + std::strerror(errno) + "\n";
			(void)!write(2, reason.data(), reason.size());
			_exit(127);
		}
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
		while (std::chrono::steady_clock::now() < deadline) {
			if (PlainRequest("PUT", Endpoint() + "/test-bucket") == 200) {
				return;
			}
			int status = 0;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				pid = -1;
				std::ifstream text(log);
				error = "moto_server exited (status " + std::to_string(status) +
				        "): " + std::string(std::istreambuf_iterator<char>(text), {});
				return;
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		}
		std::ifstream text(log);
		error = "moto_server did not start: " + std::string(std::istreambuf_iterator<char>(text), {});
	}
	void Stop() {
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, nullptr, 0);
			pid = -1;
		}
	}
	std::string Endpoint() const {
		return "http://127.0.0.1:" + std::to_string(port);
	}

	TempDir dir;
	pid_t pid = -1;
	int port = 0;
	std::string log;
	std::string error;
	bool started = false;
};

std::unique_ptr<MotoServer> MotoServer::instance;

const char *TEST_SECRET = "test-secret-key-never-printed";

class S3ObjectStoreTest : public ::testing::Test {
protected:
	void SetUp() override {
		if (!MotoServer::instance) {
			MotoServer::instance.reset(new MotoServer());
		}
		auto &moto = *MotoServer::instance;
		if (!moto.started) {
			moto.started = true;
			moto.Start();
		}
		ASSERT_TRUE(moto.error.empty()) << moto.error;
	}

	S3Settings Settings() const {
		S3Settings settings;
		settings.endpoint = MotoServer::instance->Endpoint();
		settings.access_key_id = "AKIDTESTTESTTEST";
		settings.secret_access_key = TEST_SECRET;
		return settings;
	}

	std::unique_ptr<S3ObjectStore> Store(const std::string &prefix, S3Options options = S3Options()) {
		return std::unique_ptr<S3ObjectStore>(new S3ObjectStore("test-bucket", prefix, Settings(), options));
	}
};

TEST_F(S3ObjectStoreTest, RoundTripWithPrefixRelativeKeys) {
	auto store = Store("run1/p");
	store->CheckAccess();
	auto data = RandomBytes(300 * 1024 + 7, 20);
	store->Put("db/layers/1-1.layer", data);
	EXPECT_EQ(store->Size("db/layers/1-1.layer"), data.size());
	EXPECT_TRUE(store->Exists("db/layers/1-1.layer"));
	EXPECT_FALSE(store->Exists("db/layers/9-9.layer"));
	EXPECT_EQ(Read(*store, "db/layers/1-1.layer", 0, 48), data.substr(0, 48));
	EXPECT_EQ(Read(*store, "db/layers/1-1.layer", 1000, 100000), data.substr(1000, 100000));
	EXPECT_EQ(Read(*store, "db/layers/1-1.layer", data.size() - 4, 4), data.substr(data.size() - 4));
	// Exactly the range, and nothing past the end.
	try {
		Read(*store, "db/layers/1-1.layer", data.size() - 4, 8);
		FAIL() << "read past the end succeeded";
	} catch (duckdb::IOException &error) {
		EXPECT_NE(std::string(error.what()).find("shorter than expected"), std::string::npos) << error.what();
	}
	store->Put("db/layers/1-2.layer", "");
	EXPECT_EQ(store->Size("db/layers/1-2.layer"), 0u);
	store->Put("other/x", "x");
	EXPECT_EQ(store->List("db/"), std::vector<std::string>({"db/layers/1-1.layer", "db/layers/1-2.layer"}));
	// Another prefix in the same bucket sees nothing of this one.
	EXPECT_TRUE(Store("run1/q")->List("").empty());
	store->Delete("db/layers/1-2.layer");
	store->Delete("db/layers/1-2.layer");
	EXPECT_FALSE(store->Exists("db/layers/1-2.layer"));
	EXPECT_EQ(store->List("db/"), std::vector<std::string>({"db/layers/1-1.layer"}));
	EXPECT_NE(store->Describe().find("s3://test-bucket/run1/p"), std::string::npos);
	EXPECT_EQ(store->Describe().find(TEST_SECRET), std::string::npos);
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationTokens) {
	S3Options options;
	options.list_page_size = 2;
	auto store = Store("paged", options);
	std::vector<std::string> expected;
	for (int i = 0; i < 7; i++) {
		expected.push_back("db/k" + std::to_string(i));
		store->Put(expected.back(), std::to_string(i));
	}
	EXPECT_EQ(store->List("db/"), expected);
	EXPECT_EQ(store->List("db/k6"), std::vector<std::string>({"db/k6"}));
}

TEST_F(S3ObjectStoreTest, MultipartUploadAboveTheThreshold) {
	S3Options options;
	options.multipart_threshold = 6 * 1024 * 1024;
	options.part_size = 5 * 1024 * 1024;
	auto store = Store("multipart", options);
	auto data = RandomBytes(12 * 1024 * 1024 + 5, 21);
	store->Put("db/big.layer", data);
	EXPECT_EQ(store->Size("db/big.layer"), data.size());
	EXPECT_EQ(Read(*store, "db/big.layer", 0, data.size()), data);
	EXPECT_EQ(Read(*store, "db/big.layer", 5 * 1024 * 1024 - 10, 20), data.substr(5 * 1024 * 1024 - 10, 20));
}

TEST_F(S3ObjectStoreTest, MissingObjectsAndBucketsGiveClearErrors) {
	auto store = Store("errors");
	for (auto operation : {0, 1}) {
		try {
			if (operation == 0) {
				Read(*store, "db/none.layer", 0, 10);
			} else {
				store->Size("db/none.layer");
			}
			FAIL() << "no error for a missing object";
		} catch (duckdb::IOException &error) {
			std::string message = error.what();
			EXPECT_NE(message.find("s3://test-bucket/errors/db/none.layer"), std::string::npos) << message;
			EXPECT_NE(message.find("HTTP 404"), std::string::npos) << message;
		}
	}
	auto missing_bucket = S3ObjectStore("no-such-bucket", "", Settings());
	try {
		missing_bucket.CheckAccess();
		FAIL() << "no error for a missing bucket";
	} catch (duckdb::IOException &error) {
		std::string message = error.what();
		EXPECT_NE(message.find("NoSuchBucket"), std::string::npos) << message;
		EXPECT_NE(message.find("S3 LIST s3://no-such-bucket"), std::string::npos) << message;
		EXPECT_EQ(message.find(TEST_SECRET), std::string::npos) << message;
	}
}

TEST_F(S3ObjectStoreTest, ConcurrentReadersShareTheStore) {
	auto store = Store("concurrent");
	auto data = RandomBytes(2 * 1024 * 1024, 22);
	store->Put("db/c.layer", data);
	std::atomic<int> wrong {0};
	std::vector<std::thread> threads;
	for (int t = 0; t < 6; t++) {
		threads.emplace_back([&, t]() {
			std::mt19937 random(t);
			for (int i = 0; i < 20; i++) {
				auto offset = random() % (data.size() - 1);
				auto length = std::min<uint64_t>(random() % (1 << 20) + 1, data.size() - offset);
				if (Read(*store, "db/c.layer", offset, length) != data.substr(offset, length)) {
					wrong++;
				}
			}
		});
	}
	for (auto &thread : threads) {
		thread.join();
	}
	EXPECT_EQ(wrong, 0);
}

TEST_F(S3ObjectStoreTest, DeadAndStalledServersFailWithinSeconds) {
	S3Options options;
	options.stall_timeout_s = 1;
	options.retry_budget_ms = 1000;
	auto settings = Settings();
	// Nothing listens: connection refused, retried briefly, then an error naming the operation.
	settings.endpoint = "http://127.0.0.1:" + std::to_string(FreePort());
	S3ObjectStore dead("test-bucket", "p", settings, options);
	auto start = std::chrono::steady_clock::now();
	try {
		dead.Put("db/x.layer", "data");
		FAIL() << "PUT to a dead endpoint succeeded";
	} catch (duckdb::IOException &error) {
		EXPECT_NE(std::string(error.what()).find("S3 PUT s3://test-bucket/p/db/x.layer failed"), std::string::npos)
		    << error.what();
	}
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

	// A listener that accepts connections but never answers (a paused server).
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address {};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
	ASSERT_EQ(listen(listener, 16), 0);
	socklen_t length = sizeof(address);
	getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length);
	settings.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
	S3ObjectStore stalled("test-bucket", "p", settings, options);
	start = std::chrono::steady_clock::now();
	EXPECT_THROW(stalled.Size("db/x.layer"), duckdb::IOException);
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));
	close(listener);
}

TEST_F(S3ObjectStoreTest, FactoryValidatesUrlsAndWrapsS3InTheCache) {
	TempDir data_dir;
	StorageConfig config;
	config.data_dir = data_dir.path;
	config.s3 = Settings();
	for (auto bad : {"s3://", "s3://ab/x", "s3://Upper/x", "s3://-bucket", "s3://a..b/x", "s3://192.168.1.1/x",
	                 "s3://good-bucket/../x", "s3://good-bucket/a//b", "ftp://x"}) {
		config.store_url = bad;
		EXPECT_THROW(MakeObjectStore(config), duckdb::InvalidInputException) << bad;
	}
	config.store_url = "s3://test-bucket/factory/";
	auto store = MakeObjectStore(config);
	auto caching = std::dynamic_pointer_cast<CachingObjectStore>(store);
	ASSERT_TRUE(caching);
	EXPECT_TRUE(fs::is_directory(fs::path(data_dir.path) / "cache" / "chunks"));
	store->Put("db/f.layer", "hello");
	EXPECT_EQ(Store("factory")->Size("db/f.layer"), 5u);
	EXPECT_EQ(Read(*store, "db/f.layer", 1, 3), "ell");
	EXPECT_NE(store->Describe().find("s3://test-bucket/factory"), std::string::npos);
	EXPECT_EQ(store->Describe().find(TEST_SECRET), std::string::npos);
	// A bucket that does not exist fails when the store is made, not at the first commit.
	config.store_url = "s3://missing-bucket/x";
	EXPECT_THROW(MakeObjectStore(config), duckdb::IOException);
}

} // namespace
} // namespace openduck
