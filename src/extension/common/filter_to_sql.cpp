#include "extension/common/filter_to_sql.hpp"

#include "extension/common/sql_quoting.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/planner/filter/conjunction_filter.hpp"
#include "duckdb/planner/filter/constant_filter.hpp"
#include "duckdb/planner/filter/dynamic_filter.hpp"
#include "duckdb/planner/filter/in_filter.hpp"
#include "duckdb/planner/filter/optional_filter.hpp"
#include "duckdb/planner/filter/struct_filter.hpp"

namespace openduck {

using duckdb::ExpressionType;
using duckdb::LogicalType;
using duckdb::LogicalTypeId;
using duckdb::TableFilter;
using duckdb::TableFilterType;
using duckdb::Value;

namespace {

//! Whether a constant of type `value_type` compares against the column exactly as DuckDB compares it
//! locally. Filters DuckDB pushes always carry the column's own type; anything else would make the
//! server insert implicit casts we did not ask for, so we refuse.
bool SameComparisonType(const LogicalType &value_type, const LogicalType &column_type) {
	if (value_type.id() != column_type.id()) {
		return false;
	}
	switch (column_type.id()) {
	case LogicalTypeId::DECIMAL: {
		uint8_t vw, vs, cw, cs;
		return value_type.GetDecimalProperties(vw, vs) && column_type.GetDecimalProperties(cw, cs) && vw == cw &&
		       vs == cs;
	}
	case LogicalTypeId::ENUM: {
		// Labels in the same order: positions (what ENUM comparisons use) then mean the same thing.
		auto size = duckdb::EnumType::GetSize(column_type);
		if (duckdb::EnumType::GetSize(value_type) != size) {
			return false;
		}
		for (duckdb::idx_t i = 0; i < size; i++) {
			if (duckdb::EnumType::GetString(value_type, i) != duckdb::EnumType::GetString(column_type, i)) {
				return false;
			}
		}
		return true;
	}
	case LogicalTypeId::STRUCT:
	case LogicalTypeId::LIST:
	case LogicalTypeId::MAP:
	case LogicalTypeId::ARRAY:
	case LogicalTypeId::UNION:
		// Nested constants have no literal anyway.
		return false;
	default:
		return true;
	}
}

//! The column as the left side of a comparison. VARCHAR comparisons in pushed filters are binary;
//! COLLATE "binary" keeps them binary whatever default_collation the server session or the
//! column declaration says, and does not stop the server from pushing the filter into its scan.
std::string ComparisonOperand(const std::string &column_sql, const LogicalType &column_type) {
	if (column_type.id() == LogicalTypeId::VARCHAR) {
		return "(" + column_sql + " COLLATE \"binary\")";
	}
	return column_sql;
}

bool ComparisonOperator(ExpressionType type, std::string &out) {
	switch (type) {
	case ExpressionType::COMPARE_EQUAL:
		out = "=";
		return true;
	case ExpressionType::COMPARE_NOTEQUAL:
		out = "<>";
		return true;
	case ExpressionType::COMPARE_LESSTHAN:
		out = "<";
		return true;
	case ExpressionType::COMPARE_GREATERTHAN:
		out = ">";
		return true;
	case ExpressionType::COMPARE_LESSTHANOREQUALTO:
		out = "<=";
		return true;
	case ExpressionType::COMPARE_GREATERTHANOREQUALTO:
		out = ">=";
		return true;
	case ExpressionType::COMPARE_DISTINCT_FROM:
		out = "IS DISTINCT FROM";
		return true;
	case ExpressionType::COMPARE_NOT_DISTINCT_FROM:
		out = "IS NOT DISTINCT FROM";
		return true;
	default:
		return false;
	}
}

//! A literal for `value` that compares with the column exactly like `value` does locally.
bool ComparableLiteral(const Value &value, const LogicalType &column_type, std::string &out) {
	if (!SameComparisonType(value.type(), column_type)) {
		return false;
	}
	return TryValueToSQLLiteral(value, out);
}

bool ConstantFilterToSQL(const duckdb::ConstantFilter &filter, const std::string &column_sql,
                         const LogicalType &column_type, std::string &out) {
	std::string op, literal;
	if (!ComparisonOperator(filter.comparison_type, op) || !ComparableLiteral(filter.constant, column_type, literal)) {
		return false;
	}
	// Float NaN needs no special casing: the server is DuckDB too, where NaN = NaN and NaN sorts above
	// every other value, exactly like the local comparison.
	out = "(" + ComparisonOperand(column_sql, column_type) + " " + op + " " + literal + ")";
	return true;
}

bool InFilterToSQL(const duckdb::InFilter &filter, const std::string &column_sql, const LogicalType &column_type,
                   std::string &out) {
	if (filter.values.empty()) {
		// "x IN ()" is not SQL; such a filter should never be pushed, so leave it to DuckDB.
		return false;
	}
	std::string list;
	for (auto &value : filter.values) {
		std::string literal;
		if (!ComparableLiteral(value, column_type, literal)) {
			return false;
		}
		if (!list.empty()) {
			list += ", ";
		}
		list += literal;
	}
	out = "(" + ComparisonOperand(column_sql, column_type) + " IN (" + list + "))";
	return true;
}

bool StructFilterToSQL(const duckdb::StructFilter &filter, const std::string &column_sql,
                       const LogicalType &column_type, std::string &out) {
	if (column_type.id() != LogicalTypeId::STRUCT || !filter.child_filter) {
		return false;
	}
	if (filter.child_idx >= duckdb::StructType::GetChildCount(column_type)) {
		return false;
	}
	auto &child_type = duckdb::StructType::GetChildType(column_type, filter.child_idx);
	auto &type_child_name = duckdb::StructType::GetChildName(column_type, filter.child_idx);
	std::string child_sql;
	if (filter.child_name.empty()) {
		// Unnamed struct (or a name DuckDB did not record): address the field by position.
		child_sql = "struct_extract_at(" + column_sql + ", " + std::to_string(filter.child_idx + 1) + ")";
	} else {
		// The filter and our view of the column must agree on which field this is.
		if (!duckdb::StringUtil::CIEquals(filter.child_name, type_child_name)) {
			return false;
		}
		child_sql = "struct_extract(" + column_sql + ", " + QuoteStringLiteral(type_child_name) + ")";
	}
	return TryTableFilterToSQL(*filter.child_filter, child_sql, child_type, out);
}

bool ConjunctionToSQL(const duckdb::ConjunctionFilter &filter, const std::string &column_sql,
                      const LogicalType &column_type, bool is_and, std::string &out) {
	std::string result;
	for (auto &child : filter.child_filters) {
		std::string child_sql;
		if (!child || !TryTableFilterToSQL(*child, column_sql, column_type, child_sql)) {
			// A child that must hold but cannot be sent makes the whole conjunction local. (Optional
			// children never get here: they translate to "" when they cannot be sent.)
			return false;
		}
		if (child_sql.empty()) {
			if (is_and) {
				// A dropped optional child may count as TRUE: AND the rest.
				continue;
			}
			// TRUE OR ... is TRUE: the disjunction as a whole may be dropped.
			out.clear();
			return true;
		}
		if (!result.empty()) {
			result += is_and ? " AND " : " OR ";
		}
		result += child_sql;
	}
	out = result.empty() ? std::string() : "(" + result + ")";
	return true;
}

} // namespace

bool TryTableFilterToSQL(const TableFilter &filter, const std::string &column_sql, const LogicalType &column_type,
                         std::string &out) {
	out.clear();
	switch (filter.filter_type) {
	case TableFilterType::CONSTANT_COMPARISON:
		return ConstantFilterToSQL(filter.Cast<duckdb::ConstantFilter>(), column_sql, column_type, out);
	case TableFilterType::IS_NULL:
		out = "(" + column_sql + " IS NULL)";
		return true;
	case TableFilterType::IS_NOT_NULL:
		out = "(" + column_sql + " IS NOT NULL)";
		return true;
	case TableFilterType::CONJUNCTION_AND:
		return ConjunctionToSQL(filter.Cast<duckdb::ConjunctionAndFilter>(), column_sql, column_type, true, out);
	case TableFilterType::CONJUNCTION_OR:
		return ConjunctionToSQL(filter.Cast<duckdb::ConjunctionOrFilter>(), column_sql, column_type, false, out);
	case TableFilterType::STRUCT_EXTRACT:
		return StructFilterToSQL(filter.Cast<duckdb::StructFilter>(), column_sql, column_type, out);
	case TableFilterType::IN_FILTER:
		return InFilterToSQL(filter.Cast<duckdb::InFilter>(), column_sql, column_type, out);
	case TableFilterType::OPTIONAL_FILTER: {
		// Not needed for correctness: send it when we can, drop it otherwise.
		auto &optional = filter.Cast<duckdb::OptionalFilter>();
		if (!optional.child_filter || !TryTableFilterToSQL(*optional.child_filter, column_sql, column_type, out)) {
			out.clear();
		}
		return true;
	}
	case TableFilterType::DYNAMIC_FILTER: {
		// Dynamic filters (e.g. a Top-N boundary) only ever tighten and are never needed for
		// correctness, so the value they hold right now is safe to send; without one, send nothing.
		auto &dynamic = filter.Cast<duckdb::DynamicFilter>();
		if (!dynamic.filter_data) {
			return true;
		}
		duckdb::unique_ptr<duckdb::TableFilter> current;
		{
			// SetValue and Reset change the constant and the flag under this lock.
			duckdb::lock_guard<duckdb::mutex> guard(dynamic.filter_data->lock);
			if (dynamic.filter_data->initialized && dynamic.filter_data->filter) {
				current = dynamic.filter_data->filter->Copy();
			}
		}
		if (!current || !TryTableFilterToSQL(*current, column_sql, column_type, out)) {
			out.clear();
		}
		return true;
	}
	case TableFilterType::BLOOM_FILTER:
		// Probabilistic and optional by construction: nothing to send.
		return true;
	case TableFilterType::EXPRESSION_FILTER:
		// An arbitrary bound expression cannot be turned back into SQL with guaranteed-equal
		// semantics (function overloads, casts, collations), so it stays local.
	default:
		return false;
	}
}

bool TryOrderToSQL(const std::string &column_sql, const LogicalType &column_type, duckdb::OrderType type,
                   duckdb::OrderByNullType null_order, std::string &out) {
	switch (column_type.id()) {
	case LogicalTypeId::BOOLEAN:
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::HUGEINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::UHUGEINT:
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
	case LogicalTypeId::DECIMAL:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIME_NS:
	case LogicalTypeId::TIME_TZ:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_TZ:
	case LogicalTypeId::INTERVAL:
	case LogicalTypeId::VARCHAR:
	case LogicalTypeId::BLOB:
	case LogicalTypeId::UUID:
	case LogicalTypeId::ENUM:
	case LogicalTypeId::BIT:
	case LogicalTypeId::BIGNUM:
		break;
	default:
		// Nested values may hold strings a server-side collation would reorder; other types are rare.
		return false;
	}
	std::string direction;
	switch (type) {
	case duckdb::OrderType::ASCENDING:
		direction = "ASC";
		break;
	case duckdb::OrderType::DESCENDING:
		direction = "DESC";
		break;
	default:
		return false;
	}
	std::string nulls;
	switch (null_order) {
	case duckdb::OrderByNullType::NULLS_FIRST:
		nulls = "NULLS FIRST";
		break;
	case duckdb::OrderByNullType::NULLS_LAST:
		nulls = "NULLS LAST";
		break;
	default:
		return false;
	}
	out = ComparisonOperand(column_sql, column_type) + " " + direction + " " + nulls;
	return true;
}

} // namespace openduck
