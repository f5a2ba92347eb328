//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_catalog.hpp
//
// The catalog of an attached OpenDuck database: remote schemas and tables as
// DuckDB catalog entries.
//===----------------------------------------------------------------------===//

#pragma once

#include "catalog/remote_view_columns.hpp"
#include "common/attach_options.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/planner/tableref/bound_at_clause.hpp"
#include "protocol/remote_client.hpp"
#include "pushdown/remote_environment.hpp"

#include <map>

namespace openduck {

struct RemoteCatalogSnapshot;
class RemoteCatalogRows;

class OpenDuckCatalog : public duckdb::Catalog {
public:
	OpenDuckCatalog(duckdb::AttachedDatabase &db, AttachSettings settings, std::shared_ptr<RemoteClient> client);
	~OpenDuckCatalog() override;

	static constexpr const char *CATALOG_TYPE = "openduck";

	//! Runs `sql` on the remote database and returns its result stream; interrupting `context`
	//! cancels it.
	//! Runs in the transaction's server session when it has one.
	std::unique_ptr<RemoteResult> Execute(duckdb::ClientContext &context, const std::string &sql,
	                                      ExecuteOptions options = ExecuteOptions());
	RemoteClient &Client() {
		return *client;
	}
	//! The database's name on the server.
	const std::string &RemoteDatabase() const {
		return settings.database;
	}
	bool IsRemoteReadOnly() const {
		return settings.read_only;
	}
	//! Runs DDL on the remote database, then makes this transaction reload the remote catalog so the
	//! change shows at once.
	void ExecuteDDL(duckdb::ClientContext &context, const std::string &sql);
	//! The result schema `sql` would have, without running it (at a past snapshot when one is given).
	std::unique_ptr<RemoteResult> Describe(duckdb::ClientContext &context, const std::string &sql,
	                                       const std::string &snapshot = std::string());

	//! Result shapes of escape-hatch SQL seen before, so binding a repeated query needs no round trip.
	//! Forgotten whenever the remote catalog changes, or when a result no longer matches.
	struct ResultShape {
		duckdb::vector<std::string> names;
		duckdb::vector<duckdb::LogicalType> types;
	};
	bool LookupResultShape(const std::string &sql, const std::string &snapshot, ResultShape &shape);
	void RememberResultShape(const std::string &sql, const std::string &snapshot, ResultShape shape);
	void ForgetResultShapes();
	//! The column details (NOT NULL, keys, defaults) of the remote view that runs `sql` on the server,
	//! from the latest catalog read of `snapshot`; null when unknown.
	std::shared_ptr<RemoteViewColumnsEntry> FindViewColumns(const std::string &sql, const std::string &snapshot);
	//! The server's functions and semantic settings, for deciding what may run there.
	RemoteEnvironmentCache &Environment() {
		return environment;
	}
	//! Makes the calling transaction reload the remote catalog on its next lookup.
	void InvalidateSnapshots(duckdb::ClientContext &context);
	//! After a write through this attach: the next transaction reads the catalog again, so its row
	//! estimates include the write.
	void ForgetCatalogVersion();
	//! Reads the remote catalog (one round trip).
	std::shared_ptr<RemoteCatalogSnapshot> LoadSnapshot(duckdb::ClientContext &context);
	//! A catalog handed out before the server confirmed it is current.
	struct OptimisticCatalog {
		std::unique_ptr<PendingCatalogCheck> check;
		//! The catalog version token the catalog was read at.
		std::string version;
	};
	//! The catalog for a new transaction: the one held, when the server's catalog version says it is
	//! unchanged (a cheap round trip), else a fresh read. With `optimistic`, the one held is returned at
	//! once when there is one, and the check left running in `optimistic->check`.
	std::shared_ptr<RemoteCatalogSnapshot> CurrentSnapshot(duckdb::ClientContext &context,
	                                                       OptimisticCatalog *optimistic = nullptr);
	enum class Confirmation { CONFIRMED, ESTIMATES_MOVED, CHANGED };
	//! The answer to an optimistic catalog's check: CHANGED means the catalog must be read again.
	Confirmation ConfirmOptimisticSnapshot(duckdb::ClientContext &context, OptimisticCatalog &optimistic,
	                                       RemoteCatalogSnapshot &snapshot);

	//! The remote catalog as of a past snapshot (a table-level AT clause); its tables scan that snapshot.
	//! Kept for the life of the attach, like replaced catalogs: plans bound to its entries may run later.
	RemoteCatalogSnapshot &PastSnapshot(duckdb::ClientContext &context, const duckdb::BoundAtClause &at);
	//! The id of the snapshot an id, name or time selector names (a round trip unless it is an id, once per
	//! query and selector).
	int64_t ResolveSnapshotId(duckdb::ClientContext &context, const std::string &selector);
	//! The same through `client`, before a catalog exists (an attach pins its snapshot with it).
	static int64_t ResolveSnapshotId(duckdb::ClientContext &context, RemoteClient &client, const std::string &database,
	                                 const std::string &selector);

	void Initialize(bool load_builtin) override;
	//! Tables read as of a past snapshot with AT (VERSION => ...) or AT (TIMESTAMP => ...).
	bool SupportsTimeTravel() const override {
		return true;
	}
	std::string GetCatalogType() override {
		return CATALOG_TYPE;
	}
	duckdb::optional_idx GetCatalogVersion(duckdb::ClientContext &context) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateSchema(duckdb::CatalogTransaction transaction,
	                                                        duckdb::CreateSchemaInfo &info) override;
	void ScanSchemas(duckdb::ClientContext &context,
	                 std::function<void(duckdb::SchemaCatalogEntry &)> callback) override;
	duckdb::optional_ptr<duckdb::SchemaCatalogEntry> LookupSchema(duckdb::CatalogTransaction transaction,
	                                                              const duckdb::EntryLookupInfo &schema_lookup,
	                                                              duckdb::OnEntryNotFound if_not_found) override;
	duckdb::PhysicalOperator &PlanCreateTableAs(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                            duckdb::LogicalCreateTable &op, duckdb::PhysicalOperator &plan) override;
	duckdb::PhysicalOperator &PlanInsert(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalInsert &op,
	                                     duckdb::optional_ptr<duckdb::PhysicalOperator> plan) override;
	duckdb::PhysicalOperator &PlanDelete(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalDelete &op, duckdb::PhysicalOperator &plan) override;
	duckdb::PhysicalOperator &PlanUpdate(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalUpdate &op, duckdb::PhysicalOperator &plan) override;
	//! DuckDB binds INSERT ... ON CONFLICT as a merge.
	duckdb::PhysicalOperator &PlanMergeInto(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                        duckdb::LogicalMergeInto &op, duckdb::PhysicalOperator &plan) override;
	duckdb::unique_ptr<duckdb::LogicalOperator> BindCreateIndex(duckdb::Binder &binder, duckdb::CreateStatement &stmt,
	                                                            duckdb::TableCatalogEntry &table,
	                                                            duckdb::unique_ptr<duckdb::LogicalOperator> plan) override;
	duckdb::DatabaseSize GetDatabaseSize(duckdb::ClientContext &context) override;
	bool InMemory() override {
		return false;
	}
	//! "openduck:<database>" — never the endpoint's query string or the token.
	std::string GetDBPath() override;
	void DropSchema(duckdb::ClientContext &context, duckdb::DropInfo &info) override;

private:
	RemoteCatalogSnapshot &SnapshotFor(duckdb::CatalogTransaction transaction);
	//! Reads the remote catalog (of the past snapshot `snapshot`, or the current one when empty).
	RemoteCatalogRows ReadCatalogRows(duckdb::ClientContext &context, const std::string &snapshot);
	std::shared_ptr<RemoteCatalogSnapshot> BuildSnapshot(duckdb::ClientContext &context, const RemoteCatalogRows &rows,
	                                                     const std::string &snapshot);
	using ViewColumnsBySQL = std::unordered_map<std::string, std::shared_ptr<RemoteViewColumnsEntry>>;
	//! What the server's DESCRIBE says of each view's columns (one round trip); a view it cannot
	//! describe gets no rows.
	std::vector<std::vector<DescribedViewColumn>>
	DescribeViews(duckdb::ClientContext &context, const std::vector<std::pair<std::string, std::string>> &views,
	              const std::string &snapshot);
	//! The local entry of a remote view; records its column details in `view_columns_built`.
	duckdb::unique_ptr<duckdb::ViewCatalogEntry>
	BuildRemoteView(duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &columns, const std::string &snapshot,
	                const std::vector<DescribedViewColumn> &described, ViewColumnsBySQL &view_columns_built);
	[[noreturn]] void ThrowWritesUnsupported(const std::string &what);
	//! The operator for a write whose whole statement runs on the server.
	duckdb::PhysicalOperator &PlanRemoteStatement(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                              duckdb::LogicalOperator &op, const std::string &what,
	                                              bool changes_catalog);

	AttachSettings settings;
	std::shared_ptr<RemoteClient> client;
	RemoteEnvironmentCache environment;
	std::mutex result_shapes_lock;
	std::unordered_map<std::string, ResultShape> result_shapes;
	std::mutex view_columns_lock;
	//! By snapshot ("" for the current state), from the latest catalog read of it.
	std::unordered_map<std::string, ViewColumnsBySQL> view_columns;
	std::mutex snapshots_lock;
	std::shared_ptr<RemoteCatalogSnapshot> latest_snapshot;
	std::vector<std::shared_ptr<RemoteCatalogSnapshot>> retired_snapshots;
	//! Catalogs of past snapshots, by snapshot id.
	std::map<int64_t, std::shared_ptr<RemoteCatalogSnapshot>> past_snapshots;
	//! Snapshot ids of the names and times the query `resolved_query` asked for: planning looks a table
	//! up more than once, and one query must read one snapshot per selector.
	std::map<std::string, int64_t> resolved_selectors;
	duckdb::transaction_t resolved_query = duckdb::MAXIMUM_QUERY_ID;
	std::atomic<duckdb::idx_t> snapshot_version {0};
	//! The server's catalog version token latest_snapshot was read at; empty when unknown.
	std::string latest_snapshot_remote_version;
	//! Servers without CheckCatalog get a full catalog read per transaction.
	std::atomic<bool> catalog_version_unsupported {false};
};

} // namespace openduck
