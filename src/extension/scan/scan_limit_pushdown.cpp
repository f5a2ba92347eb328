#include "scan/scan_limit_pushdown.hpp"

#include "common/filter_to_sql.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_limit.hpp"
#include "duckdb/planner/operator/logical_projection.hpp"
#include "duckdb/planner/operator/logical_top_n.hpp"
#include "scan/openduck_scan.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

namespace {

//! A remote scan reached from `op`'s child through projections only (they map rows one to one, so
//! the first N rows above are the first N rows below). `projections` lists them top-down.
optional_ptr<LogicalGet> RemoteScanBelow(LogicalOperator &op, const TableFunction &scan_function,
                                         vector<reference<LogicalProjection>> &projections) {
	if (op.children.size() != 1) {
		return nullptr;
	}
	auto current = op.children[0].get();
	while (current->type == LogicalOperatorType::LOGICAL_PROJECTION) {
		projections.push_back(current->Cast<LogicalProjection>());
		current = current->children[0].get();
	}
	if (current->type != LogicalOperatorType::LOGICAL_GET) {
		return nullptr;
	}
	auto &get = current->Cast<LogicalGet>();
	if (get.function.function != scan_function.function || !get.bind_data || !get.children.empty()) {
		return nullptr;
	}
	if (get.dynamic_filters) {
		// A join above will push filters into this scan when it starts. DuckDB lets them pass through
		// a LIMIT or Top-N, but applied under a remote LIMIT they would change which rows it keeps.
		return nullptr;
	}
	return &get;
}

//! The table column an ORDER BY expression sorts by, if it is a bare column of the scan (followed
//! through projections that pass it on unchanged).
bool ResolveOrderColumn(const Expression &expression, const vector<reference<LogicalProjection>> &projections,
                        LogicalGet &get, const OpenDuckScanBindData &bind_data, column_t &column_id) {
	if (expression.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
		return false;
	}
	auto &column_ref = expression.Cast<BoundColumnRefExpression>();
	if (column_ref.depth != 0) {
		return false;
	}
	auto binding = column_ref.binding;
	for (auto &projection_ref : projections) {
		auto &projection = projection_ref.get();
		if (binding.table_index != projection.table_index || binding.column_index >= projection.expressions.size()) {
			return false;
		}
		auto &child = *projection.expressions[binding.column_index];
		if (child.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF ||
		    child.Cast<BoundColumnRefExpression>().depth != 0) {
			return false;
		}
		binding = child.Cast<BoundColumnRefExpression>().binding;
	}
	// A scan's bindings index its column ids, with or without projection ids.
	auto &column_ids = get.GetColumnIds();
	if (binding.table_index != get.table_index || binding.column_index >= column_ids.size()) {
		return false;
	}
	auto &column_index = column_ids[binding.column_index];
	if (column_index.IsVirtualColumn() || column_index.HasChildren() || column_index.HasType()) {
		return false;
	}
	column_id = column_index.GetPrimaryIndex();
	return column_id < bind_data.column_types.size() && expression.return_type == bind_data.column_types[column_id];
}

bool TotalRows(idx_t limit, idx_t offset, idx_t &total) {
	if (limit > NumericLimits<idx_t>::Maximum() - offset) {
		return false;
	}
	total = limit + offset;
	return true;
}

void RecordLimit(OpenDuckScanBindData &bind_data, idx_t rows, vector<OpenDuckScanOrder> order) {
	bind_data.remote_limit = rows;
	bind_data.remote_order = std::move(order);
}

void PushLimit(LogicalLimit &limit, const TableFunction &scan_function) {
	if (limit.limit_val.Type() != LimitNodeType::CONSTANT_VALUE) {
		return;
	}
	auto offset_type = limit.offset_val.Type();
	if (offset_type != LimitNodeType::UNSET && offset_type != LimitNodeType::CONSTANT_VALUE) {
		return;
	}
	idx_t rows;
	auto offset = offset_type == LimitNodeType::CONSTANT_VALUE ? limit.offset_val.GetConstantValue() : 0;
	if (!TotalRows(limit.limit_val.GetConstantValue(), offset, rows)) {
		return;
	}
	vector<reference<LogicalProjection>> projections;
	auto get = RemoteScanBelow(limit, scan_function, projections);
	if (get) {
		RecordLimit(get->bind_data->Cast<OpenDuckScanBindData>(), rows, {});
	}
}

void PushTopN(LogicalTopN &top_n, const TableFunction &scan_function) {
	idx_t rows;
	if (!TotalRows(top_n.limit, top_n.offset, rows)) {
		return;
	}
	vector<reference<LogicalProjection>> projections;
	auto get = RemoteScanBelow(top_n, scan_function, projections);
	if (!get) {
		return;
	}
	auto &bind_data = get->bind_data->Cast<OpenDuckScanBindData>();
	vector<OpenDuckScanOrder> order;
	for (auto &node : top_n.orders) {
		column_t column_id;
		if (!ResolveOrderColumn(*node.expression, projections, *get, bind_data, column_id)) {
			// Sorting by a prefix of the keys would let ties on it cut rows the full order keeps.
			return;
		}
		std::string ignored;
		if (!TryOrderToSQL(QuoteIdentifier(bind_data.column_names[column_id]), bind_data.column_types[column_id],
		                   node.type, node.null_order, ignored)) {
			return;
		}
		order.push_back(OpenDuckScanOrder {column_id, node.type, node.null_order});
	}
	RecordLimit(bind_data, rows, std::move(order));
}

void PushLimits(LogicalOperator &op, const TableFunction &scan_function) {
	for (auto &child : op.children) {
		PushLimits(*child, scan_function);
	}
	if (op.type == LogicalOperatorType::LOGICAL_LIMIT) {
		PushLimit(op.Cast<LogicalLimit>(), scan_function);
	} else if (op.type == LogicalOperatorType::LOGICAL_TOP_N) {
		PushTopN(op.Cast<LogicalTopN>(), scan_function);
	}
}

void OptimizeScanLimits(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	PushLimits(*plan, GetOpenDuckScanFunction());
}

} // namespace

OptimizerExtension GetScanLimitPushdownOptimizer() {
	OptimizerExtension extension;
	extension.optimize_function = OptimizeScanLimits;
	return extension;
}

std::string RemoteLimitSQL(const OpenDuckScanBindData &bind_data) {
	if (!bind_data.remote_limit.IsValid()) {
		return std::string();
	}
	std::string order_sql;
	for (auto &key : bind_data.remote_order) {
		if (key.column_id >= bind_data.column_names.size()) {
			return std::string();
		}
		std::string key_sql;
		if (!TryOrderToSQL(QuoteIdentifier(bind_data.column_names[key.column_id]),
		                   bind_data.column_types[key.column_id], key.type, key.null_order, key_sql)) {
			return std::string();
		}
		order_sql += (order_sql.empty() ? " ORDER BY " : ", ") + key_sql;
	}
	return order_sql + " LIMIT " + std::to_string(bind_data.remote_limit.GetIndex());
}

} // namespace openduck
