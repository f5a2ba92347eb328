//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/pushdown/remote_query_rewriter.hpp
//
// Whole-query pushdown. Finds the largest parts of a parsed statement that read
// only one remote database and can run there unchanged (the whole query, a
// FROM subquery, a CTE, an expression subquery, a branch of a set operation),
// and replaces each with `SELECT * FROM openduck_query(<db>, <its SQL>)`, so
// only its result crosses the wire.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/query_node.hpp"
#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"

namespace openduck {

class OpenDuckCatalog;

//! Where a piece of a query can run.
struct PushdownTarget {
	enum class Kind : uint8_t {
		//! Reads no table (constants, VALUES): runs anywhere.
		ANYWHERE,
		//! Reads only tables of `catalog`, with nothing the server lacks.
		REMOTE,
		//! Must run in the client: local data, client-only functions, parameters, or two databases.
		LOCAL
	};
	Kind kind = Kind::ANYWHERE;
	duckdb::optional_ptr<OpenDuckCatalog> catalog;
	//! REMOTE: the past snapshot (an id) every table it reads is read at (AT clauses); empty for the current
	//! state. One request reads one snapshot, so pieces reading different ones stay apart.
	std::string snapshot;
	//! The outermost CTE scope (an index into the rewriter's scope stack) this piece reads from.
	duckdb::idx_t outermost_cte_scope = duckdb::DConstants::INVALID_INDEX;

	static PushdownTarget Local() {
		PushdownTarget result;
		result.kind = Kind::LOCAL;
		return result;
	}
	void Merge(const PushdownTarget &other);
};

class RemoteQueryRewriter {
public:
	explicit RemoteQueryRewriter(duckdb::ClientContext &context);

	//! Rewrites the remote-only parts of `statement` in place. Returns whether anything changed.
	bool Rewrite(duckdb::SQLStatement &statement);

	//! Analysis for callers that render statements of their own (writes): where a piece can run.
	//! Remote tables and qualified columns seen are collected until ClearSeenNames.
	PushdownTarget Analyze(duckdb::QueryNode &node) {
		return AnalyzeNode(node);
	}
	PushdownTarget Analyze(duckdb::TableRef &ref) {
		return AnalyzeTableRef(ref);
	}
	PushdownTarget Analyze(duckdb::ParsedExpression &expr) {
		return AnalyzeExpression(expr);
	}
	void ClearSeenNames() {
		remote_tables.clear();
		qualified_columns.clear();
	}
	//! Names every remote table seen as the server knows it and drops the attach alias from
	//! qualified columns, for good: only for a copy of the statement that is rendered, not run.
	void StripSeenNames(OpenDuckCatalog &catalog);
	//! Whether the server would answer exactly as this client does (same semantic settings).
	bool ServerAgrees(OpenDuckCatalog &catalog);
	//! Asks the server to bind `sql` (no execution, at `snapshot` when given); false when it cannot run there on
	//! its own.
	bool ServerCanBind(OpenDuckCatalog &catalog, const std::string &sql, const std::string &snapshot = std::string());

private:
	struct CTEScope {
		duckdb::case_insensitive_map_t<PushdownTarget> entries;
	};
	//! A remote table read, and its name on the server.
	struct RemoteTableName {
		duckdb::BaseTableRef *ref;
		std::string schema_name;
		std::string table_name;
	};

	//! Pushes `slot` whole when it can; else looks for pushable parts inside it.
	void RewriteSlot(duckdb::unique_ptr<duckdb::QueryNode> &slot, bool is_root);
	void RewriteChildren(duckdb::QueryNode &node);
	void RewriteTableRef(duckdb::TableRef &ref);
	void RewriteExpression(duckdb::ParsedExpression &expr);

	PushdownTarget AnalyzeNode(duckdb::QueryNode &node);
	PushdownTarget AnalyzeNodeBody(duckdb::QueryNode &node);
	PushdownTarget AnalyzeTableRef(duckdb::TableRef &ref);
	PushdownTarget AnalyzeBaseTable(duckdb::BaseTableRef &ref);
	PushdownTarget AnalyzeTableFunction(duckdb::TableFunctionRef &ref);
	PushdownTarget AnalyzeExpression(duckdb::ParsedExpression &expr);
	bool IsServerFunction(const std::string &catalog, const std::string &schema, const std::string &name);

	//! `node` as SQL for the server: remote tables named by schema and table, without the attach alias or
	//! AT clause (the request names the snapshot).
	std::string RenderForServer(duckdb::QueryNode &node, OpenDuckCatalog &catalog);

	duckdb::ClientContext &context;
	duckdb::vector<CTEScope> cte_scopes;
	//! Remote tables and database-qualified columns seen by the latest analysis of a whole slot.
	duckdb::vector<RemoteTableName> remote_tables;
	duckdb::vector<duckdb::ColumnRefExpression *> qualified_columns;
	duckdb::unordered_map<OpenDuckCatalog *, bool> agreement;
	bool changed = false;
};

} // namespace openduck
