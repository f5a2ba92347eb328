//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/dml/physical_remote_statement.hpp
//
// Runs one statement on the server and passes on its result: the count of a
// write, the rows of RETURNING *, or nothing for DDL.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/planner/operator/logical_extension_operator.hpp"

#include "protocol/remote_result.hpp"

namespace openduck {

class OpenDuckCatalog;
class RemoteResultReader;

//! Hands a server's answer to a write (its count, or the rows of RETURNING *) to DuckDB.
class RemoteRowsEmitter {
public:
	RemoteRowsEmitter();
	~RemoteRowsEmitter();

	void Start(duckdb::ClientContext &context, std::shared_ptr<RemoteResult> result);
	bool Started() const {
		return reader != nullptr;
	}
	//! Fills `chunk` (the operator's types) with the next rows; FINISHED when there are no more.
	duckdb::SourceResultType Emit(duckdb::ClientContext &context, duckdb::DataChunk &chunk);

private:
	duckdb::unique_ptr<RemoteResultReader> reader;
	duckdb::DataChunk received;
};

class PhysicalRemoteStatement : public duckdb::PhysicalOperator {
public:
	PhysicalRemoteStatement(duckdb::PhysicalPlan &physical_plan, duckdb::vector<duckdb::LogicalType> types,
	                        OpenDuckCatalog &catalog, std::string sql, bool changes_catalog,
	                        duckdb::idx_t estimated_cardinality);

	bool IsSource() const override {
		return true;
	}
	duckdb::unique_ptr<duckdb::GlobalSourceState> GetGlobalSourceState(duckdb::ClientContext &context) const override;
	duckdb::SourceResultType GetDataInternal(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                                         duckdb::OperatorSourceInput &input) const override;
	std::string GetName() const override {
		return "OPENDUCK_REMOTE_STATEMENT";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	OpenDuckCatalog &catalog;
	std::string sql;
	//! DDL: the transaction reloads the remote catalog afterwards.
	bool changes_catalog;
};

//! DDL that DuckDB plans as an operator instead of a catalog call (CREATE INDEX).
class LogicalRemoteDDL : public duckdb::LogicalExtensionOperator {
public:
	LogicalRemoteDDL(OpenDuckCatalog &catalog, std::string sql);

	duckdb::PhysicalOperator &CreatePlan(duckdb::ClientContext &context,
	                                     duckdb::PhysicalPlanGenerator &planner) override;
	std::string GetExtensionName() const override {
		return "openduck";
	}

protected:
	void ResolveTypes() override;

private:
	OpenDuckCatalog &catalog;
	std::string sql;
};

} // namespace openduck
