//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/dml/physical_remote_insert.hpp
//
// INSERT (and CREATE TABLE AS) into a remote table from rows the client
// computes: the rows stream to the server as Arrow IPC while they are produced,
// into one statement that reads them with openduck_upload(). The statement runs
// as one server transaction, so a failure or a cancel leaves nothing behind.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/execution/physical_operator.hpp"

namespace openduck {

class OpenDuckCatalog;

class PhysicalRemoteInsert : public duckdb::PhysicalOperator {
public:
	//! `upload_names`: what the uploaded columns are called (the target columns they fill).
	PhysicalRemoteInsert(duckdb::PhysicalPlan &physical_plan, duckdb::vector<duckdb::LogicalType> types,
	                     OpenDuckCatalog &catalog, std::string upload_sql, duckdb::vector<std::string> upload_names,
	                     bool changes_catalog, bool parallel, duckdb::idx_t estimated_cardinality);

	// Sink: the client's rows
	bool IsSink() const override {
		return true;
	}
	bool ParallelSink() const override {
		return parallel;
	}
	bool SinkOrderDependent() const override {
		return !parallel;
	}
	duckdb::unique_ptr<duckdb::GlobalSinkState> GetGlobalSinkState(duckdb::ClientContext &context) const override;
	duckdb::unique_ptr<duckdb::LocalSinkState> GetLocalSinkState(duckdb::ExecutionContext &context) const override;
	duckdb::SinkResultType Sink(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                            duckdb::OperatorSinkInput &input) const override;
	duckdb::SinkCombineResultType Combine(duckdb::ExecutionContext &context,
	                                      duckdb::OperatorSinkCombineInput &input) const override;
	duckdb::SinkFinalizeType Finalize(duckdb::Pipeline &pipeline, duckdb::Event &event, duckdb::ClientContext &context,
	                                  duckdb::OperatorSinkFinalizeInput &input) const override;

	// Source: the server's answer (count or RETURNING rows)
	bool IsSource() const override {
		return true;
	}
	duckdb::SourceResultType GetDataInternal(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                                         duckdb::OperatorSourceInput &input) const override;

	std::string GetName() const override {
		return "OPENDUCK_REMOTE_INSERT";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	OpenDuckCatalog &catalog;
	std::string upload_sql;
	duckdb::vector<std::string> upload_names;
	bool changes_catalog;
	//! Threads encode their own batches; rows then arrive in no particular order.
	bool parallel;
};

} // namespace openduck
