//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/remote_ddl.hpp
//
// DDL on an attached OpenDuck database, rendered as SQL for the server: the
// client's parsed statement with the attach alias taken out of every name.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/parsed_data/alter_info.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/parser/parsed_data/create_schema_info.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_data/create_view_info.hpp"
#include "duckdb/parser/parsed_data/drop_info.hpp"

#include <string>

namespace openduck {

class OpenDuckCatalog;

std::string CreateSchemaSQL(const duckdb::CreateSchemaInfo &info);
std::string CreateTableSQL(const duckdb::CreateTableInfo &info);
//! Fails when the view reads tables of another database: the server could not resolve them.
std::string CreateViewSQL(duckdb::ClientContext &context, const duckdb::CreateViewInfo &info,
                          OpenDuckCatalog &catalog);
std::string CreateIndexSQL(const duckdb::CreateIndexInfo &info);
std::string DropSQL(const duckdb::DropInfo &info);
std::string AlterSQL(const duckdb::AlterInfo &info);

} // namespace openduck
