//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/common/filter_to_sql.hpp
//
// Translates filters DuckDB pushes into a scan into SQL predicates for the
// remote query, and the order of a scan that returns its first rows only.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/enums/order_type.hpp"
#include "duckdb/common/types.hpp"
#include "duckdb/planner/table_filter.hpp"

#include <string>

namespace openduck {

//! Translates `filter` applied to the column written as `column_sql` (already quoted) of type
//! `column_type` into a predicate with exactly the same semantics (NULL handling, NaN ordering,
//! collation-free comparison). Returns false when that is not possible; the caller then applies
//! the filter locally. Optional and dynamic filters translate when they can and may be dropped
//! when not (`out` is then empty and the function returns true); so may bloom filters, always.
//! Constants must have the column's type (else false); VARCHAR comparisons are forced to binary
//! with COLLATE "binary". An AND skips dropped children; an OR with a dropped child is dropped as
//! a whole (that child may count as TRUE); any other untranslatable child makes either fail.
//! Expression filters are never translated.
bool TryTableFilterToSQL(const duckdb::TableFilter &filter, const std::string &column_sql,
                         const duckdb::LogicalType &column_type, std::string &out);

//! Translates one ORDER BY key on the column written as `column_sql` (already quoted) of type
//! `column_type` into SQL that sorts exactly as DuckDB sorts a bare column locally: direction and
//! NULL order are spelled out (the server's default_order and default_null_order do not apply)
//! and VARCHAR sorts binary with COLLATE "binary", as in filters. Returns false for unresolved
//! directions and for nested and other types whose order a server-side collation could change.
bool TryOrderToSQL(const std::string &column_sql, const duckdb::LogicalType &column_type, duckdb::OrderType type,
                   duckdb::OrderByNullType null_order, std::string &out);

} // namespace openduck
