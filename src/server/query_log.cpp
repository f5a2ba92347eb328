#include "server/query_log.hpp"

#include <cstdio>
#include <ctime>

namespace openduck {

static std::string Timestamp() {
	auto now = std::chrono::system_clock::now();
	auto seconds = std::chrono::system_clock::to_time_t(now);
	auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
	std::tm utc;
	gmtime_r(&seconds, &utc);
	char buffer[64];
	std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
	char result[80];
	std::snprintf(result, sizeof(result), "%s.%03lldZ", buffer, static_cast<long long>(millis));
	return result;
}

void LogQuery(const std::string &database, std::chrono::steady_clock::time_point started, uint64_t rows, uint64_t bytes,
              uint32_t streams, const std::string &status, const std::string &extra) {
	auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
	std::fprintf(stderr, "%s query database=%s duration_ms=%.3f rows=%llu bytes=%llu streams=%u%s status=%s\n",
	             Timestamp().c_str(), database.c_str(), elapsed, static_cast<unsigned long long>(rows),
	             static_cast<unsigned long long>(bytes), streams, extra.c_str(), status.c_str());
}

void LogEvent(const std::string &message) {
	std::fprintf(stderr, "%s %s\n", Timestamp().c_str(), message.c_str());
}

} // namespace openduck
