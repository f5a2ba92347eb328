#include "storage/metadata_store/postgres_connection.hpp"

#include "duckdb.hpp"

#include <libpq-fe.h>
#include <poll.h>

namespace openduck {

namespace {

//! libpq messages span lines ("...\n\tThis probably means..."): one line reads better in a log.
std::string Trim(const std::string &text) {
	std::string line;
	for (auto c : text) {
		if (c == '\n' || c == '\t') {
			if (!line.empty() && line.back() != ' ') {
				line += ' ';
			}
		} else {
			line += c;
		}
	}
	while (!line.empty() && line.back() == ' ') {
		line.pop_back();
	}
	return line;
}

//! libpq prints server notices ("relation already exists, skipping") to stderr by default.
void IgnoreNotice(void *, const char *) {
}

} // namespace

PostgresParam PostgresParam::BigintArray(const std::vector<int64_t> &values) {
	std::string text = "{";
	for (size_t i = 0; i < values.size(); i++) {
		text += (i ? "," : "") + std::to_string(values[i]);
	}
	return PostgresParam(text + "}");
}

PostgresResult::PostgresResult(pg_result *result_p) : result(result_p, PQclear) {
}

int PostgresResult::Rows() const {
	return PQntuples(result.get());
}

int64_t PostgresResult::Integer(int row, int column) const {
	if (PQgetisnull(result.get(), row, column)) {
		return 0;
	}
	return std::stoll(PQgetvalue(result.get(), row, column));
}

std::string PostgresResult::Text(int row, int column) const {
	return PQgetvalue(result.get(), row, column);
}

int64_t PostgresResult::Changed() const {
	std::string changed = PQcmdTuples(result.get());
	return changed.empty() ? 0 : std::stoll(changed);
}

PostgresConnection::PostgresConnection(const std::string &url) {
	char *parse_error = nullptr;
	auto options = PQconninfoParse(url.c_str(), &parse_error);
	if (!options) {
		// libpq's message may quote the URL, password included: not repeated here.
		PQfreemem(parse_error);
		throw duckdb::InvalidInputException("invalid PostgreSQL metadata URL: use "
		                                    "postgres://[user[:password]@]host[:port]/database[?param=value...]");
	}
	std::string host, port, dbname;
	for (auto option = options; option->keyword; option++) {
		std::string keyword = option->keyword;
		std::string value = option->val ? option->val : "";
		if (keyword == "host") {
			host = value;
		} else if (keyword == "hostaddr" && host.empty()) {
			host = value;
		} else if (keyword == "port") {
			port = value;
		} else if (keyword == "dbname") {
			dbname = value;
		} else if (keyword == "user") {
			user = value;
		}
	}
	PQconninfoFree(options);
	location = "postgres://" + (host.empty() ? std::string("localhost") : host) + ":" +
	           (port.empty() ? std::string("5432") : port) + "/" + (dbname.empty() ? user : dbname);

	// Defaults first: keywords after the expanded URL would override what the URL says.
	const char *keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
	const char *values[] = {"5", "openduck", url.c_str(), nullptr};
	connection = PQconnectdbParams(keywords, values, 1);
	if (!connection) {
		throw duckdb::IOException("metadata store %s unavailable: out of memory", location);
	}
	PQsetNoticeProcessor(connection, IgnoreNotice, nullptr);
	if (PQstatus(connection) != CONNECTION_OK) {
		auto message = LastError();
		PQfinish(connection);
		connection = nullptr;
		throw duckdb::IOException("metadata store %s unavailable: %s", location, message);
	}
}

PostgresConnection::~PostgresConnection() {
	PQfinish(connection);
}

std::string PostgresConnection::LastError() const {
	return Trim(PQerrorMessage(connection));
}

void PostgresConnection::ThrowUnavailable(const std::string &detail) const {
	throw duckdb::IOException("metadata store %s unavailable: %s", location, Trim(detail));
}

void PostgresConnection::EnsureConnected() {
	// Reads what the server sent while we were idle: a server that closed the connection (restart, shutdown)
	// sends a FATAL message, then EOF, which shows up as CONNECTION_BAD here instead of failing the next statement.
	for (int read = 0; read < 8 && PQstatus(connection) == CONNECTION_OK; read++) {
		pollfd idle {PQsocket(connection), POLLIN, 0};
		if (poll(&idle, 1, 0) <= 0 || !PQconsumeInput(connection)) {
			break;
		}
	}
	if (PQstatus(connection) != CONNECTION_OK) {
		PQreset(connection);
		PQsetNoticeProcessor(connection, IgnoreNotice, nullptr);
		if (PQstatus(connection) != CONNECTION_OK) {
			ThrowUnavailable(LastError());
		}
	}
}

PostgresResult PostgresConnection::Execute(const std::string &sql, const std::vector<PostgresParam> &params) {
	std::vector<const char *> values;
	for (auto &param : params) {
		values.push_back(param.text.c_str());
	}
	auto raw = PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
	                        nullptr, 0);
	PostgresResult result(raw);
	auto status = PQresultStatus(raw);
	if (raw && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
		return result;
	}
	std::string message = raw ? Trim(PQresultErrorMessage(raw)) : std::string();
	if (message.empty()) {
		message = LastError();
	}
	if (PQstatus(connection) != CONNECTION_OK) {
		throw PostgresConnectionLost(message);
	}
	throw duckdb::IOException("metadata store %s: %s", location, message);
}

void PostgresConnection::ExecuteScript(const std::string &sql) {
	PostgresResult result(PQexec(connection, sql.c_str()));
	if (PQstatus(connection) != CONNECTION_OK) {
		throw PostgresConnectionLost(LastError());
	}
	auto status = PQresultStatus(result.Raw());
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		throw duckdb::IOException("metadata store %s: %s", location, LastError());
	}
}

PostgresTransaction::PostgresTransaction(PostgresConnection &connection_p) : connection(connection_p) {
	connection.Execute("BEGIN");
}

PostgresTransaction::~PostgresTransaction() {
	if (!committed) {
		try {
			connection.Execute("ROLLBACK");
		} catch (...) {
			// A broken connection has no transaction left to roll back; the server dropped it.
		}
	}
}

void PostgresTransaction::Commit() {
	connection.Execute("COMMIT");
	committed = true;
}

} // namespace openduck
