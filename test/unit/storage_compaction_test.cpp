// Compaction and snapshot readers of a LayerSpace, against a model of the logical files.
#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "storage/filesystem/layer_space.hpp"
#include "storage/metadata_store/sqlite_metadata_store.hpp"
#include "storage/object_store/local_directory_object_store.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <unistd.h>

using namespace openduck;
namespace fs = std::filesystem;

namespace {

struct CompactionFixture {
	CompactionFixture() {
		root = (fs::temp_directory_path() /
		        ("openduck-compaction-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
		           .string();
		fs::remove_all(root);
		fs::create_directories(root);
		objects = std::make_shared<LocalDirectoryObjectStore>(root + "/objects");
		metadata = std::make_shared<SqliteMetadataStore>(root + "/metadata.sqlite");
		readers = std::make_shared<LayerReaderCache>(objects, metadata);
		metadata->CreateDatabase("db");
	}
	~CompactionFixture() {
		fs::remove_all(root);
	}
	std::unique_ptr<LayerSpace> Writer(const std::string &holder) {
		auto lease = metadata->AcquireWriterLease("db", holder, 60000, [](const std::string &) { return true; });
		auto space = std::unique_ptr<LayerSpace>(new LayerSpace("db", readers, metadata, lease, 60000));
		space->Load();
		return space;
	}
	std::unique_ptr<LayerSpace> Reader(int64_t snapshot_id) {
		// A cold cache, as another process would have.
		auto space =
		    std::unique_ptr<LayerSpace>(new LayerSpace("db", std::make_shared<LayerReaderCache>(objects, metadata), metadata));
		space->Load(snapshot_id);
		return space;
	}

	std::string root;
	std::shared_ptr<LocalDirectoryObjectStore> objects;
	std::shared_ptr<SqliteMetadataStore> metadata;
	std::shared_ptr<LayerReaderCache> readers;
	static int counter;
};
int CompactionFixture::counter = 0;

using FileModel = std::map<std::string, std::string>;

void ExpectMatches(LayerSpace &space, const FileModel &model, const std::string &where) {
	auto names = space.List();
	ASSERT_EQ(names.size(), model.size()) << where;
	for (auto &entry : model) {
		auto id = space.Open(entry.first, false, false);
		ASSERT_GE(id, 0) << where << " " << entry.first;
		std::string data(space.Size(static_cast<uint64_t>(id)), '\0');
		ASSERT_EQ(space.Read(static_cast<uint64_t>(id), 0, data.size(), &data[0]), data.size());
		ASSERT_TRUE(data == entry.second) << where << " " << entry.first;
	}
}

} // namespace

TEST(StorageCompaction, RandomOperationsWithCompactionKeepEverySnapshot) {
	CompactionFixture fixture;
	std::mt19937 random(99);
	FileModel model;
	std::map<int64_t, FileModel> states;
	auto space = fixture.Writer("w");
	std::vector<std::string> names = {"db.duckdb", "db.duckdb.wal"};
	uint64_t compactions = 0;
	for (int step = 0; step < 1200; step++) {
		auto &name = names[random() % names.size()];
		auto op = random() % 100;
		if (op < 50) {
			auto id = static_cast<uint64_t>(space->Open(name, true, false));
			model[name];
			uint64_t offset = random() % 200000;
			std::string data(1 + random() % 30000, static_cast<char>('a' + random() % 26));
			space->Write(id, offset, data.data(), data.size());
			auto &content = model[name];
			if (content.size() < offset + data.size()) {
				content.resize(offset + data.size(), '\0');
			}
			content.replace(offset, data.size(), data);
		} else if (op < 62 && model.count(name)) {
			auto id = static_cast<uint64_t>(space->Open(name, false, false));
			uint64_t size = random() % 220000;
			space->Truncate(id, size);
			model[name].resize(size, '\0');
		} else if (op < 65 && model.count(name)) {
			space->Remove(name);
			model.erase(name);
			states[space->Stats().snapshot_id] = model;
		} else if (op < 85) {
			space->Seal();
			states[space->Stats().snapshot_id] = model;
		} else {
			space->Seal();
			states[space->Stats().snapshot_id] = model;
			auto plan = space->PlanCompaction(4);
			if (!plan.run.empty()) {
				ASSERT_TRUE(space->Compact(plan)) << "step " << step;
				compactions++;
				// Same content, now under the compacted snapshot.
				states[space->Stats().snapshot_id] = model;
				ExpectMatches(*space, model, "after compaction, step " + std::to_string(step));
			}
		}
	}
	EXPECT_GT(compactions, 10u);
	// Each compaction re-pointed the pieces of its run; none needed the fallback of rebuilding the whole map.
	EXPECT_EQ(space->Stats().compaction_rebuilds, 0u);
	// The newest list stays short, and every snapshot ever published still reads as it was.
	space->Seal();
	states[space->Stats().snapshot_id] = model;
	EXPECT_LT(fixture.metadata->LatestSnapshot("db").layer_count, 40u);
	size_t checked = 0;
	for (auto &state : states) {
		if (state.first == 0 || (checked++ % 7 != 0 && state.first != states.rbegin()->first)) {
			continue;
		}
		auto reader = fixture.Reader(state.first);
		ExpectMatches(*reader, state.second, "snapshot " + std::to_string(state.first));
	}
	// A restarted writer opens the compacted newest snapshot.
	space.reset();
	auto reopened = fixture.Writer("w2");
	ExpectMatches(*reopened, model, "reopened");
}

TEST(StorageCompaction, PlanWaitsForASettledSpace) {
	CompactionFixture fixture;
	auto space = fixture.Writer("w");
	auto id = static_cast<uint64_t>(space->Open("db.duckdb", true, false));
	for (int i = 0; i < 6; i++) {
		std::string block(100, static_cast<char>('a' + i));
		space->Write(id, static_cast<uint64_t>(i) * 50, block.data(), block.size());
		space->Seal();
	}
	auto plan = space->PlanCompaction(4);
	ASSERT_FALSE(plan.run.empty());
	// A write between plan and publish: the map cannot be re-pointed, so nothing is published.
	space->Write(id, 0, "x", 1);
	// Planning now finds the space mid-commit: no run, but worth planning again (not "nothing to do").
	auto busy = space->PlanCompaction(4);
	EXPECT_TRUE(busy.run.empty());
	EXPECT_TRUE(busy.busy);
	auto before = fixture.metadata->LatestSnapshot("db").id;
	EXPECT_FALSE(space->Compact(plan));
	EXPECT_EQ(fixture.metadata->LatestSnapshot("db").id, before);
	EXPECT_FALSE(fixture.objects->Exists(plan.object_key));
	space->Seal();
	EXPECT_TRUE(space->Compact(space->PlanCompaction(4)));
	EXPECT_LT(fixture.metadata->LatestSnapshot("db").layer_count, 7u);
	// Too few layers: nothing to do.
	EXPECT_TRUE(space->PlanCompaction(100).run.empty());
	EXPECT_FALSE(space->PlanCompaction(100).busy);
}

TEST(StorageCompaction, SnapshotReaderRefusesChanges) {
	CompactionFixture fixture;
	{
		auto space = fixture.Writer("w");
		auto id = static_cast<uint64_t>(space->Open("db.duckdb", true, false));
		space->Write(id, 0, "hello", 5);
		space->Seal();
	}
	auto reader = fixture.Reader(fixture.metadata->LatestSnapshot("db").id);
	EXPECT_TRUE(reader->ReadOnly());
	auto id = reader->Open("db.duckdb", false, false);
	ASSERT_GE(id, 0);
	EXPECT_THROW(reader->Write(static_cast<uint64_t>(id), 0, "x", 1), duckdb::IOException);
	EXPECT_THROW(reader->Open("new", true, false), duckdb::IOException);
	EXPECT_THROW(reader->Remove("db.duckdb"), duckdb::IOException);
	// Syncing an unchanged reader is harmless (DuckDB may sync files it only read).
	reader->Seal();
	EXPECT_THROW(fixture.Reader(424242), duckdb::InvalidInputException);
}
