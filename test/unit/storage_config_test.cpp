// Storage configuration: flags, environment and snapshot selectors.
#include "cli/storage_flags.hpp"
#include "duckdb/common/exception.hpp"
#include "storage/database_store.hpp"
#include "storage/snapshot_selector.hpp"
#include "storage/storage_config.hpp"

#include <gtest/gtest.h>
#include <map>

using namespace openduck;

TEST(StorageConfig, DurationsAndSizes) {
	EXPECT_EQ(ParseDurationMilliseconds("0"), 0);
	EXPECT_EQ(ParseDurationMilliseconds("0s"), 0);
	EXPECT_EQ(ParseDurationMilliseconds("500ms"), 500);
	EXPECT_EQ(ParseDurationMilliseconds("30s"), 30000);
	EXPECT_EQ(ParseDurationMilliseconds("15m"), 15 * 60000);
	EXPECT_EQ(ParseDurationMilliseconds("12H"), 12 * 3600000LL);
	EXPECT_EQ(ParseDurationMilliseconds("7d"), 7 * 86400000LL);
	for (auto bad : {"", "d", "-1s", "1.5h", "7 days", "10y", "1234567890123456789d"}) {
		EXPECT_THROW(ParseDurationMilliseconds(bad), duckdb::InvalidInputException) << bad;
	}
	EXPECT_EQ(ParseByteSize("1048576"), 1048576u);
	EXPECT_EQ(ParseByteSize("512MB"), 512ULL << 20);
	EXPECT_EQ(ParseByteSize("8gb"), 8ULL << 30);
	for (auto bad : {"", "MB", "-5MB", "1.5GB", "8 GB", "3PB"}) {
		EXPECT_THROW(ParseByteSize(bad), duckdb::InvalidInputException) << bad;
	}
}

TEST(StorageConfig, FlagsEnvironmentAndDefaults) {
	StorageConfig config;
	config.kind.clear();
	std::vector<std::string> values = {"postgres://u:pw@h/db", "s3://bucket/prefix", "1d", "16MB"};
	size_t next = 0;
	auto value = [&]() {
		return values[next++];
	};
	EXPECT_TRUE(ParseStorageFlag("--metadata", value, config));
	EXPECT_TRUE(ParseStorageFlag("--store", value, config));
	EXPECT_TRUE(ParseStorageFlag("--retention", value, config));
	EXPECT_EQ(config.min_free_bytes, 64ULL << 20);
	EXPECT_TRUE(ParseStorageFlag("--min-free-space", value, config));
	EXPECT_FALSE(ParseStorageFlag("--port", value, config));
	EXPECT_EQ(config.retention_ms, 86400000);
	EXPECT_EQ(config.min_free_bytes, 16ULL << 20);
	// Objects in S3: no local directory whose free space matters for commits.
	EXPECT_EQ(config.LocalObjectsDirectory(), "");
	std::map<std::string, std::string> environment = {{"OPENDUCK_METADATA", "sqlite:/ignored"},
	                                                  {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"},
	                                                  {"AWS_DEFAULT_REGION", "eu-west-1"},
	                                                  {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}};
	config.ApplyEnvironment([&](const char *name) -> const char * {
		auto found = environment.find(name);
		return found == environment.end() ? nullptr : found->second.c_str();
	});
	// Flags win over the environment; the environment fills the rest.
	EXPECT_EQ(config.metadata_url, "postgres://u:pw@h/db");
	EXPECT_EQ(config.s3.endpoint, "http://127.0.0.1:9000");
	EXPECT_EQ(config.s3.region, "eu-west-1");
	EXPECT_EQ(config.s3.access_key_id, "AKIDEXAMPLE");
	EXPECT_TRUE(config.UsesSharedServices());

	StorageConfig bad;
	std::vector<std::string> kinds = {"floppy"};
	next = 0;
	auto kind = [&]() {
		return kinds[next++];
	};
	EXPECT_THROW(ParseStorageFlag("--storage", kind, bad), duckdb::InvalidInputException);
}

TEST(StorageConfig, LocalObjectsDirectoryAndFreeSpaceReserve) {
	StorageConfig config;
	config.data_dir = "/srv/openduck";
	EXPECT_EQ(config.LocalObjectsDirectory(), "/srv/openduck/objects");
	config.store_url = "file:/mnt/layers";
	EXPECT_EQ(config.LocalObjectsDirectory(), "/mnt/layers");
	// No reserve, or a reserve the disk has room for: writes go on. An impossible one names the directory,
	// the flag, and that reads continue.
	EXPECT_EQ(FreeSpaceRefusal("/", 0, "mydb"), "");
	EXPECT_EQ(FreeSpaceRefusal("/", 1, "mydb"), "");
	auto refusal = FreeSpaceRefusal("/", UINT64_MAX, "mydb");
	EXPECT_NE(refusal.find("not enough free disk space: \"/\""), std::string::npos) << refusal;
	EXPECT_NE(refusal.find("--min-free-space"), std::string::npos) << refusal;
	EXPECT_NE(refusal.find("\"mydb\""), std::string::npos) << refusal;
	EXPECT_NE(refusal.find("reads go on"), std::string::npos) << refusal;
}

TEST(StorageConfig, SnapshotSelectors) {
	EXPECT_TRUE(SnapshotSelector::Parse("").IsNewest());
	auto by_id = SnapshotSelector::Parse("42");
	EXPECT_EQ(by_id.kind, SnapshotSelector::Kind::ID);
	EXPECT_EQ(by_id.id, 42);
	auto by_name = SnapshotSelector::Parse("before_migration-2.0");
	EXPECT_EQ(by_name.kind, SnapshotSelector::Kind::NAME);
	EXPECT_EQ(by_name.name, "before_migration-2.0");
	auto utc = SnapshotSelector::Parse("2026-11-22 04:30:00");
	EXPECT_EQ(utc.kind, SnapshotSelector::Kind::TIME);
	EXPECT_EQ(utc.time_ms, 1795321800000LL);
	// An offset moves the instant; fractions are kept to the millisecond.
	EXPECT_EQ(SnapshotSelector::Parse("2026-11-22 06:30:00+02").time_ms, utc.time_ms);
	EXPECT_EQ(SnapshotSelector::Parse("2026-11-22 04:30:00.250").time_ms, utc.time_ms + 250);
	// Round trip through the text form.
	EXPECT_EQ(SnapshotSelector::Parse(utc.ToString()).time_ms, utc.time_ms);
	EXPECT_EQ(FormatUtcMilliseconds(utc.time_ms + 250), "2026-11-22 04:30:00.250");
	for (auto bad : {"2026-13-45 99:00", "1bad", "has space", "semi;colon", "-1", "99999999999999999999"}) {
		EXPECT_THROW(SnapshotSelector::Parse(bad), duckdb::InvalidInputException) << bad;
	}
	EXPECT_THROW(ValidateSnapshotName(std::string(129, 'a')), duckdb::InvalidInputException);
}
