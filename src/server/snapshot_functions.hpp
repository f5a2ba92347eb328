//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/snapshot_functions.hpp
//
// Differential storage in SQL, registered in every served database:
//   FROM openduck_snapshots()                          this database's snapshots
//   FROM openduck_resolve_snapshot('selector')         the one snapshot an id, name or time selects
//   FROM openduck_create_snapshot('name')              names the newest snapshot (kept past retention)
//   FROM openduck_clone_database('copy'[, 'snapshot']) zero-copy clone of this database
// Clients reach them like any SQL; the extension wraps them (openduck_snapshots('mydb'), CREATE DATABASE ...
// FROM ...). The two that change state count as writes, so read-only clients cannot call them.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

class DatabaseStore;

void RegisterSnapshotFunctions(duckdb::DatabaseInstance &db, DatabaseStore &store, const std::string &database);

} // namespace openduck
