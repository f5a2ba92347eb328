//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/remote_scan_wait.hpp
//
// Lets a table function or an operator's source wait for the network without
// holding a DuckDB thread: the call returns BLOCKED and a task waits instead.
// Between those waits DuckDB updates the progress bar and notices interrupts,
// and the thread that runs the query sleeps instead of spinning for work
// (which it does while another thread runs the pipeline's only task).
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/execution/execution_context.hpp"
#include "duckdb/execution/physical_operator_states.hpp"
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

//! The same for an operator's source: when true, the operator returns SourceResultType::BLOCKED
//! with an empty chunk, and DuckDB calls it again once `wait` returned. False when the pipeline
//! cannot block any more; the operator must then wait itself.
bool WaitAsynchronously(duckdb::ExecutionContext &context, duckdb::OperatorSourceInput &input,
                        std::function<void()> wait);

} // namespace openduck
