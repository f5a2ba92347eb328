#include "storage/metadata_store/sqlite_statement.hpp"

#include "duckdb.hpp"

#include <sqlite3.h>

namespace openduck {

SqliteStatement::SqliteStatement(sqlite3 *db_p, const std::string &sql) : db(db_p) {
	if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
		throw duckdb::IOException("metadata store: cannot prepare statement: %s", sqlite3_errmsg(db));
	}
}

SqliteStatement::SqliteStatement(SqliteStatementCache &cache, const std::string &sql) : db(cache.db) {
	auto &entry = cache.entries[sql];
	if (entry.in_use) {
		if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
			throw duckdb::IOException("metadata store: cannot prepare statement: %s", sqlite3_errmsg(db));
		}
		return;
	}
	if (!entry.statement && sqlite3_prepare_v2(db, sql.c_str(), -1, &entry.statement, nullptr) != SQLITE_OK) {
		entry.statement = nullptr;
		throw duckdb::IOException("metadata store: cannot prepare statement: %s", sqlite3_errmsg(db));
	}
	statement = entry.statement;
	entry.in_use = true;
	borrowed = &entry.in_use;
}

SqliteStatement::~SqliteStatement() {
	if (borrowed) {
		// Back to the cache, holding no lock and no old values.
		sqlite3_reset(statement);
		sqlite3_clear_bindings(statement);
		*borrowed = false;
	} else {
		sqlite3_finalize(statement);
	}
}

SqliteStatementCache::~SqliteStatementCache() {
	Clear();
}

void SqliteStatementCache::Clear() {
	for (auto &entry : entries) {
		sqlite3_finalize(entry.second.statement);
	}
	entries.clear();
}

SqliteStatement &SqliteStatement::Bind(int index, int64_t value) {
	sqlite3_bind_int64(statement, index, value);
	return *this;
}

SqliteStatement &SqliteStatement::Bind(int index, const std::string &value) {
	sqlite3_bind_text(statement, index, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
	return *this;
}

SqliteStatement &SqliteStatement::BindBlobOrNull(int index, const std::string &value) {
	if (value.empty()) {
		sqlite3_bind_null(statement, index);
	} else {
		sqlite3_bind_blob(statement, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
	}
	return *this;
}

bool SqliteStatement::Step() {
	auto result = sqlite3_step(statement);
	if (result == SQLITE_ROW) {
		return true;
	}
	if (result == SQLITE_DONE) {
		return false;
	}
	throw duckdb::IOException("metadata store: %s", sqlite3_errmsg(db));
}

int64_t SqliteStatement::Run() {
	while (Step()) {
	}
	return sqlite3_changes(db);
}

int64_t SqliteStatement::Integer(int column) {
	return sqlite3_column_int64(statement, column);
}

std::string SqliteStatement::Text(int column) {
	auto text = sqlite3_column_text(statement, column);
	return text ? std::string(reinterpret_cast<const char *>(text)) : std::string();
}

std::string SqliteStatement::Blob(int column) {
	auto data = sqlite3_column_blob(statement, column);
	auto size = sqlite3_column_bytes(statement, column);
	return data ? std::string(static_cast<const char *>(data), static_cast<size_t>(size)) : std::string();
}

bool SqliteStatement::IsNull(int column) {
	return sqlite3_column_type(statement, column) == SQLITE_NULL;
}

SqliteTransaction::SqliteTransaction(sqlite3 *db_p) : db(db_p) {
	SqliteExecute(db, "BEGIN IMMEDIATE", "BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
	if (!committed) {
		sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
	}
}

void SqliteTransaction::Commit() {
	SqliteExecute(db, "COMMIT", "COMMIT");
	committed = true;
}

void SqliteExecute(sqlite3 *db, const std::string &sql, const std::string &what) {
	char *error = nullptr;
	if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
		std::string message = error ? error : sqlite3_errmsg(db);
		sqlite3_free(error);
		throw duckdb::IOException("metadata store: %s failed: %s", what, message);
	}
}

} // namespace openduck
