#include "catalog/remote_ddl.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_data/comment_on_column_info.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/list.hpp"
#include "duckdb/parser/tableref/list.hpp"
#include "duckdb/planner/binder.hpp"

#include <functional>
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

std::string CreateSchemaSQL(const CreateSchemaInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	return copy->ToString();
}

std::string CreateTableSQL(const CreateTableInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	return copy->ToString();
}

static void StripCatalog(QueryNode &node, ClientContext &context, OpenDuckCatalog &catalog,
                         const CreateViewInfo &info);

static void StripCatalog(ParsedExpression &expr, ClientContext &context, OpenDuckCatalog &catalog,
                         const CreateViewInfo &info) {
	if (expr.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		StripCatalog(*expr.Cast<SubqueryExpression>().subquery->node, context, catalog, info);
	}
	std::function<void(ParsedExpression &)> visit = [&](ParsedExpression &child) {
		StripCatalog(child, context, catalog, info);
	};
	ParsedExpressionIterator::EnumerateChildren(expr, visit);
}

//! Takes the attach alias out of the table names a view reads (written `cloud.t` or
//! `cloud.schema.t`); tables of other databases are refused, unqualified names stay the server's.
static void StripCatalog(TableRef &ref, ClientContext &context, OpenDuckCatalog &catalog, const CreateViewInfo &info) {
	switch (ref.type) {
	case TableReferenceType::BASE_TABLE: {
		auto &table = ref.Cast<BaseTableRef>();
		if (table.catalog_name.empty() && table.schema_name.empty()) {
			return;
		}
		auto catalog_name = table.catalog_name;
		auto schema_name = table.schema_name;
		// "cloud.t" parses as schema.table; the binder reads it as database.table when that exists.
		Binder::BindSchemaOrCatalog(context, catalog_name, schema_name);
		if (catalog_name.empty()) {
			return;
		}
		if (!StringUtil::CIEquals(catalog_name, catalog.GetName())) {
			throw BinderException("View \"%s\" in remote database \"%s\" cannot read \"%s\": a remote view can only "
			                      "read tables of its own database",
			                      info.view_name, catalog.GetName(), table.ToString());
		}
		table.catalog_name.clear();
		table.schema_name = schema_name;
		return;
	}
	case TableReferenceType::JOIN: {
		auto &join = ref.Cast<JoinRef>();
		StripCatalog(*join.left, context, catalog, info);
		StripCatalog(*join.right, context, catalog, info);
		if (join.condition) {
			StripCatalog(*join.condition, context, catalog, info);
		}
		return;
	}
	case TableReferenceType::SUBQUERY:
		StripCatalog(*ref.Cast<SubqueryRef>().subquery->node, context, catalog, info);
		return;
	case TableReferenceType::TABLE_FUNCTION: {
		auto &function = ref.Cast<TableFunctionRef>();
		if (function.function) {
			StripCatalog(*function.function, context, catalog, info);
		}
		return;
	}
	case TableReferenceType::EXPRESSION_LIST:
		for (auto &row : ref.Cast<ExpressionListRef>().values) {
			for (auto &expr : row) {
				StripCatalog(*expr, context, catalog, info);
			}
		}
		return;
	default:
		return;
	}
}

static void StripCatalog(QueryNode &node, ClientContext &context, OpenDuckCatalog &catalog,
                         const CreateViewInfo &info) {
	for (auto &cte : node.cte_map.map) {
		StripCatalog(*cte.second->query->node, context, catalog, info);
	}
	switch (node.type) {
	case QueryNodeType::SELECT_NODE: {
		auto &select = node.Cast<SelectNode>();
		if (select.from_table) {
			StripCatalog(*select.from_table, context, catalog, info);
		}
		for (auto &expr : select.select_list) {
			StripCatalog(*expr, context, catalog, info);
		}
		for (auto &expr : select.groups.group_expressions) {
			StripCatalog(*expr, context, catalog, info);
		}
		for (auto *clause : {&select.where_clause, &select.having, &select.qualify}) {
			if (*clause) {
				StripCatalog(**clause, context, catalog, info);
			}
		}
		break;
	}
	case QueryNodeType::SET_OPERATION_NODE:
		for (auto &child : node.Cast<SetOperationNode>().children) {
			StripCatalog(*child, context, catalog, info);
		}
		break;
	case QueryNodeType::RECURSIVE_CTE_NODE: {
		auto &recursive = node.Cast<RecursiveCTENode>();
		StripCatalog(*recursive.left, context, catalog, info);
		StripCatalog(*recursive.right, context, catalog, info);
		break;
	}
	default:
		break;
	}
	ParsedExpressionIterator::EnumerateQueryNodeModifiers(
	    node, [&](unique_ptr<ParsedExpression> &expr) { StripCatalog(*expr, context, catalog, info); });
}

std::string CreateViewSQL(ClientContext &context, const CreateViewInfo &info, OpenDuckCatalog &catalog) {
	auto copy = unique_ptr_cast<CreateInfo, CreateViewInfo>(info.Copy());
	copy->catalog.clear();
	if (copy->query) {
		StripCatalog(*copy->query->node, context, catalog, info);
	}
	return copy->ToString();
}

std::string CreateIndexSQL(const CreateIndexInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	return copy->ToString();
}

std::string DropSQL(const DropInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	return copy->ToString();
}

std::string AlterSQL(const AlterInfo &info) {
	if (info.type == AlterType::SET_COLUMN_COMMENT) {
		// DuckDB 1.5.5 renders this statement without its column.
		auto &comment = info.Cast<SetColumnCommentInfo>();
		std::string name;
		if (!comment.schema.empty()) {
			name = QuoteIdentifier(comment.schema) + ".";
		}
		name += QuoteIdentifier(comment.name) + "." + QuoteIdentifier(comment.column_name);
		return "COMMENT ON COLUMN " + name + " IS " + comment.comment_value.ToSQLString();
	}
	auto copy = info.Copy();
	copy->catalog.clear();
	return copy->ToString();
}

} // namespace openduck
