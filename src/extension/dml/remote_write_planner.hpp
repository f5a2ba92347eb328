//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/dml/remote_write_planner.hpp
//
// Decides how a write into a remote table runs, from the parsed statement:
// whole on the server when it reads nothing but that database, else with the
// client's rows streamed to the server (openduck_upload()). The catalog's
// Plan* hooks build the operators from this plan.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"

#include <string>

namespace openduck {

class OpenDuckCatalog;

struct RemoteWritePlan {
	duckdb::optional_ptr<OpenDuckCatalog> catalog;
	//! The whole statement for the server (RETURNING becomes RETURNING *: DuckDB computes the
	//! user's expressions on top). Empty when the statement reads data only the client has.
	std::string statement_sql;
	//! For an INSERT that reads client data: the statement for the server, reading the rows the
	//! client sends with openduck_upload(), named after the target columns.
	std::string upload_sql;
	//! The INSERT statement planned (the caller's object, inside PREPARE or EXPLAIN if so).
	duckdb::optional_ptr<duckdb::InsertStatement> insert;
};

//! Fills `plan` when `statement` writes into a remote table (INSERT, UPDATE, DELETE, TRUNCATE,
//! CREATE TABLE AS); returns false for anything else.
bool PlanRemoteWrite(duckdb::ClientContext &context, duckdb::SQLStatement &statement, RemoteWritePlan &plan);

} // namespace openduck
