#include "dml/physical_remote_statement.hpp"

#include "catalog/openduck_catalog.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "scan/remote_result_reader.hpp"
#include "scan/remote_scan_wait.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

PhysicalRemoteStatement::PhysicalRemoteStatement(PhysicalPlan &physical_plan, vector<LogicalType> types,
                                                 OpenDuckCatalog &catalog_p, std::string sql_p, bool changes_catalog_p,
                                                 idx_t estimated_cardinality)
    : PhysicalOperator(physical_plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog(catalog_p), sql(std::move(sql_p)), changes_catalog(changes_catalog_p) {
}

RemoteRowsEmitter::RemoteRowsEmitter() = default;
RemoteRowsEmitter::~RemoteRowsEmitter() = default;

void RemoteRowsEmitter::Start(ClientContext &context, std::shared_ptr<RemoteResult> result) {
	reader = make_uniq<RemoteResultReader>(context, std::move(result));
	received.Initialize(context, reader->Types());
}

SourceResultType RemoteRowsEmitter::Emit(ClientContext &context, DataChunk &chunk) {
	received.Reset();
	reader->Fill(received);
	if (received.size() == 0) {
		return SourceResultType::FINISHED;
	}
	if (chunk.ColumnCount() < received.ColumnCount()) {
		throw IOException("OpenDuck: the server answered a write with %llu columns, expected %llu",
		                  received.ColumnCount(), chunk.ColumnCount());
	}
	// INSERT ... ON CONFLICT plans as a merge, whose rows end with the merge action; that column
	// is not part of what the server returns, and RETURNING of an INSERT cannot name it.
	for (idx_t i = received.ColumnCount(); i < chunk.ColumnCount(); i++) {
		chunk.data[i].SetVectorType(VectorType::CONSTANT_VECTOR);
		ConstantVector::SetNull(chunk.data[i], true);
	}
	// The server names types as it stores them; the plan may expect an equivalent local type.
	for (idx_t i = 0; i < received.ColumnCount(); i++) {
		if (chunk.data[i].GetType() == received.data[i].GetType()) {
			chunk.data[i].Reference(received.data[i]);
		} else {
			VectorOperations::Cast(context, received.data[i], chunk.data[i], received.size());
		}
	}
	chunk.SetCardinality(received.size());
	return SourceResultType::HAVE_MORE_OUTPUT;
}

class RemoteStatementState : public GlobalSourceState {
public:
	//! The statement, sent but maybe not answered yet.
	std::shared_ptr<RemoteResult> pending;
	RemoteRowsEmitter emitter;

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
	if (!state.emitter.Started()) {
		if (!state.pending) {
			state.pending = catalog.Execute(context.client, sql);
		}
		auto pending = state.pending;
		if (!pending->Started() &&
		    WaitAsynchronously(context, input, [pending]() { pending->WaitStartedFor(REMOTE_WAIT_SLICE); })) {
			return SourceResultType::BLOCKED;
		}
		state.emitter.Start(context.client, std::move(state.pending));
	}
	auto result = state.emitter.Emit(context.client, chunk);
	if (result == SourceResultType::FINISHED && changes_catalog) {
		catalog.InvalidateSnapshots(context.client);
	}
	return result;
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
