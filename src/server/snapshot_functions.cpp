#include "server/snapshot_functions.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/planner/binder.hpp"
#include "storage/database_store.hpp"

namespace openduck {

namespace {

struct SnapshotFunctionInfo : public duckdb::TableFunctionInfo {
	SnapshotFunctionInfo(DatabaseStore &store, std::string database) : store(store), database(std::move(database)) {
	}
	DatabaseStore &store;
	std::string database;
};

enum class SnapshotAction { LIST, RESOLVE, CREATE, CLONE };

struct SnapshotBindData : public duckdb::TableFunctionData {
	SnapshotAction action = SnapshotAction::LIST;
	DatabaseStore *store = nullptr;
	std::string database;
	//! RESOLVE: the snapshot selector. CREATE: the snapshot name. CLONE: the target database.
	std::string argument;
	//! CLONE: which snapshot of this database.
	std::string snapshot;
};

struct SnapshotScanState : public duckdb::GlobalTableFunctionState {
	bool done = false;
	std::string database;
	std::vector<SnapshotInfo> rows;
	size_t next = 0;
};

void SetSnapshotColumns(duckdb::vector<duckdb::LogicalType> &return_types, duckdb::vector<std::string> &names) {
	return_types = {duckdb::LogicalType::VARCHAR,      duckdb::LogicalType::BIGINT,  duckdb::LogicalType::BIGINT,
	                duckdb::LogicalType::TIMESTAMP_TZ, duckdb::LogicalType::VARCHAR, duckdb::LogicalType::UBIGINT,
	                duckdb::LogicalType::BOOLEAN};
	names = {"database_name", "snapshot_id", "parent_snapshot_id", "created_at",
	         "snapshot_name", "layer_count", "is_newest"};
}

//! The statement changes the database: read-only tokens, READ_ONLY attaches and snapshot engines refuse it.
void MarkAsWrite(duckdb::ClientContext &context, duckdb::TableFunctionBindInput &input) {
	if (!input.binder) {
		return;
	}
	auto &catalog = duckdb::Catalog::GetCatalog(context, duckdb::DatabaseManager::GetDefaultDatabase(context));
	input.binder->GetStatementProperties().RegisterDBModify(catalog, context, duckdb::DatabaseModificationType());
}

duckdb::unique_ptr<duckdb::FunctionData> BindWith(SnapshotAction action, duckdb::ClientContext &context,
                                                  duckdb::TableFunctionBindInput &input,
                                                  duckdb::vector<duckdb::LogicalType> &return_types,
                                                  duckdb::vector<std::string> &names) {
	auto &info = input.info->Cast<SnapshotFunctionInfo>();
	auto data = duckdb::make_uniq<SnapshotBindData>();
	data->action = action;
	data->store = &info.store;
	data->database = info.database;
	for (auto &value : input.inputs) {
		if (value.IsNull()) {
			throw duckdb::InvalidInputException("openduck snapshot functions take no NULL arguments");
		}
	}
	if (action == SnapshotAction::RESOLVE) {
		data->argument = input.inputs[0].ToString();
	} else if (action != SnapshotAction::LIST) {
		auto &main = duckdb::DatabaseManager::GetDefaultDatabase(context);
		if (duckdb::Catalog::GetCatalog(context, main).GetAttached().IsReadOnly()) {
			throw duckdb::InvalidInputException("database \"%s\" is read-only here (a past snapshot or a read "
			                                    "replica): name snapshots and clone on the writer",
			                                    info.database);
		}
		data->argument = input.inputs[0].ToString();
		MarkAsWrite(context, input);
	}
	if (action == SnapshotAction::CLONE && input.inputs.size() > 1) {
		data->snapshot = input.inputs[1].ToString();
	}
	SetSnapshotColumns(return_types, names);
	return std::move(data);
}

duckdb::unique_ptr<duckdb::FunctionData> ListBind(duckdb::ClientContext &context, duckdb::TableFunctionBindInput &input,
                                                  duckdb::vector<duckdb::LogicalType> &return_types,
                                                  duckdb::vector<std::string> &names) {
	return BindWith(SnapshotAction::LIST, context, input, return_types, names);
}

duckdb::unique_ptr<duckdb::FunctionData> ResolveBind(duckdb::ClientContext &context,
                                                     duckdb::TableFunctionBindInput &input,
                                                     duckdb::vector<duckdb::LogicalType> &return_types,
                                                     duckdb::vector<std::string> &names) {
	return BindWith(SnapshotAction::RESOLVE, context, input, return_types, names);
}

duckdb::unique_ptr<duckdb::FunctionData> CreateBind(duckdb::ClientContext &context,
                                                    duckdb::TableFunctionBindInput &input,
                                                    duckdb::vector<duckdb::LogicalType> &return_types,
                                                    duckdb::vector<std::string> &names) {
	return BindWith(SnapshotAction::CREATE, context, input, return_types, names);
}

duckdb::unique_ptr<duckdb::FunctionData> CloneBind(duckdb::ClientContext &context,
                                                   duckdb::TableFunctionBindInput &input,
                                                   duckdb::vector<duckdb::LogicalType> &return_types,
                                                   duckdb::vector<std::string> &names) {
	return BindWith(SnapshotAction::CLONE, context, input, return_types, names);
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> SnapshotInit(duckdb::ClientContext &context,
                                                                  duckdb::TableFunctionInitInput &input) {
	return duckdb::make_uniq<SnapshotScanState>();
}

//! Runs the action once, at execution (never at bind: a describe-only prepare must not create anything).
void SnapshotScan(duckdb::ClientContext &context, duckdb::TableFunctionInput &input, duckdb::DataChunk &output) {
	auto &data = input.bind_data->Cast<SnapshotBindData>();
	auto &state = input.global_state->Cast<SnapshotScanState>();
	if (!state.done) {
		state.done = true;
		state.database = data.database;
		switch (data.action) {
		case SnapshotAction::LIST:
			state.rows = data.store->ListSnapshots(data.database);
			break;
		case SnapshotAction::RESOLVE:
			state.rows.push_back(data.store->ResolveSnapshot(data.database, SnapshotSelector::Parse(data.argument)));
			break;
		case SnapshotAction::CREATE:
			state.rows.push_back(data.store->CreateNamedSnapshot(data.database, data.argument));
			break;
		case SnapshotAction::CLONE:
			state.database = data.argument;
			state.rows.push_back(
			    data.store->CloneDatabase(data.database, SnapshotSelector::Parse(data.snapshot), data.argument));
			break;
		}
	}
	duckdb::idx_t count = 0;
	while (state.next < state.rows.size() && count < STANDARD_VECTOR_SIZE) {
		auto &row = state.rows[state.next++];
		output.SetValue(0, count, duckdb::Value(state.database));
		output.SetValue(1, count, duckdb::Value::BIGINT(row.id));
		output.SetValue(2, count,
		                row.parent ? duckdb::Value::BIGINT(row.parent) : duckdb::Value(duckdb::LogicalType::BIGINT));
		output.SetValue(
		    3, count,
		    duckdb::Value::TIMESTAMPTZ(duckdb::timestamp_tz_t(duckdb::Timestamp::FromEpochMs(row.created_at_ms))));
		output.SetValue(4, count,
		                row.name.empty() ? duckdb::Value(duckdb::LogicalType::VARCHAR) : duckdb::Value(row.name));
		output.SetValue(5, count, duckdb::Value::UBIGINT(row.layer_count));
		output.SetValue(6, count, duckdb::Value::BOOLEAN(row.newest));
		count++;
	}
	output.SetCardinality(count);
}

} // namespace

void RegisterSnapshotFunctions(duckdb::DatabaseInstance &db, DatabaseStore &store, const std::string &database) {
	auto info = duckdb::make_shared_ptr<SnapshotFunctionInfo>(store, database);
	duckdb::ExtensionLoader loader(db, "openduck_server");

	duckdb::TableFunction list("openduck_snapshots", {}, SnapshotScan, ListBind, SnapshotInit);
	list.function_info = info;
	loader.RegisterFunction(std::move(list));

	// What a time-travel selector (id, name or time) means: the table-level AT clause of clients.
	duckdb::TableFunction resolve("openduck_resolve_snapshot", {duckdb::LogicalType::VARCHAR}, SnapshotScan,
	                              ResolveBind, SnapshotInit);
	resolve.function_info = info;
	loader.RegisterFunction(std::move(resolve));

	duckdb::TableFunction create("openduck_create_snapshot", {duckdb::LogicalType::VARCHAR}, SnapshotScan, CreateBind,
	                             SnapshotInit);
	create.function_info = info;
	loader.RegisterFunction(std::move(create));

	duckdb::TableFunctionSet clone("openduck_clone_database");
	duckdb::TableFunction clone_newest({duckdb::LogicalType::VARCHAR}, SnapshotScan, CloneBind, SnapshotInit);
	clone_newest.function_info = info;
	clone.AddFunction(clone_newest);
	duckdb::TableFunction clone_at({duckdb::LogicalType::VARCHAR, duckdb::LogicalType::VARCHAR}, SnapshotScan,
	                               CloneBind, SnapshotInit);
	clone_at.function_info = info;
	clone.AddFunction(clone_at);
	loader.RegisterFunction(std::move(clone));
}

} // namespace openduck
