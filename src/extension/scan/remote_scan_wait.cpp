#include "scan/remote_scan_wait.hpp"

#include "duckdb/parallel/async_result.hpp"
#include "duckdb/parallel/pipeline.hpp"

namespace openduck {

namespace {

class RemoteWaitTask : public duckdb::AsyncTask {
public:
	explicit RemoteWaitTask(std::function<void()> wait_p) : wait(std::move(wait_p)) {
	}
	void Execute() override {
		wait();
	}

private:
	std::function<void()> wait;
};

//! A BLOCKED result whose one task runs `wait`.
duckdb::AsyncResult WaitTask(std::function<void()> wait) {
	duckdb::vector<duckdb::unique_ptr<duckdb::AsyncTask>> tasks;
	tasks.push_back(duckdb::make_uniq<RemoteWaitTask>(std::move(wait)));
	return duckdb::AsyncResult(std::move(tasks));
}

} // namespace

bool WaitAsynchronously(duckdb::TableFunctionInput &input, std::function<void()> wait) {
	if (input.results_execution_mode != duckdb::AsyncResultsExecutionMode::TASK_EXECUTOR) {
		return false;
	}
	input.async_result = WaitTask(std::move(wait));
	return true;
}

bool WaitAsynchronously(duckdb::ExecutionContext &context, duckdb::OperatorSourceInput &input,
                        std::function<void()> wait) {
	if (!context.pipeline) {
		return false;
	}
	auto guard = input.global_state.Lock();
	if (!input.global_state.CanBlock(guard)) {
		return false;
	}
	WaitTask(std::move(wait)).ScheduleTasks(input.interrupt_state, context.pipeline->executor);
	return true;
}

} // namespace openduck
