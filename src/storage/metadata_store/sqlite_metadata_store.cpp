#include "storage/metadata_store/sqlite_metadata_store.hpp"

#include "duckdb.hpp"
#include "storage/metadata_store/metadata_store_errors.hpp"
#include "storage/metadata_store/sqlite_schema.hpp"
#include "storage/metadata_store/sqlite_statement.hpp"

#include <chrono>
#include <filesystem>
#include <sqlite3.h>
#include <thread>

namespace openduck {

namespace {

const char *SNAPSHOT_COLUMNS = "SELECT id, database, COALESCE(parent, 0), layer_count, created_at, "
                               "COALESCE(name, ''), fencing_token FROM snapshots ";

//! Layer rows selected as (id, object_key, size_bytes).
std::vector<LayerRecord> ReadLayers(SqliteStatement &query) {
	std::vector<LayerRecord> layers;
	while (query.Step()) {
		LayerRecord layer;
		layer.id = query.Integer(0);
		layer.object_key = query.Text(1);
		layer.size_bytes = static_cast<uint64_t>(query.Integer(2));
		layer.inlined = query.Integer(3) != 0;
		layers.push_back(std::move(layer));
	}
	return layers;
}

SnapshotRecord ReadSnapshot(SqliteStatement &row) {
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

//! The base chain of snapshot ?1 (itself, its base, its base's base...): together their snapshot_layers rows are
//! its whole list, each position exactly once.
const char *CHAIN = "WITH RECURSIVE chain(id, base) AS ("
                    " SELECT id, base FROM snapshots WHERE id = ?1"
                    " UNION ALL SELECT s.id, s.base FROM snapshots s JOIN chain c ON s.id = c.base) ";

const char *EXPIRING = "(SELECT id FROM temp.expiring)";

} // namespace

SqliteMetadataStore::SqliteMetadataStore(std::string path_p) : path(std::move(path_p)) {
	auto flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
		std::string message = db ? sqlite3_errmsg(db) : "out of memory";
		sqlite3_close(db);
		db = nullptr;
		throw duckdb::IOException("cannot open metadata store \"%s\": %s", path, message);
	}
	try {
		sqlite3_busy_timeout(db, 10000);
		// Switching to WAL needs an exclusive lock, and SQLite answers "locked" at once (not after the busy
		// timeout) when another process opens the same new file at that moment: retry for as long.
		for (int attempt = 0;; attempt++) {
			auto result = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
			if (result == SQLITE_OK) {
				break;
			}
			if ((result != SQLITE_BUSY && result != SQLITE_LOCKED) || attempt >= 200) {
				SqliteExecute(db, "PRAGMA journal_mode=WAL", "PRAGMA journal_mode=WAL on \"" + path + "\"");
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
		}
		SqliteExecute(db, "PRAGMA synchronous=FULL", "PRAGMA synchronous=FULL");
		SqliteExecute(db, "PRAGMA foreign_keys=ON", "PRAGMA foreign_keys=ON");
		MigrateSqliteSchema(db, path);
		SqliteExecute(db, "CREATE TEMP TABLE IF NOT EXISTS expiring (id INTEGER PRIMARY KEY)", "creating temp table");
		statements.db = db;
	} catch (...) {
		sqlite3_close(db);
		db = nullptr;
		throw;
	}
}

SqliteMetadataStore::~SqliteMetadataStore() {
	statements.Clear();
	sqlite3_close(db);
}

std::vector<std::string> SqliteMetadataStore::ListDatabases() {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT name FROM databases ORDER BY name");
	std::vector<std::string> names;
	while (query.Step()) {
		names.push_back(query.Text(0));
	}
	return names;
}

void SqliteMetadataStore::CreateDatabase(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement insert(statements, "INSERT OR IGNORE INTO databases (name, created_at) VALUES (?1, ?2)");
	insert.Bind(1, name).Bind(2, NowMilliseconds()).Run();
}

bool SqliteMetadataStore::DatabaseExists(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT 1 FROM databases WHERE name = ?1");
	return query.Bind(1, name).Step();
}

WriterLease SqliteMetadataStore::AcquireWriterLease(const std::string &database, const std::string &holder,
                                                    int64_t ttl_ms, const LeaseHolderGone &holder_gone) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	auto now = NowMilliseconds();
	int64_t token = 0;
	{
		SqliteStatement current(statements, "SELECT COALESCE(holder, ''), fencing_token, expires_at FROM writer_leases "
		                            "WHERE database = ?1");
		if (current.Bind(1, database).Step()) {
			auto current_holder = current.Text(0);
			token = current.Integer(1);
			auto expires_at = current.Integer(2);
			bool free = current_holder.empty() || expires_at <= now || current_holder == holder ||
			            (holder_gone && holder_gone(current_holder));
			if (!free) {
				ThrowLeaseHeld(database, current_holder, expires_at - now);
			}
		}
	}
	WriterLease lease;
	lease.database = database;
	lease.holder = holder;
	lease.fencing_token = token + 1;
	lease.expires_at_ms = now + ttl_ms;
	SqliteStatement upsert(statements, "INSERT INTO writer_leases (database, holder, fencing_token, expires_at) "
	                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (database) DO UPDATE SET holder = excluded.holder, "
	                           "fencing_token = excluded.fencing_token, expires_at = excluded.expires_at");
	upsert.Bind(1, database).Bind(2, holder).Bind(3, lease.fencing_token).Bind(4, lease.expires_at_ms).Run();
	transaction.Commit();
	return lease;
}

bool SqliteMetadataStore::RenewWriterLease(const WriterLease &lease, int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement update(statements, "UPDATE writer_leases SET expires_at = ?1 WHERE database = ?2 AND holder = ?3 AND "
	                           "fencing_token = ?4");
	update.Bind(1, NowMilliseconds() + ttl_ms).Bind(2, lease.database).Bind(3, lease.holder);
	return update.Bind(4, lease.fencing_token).Run() == 1;
}

void SqliteMetadataStore::ReleaseWriterLease(const WriterLease &lease) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement update(statements, "UPDATE writer_leases SET holder = NULL, expires_at = 0 WHERE database = ?1 AND "
	                           "holder = ?2 AND fencing_token = ?3");
	update.Bind(1, lease.database).Bind(2, lease.holder).Bind(3, lease.fencing_token).Run();
}

SnapshotRecord SqliteMetadataStore::QuerySnapshot(const std::string &where_order, const std::string &database,
                                                  int64_t value) {
	SqliteStatement query(statements, SNAPSHOT_COLUMNS + where_order + " LIMIT 1");
	if (query.Bind(1, database).Bind(2, value).Step()) {
		return ReadSnapshot(query);
	}
	return SnapshotRecord();
}

SnapshotRecord SqliteMetadataStore::LatestSnapshotLocked(const std::string &database) {
	SqliteStatement query(statements, std::string(SNAPSHOT_COLUMNS) + "WHERE database = ?1 ORDER BY id DESC LIMIT 1");
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
	SqliteStatement query(statements, std::string(SNAPSHOT_COLUMNS) + "WHERE database = ?1 ORDER BY id");
	query.Bind(1, database);
	std::vector<SnapshotRecord> snapshots;
	while (query.Step()) {
		snapshots.push_back(ReadSnapshot(query));
	}
	return snapshots;
}

std::vector<LayerRecord> SqliteMetadataStore::SnapshotLayers(int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, std::string(CHAIN) +
	                              "SELECT l.id, l.object_key, l.size_bytes, l.inline_data IS NOT NULL FROM chain "
	                              "JOIN snapshot_layers sl ON sl.snapshot = chain.id JOIN layers l ON l.id = sl.layer "
	                              "ORDER BY sl.position");
	query.Bind(1, snapshot_id);
	return ReadLayers(query);
}

std::string SqliteMetadataStore::ReadInlineLayer(const std::string &object_key) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT inline_data FROM layers WHERE object_key = ?1 AND inline_data IS NOT NULL");
	if (!query.Bind(1, object_key).Step()) {
		throw duckdb::IOException("metadata store \"%s\" has no inlined layer \"%s\"", path, object_key);
	}
	return query.Blob(0);
}

SnapshotRecord SqliteMetadataStore::CheckWriterLocked(const WriterLease &lease, int64_t parent) {
	{
		SqliteStatement current(statements,
		                        "SELECT COALESCE(holder, ''), fencing_token FROM writer_leases WHERE database = ?1");
		if (!current.Bind(1, lease.database).Step() || current.Text(0) != lease.holder ||
		    current.Integer(1) != lease.fencing_token) {
			ThrowLeaseLost(lease);
		}
	}
	auto latest = LatestSnapshotLocked(lease.database);
	if (latest.id != parent) {
		ThrowParentMoved(lease.database, latest.id, parent);
	}
	return latest;
}

int64_t SqliteMetadataStore::InsertLayerLocked(const std::string &database, const LayerRecord &layer, int64_t now) {
	SqliteStatement insert(statements, "INSERT INTO layers (database, object_key, size_bytes, created_at, inline_data) "
	                           "VALUES (?1, ?2, ?3, ?4, ?5)");
	insert.Bind(1, database).Bind(2, layer.object_key).Bind(3, static_cast<int64_t>(layer.size_bytes));
	insert.Bind(4, now).BindBlobOrNull(5, layer.inlined ? layer.inline_data : std::string()).Run();
	return sqlite3_last_insert_rowid(db);
}

int64_t SqliteMetadataStore::InsertSnapshotLocked(const SnapshotRecord &snapshot, int64_t base) {
	SqliteStatement insert(statements, "INSERT INTO snapshots (database, parent, base, layer_count, created_at, "
	                           "fencing_token) VALUES (?1, NULLIF(?2, 0), NULLIF(?3, 0), ?4, ?5, ?6)");
	insert.Bind(1, snapshot.database).Bind(2, snapshot.parent).Bind(3, base);
	insert.Bind(4, static_cast<int64_t>(snapshot.layer_count)).Bind(5, snapshot.created_at_ms);
	insert.Bind(6, snapshot.fencing_token).Run();
	return sqlite3_last_insert_rowid(db);
}

void SqliteMetadataStore::RenewAfterPublishLocked(const WriterLease &lease, int64_t now, int64_t ttl_ms) {
	SqliteStatement renew(statements, "UPDATE writer_leases SET expires_at = ?1 WHERE database = ?2");
	renew.Bind(1, now + ttl_ms).Bind(2, lease.database).Run();
}

SnapshotRecord SqliteMetadataStore::PublishSnapshot(const WriterLease &lease, int64_t parent, const LayerRecord &layer,
                                                    int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	auto now = NowMilliseconds();
	auto latest = CheckWriterLocked(lease, parent);
	auto layer_id = InsertLayerLocked(lease.database, layer, now);

	SnapshotRecord snapshot;
	snapshot.database = lease.database;
	snapshot.parent = parent;
	snapshot.layer_count = latest.layer_count + 1;
	snapshot.created_at_ms = now;
	snapshot.fencing_token = lease.fencing_token;
	// Stored as a delta: one row on top of the parent's list.
	snapshot.id = InsertSnapshotLocked(snapshot, parent);
	SqliteStatement position(statements, "INSERT INTO snapshot_layers (snapshot, position, layer) VALUES (?1, ?2, ?3)");
	position.Bind(1, snapshot.id).Bind(2, static_cast<int64_t>(latest.layer_count)).Bind(3, layer_id).Run();

	RenewAfterPublishLocked(lease, now, ttl_ms);
	transaction.Commit();
	return snapshot;
}

SnapshotRecord SqliteMetadataStore::GetSnapshot(const std::string &database, int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(lock);
	return QuerySnapshot("WHERE database = ?1 AND id = ?2", database, snapshot_id);
}

SnapshotRecord SqliteMetadataStore::FindNamedSnapshot(const std::string &database, const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, std::string(SNAPSHOT_COLUMNS) + "WHERE database = ?1 AND name = ?2");
	if (query.Bind(1, database).Bind(2, name).Step()) {
		return ReadSnapshot(query);
	}
	return SnapshotRecord();
}

SnapshotRecord SqliteMetadataStore::SnapshotAsOf(const std::string &database, int64_t time_ms) {
	std::lock_guard<std::mutex> guard(lock);
	return QuerySnapshot("WHERE database = ?1 AND created_at <= ?2 ORDER BY id DESC", database, time_ms);
}

SnapshotRecord SqliteMetadataStore::NameSnapshot(const std::string &database, int64_t snapshot_id,
                                                 const std::string &name) {
	CheckSnapshotName(database, name);
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	auto snapshot = QuerySnapshot("WHERE database = ?1 AND id = ?2", database, snapshot_id);
	if (snapshot.id == 0) {
		ThrowNoSuchSnapshot(database, snapshot_id);
	}
	{
		SqliteStatement taken(statements, "SELECT id FROM snapshots WHERE database = ?1 AND name = ?2 AND id <> ?3");
		if (taken.Bind(1, database).Bind(2, name).Bind(3, snapshot_id).Step()) {
			throw duckdb::InvalidInputException("database \"%s\" already has a snapshot named \"%s\" (snapshot %lld)",
			                                    database, name, (long long)taken.Integer(0));
		}
	}
	SqliteStatement update(statements, "UPDATE snapshots SET name = ?1 WHERE id = ?2");
	update.Bind(1, name).Bind(2, snapshot_id).Run();
	transaction.Commit();
	snapshot.name = name;
	return snapshot;
}

SnapshotRecord SqliteMetadataStore::CloneDatabase(const std::string &source, int64_t snapshot_id,
                                                  const std::string &target) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	{
		SqliteStatement exists(statements, "SELECT 1 FROM databases WHERE name = ?1");
		if (exists.Bind(1, target).Step()) {
			throw duckdb::InvalidInputException("cannot clone into database \"%s\": it already exists", target);
		}
	}
	auto origin = QuerySnapshot("WHERE database = ?1 AND id = ?2", source, snapshot_id);
	if (origin.id == 0) {
		ThrowNoSuchSnapshot(source, snapshot_id);
	}
	auto now = NowMilliseconds();
	SqliteStatement insert(statements, "INSERT INTO databases (name, created_at) VALUES (?1, ?2)");
	insert.Bind(1, target).Bind(2, now).Run();
	// Constant time: the clone's list is the origin's, reached through base; no snapshot_layers rows are copied.
	SnapshotRecord snapshot;
	snapshot.database = target;
	snapshot.parent = origin.id;
	snapshot.layer_count = origin.layer_count;
	snapshot.created_at_ms = now;
	snapshot.id = InsertSnapshotLocked(snapshot, origin.id);
	transaction.Commit();
	return snapshot;
}

SnapshotRecord SqliteMetadataStore::PublishCompaction(const WriterLease &lease, int64_t parent,
                                                      const LayerRecord &merged, uint64_t first_position,
                                                      uint64_t replaced_count, int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	auto now = NowMilliseconds();
	auto latest = CheckWriterLocked(lease, parent);
	CheckCompactionRange(lease.database, first_position, replaced_count, latest.layer_count);
	auto layer_id = InsertLayerLocked(lease.database, merged, now);

	SnapshotRecord snapshot;
	snapshot.database = lease.database;
	snapshot.parent = parent;
	snapshot.layer_count = latest.layer_count - replaced_count + 1;
	snapshot.created_at_ms = now;
	snapshot.fencing_token = lease.fencing_token;
	// base NULL: the new snapshot lists all its layers, which cuts the chain readers walk.
	snapshot.id = InsertSnapshotLocked(snapshot, 0);
	{
		SqliteStatement position(statements, "INSERT INTO snapshot_layers (snapshot, position, layer) VALUES (?1, ?2, ?3)");
		position.Bind(1, snapshot.id).Bind(2, static_cast<int64_t>(first_position)).Bind(3, layer_id).Run();
	}
	// The parent's layers around the replaced range, in one statement over its base chain.
	SqliteStatement rest(statements,
	                     std::string("INSERT INTO snapshot_layers (snapshot, position, layer) ") + CHAIN +
	                         "SELECT ?2, CASE WHEN sl.position < ?3 THEN sl.position ELSE sl.position - ?4 + 1 END, "
	                         "sl.layer FROM chain JOIN snapshot_layers sl ON sl.snapshot = chain.id "
	                         "WHERE sl.position < ?3 OR sl.position >= ?3 + ?4");
	rest.Bind(1, parent).Bind(2, snapshot.id).Bind(3, static_cast<int64_t>(first_position));
	rest.Bind(4, static_cast<int64_t>(replaced_count)).Run();

	RenewAfterPublishLocked(lease, now, ttl_ms);
	transaction.Commit();
	return snapshot;
}

bool SqliteMetadataStore::HoldSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id,
                                       int64_t ttl_ms) {
	std::lock_guard<std::mutex> guard(lock);
	// Checked and recorded under one write lock, so ExpireSnapshots either sees the hold or ran before it.
	SqliteTransaction transaction(db);
	{
		SqliteStatement exists(statements, "SELECT 1 FROM snapshots WHERE database = ?1 AND id = ?2");
		if (!exists.Bind(1, database).Bind(2, snapshot_id).Step()) {
			return false;
		}
	}
	SqliteStatement upsert(statements, "INSERT INTO snapshot_holds (holder, database, snapshot, expires_at) "
	                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (holder, database, snapshot) "
	                           "DO UPDATE SET expires_at = excluded.expires_at");
	upsert.Bind(1, holder).Bind(2, database).Bind(3, snapshot_id).Bind(4, NowMilliseconds() + ttl_ms).Run();
	transaction.Commit();
	return true;
}

void SqliteMetadataStore::ReleaseSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement remove(statements, "DELETE FROM snapshot_holds WHERE holder = ?1 AND database = ?2 AND snapshot = ?3");
	remove.Bind(1, holder).Bind(2, database).Bind(3, snapshot_id).Run();
}

uint64_t SqliteMetadataStore::ExpireSnapshots(const std::string &database, int64_t cutoff_ms) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	auto now = NowMilliseconds();
	auto run = [&](const std::string &sql) {
		SqliteStatement statement(statements, sql);
		return statement.Run();
	};
	run("DELETE FROM temp.expiring");
	{
		SqliteStatement pick(statements, "INSERT INTO temp.expiring (id) SELECT s.id FROM snapshots s "
		                         "WHERE s.database = ?1 AND s.created_at < ?2 AND s.name IS NULL "
		                         "AND s.id <> (SELECT MAX(id) FROM snapshots WHERE database = ?1) "
		                         "AND NOT EXISTS (SELECT 1 FROM snapshot_holds h WHERE h.snapshot = s.id "
		                         "AND h.expires_at > ?3)");
		pick.Bind(1, database).Bind(2, cutoff_ms).Bind(3, now).Run();
	}
	// A kept snapshot (of any database: clones) whose base goes first gets its whole list: the base chain's rows
	// fill exactly the positions it does not store itself.
	run(std::string("INSERT INTO snapshot_layers (snapshot, position, layer) "
	                "WITH RECURSIVE chain(root, id, base) AS ("
	                " SELECT k.id, b.id, b.base FROM snapshots k JOIN snapshots b ON b.id = k.base"
	                " WHERE k.base IN ") +
	    EXPIRING + " AND k.id NOT IN " + EXPIRING +
	    " UNION ALL SELECT c.root, s.id, s.base FROM snapshots s JOIN chain c ON s.id = c.base) "
	    "SELECT c.root, sl.position, sl.layer FROM chain c JOIN snapshot_layers sl ON sl.snapshot = c.id");
	run(std::string("UPDATE snapshots SET base = NULL WHERE base IN ") + EXPIRING);
	// Lineage of kept snapshots that pointed at a deleted one ends there (parent becomes NULL, read as 0).
	run(std::string("UPDATE snapshots SET parent = NULL WHERE parent IN ") + EXPIRING);
	run(std::string("DELETE FROM snapshot_layers WHERE snapshot IN ") + EXPIRING);
	run(std::string("DELETE FROM snapshot_holds WHERE snapshot IN ") + EXPIRING);
	auto deleted = run(std::string("DELETE FROM snapshots WHERE id IN ") + EXPIRING);
	{
		SqliteStatement stale(statements, "DELETE FROM snapshot_holds WHERE database = ?1 AND expires_at <= ?2");
		stale.Bind(1, database).Bind(2, now).Run();
	}
	run("DELETE FROM temp.expiring");
	transaction.Commit();
	return static_cast<uint64_t>(deleted);
}

std::vector<LayerRecord> SqliteMetadataStore::UnreferencedLayers() {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT id, object_key, size_bytes, inline_data IS NOT NULL FROM layers l WHERE NOT EXISTS "
	                          "(SELECT 1 FROM snapshot_layers sl WHERE sl.layer = l.id) ORDER BY id");
	return ReadLayers(query);
}

void SqliteMetadataStore::DeleteLayerRecords(const std::vector<int64_t> &layer_ids) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteTransaction transaction(db);
	for (auto id : layer_ids) {
		SqliteStatement remove(statements, "DELETE FROM layers WHERE id = ?1 AND NOT EXISTS "
		                           "(SELECT 1 FROM snapshot_layers WHERE layer = ?1)");
		remove.Bind(1, id).Run();
	}
	transaction.Commit();
}

bool SqliteMetadataStore::IsLayerRecorded(const std::string &object_key) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT 1 FROM layers WHERE object_key = ?1");
	return query.Bind(1, object_key).Step();
}

int64_t SqliteMetadataStore::CurrentFencingToken(const std::string &database) {
	std::lock_guard<std::mutex> guard(lock);
	SqliteStatement query(statements, "SELECT fencing_token FROM writer_leases WHERE database = ?1");
	return query.Bind(1, database).Step() ? query.Integer(0) : 0;
}

std::string SqliteMetadataStore::Describe() const {
	return "SQLite metadata in " + std::filesystem::absolute(path).string();
}

} // namespace openduck
