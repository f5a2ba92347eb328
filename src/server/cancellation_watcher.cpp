#include "server/cancellation_watcher.hpp"

#include "duckdb.hpp"

#include <grpcpp/server_context.h>

namespace openduck {

//! How quickly a cancelled call interrupts its query.
static constexpr auto POLL_INTERVAL = std::chrono::milliseconds(10);

CancellationWatcher::CancellationWatcher() : thread([this]() { Loop(); }) {
}

CancellationWatcher::~CancellationWatcher() {
	{
		std::lock_guard<std::mutex> guard(lock);
		stopping = true;
	}
	wake.notify_all();
	thread.join();
}

void CancellationWatcher::Loop() {
	std::unique_lock<std::mutex> guard(lock);
	while (!stopping) {
		if (watches.empty()) {
			wake.wait(guard);
			continue;
		}
		for (auto &watch : watches) {
			if (!watch.cancelled && watch.context->IsCancelled()) {
				watch.cancelled = true;
				watch.connection->Interrupt();
			}
		}
		wake.wait_for(guard, POLL_INTERVAL);
	}
}

void CancellationWatcher::InterruptAll() {
	std::lock_guard<std::mutex> guard(lock);
	for (auto &watch : watches) {
		watch.cancelled = true;
		watch.connection->Interrupt();
	}
}

CancellationWatcher::Guard::Guard(CancellationWatcher &watcher_p, grpc::ServerContext &context,
                                  duckdb::Connection &connection)
    : watcher(watcher_p) {
	std::lock_guard<std::mutex> guard(watcher.lock);
	entry = watcher.watches.emplace(watcher.watches.end());
	entry->context = &context;
	entry->connection = &connection;
	if (watcher.watches.size() == 1) {
		watcher.wake.notify_all();
	}
}

CancellationWatcher::Guard::~Guard() {
	std::lock_guard<std::mutex> guard(watcher.lock);
	watcher.watches.erase(entry);
}

} // namespace openduck
