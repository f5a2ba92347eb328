#include "server/catalog_version_function.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/extension/extension_loader.hpp"

namespace openduck {

namespace {

struct CatalogVersionState : public duckdb::GlobalTableFunctionState {
	bool done = false;
};

duckdb::unique_ptr<duckdb::FunctionData> CatalogVersionBind(duckdb::ClientContext &context,
                                                            duckdb::TableFunctionBindInput &input,
                                                            duckdb::vector<duckdb::LogicalType> &return_types,
                                                            duckdb::vector<std::string> &names) {
	return_types.push_back(duckdb::LogicalType::UBIGINT);
	names.push_back("catalog_version");
	return nullptr;
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> CatalogVersionInit(duckdb::ClientContext &context,
                                                                        duckdb::TableFunctionInitInput &input) {
	return duckdb::make_uniq<CatalogVersionState>();
}

void CatalogVersionScan(duckdb::ClientContext &context, duckdb::TableFunctionInput &input,
                        duckdb::DataChunk &output) {
	auto &state = input.global_state->Cast<CatalogVersionState>();
	if (state.done) {
		return;
	}
	state.done = true;
	auto database = duckdb::DatabaseManager::GetDefaultDatabase(context);
	auto version = duckdb::Catalog::GetCatalog(context, database).GetCatalogVersion(context);
	output.SetValue(0, 0, version.IsValid() ? duckdb::Value::UBIGINT(version.GetIndex()) : duckdb::Value());
	output.SetCardinality(1);
}

} // namespace

void RegisterCatalogVersionFunction(duckdb::DatabaseInstance &db) {
	duckdb::TableFunction function("openduck_catalog_version", {}, CatalogVersionScan, CatalogVersionBind,
	                               CatalogVersionInit);
	duckdb::ExtensionLoader loader(db, "openduck_server");
	loader.RegisterFunction(std::move(function));
}

} // namespace openduck
