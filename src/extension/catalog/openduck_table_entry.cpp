#include "catalog/openduck_table_entry.hpp"

#include "catalog/openduck_catalog.hpp"
#include "duckdb/storage/table_storage_info.hpp"
#include "scan/openduck_scan.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

OpenDuckTableEntry::OpenDuckTableEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateTableInfo &info,
                                       idx_t estimated_rows_p)
    : TableCatalogEntry(catalog, schema, info), estimated_rows(estimated_rows_p) {
}

unique_ptr<BaseStatistics> OpenDuckTableEntry::GetStatistics(ClientContext &context, column_t column_id) {
	return nullptr;
}

TableFunction OpenDuckTableEntry::GetScanFunction(ClientContext &context, unique_ptr<FunctionData> &bind_data) {
	auto data = make_uniq<OpenDuckScanBindData>();
	data->catalog = &catalog.Cast<OpenDuckCatalog>();
	data->table = this;
	data->schema_name = schema.name;
	data->table_name = name;
	for (auto &column : columns.Logical()) {
		data->column_names.push_back(column.Name());
		data->column_types.push_back(column.Type());
	}
	data->estimated_rows = estimated_rows.load();
	bind_data = std::move(data);
	return GetOpenDuckScanFunction();
}

TableStorageInfo OpenDuckTableEntry::GetStorageInfo(ClientContext &context) {
	TableStorageInfo info;
	info.cardinality = estimated_rows.load();
	return info;
}

} // namespace openduck
