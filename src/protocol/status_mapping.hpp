//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/status_mapping.hpp
//
// Maps DuckDB errors to gRPC status codes and back, so a client rethrows the
// same exception type the server raised.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/exception.hpp"

#include <grpcpp/support/status.h>

#include <string>

namespace openduck {

grpc::StatusCode StatusCodeForException(duckdb::ExceptionType type);
//! Exception type for a failed call: the server's own when it sent one, else derived from the code.
duckdb::ExceptionType ExceptionTypeForStatus(const grpc::Status &status, const std::string &error_type_name);
//! A dead connection, a rejected token or an interrupt: a failure no other SQL on the same call
//! path could get past, so fallbacks must let it through.
bool IsCallFailure(const std::exception &ex);

} // namespace openduck
