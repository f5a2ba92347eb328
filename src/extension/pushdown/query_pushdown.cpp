#include "pushdown/query_pushdown.hpp"

#include "duckdb/main/client_context_state.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/connection_manager.hpp"
#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/planner/extension_callback.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "functions/openduck_query_functions.hpp"
#include "pushdown/remote_query_rewriter.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

static constexpr const char *PUSHDOWN_STATE_KEY = "openduck_query_pushdown";

//! The per-connection half of the two-pass planning.
class QueryPushdownState : public ClientContextState {
public:
	bool CanRequestRebind() override {
		return true;
	}

	RebindQueryInfo OnPlanningError(ClientContext &context, SQLStatement &statement, ErrorData &error) override {
		if (!rewrite_requested) {
			return RebindQueryInfo::DO_NOT_REBIND;
		}
		rewrite_requested = false;
		// Whatever the rewrite finds, the statement must be planned again: the first planning
		// ended on our request, not on an error of the user's.
		replanning = true;
		RemoteQueryRewriter(context).Rewrite(statement);
		return RebindQueryInfo::ATTEMPT_TO_REBIND;
	}

	void QueryEnd(ClientContext &context) override {
		rewrite_requested = false;
		replanning = false;
	}

	//! Set by the optimizer pass right before it interrupts the first planning.
	bool rewrite_requested = false;
	//! Set while the rewritten statement is planned, so it is not interrupted again.
	bool replanning = false;
};

enum class RemoteReads { NONE, SOME, ALREADY_EXECUTED };

static RemoteReads FindRemoteReads(LogicalOperator &op) {
	auto result = RemoteReads::NONE;
	if (op.type == LogicalOperatorType::LOGICAL_GET) {
		auto &get = op.Cast<LogicalGet>();
		if (get.function.name == "openduck_scan") {
			result = RemoteReads::SOME;
		} else if (get.function.name == "openduck_query") {
			// Statements that ran while binding must not be planned (and so run) a second time.
			if (get.bind_data && OpenDuckQueryRanAtBind(*get.bind_data)) {
				return RemoteReads::ALREADY_EXECUTED;
			}
			result = RemoteReads::SOME;
		}
	}
	for (auto &child : op.children) {
		auto child_result = FindRemoteReads(*child);
		if (child_result == RemoteReads::ALREADY_EXECUTED) {
			return child_result;
		}
		if (child_result == RemoteReads::SOME) {
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
	if (FindRemoteReads(*plan) != RemoteReads::SOME) {
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
