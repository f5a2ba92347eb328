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

class OpenDuckCatalog;

duckdb::TableFunction GetOpenDuckQueryFunction();
//! A table function with openduck_query's scan: its bind calls BindRemoteQuery with the SQL to run.
duckdb::TableFunction MakeRemoteQueryFunction(const std::string &name, duckdb::vector<duckdb::LogicalType> arguments,
                                              duckdb::table_function_bind_t bind);
//! openduck_query's bind for fixed SQL on an attached OpenDuck database (types learnt without running it),
//! at the past snapshot `snapshot` when it is not empty.
duckdb::unique_ptr<duckdb::FunctionData> BindRemoteQuery(duckdb::ClientContext &context, OpenDuckCatalog &catalog,
                                                         std::string sql,
                                                         duckdb::vector<duckdb::LogicalType> &return_types,
                                                         duckdb::vector<std::string> &names,
                                                         const std::string &snapshot = std::string());
duckdb::TableFunction GetOpenDuckExecuteFunction();

//! Whether this openduck_query bind had to run its statement (one that cannot be described alone);
//! such a plan must not be planned again.
bool OpenDuckQueryRanAtBind(const duckdb::FunctionData &bind_data);

} // namespace openduck
