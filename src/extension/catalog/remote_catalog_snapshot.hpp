//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/remote_catalog_snapshot.hpp
//
// The remote database's schemas, tables and columns at one moment, as
// DuckDB catalog entries.
//===----------------------------------------------------------------------===//

#pragma once

#include "catalog/openduck_schema_entry.hpp"
#include "duckdb/common/case_insensitive_map.hpp"

#include <string>
#include <vector>

namespace openduck {

//! One row of the remote catalog query: a schema (empty table name) or a column of a table.
struct RemoteCatalogRow {
	std::string schema_name;
	std::string table_name;
	bool is_view = false;
	duckdb::idx_t estimated_rows = 0;
	std::string column_name;
	std::string data_type;
	bool is_nullable = true;
	//! For a PRIMARY KEY or UNIQUE row (data_type names which, column_name is empty): its columns.
	duckdb::vector<std::string> key_columns;
	std::string table_comment;
	std::string column_comment;
	std::string column_default;
};

//! The rows of one catalog read, and a fingerprint of everything but the row estimates, so an
//! unchanged catalog can keep its entries.
class RemoteCatalogRows {
public:
	void Append(duckdb::DataChunk &chunk);
	const std::vector<RemoteCatalogRow> &Rows() const {
		return rows;
	}
	const std::string &Fingerprint() const {
		return fingerprint;
	}
	//! A table's row estimate alone (the cheap catalog check); not part of the fingerprint.
	void AddEstimate(std::string schema_name, std::string table_name, duckdb::idx_t estimated_rows);

private:
	std::vector<RemoteCatalogRow> rows;
	std::string fingerprint;
};

struct RemoteCatalogSnapshot {
	std::string fingerprint;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<OpenDuckSchemaEntry>> schemas;

	//! Refreshes row estimates (they change with every write) without replacing entries. True when
	//! one moved enough to change a plan.
	bool UpdateEstimates(const RemoteCatalogRows &rows);
};

} // namespace openduck
