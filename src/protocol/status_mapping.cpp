#include "protocol/status_mapping.hpp"

#include "duckdb/common/error_data.hpp"

namespace openduck {

using duckdb::ExceptionType;

grpc::StatusCode StatusCodeForException(ExceptionType type) {
	switch (type) {
	case ExceptionType::CATALOG:
		return grpc::StatusCode::NOT_FOUND;
	case ExceptionType::PERMISSION:
		return grpc::StatusCode::PERMISSION_DENIED;
	case ExceptionType::TRANSACTION:
		return grpc::StatusCode::ABORTED;
	case ExceptionType::INTERRUPT:
		return grpc::StatusCode::CANCELLED;
	case ExceptionType::CONSTRAINT:
		return grpc::StatusCode::FAILED_PRECONDITION;
	case ExceptionType::OUT_OF_MEMORY:
		return grpc::StatusCode::RESOURCE_EXHAUSTED;
	case ExceptionType::NOT_IMPLEMENTED:
		return grpc::StatusCode::UNIMPLEMENTED;
	case ExceptionType::OUT_OF_RANGE:
		return grpc::StatusCode::OUT_OF_RANGE;
	case ExceptionType::IO:
	case ExceptionType::FATAL:
	case ExceptionType::INTERNAL:
		return grpc::StatusCode::INTERNAL;
	default:
		return grpc::StatusCode::INVALID_ARGUMENT;
	}
}

ExceptionType ExceptionTypeForStatus(const grpc::Status &status, const std::string &error_type_name) {
	if (!error_type_name.empty()) {
		auto type = duckdb::Exception::StringToExceptionType(error_type_name);
		if (type == ExceptionType::FATAL || type == ExceptionType::INTERNAL) {
			// The server's engine failed, not the client's: raised as FATAL or INTERNAL here, DuckDB would give up
			// on the client's own databases too.
			return ExceptionType::IO;
		}
		if (type != ExceptionType::INVALID) {
			return type;
		}
	}
	switch (status.error_code()) {
	case grpc::StatusCode::UNAUTHENTICATED:
	case grpc::StatusCode::PERMISSION_DENIED:
		return ExceptionType::PERMISSION;
	case grpc::StatusCode::NOT_FOUND:
		return ExceptionType::CATALOG;
	case grpc::StatusCode::CANCELLED:
		return ExceptionType::INTERRUPT;
	case grpc::StatusCode::ABORTED:
		return ExceptionType::TRANSACTION;
	case grpc::StatusCode::INVALID_ARGUMENT:
		return ExceptionType::INVALID_INPUT;
	default:
		return ExceptionType::IO;
	}
}

bool IsCallFailure(const std::exception &ex) {
	auto type = duckdb::ErrorData(ex).Type();
	return type == duckdb::ExceptionType::IO || type == duckdb::ExceptionType::PERMISSION ||
	       type == duckdb::ExceptionType::INTERRUPT || type == duckdb::ExceptionType::NETWORK;
}

} // namespace openduck
