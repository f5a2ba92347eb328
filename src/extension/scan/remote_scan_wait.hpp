//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/remote_scan_wait.hpp
//
// Lets a table function wait for the network without holding a DuckDB thread
// for long: the call returns BLOCKED and a short task waits instead. Between
// those waits DuckDB updates the progress bar and notices interrupts.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/function/table_function.hpp"

#include <chrono>
#include <functional>

namespace openduck {

//! How long one wait task waits before DuckDB gets its thread back.
constexpr std::chrono::milliseconds REMOTE_WAIT_SLICE {100};
//! How long a table function waits itself before it hands the wait to a task: most answers come
//! within it, and a task costs a few thread hand-overs.
constexpr std::chrono::milliseconds REMOTE_QUICK_WAIT {5};

//! Turns this call of a table function into a wait: `wait` (which must return within about
//! REMOTE_WAIT_SLICE and may outlive the function's states, so it must own what it uses) runs as
//! a DuckDB task, then DuckDB calls the function again. Returns false when DuckDB does not allow
//! it (synchronous execution); the function must then wait itself. When true, the function must
//! return with an empty chunk.
bool WaitAsynchronously(duckdb::TableFunctionInput &input, std::function<void()> wait);

} // namespace openduck
