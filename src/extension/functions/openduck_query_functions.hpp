//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/functions/openduck_query_functions.hpp
//
// The escape hatch: run SQL verbatim on a remote database.
//   FROM openduck_query('cloud', 'SELECT ...')
//   CALL openduck_execute('cloud', 'any SQL')
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::TableFunction GetOpenDuckQueryFunction();
duckdb::TableFunction GetOpenDuckExecuteFunction();

//! Whether this openduck_query bind had to run its statement (one that cannot be described alone);
//! such a plan must not be planned again.
bool OpenDuckQueryRanAtBind(const duckdb::FunctionData &bind_data);

} // namespace openduck
