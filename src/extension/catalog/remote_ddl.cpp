#include "catalog/remote_ddl.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_data/comment_on_column_info.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
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

static void StripCatalog(QueryNode &node, OpenDuckCatalog &catalog, const CreateViewInfo &info);

static void StripCatalog(ParsedExpression &expr, OpenDuckCatalog &catalog, const CreateViewInfo &info) {
	if (expr.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		StripCatalog(*expr.Cast<SubqueryExpression>().subquery->node, catalog, info);
	}
	std::function<void(ParsedExpression &)> visit = [&](ParsedExpression &child) { StripCatalog(child, catalog, info); };
	ParsedExpressionIterator::EnumerateChildren(expr, visit);
}

//! Takes the attach alias out of the table names a view reads; names of other databases stay,
//! and are refused.
static void StripCatalog(TableRef &ref, OpenDuckCatalog &catalog, const CreateViewInfo &info) {
	if (ref.type == TableReferenceType::BASE_TABLE) {
		auto &table = ref.Cast<BaseTableRef>();
		if (table.catalog_name.empty()) {
			return;
		}
		if (!StringUtil::CIEquals(table.catalog_name, catalog.GetName())) {
			throw BinderException("View \"%s\" in remote database \"%s\" cannot read \"%s\": a remote view can only "
			                      "read tables of its own database",
			                      info.view_name, catalog.GetName(), table.ToString());
		}
		table.catalog_name.clear();
		return;
	}
	ParsedExpressionIterator::EnumerateTableRefChildren(
	    ref, [&](unique_ptr<ParsedExpression> &child) { StripCatalog(*child, catalog, info); },
	    [&](TableRef &child) { StripCatalog(child, catalog, info); });
}

static void StripCatalog(QueryNode &node, OpenDuckCatalog &catalog, const CreateViewInfo &info) {
	ParsedExpressionIterator::EnumerateQueryNodeChildren(
	    node, [&](unique_ptr<ParsedExpression> &child) { StripCatalog(*child, catalog, info); },
	    [&](TableRef &ref) { StripCatalog(ref, catalog, info); });
	for (auto &cte : node.cte_map.map) {
		StripCatalog(*cte.second->query->node, catalog, info);
	}
}

std::string CreateViewSQL(const CreateViewInfo &info, OpenDuckCatalog &catalog) {
	auto copy = unique_ptr_cast<CreateInfo, CreateViewInfo>(info.Copy());
	copy->catalog.clear();
	if (copy->query) {
		StripCatalog(*copy->query->node, catalog, info);
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
