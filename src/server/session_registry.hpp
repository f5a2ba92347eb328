//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/session_registry.hpp
//
// Sessions opened with OpenSession: one DuckDB connection each, whose
// transaction spans calls. Statements of a session run one at a time.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace grpc {
class ServerContext;
}

namespace openduck {

struct Session {
	//! The handle clients send (ExecuteQueryRequest.session_id); never logged.
	std::string id;
	//! Number for log lines, which must not reveal the id.
	uint64_t number = 0;
	std::string database;
	std::shared_ptr<duckdb::DuckDB> instance;
	std::shared_ptr<duckdb::Connection> connection;
	bool read_only = false;

	std::mutex lock;
	std::condition_variable turn_free;
	//! A statement runs on the connection.
	bool busy = false;
	//! The session ended: no statement may start any more.
	bool closed = false;
	//! The call whose statement runs, cancelled when the session ends (an upload may wait for the
	//! network, which no DuckDB interrupt reaches).
	grpc::ServerContext *running_call = nullptr;
};

//! Holds a session's connection for one call's statements; waits while another call's run.
class SessionTurn {
public:
	SessionTurn(Session &session, grpc::ServerContext &call);
	~SessionTurn();
	//! False when the session ended or the call was cancelled while waiting.
	bool Acquired() const {
		return acquired;
	}

private:
	Session &session;
	bool acquired = false;
};

class SessionRegistry {
public:
	//! A new session with a fresh id (128 bits from the system's secure random source).
	std::shared_ptr<Session> Create(const std::string &database, std::shared_ptr<duckdb::DuckDB> instance,
	                                bool read_only);
	//! The open session with this id, or null.
	std::shared_ptr<Session> Find(const std::string &id);
	//! Ends a session: removes its id, stops what runs on it, rolls back its transaction and frees
	//! its connection (unless a result being streamed still holds it). Returns whether a
	//! transaction was rolled back.
	bool Close(const std::shared_ptr<Session> &session);
	size_t Count();

private:
	std::mutex lock;
	std::vector<std::shared_ptr<Session>> sessions;
	uint64_t next_number = 1;
};

} // namespace openduck
