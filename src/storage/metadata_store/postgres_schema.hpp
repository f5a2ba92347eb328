//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/postgres_schema.hpp
//
// The versioned schema of the PostgreSQL metadata store: the same tables and migrations as SQLite
// (sqlite_schema.hpp), in PostgreSQL types. docs/storage.md.
//===----------------------------------------------------------------------===//

#pragma once

namespace openduck {

class PostgresConnection;

//! Applies every migration the database lacks, oldest first, each in its own transaction that first takes a
//! transaction-scoped advisory lock, so servers starting at once migrate once. Throws IOException when the
//! database was migrated by a newer build.
void MigratePostgresSchema(PostgresConnection &connection);

} // namespace openduck
