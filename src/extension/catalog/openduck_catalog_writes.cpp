#include "catalog/openduck_catalog.hpp"

#include "catalog/remote_ddl.hpp"
#include "common/sql_quoting.hpp"
#include "dml/physical_remote_statement.hpp"
#include "dml/physical_remote_upload.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/operator/logical_create_table.hpp"
#include "duckdb/planner/operator/logical_delete.hpp"
#include "duckdb/planner/operator/logical_insert.hpp"
#include "duckdb/planner/operator/logical_merge_into.hpp"
#include "duckdb/planner/operator/logical_update.hpp"
#include "duckdb/planner/parsed_data/bound_create_table_info.hpp"
#include "pushdown/query_pushdown.hpp"

// The catalog's planning hooks for writes: they build the operators of the plans that
// PlanRemoteWrite (dml/remote_write_planner.cpp) made from the parsed statement.

namespace openduck {

using namespace duckdb; // NOLINT

void OpenDuckCatalog::ThrowWritesUnsupported(const std::string &what) {
	throw NotImplementedException("OpenDuck: this %s on remote database \"%s\" reads data only the client has, "
	                              "which is not supported for this statement yet; run it on the server with CALL "
	                              "openduck_execute('%s', '<sql>')",
	                              what, GetName(), GetName());
}

PhysicalOperator &OpenDuckCatalog::PlanRemoteStatement(ClientContext &context, PhysicalPlanGenerator &planner,
                                                       LogicalOperator &op, const std::string &what,
                                                       bool changes_catalog) {
	auto write = TakeRemoteWritePlan(context, *this);
	if (!write || write->statement_sql.empty()) {
		ThrowWritesUnsupported(what);
	}
	return planner.Make<PhysicalRemoteStatement>(op.types, *this, write->statement_sql, changes_catalog,
	                                             op.estimated_cardinality);
}

//! Without insertion order to keep, every thread encodes and sends its own rows.
static bool UploadInParallel(ClientContext &context, PhysicalOperator &plan) {
	return !PhysicalPlanGenerator::PreserveInsertionOrder(context, plan);
}

PhysicalOperator &OpenDuckCatalog::PlanCreateTableAs(ClientContext &context, PhysicalPlanGenerator &planner,
                                                     LogicalCreateTable &op, PhysicalOperator &plan) {
	auto write = TakeRemoteWritePlan(context, *this);
	if (write && !write->statement_sql.empty()) {
		return planner.Make<PhysicalRemoteStatement>(op.types, *this, write->statement_sql, true,
		                                             op.estimated_cardinality);
	}
	// The client computes the rows; the server creates the table with exactly the bound types.
	auto &info = op.info->Base();
	std::string sql = "CREATE ";
	if (info.on_conflict == OnCreateConflict::REPLACE_ON_CONFLICT) {
		sql += "OR REPLACE ";
	}
	sql += "TABLE ";
	if (info.on_conflict == OnCreateConflict::IGNORE_ON_CONFLICT) {
		sql += "IF NOT EXISTS ";
	}
	sql += QuoteIdentifier(op.schema.name) + "." + QuoteIdentifier(info.table) + " AS SELECT ";
	vector<std::string> names;
	for (auto &column : info.columns.Physical()) {
		sql += std::string(names.empty() ? "" : ", ") + "CAST(" + QuoteIdentifier(column.Name()) + " AS " +
		       column.Type().ToString() + ") AS " + QuoteIdentifier(column.Name());
		names.push_back(column.Name());
	}
	sql += " FROM openduck_upload()";
	auto &insert = planner.Make<PhysicalRemoteUpload>(op.types, *this, sql, std::move(names),
	                                                  vector<unique_ptr<Expression>>(), true,
	                                                  UploadInParallel(context, plan), false,
	                                                  op.estimated_cardinality);
	insert.children.push_back(plan);
	return insert;
}

PhysicalOperator &OpenDuckCatalog::PlanInsert(ClientContext &context, PhysicalPlanGenerator &planner,
                                              LogicalInsert &op, optional_ptr<PhysicalOperator> plan) {
	auto write = TakeRemoteWritePlan(context, *this);
	if (write && !write->statement_sql.empty()) {
		return planner.Make<PhysicalRemoteStatement>(op.types, *this, write->statement_sql, false,
		                                             op.estimated_cardinality);
	}
	if (!write || write->upload_sql.empty() || !plan) {
		ThrowWritesUnsupported("INSERT");
	}
	// The child produces the listed target columns in the statement's order, or all of them.
	auto &columns = op.table.GetColumns();
	vector<std::string> names;
	if (op.column_index_map.empty()) {
		for (auto &column : columns.Physical()) {
			names.push_back(column.Name());
		}
	} else {
		names.resize(plan->GetTypes().size());
		for (auto &column : columns.Physical()) {
			auto position = op.column_index_map[column.Physical()];
			if (position != DConstants::INVALID_INDEX && position < names.size()) {
				names[position] = column.Name();
			}
		}
	}
	if (names.size() != plan->GetTypes().size()) {
		throw InternalException("OpenDuck: INSERT produces %llu columns for %llu target columns",
		                        plan->GetTypes().size(), names.size());
	}
	auto &insert = planner.Make<PhysicalRemoteUpload>(op.types, *this, write->upload_sql, std::move(names),
	                                                  vector<unique_ptr<Expression>>(), false,
	                                                  UploadInParallel(context, *plan), false,
	                                                  op.estimated_cardinality);
	insert.children.push_back(*plan);
	return insert;
}

//! Row ids of the rows to change travel under this name; the scan read them in the same server
//! transaction.
static constexpr const char *UPLOADED_ROW_ID = "__openduck_rowid";

PhysicalOperator &OpenDuckCatalog::PlanDelete(ClientContext &context, PhysicalPlanGenerator &planner,
                                              LogicalDelete &op, PhysicalOperator &plan) {
	auto write = TakeRemoteWritePlan(context, *this);
	if (write && !write->statement_sql.empty()) {
		return planner.Make<PhysicalRemoteStatement>(op.types, *this, write->statement_sql, false,
		                                             op.estimated_cardinality);
	}
	// The client decides which rows go (its WHERE reads client data); the server deletes them by id.
	auto &row_id = op.expressions[0]->Cast<BoundReferenceExpression>();
	vector<unique_ptr<Expression>> upload;
	upload.push_back(make_uniq<BoundReferenceExpression>(LogicalType::BIGINT, row_id.index));
	auto sql = "DELETE FROM " + QuoteIdentifier(op.table.schema.name) + "." + QuoteIdentifier(op.table.name) +
	           " WHERE rowid IN (SELECT " + QuoteIdentifier(UPLOADED_ROW_ID) + " FROM openduck_upload())";
	if (op.return_chunk) {
		sql += " RETURNING *";
	}
	auto &remote = planner.Make<PhysicalRemoteUpload>(op.types, *this, sql, vector<std::string> {UPLOADED_ROW_ID},
	                                                  std::move(upload), false, true, true, op.estimated_cardinality);
	remote.children.push_back(plan);
	return remote;
}

PhysicalOperator &OpenDuckCatalog::PlanUpdate(ClientContext &context, PhysicalPlanGenerator &planner,
                                              LogicalUpdate &op, PhysicalOperator &plan) {
	auto write = TakeRemoteWritePlan(context, *this);
	if (write && !write->statement_sql.empty()) {
		return planner.Make<PhysicalRemoteStatement>(op.types, *this, write->statement_sql, false,
		                                             op.estimated_cardinality);
	}
	// The client computes the new values (they read client data); the server applies them by row id,
	// which the child's last column carries.
	vector<unique_ptr<Expression>> upload;
	vector<std::string> names {UPLOADED_ROW_ID};
	upload.push_back(make_uniq<BoundReferenceExpression>(LogicalType::BIGINT, plan.GetTypes().size() - 1));
	auto target = QuoteIdentifier(op.table.schema.name) + "." + QuoteIdentifier(op.table.name);
	std::string assignments;
	for (idx_t i = 0; i < op.columns.size(); i++) {
		if (op.expressions[i]->GetExpressionType() == ExpressionType::VALUE_DEFAULT) {
			ThrowWritesUnsupported("UPDATE ... SET column = DEFAULT");
		}
		auto &name = op.table.GetColumns().GetColumn(op.columns[i]).Name();
		assignments += std::string(assignments.empty() ? "" : ", ") + QuoteIdentifier(name) +
		               " = __openduck_rows." + QuoteIdentifier(name);
		names.push_back(name);
		upload.push_back(op.expressions[i]->Copy());
	}
	auto sql = "UPDATE " + target + " AS __openduck_target SET " + assignments +
	           " FROM openduck_upload() AS __openduck_rows WHERE __openduck_target.rowid = __openduck_rows." +
	           QuoteIdentifier(UPLOADED_ROW_ID);
	if (op.return_chunk) {
		sql += " RETURNING *";
	}
	auto &remote = planner.Make<PhysicalRemoteUpload>(op.types, *this, sql, std::move(names), std::move(upload),
	                                                  false, true, true, op.estimated_cardinality);
	remote.children.push_back(plan);
	return remote;
}

PhysicalOperator &OpenDuckCatalog::PlanMergeInto(ClientContext &context, PhysicalPlanGenerator &planner,
                                                 LogicalMergeInto &op, PhysicalOperator &) {
	return PlanRemoteStatement(context, planner, op, "MERGE INTO", false);
}

unique_ptr<LogicalOperator> OpenDuckCatalog::BindCreateIndex(Binder &binder, CreateStatement &stmt,
                                                             TableCatalogEntry &table, unique_ptr<LogicalOperator>) {
	auto &info = stmt.info->Cast<CreateIndexInfo>();
	// The index lives on the server, next to the table it indexes.
	info.schema = table.schema.name;
	return make_uniq<LogicalRemoteDDL>(*this, CreateIndexSQL(info));
}

} // namespace openduck
