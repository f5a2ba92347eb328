#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "storage/filesystem/layer_space.hpp"
#include "storage/metadata_store/sqlite_metadata_store.hpp"
#include "storage/object_store/local_directory_object_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace openduck;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
	TempDir() {
		path = (fs::temp_directory_path() / ("openduck-storage-test-" + std::to_string(::getpid()) + "-" +
		                                     std::to_string(counter++)))
		           .string();
		fs::remove_all(path);
		fs::create_directories(path);
	}
	~TempDir() {
		fs::remove_all(path);
	}
	std::string path;
	static int counter;
};
int TempDir::counter = 0;

std::string Message(const std::exception &ex) {
	return duckdb::ErrorData(ex).RawMessage();
}

struct Stores {
	explicit Stores(const std::string &root)
	    : objects(std::make_shared<LocalDirectoryObjectStore>(root + "/objects")),
	      metadata(std::make_shared<SqliteMetadataStore>(root + "/metadata.sqlite")) {
		metadata->CreateDatabase("db");
	}
	std::unique_ptr<LayerSpace> OpenSpace(const std::string &holder) {
		// The previous writer (if any) "crashed": its holder counts as gone.
		auto lease = metadata->AcquireWriterLease("db", holder, 60000, [](const std::string &) { return true; });
		auto space = std::unique_ptr<LayerSpace>(
		    new LayerSpace("db", std::make_shared<LayerReaderCache>(objects, metadata), metadata, lease, 60000));
		space->Load();
		return space;
	}
	std::shared_ptr<LocalDirectoryObjectStore> objects;
	std::shared_ptr<SqliteMetadataStore> metadata;
};

std::string ReadAll(LayerSpace &space, const std::string &name) {
	auto id = space.Open(name, false, false);
	EXPECT_GE(id, 0) << name;
	std::string data(space.Size(id), '\0');
	EXPECT_EQ(space.Read(id, 0, data.size(), &data[0]), data.size());
	return data;
}

//! A new writer's read of db.duckdb fails with an error naming the database and the damaged layer.
void ExpectReadRefused(Stores &stores, const std::string &layer_key) {
	auto space = stores.OpenSpace("reader-of-damage");
	auto id = space->Open("db.duckdb", false, false);
	char out[16];
	try {
		space->Read(id, 0, sizeof(out), out);
		FAIL() << "corrupt bytes were served";
	} catch (duckdb::IOException &ex) {
		auto message = Message(ex);
		EXPECT_NE(message.find("database \"db\""), std::string::npos) << message;
		EXPECT_NE(message.find(layer_key), std::string::npos) << message;
	}
}

} // namespace

TEST(StorageObjectStore, PutGetListDelete) {
	TempDir dir;
	LocalDirectoryObjectStore store(dir.path);
	store.Put("db/layers/a.layer", "hello world");
	store.Put("db/layers/b.layer", "");
	store.Put("other/x", "x");
	EXPECT_EQ(store.Size("db/layers/a.layer"), 11u);
	char buffer[5];
	store.Get("db/layers/a.layer", 6, 5, buffer);
	EXPECT_EQ(std::string(buffer, 5), "world");
	EXPECT_THROW(store.Get("db/layers/a.layer", 8, 5, buffer), duckdb::IOException);
	EXPECT_THROW(store.Get("db/layers/missing", 0, 1, buffer), duckdb::IOException);
	EXPECT_EQ(store.List("db/"), (std::vector<std::string> {"db/layers/a.layer", "db/layers/b.layer"}));
	store.Put("db/layers/a.layer", "replaced");
	EXPECT_EQ(store.Size("db/layers/a.layer"), 8u);
	store.Delete("db/layers/a.layer");
	store.Delete("db/layers/a.layer");
	EXPECT_FALSE(store.Exists("db/layers/a.layer"));
	// No temporary file is left behind.
	for (auto &entry : fs::recursive_directory_iterator(dir.path)) {
		EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
	}
	for (auto bad : {"", "/abs", "a/../b", "..", "a//b", "a/", "a b", "a/./b"}) {
		EXPECT_THROW(store.Put(bad, "x"), duckdb::InvalidInputException) << bad;
	}
}

TEST(StorageLayerSpace, RandomOperationsSurviveReopen) {
	TempDir dir;
	Stores stores(dir.path);
	std::mt19937 random(1234);
	std::map<std::string, std::string> model, sealed_model;
	auto space = stores.OpenSpace("writer-0");
	std::vector<std::string> file_names = {"db.duckdb", "db.duckdb.wal", "db.duckdb.wal.checkpoint"};
	for (int step = 0; step < 1500; step++) {
		auto &name = file_names[random() % file_names.size()];
		auto op = random() % 100;
		if (op < 55) {
			auto id = space->Open(name, true, false);
			model[name];
			uint64_t offset = random() % 300000;
			std::string data(1 + random() % 70000, '\0');
			for (auto &c : data) {
				c = static_cast<char>('a' + random() % 26);
			}
			space->Write(id, offset, data.data(), data.size());
			auto &content = model[name];
			if (content.size() < offset + data.size()) {
				content.resize(offset + data.size(), '\0');
			}
			content.replace(offset, data.size(), data);
		} else if (op < 65 && model.count(name)) {
			auto id = space->Open(name, false, false);
			uint64_t size = random() % 350000;
			space->Truncate(id, size);
			model[name].resize(size, '\0');
		} else if (op < 70) {
			bool existed = model.erase(name) > 0;
			EXPECT_EQ(space->Remove(name), existed);
			if (existed) {
				// A removal seals; removing nothing changes nothing.
				sealed_model = model;
			}
		} else if (op < 73 && model.count(name)) {
			auto &target = file_names[random() % file_names.size()];
			if (target != name) {
				space->Move(name, target);
				model[target] = model[name];
				model.erase(name);
				sealed_model = model;
			}
		} else if (op < 85) {
			space->Seal();
			sealed_model = model;
		} else if (op < 97 && model.count(name)) {
			auto id = space->Open(name, false, false);
			auto &content = model[name];
			uint64_t offset = random() % (content.size() + 10);
			uint64_t length = random() % 100000;
			std::string out(length, 'X');
			auto got = space->Read(id, offset, length, &out[0]);
			auto expected = offset < content.size() ? content.substr(offset, length) : std::string();
			ASSERT_EQ(got, expected.size());
			ASSERT_TRUE(out.substr(0, got) == expected) << "step " << step;
		} else {
			// Before the crash, the live state matches the model.
			for (auto &entry : model) {
				ASSERT_TRUE(ReadAll(*space, entry.first) == entry.second) << "live, step " << step << " " << entry.first;
			}
			// Crash: everything since the last seal is lost; a new writer opens the newest snapshot.
			space.reset();
			space = stores.OpenSpace("writer-" + std::to_string(step));
			model = sealed_model;
			ASSERT_EQ(space->List().size(), model.size());
			for (auto &entry : model) {
				auto got = ReadAll(*space, entry.first);
				ASSERT_EQ(got.size(), entry.second.size()) << "step " << step << " " << entry.first;
				auto mismatch = std::mismatch(got.begin(), got.end(), entry.second.begin());
				ASSERT_TRUE(mismatch.first == got.end())
				    << "step " << step << " " << entry.first << " differs at " << (mismatch.first - got.begin());
			}
		}
	}
	EXPECT_GT(space->Stats().sealed_layers, 10u);
}

TEST(StorageLayerSpace, SmallCommitsAreInlinedInTheMetadataStore) {
	TempDir dir;
	Stores stores(dir.path);
	std::string expected;
	{
		auto space = stores.OpenSpace("w1");
		auto id = space->Open("db.duckdb.wal", true, false);
		for (int commit = 0; commit < 20; commit++) {
			std::string record(100 + commit, static_cast<char>('a' + commit));
			space->Write(id, expected.size(), record.data(), record.size());
			expected += record;
			space->Seal();
			EXPECT_TRUE(ReadAll(*space, "db.duckdb.wal") == expected) << "commit " << commit;
		}
		// A commit larger than the limit is an object.
		std::string big(INLINE_LAYER_LIMIT + 1, 'Z');
		space->Write(id, expected.size(), big.data(), big.size());
		expected += big;
		space->Seal();
	}
	// Small commits wrote no object: one object in the store, 20 inlined layers in the metadata.
	EXPECT_EQ(stores.objects->List("db/").size(), 1u);
	auto layers = stores.metadata->SnapshotLayers(stores.metadata->LatestSnapshot("db").id);
	ASSERT_EQ(layers.size(), 21u);
	for (size_t i = 0; i < 20; i++) {
		EXPECT_TRUE(layers[i].inlined) << i;
		EXPECT_EQ(layers[i].object_key.find("db/inline/"), 0u) << layers[i].object_key;
		EXPECT_LE(layers[i].size_bytes, INLINE_LAYER_LIMIT);
	}
	EXPECT_FALSE(layers[20].inlined);
	// A new writer (and a fresh reader cache) reads every commit back from both stores.
	auto space = stores.OpenSpace("w2");
	EXPECT_TRUE(ReadAll(*space, "db.duckdb.wal") == expected);
}

TEST(StorageLayerSpace, DamagedInlinedLayerIsReportedNotServed) {
	TempDir dir;
	Stores stores(dir.path);
	{
		auto space = stores.OpenSpace("w1");
		auto id = space->Open("db.duckdb", true, false);
		std::string block(4096, 'q');
		space->Write(id, 0, block.data(), block.size());
		space->Seal();
	}
	auto layers = stores.metadata->SnapshotLayers(stores.metadata->LatestSnapshot("db").id);
	ASSERT_EQ(layers.size(), 1u);
	ASSERT_TRUE(layers[0].inlined);
	{
		// Flip one byte inside the extent data of the inlined layer's row.
		sqlite3 *db = nullptr;
		ASSERT_EQ(sqlite3_open((dir.path + "/metadata.sqlite").c_str(), &db), SQLITE_OK);
		char *error = nullptr;
		auto sql = "UPDATE layers SET inline_data = substr(inline_data, 1, 1000) || x'5A' || "
		           "substr(inline_data, 1002) WHERE object_key = '" +
		           layers[0].object_key + "'";
		auto result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
		std::string message = error ? error : "";
		sqlite3_free(error);
		sqlite3_close(db);
		ASSERT_EQ(result, SQLITE_OK) << message;
	}
	ExpectReadRefused(stores, layers[0].object_key);
}

TEST(StorageLayerSpace, StaleWriterCannotPublish) {
	TempDir dir;
	Stores stores(dir.path);
	auto old_writer = stores.OpenSpace("old");
	auto id = old_writer->Open("db.duckdb", true, false);
	old_writer->Write(id, 0, "committed", 9);
	old_writer->Seal();
	auto new_writer = stores.metadata->AcquireWriterLease("db", "new", 60000,
	                                                      [](const std::string &holder) { return holder == "old"; });
	old_writer->Write(id, 0, "too late!", 9);
	try {
		old_writer->Seal();
		FAIL() << "a fenced-off writer published";
	} catch (duckdb::IOException &ex) {
		EXPECT_NE(Message(ex).find("lost its lease"), std::string::npos) << Message(ex);
	}
	// And it refuses further writes rather than pretending.
	EXPECT_THROW(old_writer->Write(id, 0, "x", 1), duckdb::IOException);
	auto space = std::unique_ptr<LayerSpace>(
	    new LayerSpace("db", std::make_shared<LayerReaderCache>(stores.objects, stores.metadata), stores.metadata, new_writer, 60000));
	space->Load();
	EXPECT_EQ(ReadAll(*space, "db.duckdb"), "committed");
}

TEST(StorageLayerSpace, CorruptLayerIsReportedNotServed) {
	TempDir dir;
	Stores stores(dir.path);
	{
		auto space = stores.OpenSpace("w1");
		auto id = space->Open("db.duckdb", true, false);
		// Larger than INLINE_LAYER_LIMIT, so the layer is an object in the object store.
		std::string block(2 * INLINE_LAYER_LIMIT, 'q');
		space->Write(id, 0, block.data(), block.size());
		space->Seal();
	}
	auto keys = stores.objects->List("db/layers/");
	ASSERT_EQ(keys.size(), 1u);
	auto path = dir.path + "/objects/" + keys[0];
	{
		std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
		file.seekp(1000);
		file.put('Z');
	}
	ExpectReadRefused(stores, keys[0]);
	// A missing layer is reported at open, naming the layer.
	fs::remove(path);
	try {
		stores.OpenSpace("w3");
		FAIL() << "opened a snapshot whose layer is missing";
	} catch (duckdb::IOException &ex) {
		EXPECT_NE(Message(ex).find(keys[0]), std::string::npos) << Message(ex);
	}
}
