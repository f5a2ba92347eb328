#include "storage/metadata_store/sqlite_metadata_store.hpp"

#include "duckdb.hpp"

#include <chrono>
#include <filesystem>
#include <sqlite3.h>

namespace openduck {

int64_t NowMilliseconds() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(
	           std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

namespace {

const char *SCHEMA = R"(
CREATE TABLE IF NOT EXISTS databases (
	name TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS layers (
	id INTEGER PRIMARY KEY,
	database TEXT NOT NULL REFERENCES databases(name),
	object_key TEXT NOT NULL UNIQUE,
	size_bytes INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
	id INTEGER PRIMARY KEY,
	database TEXT NOT NULL REFERENCES databases(name),
	parent INTEGER REFERENCES snapshots(id),
	base INTEGER REFERENCES snapshots(id),
	layer_count INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	name TEXT,
	fencing_token INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_by_database ON snapshots(database, id);
CREATE TABLE IF NOT EXISTS snapshot_layers (
	snapshot INTEGER NOT NULL REFERENCES snapshots(id),
	position INTEGER NOT NULL,
	layer INTEGER NOT NULL REFERENCES layers(id),
	PRIMARY KEY (snapshot, position)
);
CREATE TABLE IF NOT EXISTS writer_leases (
	database TEXT PRIMARY KEY REFERENCES databases(name),
	holder TEXT,
	fencing_token INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
)";

//! A prepared statement, finalized on scope exit.
class Statement {
public:
	Statement(sqlite3 *db, const char *sql) : db(db) {
		if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
			throw duckdb::IOException("metadata store: cannot prepare statement: %s", sqlite3_errmsg(db));
		}
	}
	~Statement() {
		sqlite3_finalize(statement);
	}
	Statement &Bind(int index, int64_t value) {
		sqlite3_bind_int64(statement, index, value);
		return *this;
	}
	Statement &Bind(int index, const std::string &value) {
		sqlite3_bind_text(statement, index, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
		return *this;
	}
	//! True while there is a row.
	bool Step() {
		auto result = sqlite3_step(statement);
		if (result == SQLITE_ROW) {
			return true;
		}
		if (result == SQLITE_DONE) {
			return false;
		}
		throw duckdb::IOException("metadata store: %s", sqlite3_errmsg(db));
	}
	int64_t Integer(int column) {
		return sqlite3_column_int64(statement, column);
	}
	std::string Text(int column) {
		auto text = sqlite3_column_text(statement, column);
		return text ? std::string(reinterpret_cast<const char *>(text)) : std::string();
	}

private:
	sqlite3 *db;
	sqlite3_stmt *statement = nullptr;
};

//! BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted (an exception escaped).
class Transaction {
public:
	explicit Transaction(sqlite3 *db) : db(db) {
		Run("BEGIN IMMEDIATE");
	}
	~Transaction() {
		if (!committed) {
			sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
		}
	}
	void Commit() {
		Run("COMMIT");
		committed = true;
	}

private:
	void Run(const char *sql) {
		char *error = nullptr;
		if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
			std::string message = error ? error : "unknown error";
			sqlite3_free(error);
			throw duckdb::IOException("metadata store: %s failed: %s", sql, message);
		}
	}

	sqlite3 *db;
	bool committed = false;
};

SnapshotRecord ReadSnapshot(Statement &row) {
	SnapshotRecord snapshot;
	snapshot.id = row.Integer(0);
	snapshot.database = row.Text(1);
	snapshot.parent = row.Integer(2);
	snapshot.layer_count = static_cast<uint64_t>(row.Integer(3));
	snapshot.created_at_ms = row.Integer(4);
	snapshot.name = row.Text(5);
	snapshot.fencing_token = row.Integer(6);
	return snapshot;
}

const char *SNAPSHOT_COLUMNS = "id, database, COALESCE(parent, 0), layer_count, created_at, COALESCE(name, ''), "
                               "fencing_token";

} // namespace

SqliteMetadataStore::SqliteMetadataStore(std::string path_p) : path(std::move(path_p)) {
	auto flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
		std::string message = db ? sqlite3_errmsg(db) : "out of memory";
		sqlite3_close(db);
		db = nullptr;
		throw duckdb::IOException("cannot open metadata store \"%s\": %s", path, message);
	}
	sqlite3_busy_timeout(db, 10000);
	Execute("PRAGMA journal_mode=WAL");
	Execute("PRAGMA synchronous=FULL");
	Execute("PRAGMA foreign_keys=ON");
	Execute(SCHEMA);
}

SqliteMetadataStore::~SqliteMetadataStore() {
	sqlite3_close(db);
}

void SqliteMetadataStore::Execute(const std::string &sql) {
	char *error = nullptr;
	if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
		std::string message = error ? error : "unknown error";
		sqlite3_free(error);
		throw duckdb::IOException("metadata store \"%s\": %s", path, message);
	}
}

std::vector<std::string> SqliteMetadataStore::ListDatabases() {
	std::lock_guard<std::mutex> guard(lock);
	Statement query(db, "SELECT name FROM databases ORDER BY name");
	std::vector<std::string> names;
	while (query.Step()) {
		names.push_back(query.Text(0));
	}
	return names;
}

void SqliteMetadataStore::CreateDatabase(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	Statement insert(db, "INSERT OR IGNORE INTO databases (name, created_at) VALUES (?1, ?2)");
	insert.Bind(1, name).Bind(2, NowMilliseconds()).Step();
}

bool SqliteMetadataStore::DatabaseExists(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	Statement query(db, "SELECT 1 FROM databases WHERE name = ?1");
	return query.Bind(1, name).Step();
}

WriterLease SqliteMetadataStore::AcquireWriterLease(const std::string &database, const std::string &holder,
                                                    int64_t ttl_ms, const LeaseHolderGone &holder_gone) {
	std::lock_guard<std::mutex> guard(lock);
	Transaction transaction(db);
	auto now = NowMilliseconds();
	int64_t token = 0;
	{
		Statement current(db, "SELECT COALESCE(holder, ''), fencing_token, expires_at FROM writer_leases "
		                      "WHERE database = ?1");
		if (current.Bind(1, database).Step()) {
			auto current_holder = current.Text(0);
			token = current.Integer(1);
			auto expires_at = current.Integer(2);
			bool free = current_holder.empty() || expires_at <= now || current_holder == holder ||
			            (holder_gone && holder_gone(current_holder));
			if (!free) {
				throw duckdb::IOException("database \"%s\" has another writer (%s) whose lease expires in %lld ms",
				                          database, current_holder, (long long)(expires_at - now));
			}
		}
	}
	WriterLease lease;
	lease.database = database;
	lease.holder = holder;
	lease.fencing_token = token + 1;
	lease.expires_at_ms = now + ttl_ms;
	Statement upsert(db, "INSERT INTO writer_leases (database, holder, fencing_token, expires_at) "
	                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (database) DO UPDATE SET holder = excluded.holder, "
	                     "fencing_token = excluded.fencing_token, expires_at = excluded.expires_at");
	upsert.Bind(1, database).Bind(2, holder).Bind(3, lease.fencing_token).Bind(4, lease.expires_at_ms).Step();
	transaction.Commit();
	return lease;
}

bool SqliteMetadataStore::RenewWriterLease(const WriterLease &lease, int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	Statement update(db, "UPDATE writer_leases SET expires_at = ?1 WHERE database = ?2 AND holder = ?3 AND "
	                     "fencing_token = ?4");
	update.Bind(1, NowMilliseconds() + ttl_ms).Bind(2, lease.database).Bind(3, lease.holder);
	update.Bind(4, lease.fencing_token).Step();
	return sqlite3_changes(db) == 1;
}

void SqliteMetadataStore::ReleaseWriterLease(const WriterLease &lease) {
	std::lock_guard<std::mutex> guard(lock);
	Statement update(db, "UPDATE writer_leases SET holder = NULL, expires_at = 0 WHERE database = ?1 AND "
	                     "holder = ?2 AND fencing_token = ?3");
	update.Bind(1, lease.database).Bind(2, lease.holder).Bind(3, lease.fencing_token).Step();
}

SnapshotRecord SqliteMetadataStore::LatestSnapshotLocked(const std::string &database) {
	Statement query(db, (std::string("SELECT ") + SNAPSHOT_COLUMNS +
	                     " FROM snapshots WHERE database = ?1 ORDER BY id DESC LIMIT 1")
	                        .c_str());
	if (query.Bind(1, database).Step()) {
		return ReadSnapshot(query);
	}
	return SnapshotRecord();
}

SnapshotRecord SqliteMetadataStore::LatestSnapshot(const std::string &database) {
	std::lock_guard<std::mutex> guard(lock);
	return LatestSnapshotLocked(database);
}

std::vector<SnapshotRecord> SqliteMetadataStore::ListSnapshots(const std::string &database) {
	std::lock_guard<std::mutex> guard(lock);
	Statement query(db,
	                (std::string("SELECT ") + SNAPSHOT_COLUMNS + " FROM snapshots WHERE database = ?1 ORDER BY id")
	                    .c_str());
	query.Bind(1, database);
	std::vector<SnapshotRecord> snapshots;
	while (query.Step()) {
		snapshots.push_back(ReadSnapshot(query));
	}
	return snapshots;
}

std::vector<LayerRecord> SqliteMetadataStore::SnapshotLayers(int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(lock);
	// A snapshot stores the layers it adds on top of its base; the full list is the base chain's, by position.
	Statement query(db, "WITH RECURSIVE chain(id, base) AS ("
	                    "  SELECT id, base FROM snapshots WHERE id = ?1"
	                    "  UNION ALL SELECT s.id, s.base FROM snapshots s JOIN chain c ON s.id = c.base) "
	                    "SELECT l.id, l.object_key, l.size_bytes FROM chain "
	                    "JOIN snapshot_layers sl ON sl.snapshot = chain.id JOIN layers l ON l.id = sl.layer "
	                    "ORDER BY sl.position");
	query.Bind(1, snapshot_id);
	std::vector<LayerRecord> layers;
	while (query.Step()) {
		LayerRecord layer;
		layer.id = query.Integer(0);
		layer.object_key = query.Text(1);
		layer.size_bytes = static_cast<uint64_t>(query.Integer(2));
		layers.push_back(std::move(layer));
	}
	return layers;
}

SnapshotRecord SqliteMetadataStore::PublishSnapshot(const WriterLease &lease, int64_t parent,
                                                    const LayerRecord &layer, int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	Transaction transaction(db);
	auto now = NowMilliseconds();
	{
		Statement current(db, "SELECT COALESCE(holder, ''), fencing_token FROM writer_leases WHERE database = ?1");
		if (!current.Bind(1, lease.database).Step() || current.Text(0) != lease.holder ||
		    current.Integer(1) != lease.fencing_token) {
			throw duckdb::IOException("database \"%s\": this writer (fencing token %lld) lost its lease; the commit "
			                          "was not published",
			                          lease.database, (long long)lease.fencing_token);
		}
	}
	auto latest = LatestSnapshotLocked(lease.database);
	if (latest.id != parent) {
		throw duckdb::IOException("database \"%s\": snapshot %lld was published by someone else while this writer "
		                          "was at %lld; the commit was not published",
		                          lease.database, (long long)latest.id, (long long)parent);
	}
	Statement insert_layer(db, "INSERT INTO layers (database, object_key, size_bytes, created_at) "
	                           "VALUES (?1, ?2, ?3, ?4)");
	insert_layer.Bind(1, lease.database).Bind(2, layer.object_key).Bind(3, static_cast<int64_t>(layer.size_bytes));
	insert_layer.Bind(4, now).Step();
	auto layer_id = sqlite3_last_insert_rowid(db);

	SnapshotRecord snapshot;
	snapshot.database = lease.database;
	snapshot.parent = parent;
	snapshot.layer_count = latest.layer_count + 1;
	snapshot.created_at_ms = now;
	snapshot.fencing_token = lease.fencing_token;
	Statement insert_snapshot(db, "INSERT INTO snapshots (database, parent, base, layer_count, created_at, "
	                              "fencing_token) VALUES (?1, NULLIF(?2, 0), NULLIF(?2, 0), ?3, ?4, ?5)");
	insert_snapshot.Bind(1, lease.database).Bind(2, parent).Bind(3, static_cast<int64_t>(snapshot.layer_count));
	insert_snapshot.Bind(4, now).Bind(5, lease.fencing_token).Step();
	snapshot.id = sqlite3_last_insert_rowid(db);

	Statement insert_position(db, "INSERT INTO snapshot_layers (snapshot, position, layer) VALUES (?1, ?2, ?3)");
	insert_position.Bind(1, snapshot.id).Bind(2, static_cast<int64_t>(latest.layer_count)).Bind(3, layer_id).Step();

	Statement renew(db, "UPDATE writer_leases SET expires_at = ?1 WHERE database = ?2");
	renew.Bind(1, now + ttl_ms).Bind(2, lease.database).Step();
	transaction.Commit();
	return snapshot;
}

std::string SqliteMetadataStore::Describe() const {
	return "SQLite metadata in " + std::filesystem::absolute(path).string();
}

} // namespace openduck
