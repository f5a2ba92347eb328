#include "scan/remote_scan_wait.hpp"

#include "duckdb/parallel/async_result.hpp"

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

} // namespace

bool WaitAsynchronously(duckdb::TableFunctionInput &input, std::function<void()> wait) {
	if (input.results_execution_mode != duckdb::AsyncResultsExecutionMode::TASK_EXECUTOR) {
		return false;
	}
	duckdb::vector<duckdb::unique_ptr<duckdb::AsyncTask>> tasks;
	tasks.push_back(duckdb::make_uniq<RemoteWaitTask>(std::move(wait)));
	input.async_result = duckdb::AsyncResult(std::move(tasks));
	return true;
}

} // namespace openduck
