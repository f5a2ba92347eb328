//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/interval_range_check.hpp
//
// Arrow's month_day_nano interval holds nanoseconds in 64 bits, so an INTERVAL
// whose time part exceeds about 2,562,047 hours cannot be sent; DuckDB's Arrow
// conversion would wrap it silently. Both ends check rows before encoding them.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

//! Whether `type` has an INTERVAL anywhere (nested types included), so checking is needed at all.
bool ContainsInterval(const duckdb::LogicalType &type);

//! Throws an OutOfRangeException naming `column_name` when any INTERVAL in rows [offset, offset + count)
//! of `vector` cannot be represented in Arrow.
void CheckIntervalsFitArrow(duckdb::Vector &vector, duckdb::idx_t offset, duckdb::idx_t count,
                            const std::string &column_name);

} // namespace openduck
