//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/common/sql_quoting.hpp
//
// Everything that puts names or values into SQL sent to the server goes
// through here.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/types/value.hpp"

#include <string>

namespace openduck {

//! "name" with embedded double quotes doubled. Always quotes, so keywords and odd names work.
std::string QuoteIdentifier(const std::string &name);
//! 'text' with embedded single quotes doubled.
std::string QuoteStringLiteral(const std::string &text);
//! A SQL expression that evaluates to exactly `value` (same type and same value) on a DuckDB of
//! the same version, independent of session settings such as TimeZone. Returns false when no
//! exact literal exists (the caller then keeps the work local); `out` is then left unchanged.
//! Notes: VARCHAR values are plain string literals; ENUM values are cast to an inline
//! ENUM('label', ...) with the value's full label list (so they compare by position with a column
//! of an enum type with the same labels; false beyond 64 KiB of labels); an untyped NULL is NULL.
//! Nested, GEOMETRY, VARIANT and other types without a plain spelling return false, as do strings
//! with NUL bytes or invalid UTF-8 and timestamps DuckDB cannot print or parse back.
bool TryValueToSQLLiteral(const duckdb::Value &value, std::string &out);

} // namespace openduck
