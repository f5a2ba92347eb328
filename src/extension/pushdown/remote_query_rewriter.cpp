#include "pushdown/remote_query_rewriter.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_table_entry.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/common/type_visitor.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/main/relation/query_relation.hpp"
#include "duckdb/parser/expression/list.hpp"
#include "duckdb/parser/expression/type_expression.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/list.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/relation_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/list.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/expression_binder/constant_binder.hpp"
#include "pushdown/remote_environment.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT: DuckDB's parser API is used throughout this file

void PushdownTarget::Merge(const PushdownTarget &other) {
	outermost_cte_scope = MinValue(outermost_cte_scope, other.outermost_cte_scope);
	if (kind == Kind::LOCAL || other.kind == Kind::ANYWHERE) {
		return;
	}
	if (other.kind == Kind::LOCAL) {
		kind = Kind::LOCAL;
		return;
	}
	if (kind == Kind::ANYWHERE) {
		kind = Kind::REMOTE;
		catalog = other.catalog;
		snapshot = other.snapshot;
		return;
	}
	if (catalog.get() != other.catalog.get() || snapshot != other.snapshot) {
		// Two remote databases, or two states of one: the client joins them.
		kind = Kind::LOCAL;
	}
}

//! Functions that read the client's own state (sequences, variables, settings, its catalog): the
//! server has them too, with different answers.
static bool ReadsClientState(const std::string &name) {
	static const case_insensitive_set_t names {
	    "nextval",        "currval",        "getvariable",    "current_setting",      "current_database",
	    "current_catalog", "current_schema", "current_schemas", "current_query",       "in_search_path",
	    "setseed",        "query_progress", "txid_current",   "current_transaction_id", "pg_typeof"};
	return names.find(name) != names.end();
}

RemoteQueryRewriter::RemoteQueryRewriter(ClientContext &context) : context(context) {
}

bool RemoteQueryRewriter::Rewrite(SQLStatement &statement) {
	switch (statement.type) {
	case StatementType::SELECT_STATEMENT:
		RewriteSlot(statement.Cast<SelectStatement>().node, true);
		break;
	case StatementType::RELATION_STATEMENT: {
		// Python's con.sql(...) runs a SELECT as a query relation; later runs of it reuse the rewrite.
		auto &relation = *statement.Cast<RelationStatement>().relation;
		if (relation.type == RelationType::QUERY_RELATION) {
			RewriteSlot(relation.Cast<QueryRelation>().select_stmt->node, true);
		}
		break;
	}
	case StatementType::EXPLAIN_STATEMENT:
		Rewrite(*statement.Cast<ExplainStatement>().stmt);
		break;
	case StatementType::INSERT_STATEMENT: {
		auto &insert = statement.Cast<InsertStatement>();
		if (insert.select_statement) {
			RewriteSlot(insert.select_statement->node, false);
		}
		break;
	}
	case StatementType::CREATE_STATEMENT: {
		auto &create = statement.Cast<CreateStatement>();
		if (create.info->type == CatalogType::TABLE_ENTRY) {
			auto &info = create.info->Cast<CreateTableInfo>();
			if (info.query) {
				RewriteSlot(info.query->node, false);
			}
		}
		break;
	}
	default:
		break;
	}
	return changed;
}

//! A single remote table read with at most a projection: the table scan already pushes that (and
//! the filters DuckDB derives), streams in parallel and has statistics; a remote query would not.
static bool IsPlainScan(QueryNode &node) {
	if (node.type != QueryNodeType::SELECT_NODE || !node.modifiers.empty() || !node.cte_map.map.empty()) {
		return false;
	}
	auto &select = node.Cast<SelectNode>();
	if (!select.from_table || select.from_table->type != TableReferenceType::BASE_TABLE || select.where_clause ||
	    !select.groups.group_expressions.empty() || !select.groups.grouping_sets.empty() || select.having ||
	    select.qualify || select.sample || select.from_table->sample) {
		return false;
	}
	for (auto &expr : select.select_list) {
		auto expression_class = expr->GetExpressionClass();
		if (expression_class == ExpressionClass::COLUMN_REF) {
			continue;
		}
		if (expression_class == ExpressionClass::STAR && !expr->Cast<StarExpression>().expr) {
			continue;
		}
		return false;
	}
	return true;
}

static unique_ptr<QueryNode> MakeRemoteQueryNode(const std::string &database, const std::string &sql,
                                                 const std::string &snapshot) {
	vector<unique_ptr<ParsedExpression>> arguments;
	arguments.push_back(make_uniq<ConstantExpression>(Value(database)));
	arguments.push_back(make_uniq<ConstantExpression>(Value(sql)));
	if (!snapshot.empty()) {
		auto snapshot_argument = make_uniq<ConstantExpression>(Value(snapshot));
		snapshot_argument->SetAlias("snapshot");
		arguments.push_back(std::move(snapshot_argument));
	}
	auto function = make_uniq<TableFunctionRef>();
	function->function = make_uniq<FunctionExpression>("openduck_query", std::move(arguments));
	auto select = make_uniq<SelectNode>();
	select->select_list.push_back(make_uniq<StarExpression>());
	select->from_table = std::move(function);
	return std::move(select);
}

void RemoteQueryRewriter::RewriteSlot(unique_ptr<QueryNode> &slot, bool is_root) {
	remote_tables.clear();
	qualified_columns.clear();
	auto own_scope = cte_scopes.size();
	auto target = AnalyzeNode(*slot);
	bool self_contained = target.outermost_cte_scope >= own_scope;
	if (target.kind == PushdownTarget::Kind::REMOTE && self_contained && !IsPlainScan(*slot) &&
	    ServerAgrees(*target.catalog)) {
		auto sql = RenderForServer(*slot, *target.catalog);
		if (ServerCanBind(*target.catalog, sql, target.snapshot)) {
			slot = MakeRemoteQueryNode(target.catalog->GetName(), sql, target.snapshot);
			changed = true;
			return;
		}
	}
	RewriteChildren(*slot);
}

void RemoteQueryRewriter::RewriteChildren(QueryNode &node) {
	cte_scopes.emplace_back();
	auto scope_index = cte_scopes.size() - 1;
	for (auto &entry : node.cte_map.map) {
		auto &body = entry.second->query->node;
		// A recursive CTE reads itself: that read is neither local nor remote.
		cte_scopes[scope_index].entries[entry.first] = PushdownTarget();
		cte_scopes[scope_index].entries[entry.first] = AnalyzeNode(*body);
		RewriteSlot(body, false);
	}
	switch (node.type) {
	case QueryNodeType::SELECT_NODE: {
		auto &select = node.Cast<SelectNode>();
		if (select.from_table) {
			RewriteTableRef(*select.from_table);
		}
		for (auto &expr : select.select_list) {
			RewriteExpression(*expr);
		}
		for (auto &expr : select.groups.group_expressions) {
			RewriteExpression(*expr);
		}
		for (auto *clause : {&select.where_clause, &select.having, &select.qualify}) {
			if (*clause) {
				RewriteExpression(**clause);
			}
		}
		break;
	}
	case QueryNodeType::SET_OPERATION_NODE:
		for (auto &child : node.Cast<SetOperationNode>().children) {
			RewriteSlot(child, false);
		}
		break;
	case QueryNodeType::RECURSIVE_CTE_NODE: {
		auto &recursive = node.Cast<RecursiveCTENode>();
		RewriteSlot(recursive.left, false);
		RewriteSlot(recursive.right, false);
		break;
	}
	default:
		break;
	}
	ParsedExpressionIterator::EnumerateQueryNodeModifiers(
	    node, [&](unique_ptr<ParsedExpression> &expr) { RewriteExpression(*expr); });
	cte_scopes.pop_back();
}

void RemoteQueryRewriter::RewriteTableRef(TableRef &ref) {
	switch (ref.type) {
	case TableReferenceType::JOIN: {
		auto &join = ref.Cast<JoinRef>();
		RewriteTableRef(*join.left);
		RewriteTableRef(*join.right);
		if (join.condition) {
			RewriteExpression(*join.condition);
		}
		break;
	}
	case TableReferenceType::SUBQUERY:
		RewriteSlot(ref.Cast<SubqueryRef>().subquery->node, false);
		break;
	default:
		break;
	}
}

void RemoteQueryRewriter::RewriteExpression(ParsedExpression &expr) {
	if (expr.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		auto &subquery = expr.Cast<SubqueryExpression>();
		if (subquery.child) {
			RewriteExpression(*subquery.child);
		}
		RewriteSlot(subquery.subquery->node, false);
		return;
	}
	ParsedExpressionIterator::EnumerateChildren(expr, [&](ParsedExpression &child) { RewriteExpression(child); });
}

PushdownTarget RemoteQueryRewriter::AnalyzeNode(QueryNode &node) {
	cte_scopes.emplace_back();
	auto scope_index = cte_scopes.size() - 1;
	PushdownTarget result;
	for (auto &entry : node.cte_map.map) {
		cte_scopes[scope_index].entries[entry.first] = PushdownTarget();
		auto target = AnalyzeNode(*entry.second->query->node);
		cte_scopes[scope_index].entries[entry.first] = target;
		result.Merge(target);
	}
	result.Merge(AnalyzeNodeBody(node));
	cte_scopes.pop_back();
	return result;
}

PushdownTarget RemoteQueryRewriter::AnalyzeNodeBody(QueryNode &node) {
	PushdownTarget result;
	switch (node.type) {
	case QueryNodeType::SELECT_NODE: {
		auto &select = node.Cast<SelectNode>();
		if (select.from_table) {
			result.Merge(AnalyzeTableRef(*select.from_table));
		}
		for (auto &expr : select.select_list) {
			result.Merge(AnalyzeExpression(*expr));
		}
		for (auto &expr : select.groups.group_expressions) {
			result.Merge(AnalyzeExpression(*expr));
		}
		for (auto *clause : {&select.where_clause, &select.having, &select.qualify}) {
			if (*clause) {
				result.Merge(AnalyzeExpression(**clause));
			}
		}
		break;
	}
	case QueryNodeType::SET_OPERATION_NODE:
		for (auto &child : node.Cast<SetOperationNode>().children) {
			result.Merge(AnalyzeNode(*child));
		}
		break;
	case QueryNodeType::RECURSIVE_CTE_NODE: {
		auto &recursive = node.Cast<RecursiveCTENode>();
		result.Merge(AnalyzeNode(*recursive.left));
		result.Merge(AnalyzeNode(*recursive.right));
		for (auto &expr : recursive.key_targets) {
			result.Merge(AnalyzeExpression(*expr));
		}
		break;
	}
	default:
		return PushdownTarget::Local();
	}
	ParsedExpressionIterator::EnumerateQueryNodeModifiers(
	    node, [&](unique_ptr<ParsedExpression> &expr) { result.Merge(AnalyzeExpression(*expr)); });
	return result;
}

PushdownTarget RemoteQueryRewriter::AnalyzeTableRef(TableRef &ref) {
	PushdownTarget result;
	switch (ref.type) {
	case TableReferenceType::BASE_TABLE:
		return AnalyzeBaseTable(ref.Cast<BaseTableRef>());
	case TableReferenceType::JOIN: {
		auto &join = ref.Cast<JoinRef>();
		result.Merge(AnalyzeTableRef(*join.left));
		result.Merge(AnalyzeTableRef(*join.right));
		if (join.condition) {
			result.Merge(AnalyzeExpression(*join.condition));
		}
		return result;
	}
	case TableReferenceType::SUBQUERY:
		return AnalyzeNode(*ref.Cast<SubqueryRef>().subquery->node);
	case TableReferenceType::EXPRESSION_LIST:
		for (auto &row : ref.Cast<ExpressionListRef>().values) {
			for (auto &expr : row) {
				result.Merge(AnalyzeExpression(*expr));
			}
		}
		return result;
	case TableReferenceType::EMPTY_FROM:
		return result;
	case TableReferenceType::TABLE_FUNCTION:
		return AnalyzeTableFunction(ref.Cast<TableFunctionRef>());
	default:
		// PIVOT, SHOW and friends run in the client.
		return PushdownTarget::Local();
	}
}

//! Table functions that compute rows from their arguments alone; all others read files, the
//! client's catalog or its settings.
static bool IsPureTableFunction(const std::string &name) {
	static const case_insensitive_set_t names {"unnest", "range", "generate_series"};
	return names.find(name) != names.end();
}

PushdownTarget RemoteQueryRewriter::AnalyzeTableFunction(TableFunctionRef &ref) {
	if (!ref.function || ref.function->GetExpressionClass() != ExpressionClass::FUNCTION || ref.subquery) {
		return PushdownTarget::Local();
	}
	auto &function = ref.function->Cast<FunctionExpression>();
	if (!function.catalog.empty() || !function.schema.empty() || !IsPureTableFunction(function.function_name)) {
		return PushdownTarget::Local();
	}
	PushdownTarget result;
	for (auto &argument : function.children) {
		result.Merge(AnalyzeExpression(*argument));
	}
	return result;
}

//! The AT clause's value, as the binder computes it (a constant expression, evaluated once).
static unique_ptr<BoundAtClause> BindAtClause(ClientContext &context, AtClause &at) {
	auto binder = Binder::CreateBinder(context);
	ConstantBinder constant_binder(*binder, context, "AT clause");
	auto expression = at.ExpressionMutable()->Copy();
	auto bound = constant_binder.Bind(expression);
	return make_uniq<BoundAtClause>(at.Unit(), ExpressionExecutor::EvaluateScalar(context, *bound));
}

PushdownTarget RemoteQueryRewriter::AnalyzeBaseTable(BaseTableRef &ref) {
	if (ref.at_clause && ref.catalog_name.empty() && ref.schema_name.empty()) {
		for (auto &scope : cte_scopes) {
			if (scope.entries.find(ref.table_name) != scope.entries.end()) {
				// A CTE cannot travel in time: the binder reports it.
				return PushdownTarget::Local();
			}
		}
	}
	if (!ref.at_clause && ref.catalog_name.empty() && ref.schema_name.empty()) {
		for (idx_t i = cte_scopes.size(); i-- > 0;) {
			auto entry = cte_scopes[i].entries.find(ref.table_name);
			if (entry != cte_scopes[i].entries.end()) {
				auto result = entry->second;
				result.outermost_cte_scope = MinValue(result.outermost_cte_scope, i);
				return result;
			}
		}
	}
	optional_ptr<CatalogEntry> entry;
	unique_ptr<BoundAtClause> at;
	try {
		if (ref.at_clause) {
			at = BindAtClause(context, *ref.at_clause);
		}
		// The same lookup the binder makes: temp objects and the search path come first.
		auto catalog_name = ref.catalog_name;
		auto schema_name = ref.schema_name;
		// "cloud.t" parses as schema.table; the binder reads it as database.table when that exists.
		Binder::BindSchemaOrCatalog(context, catalog_name, schema_name);
		EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, ref.table_name, at.get(), QueryErrorContext());
		entry = Catalog::GetEntry(context, catalog_name, schema_name, lookup, OnEntryNotFound::RETURN_NULL);
	} catch (std::exception &ex) {
		if (ErrorData(ex).Type() == ExceptionType::INTERRUPT) {
			throw;
		}
		// Unknown catalog, schema or snapshot: the binder reports it when it plans the query.
		return PushdownTarget::Local();
	}
	if (!entry) {
		// A file path, a replacement scan, or an error the binder reports.
		return PushdownTarget::Local();
	}
	auto &catalog = entry->ParentCatalog();
	if (catalog.GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
		return PushdownTarget::Local();
	}
	PushdownTarget result;
	if (at) {
		if (entry->type != CatalogType::TABLE_ENTRY) {
			// A past view is already its own remote query at that snapshot.
			return PushdownTarget::Local();
		}
		result.snapshot = entry->Cast<OpenDuckTableEntry>().Snapshot();
	}
	remote_tables.push_back(RemoteTableName {&ref, entry->ParentSchema().name, entry->name});
	result.kind = PushdownTarget::Kind::REMOTE;
	result.catalog = &catalog.Cast<OpenDuckCatalog>();
	return result;
}

//! A type only the client can resolve: one the user created (an ENUM, say) or an extension's.
//! Parsed types are unbound; built-in names bind without a catalog.
static bool NeedsClientType(const LogicalType &type) {
	return TypeVisitor::Contains(type, [](const LogicalType &member) {
		if (!member.IsUnbound()) {
			return false;
		}
		try {
			// ENUM('a', 'b') names no catalog entry: its labels are all it needs (and DuckDB's
			// default binding rejects it).
			auto &type_expression = UnboundType::GetTypeExpression(member)->Cast<TypeExpression>();
			if (StringUtil::CIEquals(type_expression.GetTypeName(), "enum")) {
				return false;
			}
			return UnboundType::TryDefaultBind(member).IsUnbound();
		} catch (std::exception &) {
			return true;
		}
	});
}

PushdownTarget RemoteQueryRewriter::AnalyzeExpression(ParsedExpression &expr) {
	PushdownTarget result;
	switch (expr.GetExpressionClass()) {
	case ExpressionClass::FUNCTION: {
		auto &function = expr.Cast<FunctionExpression>();
		if (!IsServerFunction(function.catalog, function.schema, function.function_name)) {
			return PushdownTarget::Local();
		}
		break;
	}
	case ExpressionClass::WINDOW: {
		auto &window = expr.Cast<WindowExpression>();
		if (window.GetExpressionType() == ExpressionType::WINDOW_AGGREGATE &&
		    !IsServerFunction(window.catalog, window.schema, window.function_name)) {
			return PushdownTarget::Local();
		}
		break;
	}
	case ExpressionClass::SUBQUERY:
		result.Merge(AnalyzeNode(*expr.Cast<SubqueryExpression>().subquery->node));
		break;
	case ExpressionClass::CAST:
		if (NeedsClientType(expr.Cast<CastExpression>().cast_type)) {
			return PushdownTarget::Local();
		}
		break;
	case ExpressionClass::COLUMN_REF: {
		auto &column = expr.Cast<ColumnRefExpression>();
		if (column.column_names.size() >= 3) {
			qualified_columns.push_back(&column);
		}
		break;
	}
	case ExpressionClass::CONSTANT:
	case ExpressionClass::STAR:
	case ExpressionClass::COMPARISON:
	case ExpressionClass::CONJUNCTION:
	case ExpressionClass::OPERATOR:
	case ExpressionClass::CASE:
	case ExpressionClass::BETWEEN:
	case ExpressionClass::COLLATE:
	case ExpressionClass::LAMBDA:
	case ExpressionClass::LAMBDA_REF:
	case ExpressionClass::POSITIONAL_REFERENCE:
	// DEFAULT only appears in INSERT values; where the statement runs, the table's default applies.
	case ExpressionClass::DEFAULT:
		break;
	default:
		// Prepared-statement parameters and anything newer stay in the client.
		return PushdownTarget::Local();
	}
	ParsedExpressionIterator::EnumerateChildren(expr,
	                                            [&](ParsedExpression &child) { result.Merge(AnalyzeExpression(child)); });
	return result;
}

bool RemoteQueryRewriter::IsServerFunction(const std::string &catalog, const std::string &schema,
                                           const std::string &name) {
	if (ReadsClientState(name)) {
		return false;
	}
	optional_ptr<CatalogEntry> entry;
	try {
		// The parser itself names some built-ins by schema (EXTRACT becomes main.date_part).
		EntryLookupInfo lookup(CatalogType::SCALAR_FUNCTION_ENTRY, name);
		entry = Catalog::GetEntry(context, catalog, schema, lookup, OnEntryNotFound::RETURN_NULL);
	} catch (std::exception &) {
		return false;
	}
	// Macros and functions the user created live outside the system catalog. UDFs registered by a
	// host (Python) do live there; the server then fails to bind them and the query stays local.
	return entry && entry->ParentCatalog().IsSystemCatalog();
}

bool RemoteQueryRewriter::ServerAgrees(OpenDuckCatalog &catalog) {
	auto known = agreement.find(&catalog);
	if (known != agreement.end()) {
		return known->second;
	}
	bool agrees = false;
	try {
		std::string difference;
		agrees = catalog.Environment().Get(context, catalog)->SameSemantics(context, difference);
	} catch (std::exception &ex) {
		if (ErrorData(ex).Type() == ExceptionType::INTERRUPT) {
			throw;
		}
		// The server cannot tell us; the query runs in the client, which reports what is wrong.
	}
	agreement[&catalog] = agrees;
	return agrees;
}

std::string RemoteQueryRewriter::RenderForServer(QueryNode &node, OpenDuckCatalog &catalog) {
	struct SavedTable {
		BaseTableRef *ref;
		std::string catalog_name;
		std::string schema_name;
		std::string table_name;
		unique_ptr<AtClause> at_clause;
	};
	vector<SavedTable> saved_tables;
	for (auto &table : remote_tables) {
		saved_tables.push_back({table.ref, table.ref->catalog_name, table.ref->schema_name, table.ref->table_name,
		                        std::move(table.ref->at_clause)});
		table.ref->catalog_name = std::string();
		table.ref->schema_name = table.schema_name;
		table.ref->table_name = table.table_name;
	}
	vector<std::pair<ColumnRefExpression *, vector<std::string>>> saved_columns;
	for (auto *column : qualified_columns) {
		// The attach alias means nothing to the server: database.schema.table.column loses it.
		if (StringUtil::CIEquals(column->column_names[0], catalog.GetName())) {
			saved_columns.emplace_back(column, column->column_names);
			column->column_names.erase(column->column_names.begin());
		}
	}
	auto sql = node.ToString();
	for (auto &table : saved_tables) {
		table.ref->catalog_name = table.catalog_name;
		table.ref->schema_name = table.schema_name;
		table.ref->table_name = table.table_name;
		table.ref->at_clause = std::move(table.at_clause);
	}
	for (auto &column : saved_columns) {
		column.first->column_names = std::move(column.second);
	}
	return sql;
}

void RemoteQueryRewriter::StripSeenNames(OpenDuckCatalog &catalog) {
	for (auto &table : remote_tables) {
		table.ref->catalog_name = std::string();
		table.ref->schema_name = table.schema_name;
		table.ref->table_name = table.table_name;
	}
	for (auto *column : qualified_columns) {
		if (StringUtil::CIEquals(column->column_names[0], catalog.GetName())) {
			column->column_names.erase(column->column_names.begin());
		}
	}
	ClearSeenNames();
}

bool RemoteQueryRewriter::ServerCanBind(OpenDuckCatalog &catalog, const std::string &sql, const std::string &snapshot) {
	OpenDuckCatalog::ResultShape shape;
	if (catalog.LookupResultShape(sql, snapshot, shape)) {
		return true;
	}
	try {
		RemoteResultReader described(context, catalog.Describe(context, sql, snapshot));
		shape.names = described.Names();
		shape.types = described.Types();
	} catch (std::exception &ex) {
		if (ErrorData(ex).Type() == ExceptionType::INTERRUPT) {
			throw;
		}
		// Reads a column of an enclosing query, or uses something only the client has.
		return false;
	}
	catalog.RememberResultShape(sql, snapshot, std::move(shape));
	return true;
}

} // namespace openduck
