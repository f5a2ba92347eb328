//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/sqlite_schema.hpp
//
// The versioned schema of the SQLite metadata store. Migration 1 is the original schema (written with IF NOT
// EXISTS, so it adopts a file made before migrations existed); later migrations add to it. docs/storage.md.
//===----------------------------------------------------------------------===//

#pragma once

#include <string>

struct sqlite3;

namespace openduck {

//! Applies every migration the file lacks, oldest first, each in its own BEGIN IMMEDIATE transaction that also
//! records it in schema_migrations; two processes opening one file at once apply each migration once. Throws
//! IOException when the file was migrated by a newer build (a version this one does not know).
void MigrateSqliteSchema(sqlite3 *db, const std::string &path);

//! The newest schema version this build knows.
int SqliteSchemaVersion();

} // namespace openduck
