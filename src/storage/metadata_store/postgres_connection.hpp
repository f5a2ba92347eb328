//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/postgres_connection.hpp
//
// One libpq connection for the PostgreSQL metadata store: parameterized statements only (values travel as
// PQexecParams parameters, never in SQL text), a redacted description of the URL for messages, and transparent
// reconnection after the server went away (a restart of PostgreSQL must not need a restart of openduck).
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace openduck {

//! Thrown (internally) when the connection broke during a statement; the store decides whether to retry.
class PostgresConnectionLost : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

//! A statement parameter, sent as text (NULL when is_null).
struct PostgresParam {
	PostgresParam(int64_t value) : text(std::to_string(value)) {
	}
	PostgresParam(const std::string &value) : text(value) {
	}
	PostgresParam(const char *value) : text(value) {
	}
	//! A bigint[] parameter ("{1,2,3}"), for `= ANY($n::bigint[])`.
	static PostgresParam BigintArray(const std::vector<int64_t> &values);
	std::string text;
};

//! A statement's rows (text format).
class PostgresResult {
public:
	explicit PostgresResult(pg_result *result);
	int Rows() const;
	int64_t Integer(int row, int column) const;
	std::string Text(int row, int column) const;
	//! Rows changed by an INSERT / UPDATE / DELETE.
	int64_t Changed() const;
	pg_result *Raw() const {
		return result.get();
	}

private:
	std::shared_ptr<pg_result> result;
};

class PostgresConnection {
public:
	//! Connects to url (a libpq URI); throws IOException naming the redacted URL when it cannot.
	explicit PostgresConnection(const std::string &url);
	~PostgresConnection();

	//! Runs one parameterized statement. Throws PostgresConnectionLost when the connection broke, IOException
	//! for any other error (sqlstate() tells which).
	PostgresResult Execute(const std::string &sql, const std::vector<PostgresParam> &params = {});
	//! Runs SQL text without parameters, possibly several statements (schema migrations).
	void ExecuteScript(const std::string &sql);
	//! Reconnects when the connection is known to be broken (or the server closed it while idle); throws
	//! IOException "metadata store <location> unavailable: ..." when the server cannot be reached.
	void EnsureConnected();
	//! The IOException for a lost connection, naming the location.
	[[noreturn]] void ThrowUnavailable(const std::string &detail) const;

	//! "postgres://host:port/db": the URL without user and password.
	const std::string &Location() const {
		return location;
	}
	const std::string &User() const {
		return user;
	}

private:
	std::string LastError() const;

	pg_conn *connection = nullptr;
	std::string location;
	std::string user;
};

//! BEGIN ... COMMIT on a PostgresConnection; rolls back when destroyed uncommitted (if the connection lives).
class PostgresTransaction {
public:
	explicit PostgresTransaction(PostgresConnection &connection);
	~PostgresTransaction();
	void Commit();

private:
	PostgresConnection &connection;
	bool committed = false;
};

} // namespace openduck
