//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/arrow_size_estimate.hpp
//
// How large rows will be once in Arrow form, so that either end cuts record
// batches that fit a gRPC message.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

//! Rough size of a vector's Arrow form; only used to size batches, so it favours speed.
uint64_t EstimateArrowBytes(duckdb::Vector &vector, duckdb::idx_t count);

} // namespace openduck
