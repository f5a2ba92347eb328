//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/scan/scan_limit_pushdown.hpp
//
// LIMIT and Top-N into remote scans: when a LIMIT or an ORDER BY ... LIMIT
// sits right above a remote scan, the server sends only the rows that can
// make it through, while the local operator still does the exact cut.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

#include <string>

namespace openduck {

struct OpenDuckScanBindData;

//! An optimizer pass (run after DuckDB's own) that finds LOGICAL_LIMIT / LOGICAL_TOP_N directly
//! above an openduck_scan, possibly through projections, and records the limit (plus offset) and
//! the order in the scan's bind data. Only for scans no join will push dynamic filters into.
duckdb::OptimizerExtension GetScanLimitPushdownOptimizer();

//! " ORDER BY ... LIMIT n" (or " LIMIT n") for a scan with a remote limit; empty without one, or
//! when an order key cannot be sent exactly.
std::string RemoteLimitSQL(const OpenDuckScanBindData &bind_data);

} // namespace openduck
