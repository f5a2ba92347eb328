#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "storage/layers/crc32c.hpp"
#include "storage/layers/layer_reader.hpp"
#include "storage/layers/layer_writer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace openduck;

namespace {

LayerRangeReader ReadFrom(const std::string &object) {
	return [&object](uint64_t offset, uint64_t length, char *out) {
		if (offset + length > object.size()) {
			throw duckdb::IOException("short read");
		}
		std::memcpy(out, object.data() + offset, length);
	};
}

std::string SampleLayer(std::string &main_data, std::string &wal_data) {
	std::mt19937 random(42);
	main_data.resize(3 * LAYER_MAX_EXTENT_SIZE + 123);
	for (auto &c : main_data) {
		c = static_cast<char>(random());
	}
	wal_data = "wal bytes";
	LayerWriter writer;
	writer.SetNextFileId(3);
	writer.AddFile({1, main_data.size() + 4096, 0, "mydb.duckdb"});
	writer.AddFile({2, 100, 50, "mydb.duckdb.wal"});
	writer.AddExtent(1, 4096, main_data.data(), main_data.size());
	writer.AddExtent(2, 91, wal_data.data(), wal_data.size());
	return writer.Finish();
}

std::string ExpectCorrupt(const std::string &object) {
	try {
		LayerReader reader("mydb", "layer-7", object.size(), ReadFrom(object));
		for (size_t i = 0; i < reader.Index().extents.size(); i++) {
			std::string out(reader.Index().extents[i].length, '\0');
			reader.ReadExtent(i, 0, out.size(), &out[0]);
		}
	} catch (duckdb::IOException &ex) {
		return duckdb::ErrorData(ex).RawMessage();
	}
	ADD_FAILURE() << "corruption was not detected";
	return "";
}

} // namespace

TEST(StorageCrc32c, KnownValues) {
	// The standard check value of CRC32C, and an incremental computation matching a one-shot one.
	EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
	EXPECT_EQ(Crc32c("", 0), 0u);
	std::string text(1000, 'x');
	EXPECT_EQ(Crc32c(text.data() + 10, 990, Crc32c(text.data(), 10)), Crc32c(text.data(), 1000));
}

TEST(StorageLayer, RoundTrip) {
	std::string main_data, wal_data;
	auto object = SampleLayer(main_data, wal_data);
	LayerReader reader("mydb", "layer-7", object.size(), ReadFrom(object));
	auto &index = reader.Index();
	EXPECT_EQ(index.next_file_id, 3u);
	ASSERT_EQ(index.files.size(), 2u);
	EXPECT_EQ(index.files[0], (LayerFileEntry {1, main_data.size() + 4096, 0, "mydb.duckdb"}));
	EXPECT_EQ(index.files[1], (LayerFileEntry {2, 100, 50, "mydb.duckdb.wal"}));
	// Large writes are split into extents of at most 1 MiB.
	ASSERT_EQ(index.extents.size(), 5u);
	std::string main_back;
	for (size_t i = 0; i < 4; i++) {
		auto &extent = index.extents[i];
		EXPECT_EQ(extent.file_id, 1u);
		EXPECT_EQ(extent.file_offset, 4096 + main_back.size());
		EXPECT_LE(extent.length, LAYER_MAX_EXTENT_SIZE);
		std::string part(extent.length, '\0');
		reader.ReadExtent(i, 0, part.size(), &part[0]);
		main_back += part;
	}
	EXPECT_EQ(main_back, main_data);
	std::string wal_part(3, '\0');
	reader.ReadExtent(4, 4, 3, &wal_part[0]);
	EXPECT_EQ(wal_part, "byt");
}

TEST(StorageLayer, EmptyLayer) {
	LayerWriter writer;
	auto object = writer.Finish();
	LayerReader reader("db", "empty", object.size(), ReadFrom(object));
	EXPECT_TRUE(reader.Index().files.empty());
	EXPECT_TRUE(reader.Index().extents.empty());
}

TEST(StorageLayer, TruncationIsDetected) {
	std::string main_data, wal_data;
	auto object = SampleLayer(main_data, wal_data);
	for (size_t size : {size_t(0), size_t(10), size_t(LAYER_HEADER_SIZE), object.size() / 2, object.size() - 1}) {
		auto message = ExpectCorrupt(object.substr(0, size));
		EXPECT_NE(message.find("mydb"), std::string::npos) << message;
		EXPECT_NE(message.find("layer-7"), std::string::npos) << message;
	}
	EXPECT_NE(ExpectCorrupt(object + "x").find("padded"), std::string::npos);
}

TEST(StorageLayer, EveryBitFlipInHeaderAndIndexIsDetected) {
	std::string main_data, wal_data;
	auto object = SampleLayer(main_data, wal_data);
	uint64_t index_offset;
	std::memcpy(&index_offset, object.data() + 16, 8);
	std::vector<size_t> positions;
	for (size_t i = 0; i < LAYER_HEADER_SIZE; i++) {
		positions.push_back(i);
	}
	for (size_t i = index_offset; i < object.size(); i++) {
		positions.push_back(i);
	}
	for (auto position : positions) {
		for (int bit = 0; bit < 8; bit++) {
			auto flipped = object;
			flipped[position] ^= static_cast<char>(1 << bit);
			auto message = ExpectCorrupt(flipped);
			ASSERT_NE(message.find("corrupt layer in database \"mydb\", layer \"layer-7\""), std::string::npos)
			    << "byte " << position << " bit " << bit << ": " << message;
		}
	}
}

TEST(StorageLayer, BitFlipsInDataAreDetectedAndNeverServed) {
	std::string main_data, wal_data;
	auto object = SampleLayer(main_data, wal_data);
	std::mt19937 random(7);
	uint64_t index_offset;
	std::memcpy(&index_offset, object.data() + 16, 8);
	for (int round = 0; round < 200; round++) {
		auto position = LAYER_HEADER_SIZE + random() % (index_offset - LAYER_HEADER_SIZE);
		auto flipped = object;
		flipped[position] ^= static_cast<char>(1 << (random() % 8));
		// The index still opens: data corruption shows up when the damaged extent is read.
		LayerReader reader("mydb", "layer-7", flipped.size(), ReadFrom(flipped));
		bool detected = false;
		for (size_t i = 0; i < reader.Index().extents.size(); i++) {
			auto &extent = reader.Index().extents[i];
			std::string out(extent.length, '\0');
			try {
				reader.ReadExtent(i, 0, out.size(), &out[0]);
				EXPECT_FALSE(position >= extent.data_offset && position < extent.data_offset + extent.length);
			} catch (duckdb::IOException &ex) {
				EXPECT_TRUE(position >= extent.data_offset && position < extent.data_offset + extent.length);
				EXPECT_NE(std::string(ex.what()).find("checksum mismatch in extent"), std::string::npos);
				detected = true;
			}
		}
		EXPECT_TRUE(detected) << "flip at " << position;
	}
}
