//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/common/filter_to_sql.hpp
//
// Translates filters DuckDB pushes into a scan into SQL predicates for the
// remote query.
//===----------------------------------------------------------------------===//

#pragma once

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

} // namespace openduck
