//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/cancellation_watcher.hpp
//
// The synchronous gRPC API cannot wake a handler when its client goes away,
// and DuckDB only stops when interrupted; one thread watches every running
// call and interrupts the queries of cancelled ones.
//===----------------------------------------------------------------------===//

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

namespace duckdb {
class Connection;
}
namespace grpc {
class ServerContext;
}

namespace openduck {

class CancellationWatcher {
public:
	CancellationWatcher();
	~CancellationWatcher();

	struct Watch {
		grpc::ServerContext *context;
		duckdb::Connection *connection;
		std::chrono::steady_clock::time_point started;
		std::atomic<bool> cancelled {false};
	};

	//! Watches `context` while the guard lives; `connection` is interrupted when the call is cancelled.
	class Guard {
	public:
		Guard(CancellationWatcher &watcher, grpc::ServerContext &context, duckdb::Connection &connection);
		~Guard();
		bool Cancelled() const {
			return entry->cancelled.load();
		}

	private:
		CancellationWatcher &watcher;
		std::list<Watch>::iterator entry;
	};

	//! Interrupts every watched query (shutdown).
	void InterruptAll();

private:
	void Loop();

	std::mutex lock;
	std::condition_variable wake;
	std::list<Watch> watches;
	//! Waiting without a timeout: a new watch must wake it.
	bool asleep = false;
	bool stopping = false;
	std::thread thread;
};

} // namespace openduck
