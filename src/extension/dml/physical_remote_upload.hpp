//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/dml/physical_remote_upload.hpp
//
// A write into a remote table fed by rows the client computes (INSERT and
// CREATE TABLE AS rows; row ids and new values of UPDATE and DELETE): the rows
// stream to the server as Arrow IPC while they are produced, into one statement
// that reads them with openduck_upload(). A failure or a cancel fails that
// statement, so nothing is left behind.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/planner/expression.hpp"

namespace openduck {

class OpenDuckCatalog;

class PhysicalRemoteUpload : public duckdb::PhysicalOperator {
public:
	//! `upload_names`: what the uploaded columns are called. `upload_expressions`: what is uploaded,
	//! computed from the child's rows; none uploads the child's rows as they are.
	PhysicalRemoteUpload(duckdb::PhysicalPlan &physical_plan, duckdb::vector<duckdb::LogicalType> types,
	                     OpenDuckCatalog &catalog, std::string upload_sql, duckdb::vector<std::string> upload_names,
	                     duckdb::vector<duckdb::unique_ptr<duckdb::Expression>> upload_expressions,
	                     bool changes_catalog, bool parallel, bool names_rows_by_id,
	                     duckdb::idx_t estimated_cardinality);

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
		return "OPENDUCK_REMOTE_UPLOAD";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	OpenDuckCatalog &catalog;
	std::string upload_sql;
	duckdb::vector<std::string> upload_names;
	duckdb::vector<duckdb::unique_ptr<duckdb::Expression>> upload_expressions;
	bool changes_catalog;
	//! Threads encode their own batches; rows then arrive in no particular order.
	bool parallel;
	//! UPDATE/DELETE by row id: must run in the server transaction whose scan read the ids.
	bool names_rows_by_id;
};

} // namespace openduck
