#include "server/cancellation_watcher.hpp"

#include "duckdb.hpp"

#include <grpcpp/server_context.h>

namespace openduck {

//! How quickly a cancelled call interrupts its query (at most twice this).
static constexpr auto POLL_INTERVAL = std::chrono::milliseconds(10);
//! Polling goes on this long after the last watch ended before the thread sleeps for good: waking
//! it for every short query costs more server CPU than the polls do.
static constexpr auto IDLE_BEFORE_SLEEP = std::chrono::seconds(1);

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
	auto last_busy = std::chrono::steady_clock::now();
	while (!stopping) {
		auto now = std::chrono::steady_clock::now();
		if (!watches.empty()) {
			last_busy = now;
		} else if (now - last_busy >= IDLE_BEFORE_SLEEP) {
			asleep = true;
			wake.wait(guard);
			asleep = false;
			continue;
		}
		for (auto &watch : watches) {
			// A call younger than one interval is left alone: most finish before they are looked at.
			if (!watch.cancelled && now - watch.started >= POLL_INTERVAL && watch.context->IsCancelled()) {
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
	entry->started = std::chrono::steady_clock::now();
	if (watcher.asleep) {
		watcher.wake.notify_all();
	}
}

CancellationWatcher::Guard::~Guard() {
	std::lock_guard<std::mutex> guard(watcher.lock);
	watcher.watches.erase(entry);
}

} // namespace openduck
