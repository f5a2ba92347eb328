//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/upload_function.hpp
//
// The table function openduck_upload(): the rows a client sends with
// ExecuteWithUpload, decoded from Arrow IPC straight into DuckDB vectors.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"

namespace openduck {

//! Registers openduck_upload() in the system catalog of `db` (idempotent). Outside an
//! ExecuteWithUpload call the function fails at bind time with an explanation.
void RegisterUploadFunction(duckdb::DatabaseInstance &db);

} // namespace openduck
