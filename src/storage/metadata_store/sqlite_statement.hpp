//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/sqlite_statement.hpp
//
// Thin RAII wrappers over the SQLite C API for the metadata store: prepared statements with bound parameters
// (values are never spliced into SQL text) and BEGIN IMMEDIATE transactions that roll back on exceptions.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace openduck {

//! Prepared statements of one connection, kept for reuse: a commit runs the same half dozen statements every
//! time, and preparing them again (parsing and planning the SQL) cost more than running them.
class SqliteStatementCache {
public:
	SqliteStatementCache() = default;
	~SqliteStatementCache();
	SqliteStatementCache(const SqliteStatementCache &) = delete;
	SqliteStatementCache &operator=(const SqliteStatementCache &) = delete;
	//! The connection; statements must be finalized (Clear) before it closes.
	sqlite3 *db = nullptr;
	void Clear();

private:
	friend class SqliteStatement;
	struct Entry {
		sqlite3_stmt *statement = nullptr;
		bool in_use = false;
	};
	std::unordered_map<std::string, Entry> entries;
};

//! A prepared statement: finalized on scope exit, or (from a cache) reset and returned to it.
class SqliteStatement {
public:
	SqliteStatement(sqlite3 *db, const std::string &sql);
	//! Borrows the cache's statement for sql (prepared on first use; a fresh one while it is already borrowed).
	SqliteStatement(SqliteStatementCache &cache, const std::string &sql);
	~SqliteStatement();
	SqliteStatement(const SqliteStatement &) = delete;
	SqliteStatement &operator=(const SqliteStatement &) = delete;

	SqliteStatement &Bind(int index, int64_t value);
	SqliteStatement &Bind(int index, const std::string &value);
	//! Binds value as a BLOB, or NULL when value is empty.
	SqliteStatement &BindBlobOrNull(int index, const std::string &value);
	//! True while there is a row.
	bool Step();
	//! Runs the statement to completion and returns how many rows it changed.
	int64_t Run();
	int64_t Integer(int column);
	std::string Text(int column);
	std::string Blob(int column);
	bool IsNull(int column);

private:
	sqlite3 *db;
	sqlite3_stmt *statement = nullptr;
	//! Set when the statement is borrowed from a cache.
	bool *borrowed = nullptr;
};

//! BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two processes never both read-then-write.
//! Rolls back when destroyed uncommitted (an exception escaped).
class SqliteTransaction {
public:
	explicit SqliteTransaction(sqlite3 *db);
	~SqliteTransaction();
	void Commit();

private:
	sqlite3 *db;
	bool committed = false;
};

//! Runs SQL text without parameters (schema statements, pragmas); throws IOException naming what.
void SqliteExecute(sqlite3 *db, const std::string &sql, const std::string &what);

} // namespace openduck
