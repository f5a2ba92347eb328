#include "duckdb/common/exception.hpp"
#include "storage/layers/layer_reader.hpp"
#include "storage/layers/layer_writer.hpp"
#include "storage/layers/verified_extent_cache.hpp"

#include <atomic>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <thread>
#include <vector>

using namespace openduck;

namespace {

static constexpr uint64_t MIB = 1024 * 1024;
static constexpr uint64_t EXTENT_CHARGE = MIB + VerifiedExtentCache::ENTRY_OVERHEAD_BYTES;

//! A layer object of one file with extent_count full 1 MiB extents of random bytes, and its reader's I/O counters.
struct SampleLayer {
	explicit SampleLayer(size_t extent_count, uint32_t seed = 1) {
		std::mt19937 random(seed);
		data.resize(extent_count * LAYER_MAX_EXTENT_SIZE);
		for (auto &c : data) {
			c = static_cast<char>(random());
		}
		LayerWriter writer;
		writer.SetNextFileId(2);
		writer.AddFile({1, data.size(), 0, "db.duckdb"});
		writer.AddExtent(1, 0, data.data(), data.size());
		object = writer.Finish();
	}

	LayerRangeReader Reader() {
		return [this](uint64_t offset, uint64_t length, char *out) {
			if (offset + length > object.size()) {
				throw duckdb::IOException("short read");
			}
			reads++;
			read_bytes += length;
			std::memcpy(out, object.data() + offset, length);
		};
	}
	std::unique_ptr<LayerReader> Open(VerifiedExtentCache &cache) {
		auto reader = std::unique_ptr<LayerReader>(new LayerReader("db", "layer-1", object.size(), Reader(), cache));
		reads = 0;
		read_bytes = 0;
		return reader;
	}
	std::string Expected(size_t extent, uint64_t skip, uint64_t length) const {
		return data.substr(extent * LAYER_MAX_EXTENT_SIZE + skip, length);
	}

	std::string data;
	std::string object;
	std::atomic<uint64_t> reads {0};
	std::atomic<uint64_t> read_bytes {0};
};

std::string Read(const LayerReader &reader, size_t extent, uint64_t skip, uint64_t length) {
	std::string out(length, '\0');
	reader.ReadExtent(extent, skip, length, &out[0]);
	return out;
}

} // namespace

TEST(StorageExtentCache, ExtentIsReadAndCheckedOnceThenServedFromMemory) {
	VerifiedExtentCache cache(16 * MIB);
	SampleLayer layer(2);
	auto reader = layer.Open(cache);
	// DuckDB reads 256 KiB blocks: the four blocks of one extent cost one object read.
	static constexpr uint64_t BLOCK = 256 * 1024;
	for (uint64_t block = 0; block < 4; block++) {
		EXPECT_EQ(Read(*reader, 0, block * BLOCK, BLOCK), layer.Expected(0, block * BLOCK, BLOCK));
	}
	EXPECT_EQ(layer.reads, 1u);
	EXPECT_EQ(layer.read_bytes, MIB);
	auto stats = cache.GetStats();
	EXPECT_EQ(stats.misses, 1u);
	EXPECT_EQ(stats.hits, 3u);
	EXPECT_EQ(stats.entries, 1u);
	EXPECT_EQ(stats.cached_bytes, EXTENT_CHARGE);
	// A read at an odd offset and the other extent.
	EXPECT_EQ(Read(*reader, 0, 12345, 7), layer.Expected(0, 12345, 7));
	EXPECT_EQ(Read(*reader, 1, MIB - 3, 3), layer.Expected(1, MIB - 3, 3));
	EXPECT_EQ(layer.reads, 2u);
	EXPECT_EQ(cache.GetStats().entries, 2u);
}

TEST(StorageExtentCache, EvictsLeastRecentlyUsedAtTheCap) {
	// Room for exactly two extents.
	VerifiedExtentCache cache(2 * EXTENT_CHARGE);
	SampleLayer layer(4);
	auto reader = layer.Open(cache);
	Read(*reader, 0, 0, 1);
	Read(*reader, 1, 0, 1);
	// Touch 0, so 1 is the least recently used when 2 arrives.
	Read(*reader, 0, 0, 1);
	EXPECT_EQ(layer.reads, 2u);
	EXPECT_EQ(Read(*reader, 2, 100, 50), layer.Expected(2, 100, 50));
	auto stats = cache.GetStats();
	EXPECT_EQ(stats.entries, 2u);
	EXPECT_EQ(stats.evictions, 1u);
	EXPECT_LE(stats.cached_bytes, stats.capacity_bytes);
	layer.reads = 0;
	Read(*reader, 0, 0, 1);
	Read(*reader, 2, 0, 1);
	EXPECT_EQ(layer.reads, 0u) << "extents 0 and 2 should still be cached";
	EXPECT_EQ(Read(*reader, 1, 5, 5), layer.Expected(1, 5, 5));
	EXPECT_EQ(layer.reads, 1u) << "extent 1 should have been evicted";
	EXPECT_EQ(cache.GetStats().evictions, 2u);

	// Shrinking the cap evicts at once; a cap of 0 caches nothing but still serves correct bytes.
	cache.SetCapacity(EXTENT_CHARGE);
	EXPECT_EQ(cache.GetStats().entries, 1u);
	cache.SetCapacity(0);
	EXPECT_EQ(cache.GetStats().entries, 0u);
	EXPECT_EQ(cache.GetStats().cached_bytes, 0u);
	layer.reads = 0;
	EXPECT_EQ(Read(*reader, 3, 0, 10), layer.Expected(3, 0, 10));
	EXPECT_EQ(Read(*reader, 3, 0, 10), layer.Expected(3, 0, 10));
	EXPECT_EQ(layer.reads, 2u);
	EXPECT_EQ(cache.GetStats().entries, 0u);
}

TEST(StorageExtentCache, CorruptExtentIsNeverCachedNorServed) {
	VerifiedExtentCache cache(16 * MIB);
	SampleLayer layer(3);
	auto extent = layer.Open(cache)->Index().extents[1];
	layer.object[extent.data_offset + 777] ^= 0x10;
	auto reader = layer.Open(cache);
	for (int attempt = 0; attempt < 3; attempt++) {
		char out[16];
		try {
			reader->ReadExtent(1, 0, sizeof(out), out);
			FAIL() << "corrupt bytes were served";
		} catch (duckdb::IOException &ex) {
			EXPECT_NE(std::string(ex.what()).find("checksum mismatch in extent 1"), std::string::npos) << ex.what();
		}
	}
	// Every attempt went back to the object: the failed load left nothing behind.
	EXPECT_EQ(layer.reads, 3u);
	EXPECT_EQ(cache.GetStats().entries, 0u);
	EXPECT_EQ(cache.GetStats().cached_bytes, 0u);
	// The intact extents around it are served and cached as usual.
	EXPECT_EQ(Read(*reader, 0, 0, 100), layer.Expected(0, 0, 100));
	EXPECT_EQ(Read(*reader, 2, 0, 100), layer.Expected(2, 0, 100));
	EXPECT_EQ(cache.GetStats().entries, 2u);
}

TEST(StorageExtentCache, ReadersNeverShareEntriesAndForgetThemWhenClosed) {
	VerifiedExtentCache cache(16 * MIB);
	// Two different objects that a store could hold under the same key and name.
	SampleLayer first(1, 1);
	SampleLayer second(1, 2);
	auto first_reader = first.Open(cache);
	auto second_reader = second.Open(cache);
	EXPECT_EQ(Read(*first_reader, 0, 0, 64), first.Expected(0, 0, 64));
	EXPECT_EQ(Read(*second_reader, 0, 0, 64), second.Expected(0, 0, 64));
	EXPECT_NE(first.Expected(0, 0, 64), second.Expected(0, 0, 64));
	EXPECT_EQ(cache.GetStats().entries, 2u);
	first_reader.reset();
	EXPECT_EQ(cache.GetStats().entries, 1u);
	EXPECT_EQ(cache.GetStats().cached_bytes, EXTENT_CHARGE);
	second_reader.reset();
	EXPECT_EQ(cache.GetStats().entries, 0u);
	EXPECT_EQ(cache.GetStats().cached_bytes, 0u);
}

TEST(StorageExtentCache, ConcurrentReadersUnderEvictionGetCorrectBytes) {
	// Smaller than the layer, so threads keep evicting each other's extents while they copy from them.
	VerifiedExtentCache cache(3 * EXTENT_CHARGE);
	SampleLayer layer(8);
	auto reader = layer.Open(cache);
	static constexpr int THREADS = 8;
	static constexpr int READS_EACH = 400;
	std::atomic<int> wrong {0};
	std::vector<std::thread> threads;
	for (int t = 0; t < THREADS; t++) {
		threads.emplace_back([&, t]() {
			std::mt19937 random(100 + t);
			for (int i = 0; i < READS_EACH; i++) {
				// Mostly a hot extent, sometimes any: both hits and evictions happen.
				size_t extent = random() % 4 == 0 ? random() % 8 : 0;
				uint64_t skip = random() % (MIB - 4096);
				if (Read(*reader, extent, skip, 4096) != layer.Expected(extent, skip, 4096)) {
					wrong++;
				}
			}
		});
	}
	for (auto &thread : threads) {
		thread.join();
	}
	EXPECT_EQ(wrong, 0);
	auto stats = cache.GetStats();
	EXPECT_EQ(stats.hits + stats.misses, static_cast<uint64_t>(THREADS * READS_EACH));
	EXPECT_GT(stats.hits, 0u);
	EXPECT_GT(stats.evictions, 0u);
	EXPECT_LE(stats.cached_bytes, stats.capacity_bytes);
	EXPECT_EQ(stats.cached_bytes, stats.entries * EXTENT_CHARGE);
	EXPECT_EQ(layer.reads, stats.misses);
}

TEST(StorageExtentCache, WholeExtentReadsAreVerifiedInPlaceAndNotCached) {
	VerifiedExtentCache cache(16 * MIB);
	SampleLayer layer(2);
	auto extent = layer.Open(cache)->Index().extents[1];
	auto reader = layer.Open(cache);
	EXPECT_EQ(Read(*reader, 0, 0, MIB), layer.Expected(0, 0, MIB));
	EXPECT_EQ(layer.reads, 1u);
	EXPECT_EQ(cache.GetStats().entries, 0u);
	EXPECT_EQ(cache.GetStats().misses, 0u);

	// A corrupt whole extent throws, and the caller's buffer holds none of its bytes.
	layer.object[extent.data_offset + 4242] ^= 0x01;
	std::string out(MIB, 'x');
	EXPECT_THROW(reader->ReadExtent(1, 0, MIB, &out[0]), duckdb::IOException);
	EXPECT_EQ(out, std::string(MIB, '\0'));
	EXPECT_EQ(cache.GetStats().entries, 0u);
}

TEST(StorageExtentCache, WriterSplitsExtentsOnDuckDBBlockGrid) {
	// A 3 MiB write from offset 0, as an import of a plain DuckDB file makes.
	std::string data(3 * MIB, 'd');
	LayerWriter writer;
	writer.SetExtentGrid(DUCKDB_BLOCK_GRID_ORIGIN, DUCKDB_BLOCK_GRID_STEP);
	writer.SetNextFileId(2);
	writer.AddFile({1, data.size(), 0, "db.duckdb"});
	writer.AddExtent(1, 0, data.data(), data.size());
	auto &extents = writer.Index().extents;
	ASSERT_GE(extents.size(), 2u);
	// The headers, then one extent per 256 KiB block, then the tail.
	EXPECT_EQ(extents[0].file_offset, 0u);
	EXPECT_EQ(extents[0].length, DUCKDB_BLOCK_GRID_ORIGIN);
	uint64_t covered = 0;
	for (size_t i = 0; i < extents.size(); i++) {
		EXPECT_EQ(extents[i].file_offset, covered);
		covered += extents[i].length;
		if (i > 0 && i + 1 < extents.size()) {
			EXPECT_EQ(extents[i].length, DUCKDB_BLOCK_GRID_STEP) << "extent " << i;
			EXPECT_EQ((extents[i].file_offset - DUCKDB_BLOCK_GRID_ORIGIN) % DUCKDB_BLOCK_GRID_STEP, 0u);
		}
	}
	EXPECT_EQ(covered, data.size());
	// A piece starting mid-block is cut at the next block boundary, and at most 1 MiB without a grid.
	LayerWriter mid;
	mid.SetExtentGrid(DUCKDB_BLOCK_GRID_ORIGIN, DUCKDB_BLOCK_GRID_STEP);
	mid.AddFile({1, 2 * MIB, 0, "db.duckdb"});
	mid.AddExtent(1, DUCKDB_BLOCK_GRID_ORIGIN + 100, data.data(), DUCKDB_BLOCK_GRID_STEP);
	ASSERT_EQ(mid.Index().extents.size(), 2u);
	EXPECT_EQ(mid.Index().extents[0].length, DUCKDB_BLOCK_GRID_STEP - 100);
	EXPECT_EQ(mid.Index().extents[1].length, 100u);
	LayerWriter plain;
	plain.AddFile({1, 3 * MIB, 0, "db.duckdb"});
	plain.AddExtent(1, 0, data.data(), data.size());
	EXPECT_EQ(plain.Index().extents.size(), 3u);
}
