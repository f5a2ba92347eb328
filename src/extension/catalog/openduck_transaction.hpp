//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/catalog/openduck_transaction.hpp
//
// A client transaction on an attached OpenDuck database. It pins one view of
// the remote catalog, loaded on first use, so a statement sees a consistent
// catalog while later transactions see tables others created meanwhile.
//===----------------------------------------------------------------------===//

#pragma once

#include "catalog/openduck_catalog.hpp"
#include "duckdb/transaction/transaction.hpp"
#include "duckdb/transaction/transaction_manager.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace openduck {

class OpenDuckCatalog;
class RemoteSession;
struct RemoteCatalogSnapshot;

class OpenDuckTransaction : public duckdb::Transaction {
public:
	OpenDuckTransaction(OpenDuckCatalog &catalog, duckdb::TransactionManager &manager, duckdb::ClientContext &context);
	~OpenDuckTransaction() override;

	static OpenDuckTransaction &Get(duckdb::ClientContext &context, duckdb::Catalog &catalog);

	//! The catalog as this transaction sees it (loaded from the server on first use). In an autocommit
	//! statement it is the catalog held from before, while the server confirms it (see
	//! ConfirmSnapshot).
	RemoteCatalogSnapshot &Snapshot();
	//! Waits for the server to confirm the catalog Snapshot() handed out. False when the statement
	//! must bind again: the catalog changed (it is then read again), or row estimates moved.
	bool ConfirmSnapshot(duckdb::ClientContext &context);
	//! Forgets the pinned catalog so the next lookup reloads it (after DDL in this transaction).
	void InvalidateSnapshot();

	//! The server session this transaction runs in, or empty. An explicit transaction (BEGIN)
	//! opens one, with BEGIN on the server, at its first remote call, so that its statements see
	//! each other's writes and commit or roll back together. Autocommit statements need none.
	std::string SessionId(duckdb::ClientContext &context);
	//! Makes even an autocommit statement run in a session (a write that names rows by row id).
	void RequireSession() {
		session_required = true;
	}
	//! Commits the server transaction, if any; the error when the server refuses (a conflict).
	duckdb::ErrorData CommitRemote(duckdb::ClientContext &context);
	//! Rolls the server transaction back, if any.
	void RollbackRemote();

private:
	//! Runs `sql` in the session and reads its result to the end.
	void RunInSession(duckdb::ClientContext *context, const std::string &sql);

	std::mutex session_lock;
	std::unique_ptr<RemoteSession> session;
	std::atomic<bool> session_required {false};

	OpenDuckCatalog &catalog;
	//! The catalog keeps every snapshot alive for the life of the attach, so dropping it is safe.
	std::shared_ptr<RemoteCatalogSnapshot> snapshot;
	//! Set while `snapshot` awaits the server's confirmation.
	std::unique_ptr<OpenDuckCatalog::OptimisticCatalog> optimistic;
	std::mutex snapshot_lock;
};

class OpenDuckTransactionManager : public duckdb::TransactionManager {
public:
	OpenDuckTransactionManager(duckdb::AttachedDatabase &db, OpenDuckCatalog &catalog);

	duckdb::Transaction &StartTransaction(duckdb::ClientContext &context) override;
	duckdb::ErrorData CommitTransaction(duckdb::ClientContext &context, duckdb::Transaction &transaction) override;
	void RollbackTransaction(duckdb::Transaction &transaction) override;
	void Checkpoint(duckdb::ClientContext &context, bool force = false) override;

private:
	OpenDuckCatalog &catalog;
	std::mutex lock;
	std::unordered_map<duckdb::Transaction *, duckdb::unique_ptr<OpenDuckTransaction>> transactions;
};

} // namespace openduck
