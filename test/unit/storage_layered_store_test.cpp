#include "duckdb.hpp"
#include "storage/layered_database_store.hpp"
#include "storage/metadata_store/sqlite_metadata_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace openduck;
namespace fs = std::filesystem;

namespace {

StorageConfig LayeredConfig(const std::string &data_dir) {
	StorageConfig config;
	config.kind = "layered";
	config.data_dir = data_dir;
	return config;
}

std::string TempDataDir(const std::string &name) {
	auto path = (fs::temp_directory_path() / ("openduck-layered-" + name + "-" + std::to_string(::getpid()))).string();
	fs::remove_all(path);
	return path;
}

int64_t Count(duckdb::DuckDB &database, const std::string &sql) {
	duckdb::Connection connection(database);
	auto result = connection.Query(sql);
	if (result->HasError()) {
		ADD_FAILURE() << result->GetError();
		return -1;
	}
	return result->GetValue(0, 0).GetValue<int64_t>();
}

void RunSql(duckdb::DuckDB &database, const std::string &sql) {
	duckdb::Connection connection(database);
	auto result = connection.Query(sql);
	ASSERT_FALSE(result->HasError()) << result->GetError();
}

} // namespace

TEST(StorageLayeredStore, CommitsSurviveReopenAndEachCommitPublishesASnapshot) {
	auto dir = TempDataDir("reopen");
	{
		LayeredDatabaseStore store(LayeredConfig(dir));
		store.CreateDatabase("mydb");
		EXPECT_EQ(store.ListDatabases(), std::vector<std::string> {"mydb"});
		auto database = store.OpenDatabase("mydb");
		ASSERT_TRUE(database);
		RunSql(*database, "CREATE TABLE t (i INTEGER, s VARCHAR)");
		for (int i = 0; i < 20; i++) {
			RunSql(*database, "INSERT INTO t VALUES (" + std::to_string(i) + ", repeat('x', 1000))");
		}
		RunSql(*database, "INSERT INTO t SELECT range, 'bulk' FROM range(100, 200000)");
		EXPECT_EQ(Count(*database, "SELECT count(*) FROM t"), 20 + 199900);
		EXPECT_EQ(store.OpenDatabase("missing"), nullptr);
	}
	{
		SqliteMetadataStore metadata(dir + "/metadata.sqlite");
		// At least one snapshot per commit (each commit syncs the WAL).
		EXPECT_GE(metadata.ListSnapshots("mydb").size(), 22u);
	}
	{
		LayeredDatabaseStore store(LayeredConfig(dir));
		auto database = store.OpenDatabase("mydb");
		ASSERT_TRUE(database);
		EXPECT_EQ(Count(*database, "SELECT count(*) FROM t"), 20 + 199900);
		EXPECT_EQ(Count(*database, "SELECT sum(i) FROM t WHERE i < 20"), 190);
		RunSql(*database, "CHECKPOINT");
		RunSql(*database, "DELETE FROM t WHERE i >= 100000");
	}
	{
		LayeredDatabaseStore store(LayeredConfig(dir));
		auto database = store.OpenDatabase("mydb");
		EXPECT_EQ(Count(*database, "SELECT count(*) FROM t"), 20 + 99900);
	}
	fs::remove_all(dir);
}

TEST(StorageLayeredStore, HolderNames) {
	auto name = LayeredDatabaseStore::MakeHolderName();
	EXPECT_FALSE(LayeredDatabaseStore::HolderIsGone(name)); // this process
	char host[256] = {0};
	gethostname(host, sizeof(host) - 1);
	// A pid that cannot exist on Linux (above pid_max's hard limit).
	EXPECT_TRUE(LayeredDatabaseStore::HolderIsGone(std::string(host) + ":99999999:abc"));
	EXPECT_FALSE(LayeredDatabaseStore::HolderIsGone("some-other-host:1:abc"));
	EXPECT_FALSE(LayeredDatabaseStore::HolderIsGone("garbage"));
}

TEST(StorageLayeredStore, SecondStoreCannotOpenALiveWritersDatabase) {
	auto dir = TempDataDir("two");
	LayeredDatabaseStore first(LayeredConfig(dir));
	first.CreateDatabase("mydb");
	LayeredDatabaseStore second(LayeredConfig(dir));
	EXPECT_THROW(second.OpenDatabase("mydb"), duckdb::IOException);
	fs::remove_all(dir);
}

TEST(StorageLayeredStore, PlainFileDatabasesAreImportedOnFirstOpen) {
	auto dir = TempDataDir("import");
	fs::create_directories(dir);
	{
		duckdb::DuckDB plain(dir + "/legacy.duckdb");
		RunSql(plain, "CREATE TABLE t AS SELECT range AS i FROM range(50000)");
		RunSql(plain, "CHECKPOINT");
		RunSql(plain, "INSERT INTO t VALUES (-1)");
	}
	{
		LayeredDatabaseStore store(LayeredConfig(dir));
		EXPECT_EQ(store.ListDatabases(), std::vector<std::string> {"legacy"});
		auto database = store.OpenDatabase("legacy");
		ASSERT_TRUE(database);
		EXPECT_EQ(Count(*database, "SELECT count(*) FROM t"), 50001);
		RunSql(*database, "INSERT INTO t VALUES (-2)");
	}
	// From now on the layers are the database: the plain file is neither needed nor changed.
	fs::rename(dir + "/legacy.duckdb", dir + "/legacy.backup");
	{
		LayeredDatabaseStore store(LayeredConfig(dir));
		auto database = store.OpenDatabase("legacy");
		ASSERT_TRUE(database);
		EXPECT_EQ(Count(*database, "SELECT count(*) FROM t"), 50002);
	}
	fs::remove_all(dir);
}
