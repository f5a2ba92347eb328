#include "storage/metadata_store/sqlite_schema.hpp"

#include "duckdb.hpp"
#include "storage/metadata_store/metadata_store.hpp"
#include "storage/metadata_store/sqlite_statement.hpp"

#include <vector>

namespace openduck {

namespace {

struct Migration {
	int version;
	const char *sql;
};

const std::vector<Migration> &Migrations() {
	static const std::vector<Migration> migrations = {
	    {1, R"(
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
)"},
	    // Named snapshots, reader holds, and the indexes expiry and garbage collection look rows up by.
	    {2, R"(
CREATE UNIQUE INDEX IF NOT EXISTS snapshots_by_name ON snapshots(database, name) WHERE name IS NOT NULL;
CREATE INDEX IF NOT EXISTS snapshots_by_base ON snapshots(base);
CREATE INDEX IF NOT EXISTS snapshots_by_parent ON snapshots(parent);
CREATE INDEX IF NOT EXISTS snapshot_layers_by_layer ON snapshot_layers(layer);
CREATE TABLE IF NOT EXISTS snapshot_holds (
	holder TEXT NOT NULL,
	database TEXT NOT NULL REFERENCES databases(name),
	snapshot INTEGER NOT NULL REFERENCES snapshots(id),
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (holder, database, snapshot)
);
CREATE INDEX IF NOT EXISTS snapshot_holds_by_snapshot ON snapshot_holds(snapshot);
)"},
	    // Small layers stored inline (NULL: the layer is an object in the object store).
	    {3, R"(
ALTER TABLE layers ADD COLUMN inline_data BLOB;
)"},
	};
	return migrations;
}

const char *MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                               "applied_at INTEGER NOT NULL)";

} // namespace

int SqliteSchemaVersion() {
	return Migrations().back().version;
}

void MigrateSqliteSchema(sqlite3 *db, const std::string &path) {
	for (auto &migration : Migrations()) {
		// The check and the migration share one write transaction: a second process waits, then sees it done.
		SqliteTransaction transaction(db);
		SqliteExecute(db, MIGRATIONS_TABLE, "creating schema_migrations");
		int64_t applied = 0;
		bool done = false;
		{
			SqliteStatement newest(db, "SELECT COALESCE(MAX(version), 0), "
			                           "COALESCE(MAX(version = ?1), 0) FROM schema_migrations");
			newest.Bind(1, static_cast<int64_t>(migration.version)).Step();
			applied = newest.Integer(0);
			done = newest.Integer(1) != 0;
		}
		if (applied > SqliteSchemaVersion()) {
			throw duckdb::IOException("metadata store \"%s\" has schema version %lld, newer than this build knows "
			                          "(%d): upgrade openduck",
			                          path, (long long)applied, SqliteSchemaVersion());
		}
		if (!done) {
			SqliteExecute(db, migration.sql,
			              "schema migration " + std::to_string(migration.version) + " of \"" + path + "\"");
			SqliteStatement record(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
			record.Bind(1, static_cast<int64_t>(migration.version)).Bind(2, NowMilliseconds()).Run();
		}
		transaction.Commit();
	}
}

} // namespace openduck
