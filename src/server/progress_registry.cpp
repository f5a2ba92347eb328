#include "server/progress_registry.hpp"

#include "duckdb.hpp"
#include "duckdb/main/client_context.hpp"

namespace openduck {

bool ProgressRegistry::Add(const std::string &progress_id, const std::shared_ptr<duckdb::Connection> &connection) {
	std::lock_guard<std::mutex> guard(lock);
	return running.emplace(progress_id, connection).second;
}

void ProgressRegistry::Remove(const std::string &progress_id) {
	std::lock_guard<std::mutex> guard(lock);
	running.erase(progress_id);
}

QueryProgressReport ProgressRegistry::Get(const std::string &progress_id) {
	std::shared_ptr<duckdb::Connection> connection;
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = running.find(progress_id);
		if (entry != running.end()) {
			connection = entry->second.lock();
		}
	}
	QueryProgressReport report;
	if (!connection) {
		return report;
	}
	// DuckDB publishes the progress of the running query through atomics, readable from any thread.
	auto progress = connection->context->GetQueryProgress();
	report.running = true;
	report.percentage = progress.GetPercentage();
	report.rows_processed = progress.GetRowsProcesseed();
	report.total_rows_to_process = progress.GetTotalRowsToProcess();
	return report;
}

void EnableProgressTracking(duckdb::Connection &connection) {
	auto &config = duckdb::ClientConfig::GetConfig(*connection.context);
	config.enable_progress_bar = true;
	config.print_progress_bar = false;
}

} // namespace openduck
