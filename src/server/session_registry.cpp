#include "server/session_registry.hpp"

#include "server/token_auth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <grpcpp/server_context.h>
#include <random>

namespace openduck {

//! How often a call waiting for its turn checks whether its client gave up.
static constexpr auto TURN_POLL_INTERVAL = std::chrono::milliseconds(50);

static std::string NewSessionId() {
	std::random_device source;
	char id[33];
	for (int i = 0; i < 4; i++) {
		std::snprintf(id + 8 * i, 9, "%08x", static_cast<unsigned>(source()));
	}
	return std::string(id, 32);
}

SessionTurn::SessionTurn(Session &session_p, grpc::ServerContext &call) : session(session_p) {
	std::unique_lock<std::mutex> guard(session.lock);
	while (session.busy && !session.closed && !call.IsCancelled()) {
		session.turn_free.wait_for(guard, TURN_POLL_INTERVAL);
	}
	if (session.busy || session.closed || call.IsCancelled()) {
		return;
	}
	session.busy = true;
	session.running_call = &call;
	acquired = true;
}

SessionTurn::~SessionTurn() {
	if (!acquired) {
		return;
	}
	{
		std::lock_guard<std::mutex> guard(session.lock);
		session.busy = false;
		session.running_call = nullptr;
	}
	session.turn_free.notify_all();
}

std::shared_ptr<Session> SessionRegistry::Create(const std::string &database, std::shared_ptr<duckdb::DuckDB> instance,
                                                 bool read_only) {
	auto session = std::make_shared<Session>();
	session->id = NewSessionId();
	session->database = database;
	session->connection = std::make_shared<duckdb::Connection>(*instance);
	session->instance = std::move(instance);
	session->read_only = read_only;
	std::lock_guard<std::mutex> guard(lock);
	session->number = next_number++;
	sessions.push_back(session);
	return session;
}

std::shared_ptr<Session> SessionRegistry::Find(const std::string &id) {
	std::lock_guard<std::mutex> guard(lock);
	std::shared_ptr<Session> found;
	// Every id is compared in constant time, and the scan does not stop at a match: how long a
	// lookup takes tells nothing about the ids.
	for (auto &session : sessions) {
		if (ConstantTimeEquals(session->id, id)) {
			found = session;
		}
	}
	return found;
}

size_t SessionRegistry::Count() {
	std::lock_guard<std::mutex> guard(lock);
	return sessions.size();
}

bool SessionRegistry::Close(const std::shared_ptr<Session> &session) {
	{
		std::lock_guard<std::mutex> guard(lock);
		sessions.erase(std::remove(sessions.begin(), sessions.end(), session), sessions.end());
	}
	std::unique_lock<std::mutex> guard(session->lock);
	session->closed = true;
	if (session->busy) {
		// Interrupt DuckDB, and end the call too: an upload may be waiting for client bytes.
		if (session->running_call) {
			session->running_call->TryCancel();
		}
		session->connection->Interrupt();
	}
	session->turn_free.notify_all();
	while (session->busy) {
		session->turn_free.wait_for(guard, TURN_POLL_INTERVAL);
	}
	guard.unlock();
	bool rolled_back = false;
	try {
		if (session->connection->HasActiveTransaction()) {
			session->connection->Query("ROLLBACK");
			rolled_back = true;
		}
	} catch (std::exception &) {
		// Dropping the connection below rolls back anyway.
	}
	session->connection.reset();
	return rolled_back;
}

} // namespace openduck
