//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/functions/openduck_snapshot_functions.hpp
//
// Snapshots and clones of an attached OpenDuck database, from any DuckDB:
//   FROM openduck_snapshots('mydb')
//   FROM openduck_create_snapshot('mydb', 'before_migration')
//   CREATE DATABASE copy FROM mydb [AT (VERSION => 42 | TIMESTAMP => '...' | SNAPSHOT => 'name')]
// 'mydb' is an attach alias, or the remote name of an attached OpenDuck database. Time travel itself is an
// attach: ATTACH 'openduck:mydb?snapshot=...'.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::TableFunction GetOpenDuckSnapshotsFunction();
duckdb::TableFunction GetOpenDuckCreateSnapshotFunction();
//! Adds CREATE DATABASE ... FROM ... (which DuckDB's own parser rejects) as a parser extension.
void RegisterCreateDatabaseParser(duckdb::DBConfig &config);

} // namespace openduck
