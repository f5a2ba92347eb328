#include "dml/physical_remote_statement.hpp"

#include "catalog/openduck_catalog.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

PhysicalRemoteStatement::PhysicalRemoteStatement(PhysicalPlan &physical_plan, vector<LogicalType> types,
                                                 OpenDuckCatalog &catalog_p, std::string sql_p, bool changes_catalog_p,
                                                 idx_t estimated_cardinality)
    : PhysicalOperator(physical_plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog(catalog_p), sql(std::move(sql_p)), changes_catalog(changes_catalog_p) {
}

class RemoteStatementState : public GlobalSourceState {
public:
	unique_ptr<RemoteResultReader> reader;
	DataChunk received;

	idx_t MaxThreads() override {
		return 1;
	}
};

unique_ptr<GlobalSourceState> PhysicalRemoteStatement::GetGlobalSourceState(ClientContext &context) const {
	return make_uniq<RemoteStatementState>();
}

SourceResultType PhysicalRemoteStatement::GetDataInternal(ExecutionContext &context, DataChunk &chunk,
                                                          OperatorSourceInput &input) const {
	auto &state = input.global_state.Cast<RemoteStatementState>();
	if (!state.reader) {
		state.reader = make_uniq<RemoteResultReader>(context.client, catalog.Execute(context.client, sql));
		state.received.Initialize(context.client, state.reader->Types());
	}
	state.received.Reset();
	state.reader->Fill(state.received);
	if (state.received.size() == 0) {
		if (changes_catalog) {
			catalog.InvalidateSnapshots(context.client);
		}
		return SourceResultType::FINISHED;
	}
	if (chunk.ColumnCount() < state.received.ColumnCount()) {
		throw IOException("OpenDuck: the server answered \"%s\" with %llu columns, expected %llu", sql,
		                  state.received.ColumnCount(), chunk.ColumnCount());
	}
	// INSERT ... ON CONFLICT plans as a merge, whose rows end with the merge action; that column
	// is not part of what the server returns, and RETURNING of an INSERT cannot name it.
	for (idx_t i = state.received.ColumnCount(); i < chunk.ColumnCount(); i++) {
		chunk.data[i].SetVectorType(VectorType::CONSTANT_VECTOR);
		ConstantVector::SetNull(chunk.data[i], true);
	}
	// The server names types as it stores them; the plan may expect an equivalent local type.
	for (idx_t i = 0; i < state.received.ColumnCount(); i++) {
		if (chunk.data[i].GetType() == state.received.data[i].GetType()) {
			chunk.data[i].Reference(state.received.data[i]);
		} else {
			VectorOperations::Cast(context.client, state.received.data[i], chunk.data[i], state.received.size());
		}
	}
	chunk.SetCardinality(state.received.size());
	return SourceResultType::HAVE_MORE_OUTPUT;
}

InsertionOrderPreservingMap<std::string> PhysicalRemoteStatement::ParamsToString() const {
	InsertionOrderPreservingMap<std::string> result;
	result["Remote SQL"] = sql;
	result["Remote Database"] = catalog.GetName();
	return result;
}

LogicalRemoteDDL::LogicalRemoteDDL(OpenDuckCatalog &catalog_p, std::string sql_p)
    : catalog(catalog_p), sql(std::move(sql_p)) {
}

void LogicalRemoteDDL::ResolveTypes() {
	types.emplace_back(LogicalType::BIGINT);
}

PhysicalOperator &LogicalRemoteDDL::CreatePlan(ClientContext &context, PhysicalPlanGenerator &planner) {
	return planner.Make<PhysicalRemoteStatement>(types, catalog, sql, true, estimated_cardinality);
}

} // namespace openduck
