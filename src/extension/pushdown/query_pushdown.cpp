#include "pushdown/query_pushdown.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/remote_catalog_confirmation.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/main/client_context_state.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/connection_manager.hpp"
#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/planner/extension_callback.hpp"
#include "duckdb/planner/operator/logical_create_table.hpp"
#include "duckdb/planner/operator/logical_delete.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_insert.hpp"
#include "duckdb/planner/operator/logical_merge_into.hpp"
#include "duckdb/planner/operator/logical_update.hpp"
#include "functions/openduck_query_functions.hpp"
#include "pushdown/remote_query_rewriter.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>

namespace openduck {

using namespace duckdb; // NOLINT

static constexpr const char *PUSHDOWN_STATE_KEY = "openduck_query_pushdown";

//! The per-connection half of the two-pass planning.
class QueryPushdownState : public ClientContextState {
public:
	bool CanRequestRebind() override {
		return true;
	}

	void QueryBegin(ClientContext &context) override {
		binding = true;
	}

	//! The first planning failed: on our request (rewrite_requested), or on a remote catalog the server
	//! has since changed (a table another client just created), or on the user's error.
	RebindQueryInfo OnPlanningError(ClientContext &context, SQLStatement &statement, ErrorData &error) override {
		// The rewrite reads the remote catalog: it must be the confirmed one.
		binding = false;
		bool catalog_changed = ConfirmRemoteCatalogs(context);
		if (!rewrite_requested && !catalog_changed) {
			return RebindQueryInfo::DO_NOT_REBIND;
		}
		rewrite_requested = false;
		// Whatever the rewrite finds, the statement must be planned again: the first planning
		// ended on our request, not on an error of the user's.
		replanning = true;
		auto plan = make_uniq<RemoteWritePlan>();
		if (PlanRemoteWrite(context, statement, *plan)) {
			KeepConflictClauseForServer(*plan);
			write_plan = std::move(plan);
		}
		if (!write_plan || write_plan->statement_sql.empty()) {
			// Also for writes whose rows come from the client: their remote parts still run remotely.
			RemoteQueryRewriter(context).Rewrite(statement);
		}
		return RebindQueryInfo::ATTEMPT_TO_REBIND;
	}

	//! DuckDB plans INSERT ... ON CONFLICT as a merge with the target table, which a remote table
	//! cannot take part in. When the rows come from the client, the clause goes to the server in
	//! the upload statement and the client plans a plain INSERT; the statement (and the copy a
	//! prepared statement keeps for binding again) is marked so that its upload keeps the clause.
	void KeepConflictClauseForServer(RemoteWritePlan &plan) {
		if (plan.upload_sql.empty() || !plan.insert) {
			return;
		}
		auto &insert = *plan.insert;
		if (insert.on_conflict_info) {
			insert.on_conflict_info.reset();
			// Zero-padded, so the map's order is the order of creation.
			char id[21];
			snprintf(id, sizeof(id), "%020llu", static_cast<unsigned long long>(next_conflict_id++));
			auto marker = std::string(CONFLICT_MARKER) + id;
			insert.query = marker;
			if (conflict_uploads.size() >= MAX_CONFLICT_UPLOADS) {
				conflict_uploads.erase(conflict_uploads.begin());
			}
			conflict_uploads[marker] = plan.upload_sql;
			return;
		}
		if (insert.query.compare(0, strlen(CONFLICT_MARKER), CONFLICT_MARKER) != 0) {
			return;
		}
		auto known = conflict_uploads.find(insert.query);
		if (known == conflict_uploads.end()) {
			throw InvalidInputException("OpenDuck: this prepared INSERT ... ON CONFLICT must be prepared again "
			                            "(the remote catalog changed since PREPARE)");
		}
		plan.upload_sql = known->second;
	}

	//! The first planning succeeded without asking for pushdown; bound against a catalog the server
	//! has since changed, the statement binds once more, and that last planning must not be interrupted.
	RebindQueryInfo OnFinalizePrepare(ClientContext &context, PreparedStatementData &, PreparedStatementMode) override {
		binding = false;
		if (!ConfirmRemoteCatalogs(context)) {
			return RebindQueryInfo::DO_NOT_REBIND;
		}
		replanning = true;
		return RebindQueryInfo::ATTEMPT_TO_REBIND;
	}

	//! A prepared statement about to run (EXECUTE through the C API).
	RebindQueryInfo OnExecutePrepared(ClientContext &context, PreparedStatementCallbackInfo &,
	                                  RebindQueryInfo current_rebind) override {
		binding = false;
		return ConfirmRemoteCatalogs(context) ? RebindQueryInfo::ATTEMPT_TO_REBIND : current_rebind;
	}

	//! A prepared statement bound by an EXECUTE statement.
	RebindQueryInfo OnRebindPreparedStatement(ClientContext &context, BindPreparedStatementCallbackInfo &,
	                                          RebindQueryInfo current_rebind) override {
		binding = false;
		return ConfirmRemoteCatalogs(context) ? RebindQueryInfo::ATTEMPT_TO_REBIND : current_rebind;
	}

	void QueryEnd(ClientContext &context) override {
		rewrite_requested = false;
		replanning = false;
		binding = false;
		write_plan.reset();
	}

	//! Set by the optimizer pass right before it interrupts the first planning.
	bool rewrite_requested = false;
	//! Set while the rewritten statement is planned, so it is not interrupted again.
	bool replanning = false;
	//! From the start of a statement until a hook confirmed its remote catalogs: only then may a
	//! transaction bind against a catalog the server has not confirmed yet.
	std::atomic<bool> binding {false};
	//! How the statement being planned writes into a remote table, for the catalog's Plan* hook.
	unique_ptr<RemoteWritePlan> write_plan;

private:
	static constexpr const char *CONFLICT_MARKER = "openduck-on-conflict:";
	static constexpr size_t MAX_CONFLICT_UPLOADS = 4096;
	idx_t next_conflict_id = 0;
	//! Upload statements with their ON CONFLICT clause, by marker, oldest first.
	std::map<std::string, std::string> conflict_uploads;
};

//! The catalog a write operator writes into.
static optional_ptr<Catalog> WriteTarget(LogicalOperator &op) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_INSERT:
		return op.Cast<LogicalInsert>().table.catalog;
	case LogicalOperatorType::LOGICAL_UPDATE:
		return op.Cast<LogicalUpdate>().table.catalog;
	case LogicalOperatorType::LOGICAL_DELETE:
		return op.Cast<LogicalDelete>().table.catalog;
	case LogicalOperatorType::LOGICAL_MERGE_INTO:
		return op.Cast<LogicalMergeInto>().table.catalog;
	case LogicalOperatorType::LOGICAL_CREATE_TABLE:
		return op.Cast<LogicalCreateTable>().schema.catalog;
	default:
		return nullptr;
	}
}

enum class RemoteReads { NONE, WORTH_PUSHING, ALREADY_EXECUTED };

//! Whether the plan reads a remote table below some work (a filter, a join, an aggregate...) that
//! could move to the server. A remote read under nothing but projections gains nothing from a
//! second planning; that keeps `FROM openduck_query(...)` and `SELECT * FROM cloud.t` at one.
static RemoteReads FindRemoteReads(LogicalOperator &op, bool work_above) {
	auto result = RemoteReads::NONE;
	auto write_target = WriteTarget(op);
	if (write_target && write_target->GetCatalogType() == OpenDuckCatalog::CATALOG_TYPE) {
		// Writes into a remote table are planned from the parsed statement.
		result = RemoteReads::WORTH_PUSHING;
	}
	if (op.type == LogicalOperatorType::LOGICAL_GET) {
		auto &get = op.Cast<LogicalGet>();
		bool remote = get.function.name == "openduck_scan" || get.function.name == "openduck_query";
		// Statements that ran while binding must not be planned (and so run) a second time.
		if (get.function.name == "openduck_query" && get.bind_data && OpenDuckQueryRanAtBind(*get.bind_data)) {
			return RemoteReads::ALREADY_EXECUTED;
		}
		if (remote && work_above) {
			result = RemoteReads::WORTH_PUSHING;
		}
	}
	work_above = work_above || op.type != LogicalOperatorType::LOGICAL_PROJECTION;
	for (auto &child : op.children) {
		auto child_result = FindRemoteReads(*child, work_above);
		if (child_result == RemoteReads::ALREADY_EXECUTED) {
			return child_result;
		}
		if (child_result == RemoteReads::WORTH_PUSHING) {
			result = child_result;
		}
	}
	return result;
}

static void RequestPushdown(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	auto state = input.context.registered_state->Get<QueryPushdownState>(PUSHDOWN_STATE_KEY);
	if (!state) {
		return;
	}
	if (state->replanning) {
		state->replanning = false;
		return;
	}
	if (FindRemoteReads(*plan, false) != RemoteReads::WORTH_PUSHING) {
		return;
	}
	state->rewrite_requested = true;
	// Caught by DuckDB's planner, which hands the statement to QueryPushdownState::OnPlanningError.
	throw BinderException("OpenDuck: re-planning with remote query pushdown");
}

class QueryPushdownConnectionCallback : public ExtensionCallback {
public:
	void OnConnectionOpened(ClientContext &context) override {
		EnableQueryPushdown(context);
	}
};

unique_ptr<RemoteWritePlan> TakeRemoteWritePlan(ClientContext &context, OpenDuckCatalog &catalog) {
	auto state = context.registered_state->Get<QueryPushdownState>(PUSHDOWN_STATE_KEY);
	if (!state || !state->write_plan || state->write_plan->catalog.get() != &catalog) {
		return nullptr;
	}
	return std::move(state->write_plan);
}

bool RemoteCatalogMayBeConfirmedLater(ClientContext &context) {
	auto state = context.registered_state->Get<QueryPushdownState>(PUSHDOWN_STATE_KEY);
	return state && state->binding;
}

void EnableQueryPushdown(ClientContext &context) {
	context.registered_state->GetOrCreate<QueryPushdownState>(PUSHDOWN_STATE_KEY);
}

void RegisterQueryPushdown(ExtensionLoader &loader) {
	auto &db = loader.GetDatabaseInstance();
	auto &config = DBConfig::GetConfig(db);
	OptimizerExtension optimizer;
	optimizer.pre_optimize_function = RequestPushdown;
	OptimizerExtension::Register(config, std::move(optimizer));
	ExtensionCallback::Register(config, make_shared_ptr<QueryPushdownConnectionCallback>());
	for (auto &connection : ConnectionManager::Get(db).GetConnectionList()) {
		EnableQueryPushdown(*connection);
	}
}

} // namespace openduck
