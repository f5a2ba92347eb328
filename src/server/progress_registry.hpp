//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/progress_registry.hpp
//
// Running statements by the progress id their client chose, so GetProgress can
// read DuckDB's own progress of the connection that runs them.
//===----------------------------------------------------------------------===//

#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace duckdb {
class Connection;
}

namespace openduck {

struct QueryProgressReport {
	bool running = false;
	//! 0 to 100; -1 when DuckDB cannot tell (yet).
	double percentage = -1;
	uint64_t rows_processed = 0;
	uint64_t total_rows_to_process = 0;
};

class ProgressRegistry {
public:
	//! Starts reporting for `progress_id`; an id already in use keeps its first statement.
	bool Add(const std::string &progress_id, const std::shared_ptr<duckdb::Connection> &connection);
	void Remove(const std::string &progress_id);
	QueryProgressReport Get(const std::string &progress_id);

private:
	std::mutex lock;
	std::unordered_map<std::string, std::weak_ptr<duckdb::Connection>> running;
};

//! Turns on DuckDB's progress tracking for `connection` (without printing a bar).
void EnableProgressTracking(duckdb::Connection &connection);

} // namespace openduck
