#include "dml/remote_write_planner.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/delete_statement.hpp"
#include "duckdb/parser/statement/execute_statement.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/main/prepared_statement_data.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/prepare_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "duckdb/planner/binder.hpp"
#include "pushdown/remote_query_rewriter.hpp"

#include <cstdio>
#include <functional>

namespace openduck {

using namespace duckdb; // NOLINT: DuckDB's parser API is used throughout this file

//! The remote table `catalog.schema.name` names, with its schema as the server knows it.
static optional_ptr<CatalogEntry> FindRemoteTable(ClientContext &context, const std::string &catalog_name,
                                                  const std::string &schema_name, const std::string &name) {
	try {
		auto catalog = catalog_name;
		auto schema = schema_name;
		Binder::BindSchemaOrCatalog(context, catalog, schema);
		EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, name);
		auto entry = Catalog::GetEntry(context, catalog, schema, lookup, OnEntryNotFound::RETURN_NULL);
		if (!entry || entry->ParentCatalog().GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
			return nullptr;
		}
		return entry;
	} catch (std::exception &) {
		// The binder reports unknown names when it plans the statement.
		return nullptr;
	}
}

static unique_ptr<SelectStatement> SelectFromUpload() {
	auto select = make_uniq<SelectNode>();
	select->select_list.push_back(make_uniq<StarExpression>());
	auto function = make_uniq<TableFunctionRef>();
	vector<unique_ptr<ParsedExpression>> no_arguments;
	function->function = make_uniq<FunctionExpression>("openduck_upload", std::move(no_arguments));
	select->from_table = std::move(function);
	auto statement = make_uniq<SelectStatement>();
	statement->node = std::move(select);
	return statement;
}

static void ReturnEveryColumn(vector<unique_ptr<ParsedExpression>> &returning_list) {
	if (returning_list.empty()) {
		return;
	}
	// The operator hands DuckDB whole rows; DuckDB computes the user's RETURNING list from them.
	returning_list.clear();
	returning_list.push_back(make_uniq<StarExpression>());
}

//! Merges where every expression of `expressions` can run into `target`.
static void AnalyzeAll(RemoteQueryRewriter &analysis, vector<unique_ptr<ParsedExpression>> &expressions,
                       PushdownTarget &target) {
	for (auto &expr : expressions) {
		target.Merge(analysis.Analyze(*expr));
	}
}

static void AnalyzeSetInfo(RemoteQueryRewriter &analysis, UpdateSetInfo *set_info, PushdownTarget &target) {
	if (!set_info) {
		return;
	}
	AnalyzeAll(analysis, set_info->expressions, target);
	if (set_info->condition) {
		target.Merge(analysis.Analyze(*set_info->condition));
	}
}

//! The column names a statement assigns or names as conflict target.
static vector<std::string *> NamedColumns(SQLStatement &statement) {
	vector<std::string *> result;
	UpdateSetInfo *set_info = nullptr;
	if (statement.type == StatementType::INSERT_STATEMENT) {
		auto &insert = statement.Cast<InsertStatement>();
		if (insert.on_conflict_info) {
			for (auto &column : insert.on_conflict_info->indexed_columns) {
				result.push_back(&column);
			}
			set_info = insert.on_conflict_info->set_info.get();
		}
	} else if (statement.type == StatementType::UPDATE_STATEMENT) {
		set_info = statement.Cast<UpdateStatement>().set_info.get();
	}
	if (set_info) {
		for (auto &column : set_info->columns) {
			result.push_back(&column);
		}
	}
	return result;
}

//! DuckDB 1.5.5 writes SET columns and conflict targets without the quotes a keyword or a space
//! needs: they are rendered as placeholders, then replaced by quoted names.
static std::string Render(SQLStatement &statement) {
	struct Placeholder {
		std::string *column;
		std::string name;
		std::string text;
	};
	vector<Placeholder> placeholders;
	for (auto *column : NamedColumns(statement)) {
		char text[32];
		snprintf(text, sizeof(text), "openduck_column_%06llu_", static_cast<unsigned long long>(placeholders.size()));
		placeholders.push_back({column, *column, text});
		*column = text;
	}
	auto sql = statement.ToString();
	for (auto &placeholder : placeholders) {
		sql = StringUtil::Replace(sql, placeholder.text, QuoteIdentifier(placeholder.name));
		*placeholder.column = placeholder.name;
	}
	return sql;
}

//! The statement as SQL for the server when all of it can run there.
static std::string RenderWhenRemoteOnly(ClientContext &context, RemoteQueryRewriter &analysis, PushdownTarget target,
                                        OpenDuckCatalog &catalog, SQLStatement &statement) {
	if (target.kind == PushdownTarget::Kind::LOCAL ||
	    (target.kind == PushdownTarget::Kind::REMOTE && target.catalog.get() != &catalog) || !target.snapshot.empty()) {
		// Writes run on the current state, so a statement reading a past snapshot cannot run there whole.
		return std::string();
	}
	if (!analysis.ServerAgrees(catalog)) {
		return std::string();
	}
	analysis.StripSeenNames(catalog);
	auto sql = Render(statement);
	// Binding on the server runs nothing; it proves the server resolves every name the same way.
	if (!analysis.ServerCanBind(catalog, sql)) {
		return std::string();
	}
	return sql;
}

static bool PlanInsert(ClientContext &context, InsertStatement &original, RemoteWritePlan &plan) {
	auto entry = FindRemoteTable(context, original.catalog, original.schema, original.table);
	if (!entry) {
		return false;
	}
	auto &catalog = entry->ParentCatalog().Cast<OpenDuckCatalog>();
	plan.catalog = &catalog;
	plan.insert = &original;
	auto copy = unique_ptr_cast<SQLStatement, InsertStatement>(original.Copy());
	copy->catalog.clear();
	copy->schema = entry->ParentSchema().name;
	copy->table = entry->name;
	ReturnEveryColumn(copy->returning_list);

	RemoteQueryRewriter analysis(context);
	PushdownTarget target;
	if (!copy->cte_map.map.empty()) {
		target = PushdownTarget::Local();
	}
	if (copy->select_statement) {
		target.Merge(analysis.Analyze(*copy->select_statement->node));
	}
	if (copy->on_conflict_info) {
		AnalyzeSetInfo(analysis, copy->on_conflict_info->set_info.get(), target);
		if (copy->on_conflict_info->condition) {
			target.Merge(analysis.Analyze(*copy->on_conflict_info->condition));
		}
	}
	plan.statement_sql = RenderWhenRemoteOnly(context, analysis, target, catalog, *copy);
	if (!plan.statement_sql.empty()) {
		return true;
	}
	// The rows come from the client; the rest of the statement (ON CONFLICT, RETURNING, the column
	// list or BY NAME) runs on the server as the user wrote it.
	copy->cte_map.map.clear();
	copy->select_statement = SelectFromUpload();
	copy->default_values = false;
	plan.upload_sql = Render(*copy);
	return true;
}

//! UPDATE and DELETE: the remote table they change, and where the rest of the statement can run.
template <class STATEMENT>
static bool PlanRowWrite(ClientContext &context, STATEMENT &original, RemoteWritePlan &plan,
                         const std::function<void(STATEMENT &, RemoteQueryRewriter &, PushdownTarget &)> &analyze_rest) {
	if (!original.table || original.table->type != TableReferenceType::BASE_TABLE) {
		return false;
	}
	auto &table = original.table->template Cast<BaseTableRef>();
	auto entry = FindRemoteTable(context, table.catalog_name, table.schema_name, table.table_name);
	if (!entry) {
		return false;
	}
	auto &catalog = entry->ParentCatalog().template Cast<OpenDuckCatalog>();
	plan.catalog = &catalog;
	auto copy = unique_ptr_cast<SQLStatement, STATEMENT>(original.Copy());
	ReturnEveryColumn(copy->returning_list);
	RemoteQueryRewriter analysis(context);
	auto target = analysis.Analyze(*copy->table);
	if (!copy->cte_map.map.empty()) {
		target.Merge(PushdownTarget::Local());
	}
	analyze_rest(*copy, analysis, target);
	plan.statement_sql = RenderWhenRemoteOnly(context, analysis, target, catalog, *copy);
	return true;
}

static bool PlanUpdate(ClientContext &context, UpdateStatement &original, RemoteWritePlan &plan) {
	return PlanRowWrite<UpdateStatement>(
	    context, original, plan, [](UpdateStatement &update, RemoteQueryRewriter &analysis, PushdownTarget &target) {
		    if (update.from_table) {
			    target.Merge(analysis.Analyze(*update.from_table));
		    }
		    AnalyzeSetInfo(analysis, update.set_info.get(), target);
	    });
}

static bool PlanDelete(ClientContext &context, DeleteStatement &original, RemoteWritePlan &plan) {
	return PlanRowWrite<DeleteStatement>(
	    context, original, plan, [](DeleteStatement &del, RemoteQueryRewriter &analysis, PushdownTarget &target) {
		    for (auto &using_clause : del.using_clauses) {
			    target.Merge(analysis.Analyze(*using_clause));
		    }
		    if (del.condition) {
			    target.Merge(analysis.Analyze(*del.condition));
		    }
	    });
}

static bool PlanCreateTableAs(ClientContext &context, CreateStatement &original, RemoteWritePlan &plan) {
	if (original.info->type != CatalogType::TABLE_ENTRY) {
		return false;
	}
	auto &info = original.info->Cast<CreateTableInfo>();
	if (!info.query || info.temporary) {
		return false;
	}
	std::string catalog_name = info.catalog;
	std::string schema_name = info.schema;
	try {
		Binder::BindSchemaOrCatalog(context, catalog_name, schema_name);
	} catch (std::exception &) {
		return false;
	}
	auto &catalog = Catalog::GetCatalog(context, catalog_name);
	if (catalog.GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
		return false;
	}
	plan.catalog = &catalog.Cast<OpenDuckCatalog>();
	auto copy = unique_ptr_cast<SQLStatement, CreateStatement>(original.Copy());
	auto &copy_info = copy->info->Cast<CreateTableInfo>();
	copy_info.catalog.clear();
	copy_info.schema = schema_name;
	RemoteQueryRewriter analysis(context);
	auto target = analysis.Analyze(*copy_info.query->node);
	// The upload form needs the bound column types, so the catalog hook renders it.
	plan.statement_sql = RenderWhenRemoteOnly(context, analysis, target, *plan.catalog, *copy);
	return true;
}

bool PlanRemoteWrite(ClientContext &context, SQLStatement &statement, RemoteWritePlan &plan) {
	switch (statement.type) {
	case StatementType::INSERT_STATEMENT:
		return PlanInsert(context, statement.Cast<InsertStatement>(), plan);
	case StatementType::UPDATE_STATEMENT:
		return PlanUpdate(context, statement.Cast<UpdateStatement>(), plan);
	case StatementType::DELETE_STATEMENT:
		return PlanDelete(context, statement.Cast<DeleteStatement>(), plan);
	case StatementType::CREATE_STATEMENT:
		return PlanCreateTableAs(context, statement.Cast<CreateStatement>(), plan);
	case StatementType::EXPLAIN_STATEMENT:
		return PlanRemoteWrite(context, *statement.Cast<ExplainStatement>().stmt, plan);
	case StatementType::PREPARE_STATEMENT:
		return PlanRemoteWrite(context, *statement.Cast<PrepareStatement>().statement, plan);
	case StatementType::EXECUTE_STATEMENT: {
		// EXECUTE binds its prepared statement again when a catalog changed since PREPARE.
		auto &prepared_statements = ClientData::Get(context).prepared_statements;
		auto entry = prepared_statements.find(statement.Cast<ExecuteStatement>().name);
		if (entry == prepared_statements.end() || !entry->second->unbound_statement) {
			return false;
		}
		return PlanRemoteWrite(context, *entry->second->unbound_statement, plan);
	}
	default:
		return false;
	}
}

} // namespace openduck
