#include "catalog/remote_catalog_snapshot.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

static std::string TextOrEmpty(const Value &value) {
	return value.IsNull() ? std::string() : value.ToString();
}

void RemoteCatalogRows::Append(DataChunk &chunk) {
	for (idx_t row = 0; row < chunk.size(); row++) {
		RemoteCatalogRow entry;
		entry.schema_name = TextOrEmpty(chunk.GetValue(0, row));
		entry.table_name = TextOrEmpty(chunk.GetValue(1, row));
		auto is_view = chunk.GetValue(2, row);
		entry.is_view = !is_view.IsNull() && is_view.GetValue<bool>();
		auto size = chunk.GetValue(3, row);
		entry.estimated_rows = size.IsNull() ? 0 : static_cast<idx_t>(size.GetValue<int64_t>());
		entry.column_name = TextOrEmpty(chunk.GetValue(4, row));
		entry.data_type = TextOrEmpty(chunk.GetValue(5, row));
		auto nullable = chunk.GetValue(6, row);
		entry.is_nullable = nullable.IsNull() || nullable.GetValue<bool>();
		entry.table_comment = TextOrEmpty(chunk.GetValue(9, row));
		entry.column_comment = TextOrEmpty(chunk.GetValue(10, row));
		entry.column_default = TextOrEmpty(chunk.GetValue(11, row));
		auto keys = chunk.GetValue(8, row);
		if (!keys.IsNull()) {
			for (auto &key : ListValue::GetChildren(keys)) {
				entry.key_columns.push_back(TextOrEmpty(key));
			}
		}
		// Length-prefixed fields keep the fingerprint unambiguous whatever the names contain.
		for (auto *field : {&entry.schema_name, &entry.table_name, &entry.column_name, &entry.data_type,
		                    &entry.table_comment, &entry.column_comment, &entry.column_default}) {
			fingerprint += std::to_string(field->size()) + ":" + *field;
		}
		for (auto &key : entry.key_columns) {
			fingerprint += "K" + std::to_string(key.size()) + ":" + key;
		}
		fingerprint += entry.is_view ? "V" : "T";
		fingerprint += entry.is_nullable ? "N;" : "R;";
		rows.push_back(std::move(entry));
	}
}

void RemoteCatalogRows::AddEstimate(std::string schema_name, std::string table_name, idx_t estimated_rows) {
	RemoteCatalogRow row;
	row.schema_name = std::move(schema_name);
	row.table_name = std::move(table_name);
	row.estimated_rows = estimated_rows;
	rows.push_back(std::move(row));
}

bool RemoteCatalogSnapshot::UpdateEstimates(const RemoteCatalogRows &rows) {
	bool moved = false;
	for (auto &row : rows.Rows()) {
		if (row.table_name.empty()) {
			continue;
		}
		auto schema = schemas.find(row.schema_name);
		if (schema != schemas.end() && schema->second->UpdateEstimate(row.table_name, row.estimated_rows)) {
			moved = true;
		}
	}
	return moved;
}

} // namespace openduck
