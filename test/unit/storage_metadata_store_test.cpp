// Conformance suite for MetadataStore: every test runs against SQLite and against a throwaway PostgreSQL
// (postgres_test_server.hpp), so both stores keep the same contract (storage/metadata_store/metadata_store.hpp).

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "postgres_test_server.hpp"
#include "storage/metadata_store/postgres_metadata_store.hpp"
#include "storage/metadata_store/sqlite_metadata_store.hpp"
#include "storage/storage_config.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <thread>
#include <unistd.h>

using namespace openduck;
namespace fs = std::filesystem;

namespace {

std::string Message(const std::exception &ex) {
	return duckdb::ErrorData(ex).RawMessage();
}

bool Contains(const std::string &text, const std::string &part) {
	return text.find(part) != std::string::npos;
}

std::vector<std::string> Keys(const std::vector<LayerRecord> &layers) {
	std::vector<std::string> keys;
	for (auto &layer : layers) {
		keys.push_back(layer.object_key);
	}
	return keys;
}

std::vector<int64_t> Ids(const std::vector<SnapshotRecord> &snapshots) {
	std::vector<int64_t> ids;
	for (auto &snapshot : snapshots) {
		ids.push_back(snapshot.id);
	}
	return ids;
}

LayerRecord Layer(const std::string &key, uint64_t size = 100) {
	LayerRecord layer;
	layer.object_key = key;
	layer.size_bytes = size;
	return layer;
}

//! Sleeps until the wall clock has moved past time_ms, so consecutive snapshots get distinct creation times.
void WaitPast(int64_t time_ms) {
	while (NowMilliseconds() <= time_ms) {
		usleep(500);
	}
}

const int64_t TTL = 60000;

//! One backing database (a SQLite file or a PostgreSQL database) and stores opened on it.
class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override {
		if (GetParam() == "sqlite") {
			dir = (fs::temp_directory_path() /
			       ("openduck-metadata-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
			          .string();
			fs::remove_all(dir);
			fs::create_directories(dir);
		}
		url = FreshUrl();
		ASSERT_FALSE(url.empty()) << "no backing database to test";
		store = Open();
	}
	//! The URL of a new, empty backing database (no schema yet).
	std::string FreshUrl() {
		if (GetParam() == "sqlite") {
			return "sqlite:" + dir + "/metadata-" + std::to_string(fresh++) + ".sqlite";
		}
		// No skip: a missing PostgreSQL is a failure with the reason (install it with scripts/install_deps.sh).
		try {
			return PostgresTestServer::Shared().CreateDatabase();
		} catch (std::exception &ex) {
			ADD_FAILURE() << ex.what();
			return std::string();
		}
	}
	void TearDown() override {
		store.reset();
		if (!dir.empty()) {
			fs::remove_all(dir);
		}
	}
	//! Another store on the same backing database (another server process, as far as the store knows).
	std::shared_ptr<MetadataStore> Open(const std::string &backing = std::string()) {
		StorageConfig config;
		config.metadata_url = backing.empty() ? url : backing;
		return MakeMetadataStore(config);
	}
	WriterLease Lease(const std::string &database, const std::string &holder = "writer") {
		store->CreateDatabase(database);
		return store->AcquireWriterLease(database, holder, TTL, [](const std::string &) { return true; });
	}
	//! Publishes count layers named <database>/<prefix><i> on top of the newest snapshot.
	std::vector<SnapshotRecord> Publish(const WriterLease &lease, int count, const std::string &prefix = "l") {
		std::vector<SnapshotRecord> published;
		auto parent = store->LatestSnapshot(lease.database).id;
		for (int i = 0; i < count; i++) {
			auto key =
			    lease.database + "/" + prefix + std::to_string(store->LatestSnapshot(lease.database).layer_count);
			published.push_back(store->PublishSnapshot(lease, parent, Layer(key), TTL));
			parent = published.back().id;
		}
		return published;
	}

	std::string dir;
	std::string url;
	int fresh = 0;
	std::shared_ptr<MetadataStore> store;
	static int counter;
};
int MetadataStoreTest::counter = 0;

} // namespace

TEST_P(MetadataStoreTest, DatabasesLeaseAndFencing) {
	auto &metadata = *store;
	EXPECT_TRUE(metadata.ListDatabases().empty());
	EXPECT_FALSE(metadata.DatabaseExists("db"));
	metadata.CreateDatabase("db");
	metadata.CreateDatabase("db");
	metadata.CreateDatabase("another");
	EXPECT_EQ(metadata.ListDatabases(), (std::vector<std::string> {"another", "db"}));
	EXPECT_TRUE(metadata.DatabaseExists("db"));
	EXPECT_EQ(metadata.CurrentFencingToken("db"), 0);
	auto first = metadata.AcquireWriterLease("db", "a", TTL, nullptr);
	EXPECT_EQ(first.fencing_token, 1);
	EXPECT_EQ(metadata.CurrentFencingToken("db"), 1);
	EXPECT_TRUE(metadata.RenewWriterLease(first, TTL));
	// Held and alive: a second writer (through another store instance, as another server would) is refused.
	auto other = Open();
	try {
		other->AcquireWriterLease("db", "b", TTL, nullptr);
		FAIL() << "second writer got the lease";
	} catch (duckdb::IOException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "another writer (a)")) << Message(ex);
	}
	// The holder is known to be gone: taken over at once, with a larger token.
	auto second = other->AcquireWriterLease("db", "b", TTL, [](const std::string &holder) { return holder == "a"; });
	EXPECT_EQ(second.fencing_token, 2);
	EXPECT_EQ(metadata.CurrentFencingToken("db"), 2);
	// The stale writer can neither renew nor publish.
	EXPECT_FALSE(metadata.RenewWriterLease(first, TTL));
	try {
		metadata.PublishSnapshot(first, 0, Layer("db/1"), TTL);
		FAIL() << "a stale writer published";
	} catch (duckdb::IOException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "lost its lease")) << Message(ex);
	}
	EXPECT_EQ(metadata.LatestSnapshot("db").id, 0);
	EXPECT_FALSE(metadata.IsLayerRecorded("db/1"));
	auto s1 = metadata.PublishSnapshot(second, 0, Layer("db/1", 11), TTL);
	EXPECT_TRUE(metadata.IsLayerRecorded("db/1"));
	// Publishing on top of an old parent is refused and changes nothing.
	try {
		metadata.PublishSnapshot(second, 0, Layer("db/2"), TTL);
		FAIL() << "published on an old parent";
	} catch (duckdb::IOException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "published by someone else")) << Message(ex);
	}
	EXPECT_FALSE(metadata.IsLayerRecorded("db/2"));
	auto s2 = metadata.PublishSnapshot(second, s1.id, Layer("db/2", 22), TTL);
	auto s3 = metadata.PublishSnapshot(second, s2.id, Layer("db/3", 33), TTL);
	EXPECT_EQ(s3.parent, s2.id);
	EXPECT_EQ(s3.layer_count, 3u);
	EXPECT_EQ(s3.fencing_token, 2);
	EXPECT_EQ(s3.database, "db");
	auto layers = metadata.SnapshotLayers(s3.id);
	EXPECT_EQ(Keys(layers), (std::vector<std::string> {"db/1", "db/2", "db/3"}));
	EXPECT_EQ(layers[1].size_bytes, 22u);
	EXPECT_EQ(Keys(metadata.SnapshotLayers(s2.id)), (std::vector<std::string> {"db/1", "db/2"}));
	EXPECT_EQ(Ids(metadata.ListSnapshots("db")), (std::vector<int64_t> {s1.id, s2.id, s3.id}));
	EXPECT_TRUE(metadata.ListSnapshots("another").empty());
	auto latest = other->LatestSnapshot("db");
	EXPECT_EQ(latest.id, s3.id);
	EXPECT_EQ(latest.parent, s2.id);
	EXPECT_EQ(latest.created_at_ms, s3.created_at_ms);
	// Release keeps the token counter; an expired lease is free.
	metadata.ReleaseWriterLease(second);
	EXPECT_FALSE(metadata.RenewWriterLease(second, TTL));
	auto third = metadata.AcquireWriterLease("db", "c", 1, nullptr);
	EXPECT_EQ(third.fencing_token, 3);
	usleep(5000);
	EXPECT_EQ(other->AcquireWriterLease("db", "d", TTL, nullptr).fencing_token, 4);
	EXPECT_EQ(metadata.CurrentFencingToken("db"), 4);
}

TEST_P(MetadataStoreTest, CompactionReplacesARangeAndIsFenced) {
	auto lease = Lease("db");
	auto published = Publish(lease, 5);
	auto before = store->SnapshotLayers(published.back().id);
	ASSERT_EQ(before.size(), 5u);
	// Fenced like a publish: a stale lease and an old parent are refused, and nothing is recorded.
	auto newer = store->AcquireWriterLease("db", "other", TTL, [](const std::string &) { return true; });
	EXPECT_THROW(store->PublishCompaction(lease, published.back().id, Layer("db/merged"), 0, 3, TTL),
	             duckdb::IOException);
	EXPECT_THROW(store->PublishCompaction(newer, published[3].id, Layer("db/merged"), 0, 3, TTL), duckdb::IOException);
	EXPECT_FALSE(store->IsLayerRecorded("db/merged"));
	EXPECT_THROW(store->PublishCompaction(newer, published.back().id, Layer("db/merged"), 0, 0, TTL),
	             duckdb::InvalidInputException);
	EXPECT_THROW(store->PublishCompaction(newer, published.back().id, Layer("db/merged"), 0, 6, TTL),
	             duckdb::InvalidInputException);
	EXPECT_THROW(store->PublishCompaction(newer, published.back().id, Layer("db/merged"), 3, 3, TTL),
	             duckdb::InvalidInputException);
	EXPECT_THROW(store->PublishCompaction(newer, published.back().id, Layer("db/merged"), 6, 1, TTL),
	             duckdb::InvalidInputException);

	auto compacted = store->PublishCompaction(newer, published.back().id, Layer("db/merged", 500), 0, 3, TTL);
	EXPECT_EQ(compacted.parent, published.back().id);
	EXPECT_EQ(compacted.layer_count, 3u);
	EXPECT_EQ(compacted.fencing_token, newer.fencing_token);
	EXPECT_EQ(store->LatestSnapshot("db").id, compacted.id);
	EXPECT_EQ(Keys(store->SnapshotLayers(compacted.id)),
	          (std::vector<std::string> {"db/merged", before[3].object_key, before[4].object_key}));
	// Older snapshots are unchanged, and commits continue on top of the compacted list.
	EXPECT_EQ(Keys(store->SnapshotLayers(published.back().id)), Keys(before));
	auto next = store->PublishSnapshot(newer, compacted.id, Layer("db/after"), TTL);
	EXPECT_EQ(next.layer_count, 4u);
	EXPECT_EQ(Keys(store->SnapshotLayers(next.id)),
	          (std::vector<std::string> {"db/merged", before[3].object_key, before[4].object_key, "db/after"}));
	// A range in the middle keeps what is before and after it, in order.
	auto middle = store->PublishCompaction(newer, next.id, Layer("db/middle"), 1, 2, TTL);
	EXPECT_EQ(middle.layer_count, 3u);
	EXPECT_EQ(Keys(store->SnapshotLayers(middle.id)),
	          (std::vector<std::string> {"db/merged", "db/middle", "db/after"}));
	auto tail = store->PublishCompaction(newer, middle.id, Layer("db/tail"), 2, 1, TTL);
	EXPECT_EQ(Keys(store->SnapshotLayers(tail.id)), (std::vector<std::string> {"db/merged", "db/middle", "db/tail"}));
	// Replacing every layer leaves exactly the merged one.
	auto whole = store->PublishCompaction(newer, tail.id, Layer("db/all"), 0, 3, TTL);
	EXPECT_EQ(Keys(store->SnapshotLayers(whole.id)), (std::vector<std::string> {"db/all"}));
}

TEST_P(MetadataStoreTest, GetSnapshotAndAsOfBoundaries) {
	auto lease = Lease("db");
	Lease("other");
	std::vector<SnapshotRecord> published;
	for (int i = 0; i < 3; i++) {
		if (!published.empty()) {
			WaitPast(published.back().created_at_ms);
		}
		auto more = Publish(lease, 1);
		published.push_back(more[0]);
	}
	EXPECT_EQ(store->GetSnapshot("db", published[1].id).id, published[1].id);
	EXPECT_EQ(store->GetSnapshot("db", published[1].id).layer_count, 2u);
	EXPECT_EQ(store->GetSnapshot("other", published[1].id).id, 0);
	EXPECT_EQ(store->GetSnapshot("db", published.back().id + 1000).id, 0);

	EXPECT_EQ(store->SnapshotAsOf("db", published[0].created_at_ms - 1).id, 0);
	for (size_t i = 0; i < published.size(); i++) {
		EXPECT_EQ(store->SnapshotAsOf("db", published[i].created_at_ms).id, published[i].id) << i;
		if (i + 1 < published.size()) {
			EXPECT_EQ(store->SnapshotAsOf("db", published[i + 1].created_at_ms - 1).id, published[i].id) << i;
		}
	}
	EXPECT_EQ(store->SnapshotAsOf("db", published.back().created_at_ms + 100000).id, published.back().id);
	EXPECT_EQ(store->SnapshotAsOf("other", published.back().created_at_ms).id, 0);
}

TEST_P(MetadataStoreTest, NamedSnapshotsAreUniquePerDatabase) {
	auto db = Publish(Lease("db"), 3);
	auto other = Publish(Lease("other"), 1);
	EXPECT_EQ(store->FindNamedSnapshot("db", "release").id, 0);
	auto named = store->NameSnapshot("db", db[1].id, "release");
	EXPECT_EQ(named.id, db[1].id);
	EXPECT_EQ(named.name, "release");
	EXPECT_EQ(store->FindNamedSnapshot("db", "release").id, db[1].id);
	EXPECT_EQ(store->GetSnapshot("db", db[1].id).name, "release");
	EXPECT_EQ(store->ListSnapshots("db")[1].name, "release");
	// Naming it again is a no-op; another snapshot cannot take the name.
	EXPECT_EQ(store->NameSnapshot("db", db[1].id, "release").id, db[1].id);
	try {
		store->NameSnapshot("db", db[2].id, "release");
		FAIL() << "two snapshots named alike";
	} catch (duckdb::InvalidInputException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "release")) << Message(ex);
	}
	EXPECT_EQ(store->GetSnapshot("db", db[2].id).name, "");
	// The same name in another database is fine; a snapshot of another database cannot be named here.
	EXPECT_EQ(store->NameSnapshot("other", other[0].id, "release").id, other[0].id);
	EXPECT_EQ(store->FindNamedSnapshot("other", "release").id, other[0].id);
	EXPECT_THROW(store->NameSnapshot("db", other[0].id, "x"), duckdb::InvalidInputException);
	EXPECT_THROW(store->NameSnapshot("db", db[0].id, ""), duckdb::InvalidInputException);
	EXPECT_EQ(store->FindNamedSnapshot("db", "x").id, 0);
}

TEST_P(MetadataStoreTest, CloneSharesLayersThenDiverges) {
	auto source_lease = Lease("src");
	auto source = Publish(source_lease, 3);
	auto source_layers = store->SnapshotLayers(source[1].id);
	auto clone = store->CloneDatabase("src", source[1].id, "copy");
	EXPECT_TRUE(store->DatabaseExists("copy"));
	EXPECT_EQ(clone.database, "copy");
	EXPECT_EQ(clone.parent, source[1].id);
	EXPECT_EQ(clone.layer_count, 2u);
	EXPECT_EQ(store->LatestSnapshot("copy").id, clone.id);
	auto clone_layers = store->SnapshotLayers(clone.id);
	EXPECT_EQ(Keys(clone_layers), Keys(source_layers));
	// Shared, not copied: the very same layer rows.
	for (size_t i = 0; i < clone_layers.size(); i++) {
		EXPECT_EQ(clone_layers[i].id, source_layers[i].id);
	}
	EXPECT_EQ(store->CurrentFencingToken("copy"), 0);

	// Each side now writes on its own.
	auto clone_lease = store->AcquireWriterLease("copy", "clone-writer", TTL, nullptr);
	EXPECT_EQ(clone_lease.fencing_token, 1);
	EXPECT_THROW(store->PublishSnapshot(clone_lease, source[1].id, Layer("copy/x"), TTL), duckdb::IOException);
	auto on_clone = store->PublishSnapshot(clone_lease, clone.id, Layer("copy/1"), TTL);
	auto on_source = Publish(source_lease, 1, "after");
	EXPECT_EQ(Keys(store->SnapshotLayers(on_clone.id)), (std::vector<std::string> {"src/l0", "src/l1", "copy/1"}));
	EXPECT_EQ(Keys(store->SnapshotLayers(on_source[0].id)),
	          (std::vector<std::string> {"src/l0", "src/l1", "src/l2", "src/after3"}));
	EXPECT_EQ(Ids(store->ListSnapshots("copy")), (std::vector<int64_t> {clone.id, on_clone.id}));
	EXPECT_EQ(store->ListSnapshots("src").size(), 4u);
	// A compaction on the clone does not touch the source.
	auto compacted = store->PublishCompaction(clone_lease, on_clone.id, Layer("copy/merged"), 0, 3, TTL);
	EXPECT_EQ(Keys(store->SnapshotLayers(compacted.id)), (std::vector<std::string> {"copy/merged"}));
	EXPECT_EQ(store->SnapshotLayers(on_source[0].id).size(), 4u);

	try {
		store->CloneDatabase("src", source[0].id, "copy");
		FAIL() << "cloned over an existing database";
	} catch (duckdb::InvalidInputException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "copy")) << Message(ex);
	}
	EXPECT_THROW(store->CloneDatabase("src", clone.id, "copy2"), duckdb::InvalidInputException);
	EXPECT_THROW(store->CloneDatabase("src", 0, "copy2"), duckdb::InvalidInputException);
	EXPECT_FALSE(store->DatabaseExists("copy2"));
	// A clone of a clone walks through both chains.
	auto second = store->CloneDatabase("copy", on_clone.id, "copy2");
	EXPECT_EQ(Keys(store->SnapshotLayers(second.id)), (std::vector<std::string> {"src/l0", "src/l1", "copy/1"}));
}

TEST_P(MetadataStoreTest, HoldsKeepSnapshotsUntilReleasedOrExpired) {
	auto lease = Lease("db");
	auto published = Publish(lease, 4);
	EXPECT_TRUE(store->HoldSnapshot("reader-1", "db", published[0].id, TTL));
	EXPECT_TRUE(store->HoldSnapshot("reader-1", "db", published[0].id, TTL)); // a renewal
	EXPECT_TRUE(store->HoldSnapshot("reader-2", "db", published[1].id, 1));
	EXPECT_FALSE(store->HoldSnapshot("reader-1", "other", published[0].id, TTL));
	EXPECT_FALSE(store->HoldSnapshot("reader-1", "db", published.back().id + 100, TTL));
	usleep(5000);
	// reader-2's hold expired; reader-1's keeps snapshot 0.
	WaitPast(published.back().created_at_ms);
	EXPECT_EQ(store->ExpireSnapshots("db", NowMilliseconds() + 1), 2u);
	EXPECT_EQ(Ids(store->ListSnapshots("db")), (std::vector<int64_t> {published[0].id, published[3].id}));
	// A hold on a deleted snapshot is refused, so the reader knows to pick another.
	EXPECT_FALSE(store->HoldSnapshot("reader-3", "db", published[1].id, TTL));
	store->ReleaseSnapshot("reader-1", "db", published[0].id);
	store->ReleaseSnapshot("reader-1", "db", published[0].id);
	EXPECT_EQ(store->ExpireSnapshots("db", NowMilliseconds() + 1), 1u);
	EXPECT_EQ(Ids(store->ListSnapshots("db")), (std::vector<int64_t> {published[3].id}));
	EXPECT_EQ(Keys(store->SnapshotLayers(published[3].id)),
	          (std::vector<std::string> {"db/l0", "db/l1", "db/l2", "db/l3"}));
}

TEST_P(MetadataStoreTest, ExpireKeepsNewestNamedHeldAndCloneBases) {
	auto lease = Lease("db");
	auto published = Publish(lease, 8);
	store->NameSnapshot("db", published[2].id, "keep");
	EXPECT_TRUE(store->HoldSnapshot("reader", "db", published[4].id, TTL));
	auto clone = store->CloneDatabase("db", published[5].id, "copy");
	auto clone_lease = store->AcquireWriterLease("copy", "w", TTL, nullptr);
	auto on_clone = store->PublishSnapshot(clone_lease, clone.id, Layer("copy/1"), TTL);

	auto cutoff = published[6].created_at_ms;
	WaitPast(cutoff);
	std::map<int64_t, std::vector<std::string>> before;
	for (auto &snapshot : store->ListSnapshots("db")) {
		before[snapshot.id] = Keys(store->SnapshotLayers(snapshot.id));
	}
	auto clone_before = Keys(store->SnapshotLayers(clone.id));
	auto on_clone_before = Keys(store->SnapshotLayers(on_clone.id));
	// Nothing is older than a cutoff before the first snapshot.
	EXPECT_EQ(store->ExpireSnapshots("db", published[0].created_at_ms), 0u);

	// Everything but the newest is older than the cutoff: named, held, the clone's base and the newest stay.
	auto deleted = store->ExpireSnapshots("db", NowMilliseconds() + 1);
	auto kept = Ids(store->ListSnapshots("db"));
	EXPECT_EQ(kept, (std::vector<int64_t> {published[2].id, published[4].id, published[7].id}));
	EXPECT_EQ(deleted, 5u);
	// The clone's base went: the clone keeps its full list, and so does every kept snapshot.
	for (auto id : kept) {
		EXPECT_EQ(Keys(store->SnapshotLayers(id)), before[id]) << id;
	}
	EXPECT_EQ(Keys(store->SnapshotLayers(clone.id)), clone_before);
	EXPECT_EQ(Keys(store->SnapshotLayers(on_clone.id)), on_clone_before);
	EXPECT_EQ(store->GetSnapshot("copy", clone.id).parent, 0); // its parent is gone: lineage ends there
	EXPECT_EQ(store->GetSnapshot("db", published[7].id).parent, 0);
	EXPECT_EQ(store->GetSnapshot("db", published[5].id).id, 0);
	// Layers stay referenced: every kept list still names them.
	EXPECT_TRUE(store->UnreferencedLayers().empty());
	// Writes continue on the newest.
	auto next = store->PublishSnapshot(lease, published[7].id, Layer("db/next"), TTL);
	EXPECT_EQ(store->SnapshotLayers(next.id).size(), 9u);
}

TEST_P(MetadataStoreTest, UnreferencedLayersAfterCompactionAndExpiry) {
	auto lease = Lease("db");
	auto published = Publish(lease, 4);
	auto layers = store->SnapshotLayers(published.back().id);
	auto compacted = store->PublishCompaction(lease, published.back().id, Layer("db/merged"), 0, 3, TTL);
	EXPECT_TRUE(store->UnreferencedLayers().empty());
	WaitPast(compacted.created_at_ms);
	EXPECT_EQ(store->ExpireSnapshots("db", NowMilliseconds() + 1), 4u);
	auto unreferenced = store->UnreferencedLayers();
	EXPECT_EQ(Keys(unreferenced), (std::vector<std::string> {"db/l0", "db/l1", "db/l2"}));
	EXPECT_EQ(Keys(store->SnapshotLayers(compacted.id)), (std::vector<std::string> {"db/merged", "db/l3"}));
	// Rows a snapshot still lists are kept even when asked to delete them.
	std::vector<int64_t> ids;
	for (auto &layer : unreferenced) {
		ids.push_back(layer.id);
	}
	ids.push_back(layers[3].id);
	store->DeleteLayerRecords(ids);
	EXPECT_FALSE(store->IsLayerRecorded("db/l0"));
	EXPECT_FALSE(store->IsLayerRecorded("db/l2"));
	EXPECT_TRUE(store->IsLayerRecorded("db/l3"));
	EXPECT_TRUE(store->UnreferencedLayers().empty());
	EXPECT_EQ(Keys(store->SnapshotLayers(compacted.id)), (std::vector<std::string> {"db/merged", "db/l3"}));
}

TEST_P(MetadataStoreTest, InlinedLayersTravelWithTheirRows) {
	auto lease = Lease("db");
	auto object = store->PublishSnapshot(lease, 0, Layer("db/layers/object"), TTL);
	// Every byte value, a NUL among them, so neither store may treat the bytes as text.
	std::string bytes;
	for (int i = 0; i < 3 * 256; i++) {
		bytes.push_back(static_cast<char>(i % 256));
	}
	auto inlined = Layer("db/inline/small", bytes.size());
	inlined.inlined = true;
	inlined.inline_data = bytes;
	auto snapshot = store->PublishSnapshot(lease, object.id, inlined, TTL);
	auto layers = store->SnapshotLayers(snapshot.id);
	ASSERT_EQ(Keys(layers), (std::vector<std::string> {"db/layers/object", "db/inline/small"}));
	EXPECT_FALSE(layers[0].inlined);
	EXPECT_TRUE(layers[1].inlined);
	EXPECT_EQ(layers[1].size_bytes, bytes.size());
	EXPECT_TRUE(store->ReadInlineLayer("db/inline/small") == bytes);
	// An object layer has no inline bytes, and a missing key is an error that names it.
	for (auto &key : {std::string("db/layers/object"), std::string("db/inline/missing")}) {
		try {
			store->ReadInlineLayer(key);
			FAIL() << key;
		} catch (duckdb::IOException &ex) {
			EXPECT_TRUE(Contains(Message(ex), key)) << Message(ex);
		}
	}
	// Garbage collection sees which unreferenced layers were inlined, and forgets their bytes with the row.
	auto compacted = store->PublishCompaction(lease, snapshot.id, Layer("db/layers/merged"), 0, 2, TTL);
	WaitPast(compacted.created_at_ms);
	store->ExpireSnapshots("db", NowMilliseconds() + 1);
	auto unreferenced = store->UnreferencedLayers();
	ASSERT_EQ(Keys(unreferenced), (std::vector<std::string> {"db/layers/object", "db/inline/small"}));
	EXPECT_FALSE(unreferenced[0].inlined);
	EXPECT_TRUE(unreferenced[1].inlined);
	store->DeleteLayerRecords({unreferenced[0].id, unreferenced[1].id});
	EXPECT_THROW(store->ReadInlineLayer("db/inline/small"), duckdb::IOException);
}

TEST_P(MetadataStoreTest, LongChainsAndConcurrentOpens) {
	// A fresh backing opened by several stores at once migrates once; all of them work.
	auto fresh_url = FreshUrl();
	ASSERT_FALSE(fresh_url.empty());
	std::vector<std::shared_ptr<MetadataStore>> stores(4);
	std::vector<std::string> errors(stores.size());
	std::vector<std::thread> threads;
	for (size_t i = 0; i < stores.size(); i++) {
		threads.emplace_back([&, i]() {
			try {
				stores[i] = Open(fresh_url);
			} catch (std::exception &ex) {
				errors[i] = Message(ex);
			}
		});
	}
	for (auto &thread : threads) {
		thread.join();
	}
	for (size_t i = 0; i < stores.size(); i++) {
		ASSERT_TRUE(errors[i].empty()) << errors[i];
	}
	store = stores[0];
	auto lease = Lease("db");
	auto published = Publish(lease, 300);
	auto layers = stores[3]->SnapshotLayers(published.back().id);
	ASSERT_EQ(layers.size(), 300u);
	for (size_t i = 0; i < layers.size(); i++) {
		ASSERT_EQ(layers[i].object_key, "db/l" + std::to_string(i));
	}
}

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

namespace {

//! The schema and data a metadata.sqlite had before versioned migrations existed, written by hand.
const char *OLD_SCHEMA = R"(
CREATE TABLE databases (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE layers (id INTEGER PRIMARY KEY, database TEXT NOT NULL REFERENCES databases(name),
	object_key TEXT NOT NULL UNIQUE, size_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE snapshots (id INTEGER PRIMARY KEY, database TEXT NOT NULL REFERENCES databases(name),
	parent INTEGER REFERENCES snapshots(id), base INTEGER REFERENCES snapshots(id), layer_count INTEGER NOT NULL,
	created_at INTEGER NOT NULL, name TEXT, fencing_token INTEGER NOT NULL);
CREATE INDEX snapshots_by_database ON snapshots(database, id);
CREATE TABLE snapshot_layers (snapshot INTEGER NOT NULL REFERENCES snapshots(id), position INTEGER NOT NULL,
	layer INTEGER NOT NULL REFERENCES layers(id), PRIMARY KEY (snapshot, position));
CREATE TABLE writer_leases (database TEXT PRIMARY KEY REFERENCES databases(name), holder TEXT,
	fencing_token INTEGER NOT NULL, expires_at INTEGER NOT NULL);
INSERT INTO databases VALUES ('db', 1000);
INSERT INTO layers VALUES (1, 'db', 'db/layers/1-1.layer', 10, 1000), (2, 'db', 'db/layers/1-2.layer', 20, 2000);
INSERT INTO snapshots VALUES (1, 'db', NULL, NULL, 1, 1000, NULL, 1), (2, 'db', 1, 1, 2, 2000, NULL, 1);
INSERT INTO snapshot_layers VALUES (1, 0, 1), (2, 1, 2);
INSERT INTO writer_leases VALUES ('db', NULL, 1, 0);
)";

class SqliteFile {
public:
	SqliteFile() {
		dir = (fs::temp_directory_path() / ("openduck-migration-test-" + std::to_string(getpid()))).string();
		fs::remove_all(dir);
		fs::create_directories(dir);
		path = dir + "/metadata.sqlite";
	}
	~SqliteFile() {
		fs::remove_all(dir);
	}
	void Execute(const std::string &sql) {
		sqlite3 *db = nullptr;
		ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
		char *error = nullptr;
		auto result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
		std::string message = error ? error : "";
		sqlite3_free(error);
		sqlite3_close(db);
		ASSERT_EQ(result, SQLITE_OK) << message;
	}
	std::vector<int64_t> Versions() {
		sqlite3 *db = nullptr;
		sqlite3_open(path.c_str(), &db);
		sqlite3_stmt *statement = nullptr;
		sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations ORDER BY version", -1, &statement, nullptr);
		std::vector<int64_t> versions;
		while (statement && sqlite3_step(statement) == SQLITE_ROW) {
			versions.push_back(sqlite3_column_int64(statement, 0));
		}
		sqlite3_finalize(statement);
		sqlite3_close(db);
		return versions;
	}
	std::string dir;
	std::string path;
};

} // namespace

TEST(SqliteMetadataMigrations, OldFileIsMigratedInPlace) {
	SqliteFile file;
	file.Execute(OLD_SCHEMA);
	{
		SqliteMetadataStore store(file.path);
		EXPECT_EQ(file.Versions(), (std::vector<int64_t> {1, 2, 3}));
		// The old data reads as before.
		EXPECT_EQ(store.ListDatabases(), std::vector<std::string> {"db"});
		EXPECT_EQ(Keys(store.SnapshotLayers(2)),
		          (std::vector<std::string> {"db/layers/1-1.layer", "db/layers/1-2.layer"}));
		// Migration 3: layers from before inlining are objects.
		for (auto &layer : store.SnapshotLayers(2)) {
			EXPECT_FALSE(layer.inlined) << layer.object_key;
		}
		EXPECT_EQ(store.CurrentFencingToken("db"), 1);
		// Migration 2's additions work on it: names (unique), holds, expiry.
		store.NameSnapshot("db", 1, "first");
		EXPECT_THROW(store.NameSnapshot("db", 2, "first"), duckdb::InvalidInputException);
		EXPECT_TRUE(store.HoldSnapshot("reader", "db", 2, TTL));
		auto lease = store.AcquireWriterLease("db", "w", TTL, nullptr);
		EXPECT_EQ(lease.fencing_token, 2);
		auto s3 = store.PublishSnapshot(lease, 2, Layer("db/layers/2-1.layer"), TTL);
		store.ReleaseSnapshot("reader", "db", 2);
		EXPECT_EQ(store.ExpireSnapshots("db", NowMilliseconds() + 1), 1u);
		EXPECT_EQ(Keys(store.SnapshotLayers(s3.id)),
		          (std::vector<std::string> {"db/layers/1-1.layer", "db/layers/1-2.layer", "db/layers/2-1.layer"}));
	}
	// Reopening applies nothing twice.
	SqliteMetadataStore again(file.path);
	EXPECT_EQ(file.Versions(), (std::vector<int64_t> {1, 2, 3}));
	EXPECT_EQ(again.FindNamedSnapshot("db", "first").id, 1);
}

TEST(SqliteMetadataMigrations, NewerSchemaIsRefused) {
	SqliteFile file;
	{ SqliteMetadataStore store(file.path); }
	file.Execute("INSERT INTO schema_migrations VALUES (999, 0)");
	try {
		SqliteMetadataStore store(file.path);
		FAIL() << "opened a file from a newer build";
	} catch (duckdb::IOException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "schema version 999")) << Message(ex);
	}
}

TEST(PostgresMetadataStore, PasswordUrlIsUsedAndNeverShown) {
	std::string url;
	try {
		url = PostgresTestServer::Shared().CreateDatabase();
	} catch (std::exception &ex) {
		FAIL() << ex.what();
	}
	auto &server = PostgresTestServer::Shared();
	auto database = url.substr(url.rfind('/') + 1);
	PostgresMetadataStore store(server.PasswordUrl(database, PostgresTestServer::PASSWORD));
	store.CreateDatabase("db");
	EXPECT_EQ(store.ListDatabases(), std::vector<std::string> {"db"});
	auto description = store.Describe();
	EXPECT_FALSE(Contains(description, PostgresTestServer::PASSWORD)) << description;
	EXPECT_TRUE(Contains(description, "postgres://127.0.0.1:" + std::to_string(server.Port()) + "/" + database))
	    << description;
	// A wrong password is refused by the server (scram-sha-256), and the message names neither password.
	try {
		PostgresMetadataStore refused(server.PasswordUrl(database, "wrong-Pa55"));
		FAIL() << "connected with a wrong password";
	} catch (duckdb::IOException &ex) {
		auto message = Message(ex);
		EXPECT_TRUE(Contains(message, "password authentication failed")) << message;
		EXPECT_TRUE(Contains(message, "metadata store postgres://127.0.0.1:")) << message;
		EXPECT_FALSE(Contains(message, "wrong-Pa55")) << message;
	}
	// A malformed URL is bad input, without an echo of what it held.
	try {
		StorageConfig config;
		config.metadata_url = "postgres://user:hunter2@[bad";
		MakeMetadataStore(config);
		FAIL() << "accepted a malformed URL";
	} catch (duckdb::Exception &ex) {
		EXPECT_FALSE(Contains(Message(ex), "hunter2")) << Message(ex);
	}
	StorageConfig config;
	config.metadata_url = "mysql://user:hunter2@host/db";
	try {
		MakeMetadataStore(config);
		FAIL() << "accepted an unknown scheme";
	} catch (duckdb::InvalidInputException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "\"mysql\"")) << Message(ex);
		EXPECT_FALSE(Contains(Message(ex), "hunter2")) << Message(ex);
	}
}

TEST(PostgresMetadataStore, SurvivesAServerRestart) {
	std::string url;
	try {
		url = PostgresTestServer::Shared().CreateDatabase();
	} catch (std::exception &ex) {
		FAIL() << ex.what();
	}
	auto &server = PostgresTestServer::Shared();
	PostgresMetadataStore store(url);
	store.CreateDatabase("db");
	auto lease = store.AcquireWriterLease("db", "w", TTL, nullptr);
	auto first = store.PublishSnapshot(lease, 0, Layer("db/1"), TTL);

	server.Stop();
	// While PostgreSQL is down: reads and publishes fail with the store named, not a crash or a hang.
	try {
		store.PublishSnapshot(lease, first.id, Layer("db/2"), TTL);
		FAIL() << "published with PostgreSQL down";
	} catch (duckdb::IOException &ex) {
		EXPECT_TRUE(Contains(Message(ex), "metadata store postgres://127.0.0.1:" + std::to_string(server.Port())))
		    << Message(ex);
		EXPECT_TRUE(Contains(Message(ex), "unavailable")) << Message(ex);
	}
	EXPECT_THROW(store.LatestSnapshot("db"), duckdb::IOException);
	server.Start();

	// The same store object works again: reads reconnect, and so does the next publish.
	EXPECT_EQ(store.LatestSnapshot("db").id, first.id);
	server.Stop();
	server.Start();
	// The connection broke while idle: a publish notices before sending anything and reconnects.
	auto second = store.PublishSnapshot(lease, first.id, Layer("db/2"), TTL);
	EXPECT_EQ(Keys(store.SnapshotLayers(second.id)), (std::vector<std::string> {"db/1", "db/2"}));
	server.Stop();
	server.Start();
	EXPECT_EQ(store.ListSnapshots("db").size(), 2u);
}
