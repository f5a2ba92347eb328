//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/query_log.hpp
//
// One line per query on stderr. Never SQL text (it may hold secrets), never tokens.
//===----------------------------------------------------------------------===//

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace openduck {

//! `streams`: how many result streams the client read (0 when the result travelled inline).
//! `extra`: more " key=value" fields (e.g. of an upload), written before the status, which ends the line.
void LogQuery(const std::string &database, std::chrono::steady_clock::time_point started, uint64_t rows, uint64_t bytes,
              uint32_t streams, const std::string &status, const std::string &extra = std::string());
//! A server event (start-up, shutdown, warnings), timestamped like query lines.
void LogEvent(const std::string &message);

} // namespace openduck
