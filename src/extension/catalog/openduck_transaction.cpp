#include "catalog/openduck_transaction.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/remote_catalog_snapshot.hpp"
#include "protocol/remote_session.hpp"
#include "pushdown/query_pushdown.hpp"

namespace openduck {

OpenDuckTransaction::OpenDuckTransaction(OpenDuckCatalog &catalog_p, duckdb::TransactionManager &manager,
                                         duckdb::ClientContext &context)
    : duckdb::Transaction(manager, context), catalog(catalog_p) {
}

OpenDuckTransaction::~OpenDuckTransaction() = default;

OpenDuckTransaction &OpenDuckTransaction::Get(duckdb::ClientContext &context, duckdb::Catalog &catalog) {
	return duckdb::Transaction::Get(context, catalog).Cast<OpenDuckTransaction>();
}

RemoteCatalogSnapshot &OpenDuckTransaction::Snapshot() {
	// Pipelines of one query run on several threads (duckdb_tables and duckdb_columns in SHOW ALL
	// TABLES): all of them must see the same snapshot.
	std::lock_guard<std::mutex> guard(snapshot_lock);
	if (!snapshot) {
		auto client_context = context.lock();
		if (!client_context) {
			throw duckdb::InternalException("OpenDuck: transaction outlived its client context");
		}
		// Only an autocommit statement binds early: it runs whole after the hook confirmed its catalog.
		bool may_bind_early = client_context->transaction.IsAutoCommit() && !session_required &&
		                      RemoteCatalogMayBeConfirmedLater(*client_context);
		// Local until CurrentSnapshot returned: it throws when the server is gone, and a half-made
		// optimistic catalog must not outlive that.
		std::unique_ptr<OpenDuckCatalog::OptimisticCatalog> early;
		if (may_bind_early) {
			early = std::make_unique<OpenDuckCatalog::OptimisticCatalog>();
		}
		snapshot = catalog.CurrentSnapshot(*client_context, early.get());
		if (early && early->check) {
			optimistic = std::move(early);
		}
	}
	return *snapshot;
}

bool OpenDuckTransaction::ConfirmSnapshot(duckdb::ClientContext &client_context) {
	std::lock_guard<std::mutex> guard(snapshot_lock);
	if (!optimistic) {
		return true;
	}
	auto pending = std::move(optimistic);
	switch (catalog.ConfirmOptimisticSnapshot(client_context, *pending, *snapshot)) {
	case OpenDuckCatalog::Confirmation::CONFIRMED:
		return true;
	case OpenDuckCatalog::Confirmation::ESTIMATES_MOVED:
		return false;
	case OpenDuckCatalog::Confirmation::CHANGED:
		snapshot.reset();
		return false;
	}
	return false;
}

void OpenDuckTransaction::InvalidateSnapshot() {
	std::lock_guard<std::mutex> guard(snapshot_lock);
	snapshot.reset();
	optimistic.reset();
}

std::string OpenDuckTransaction::SessionId(duckdb::ClientContext &client_context) {
	std::lock_guard<std::mutex> guard(session_lock);
	if (session) {
		return session->Id();
	}
	if (client_context.transaction.IsAutoCommit() && !session_required) {
		return std::string();
	}
	auto opened = catalog.Client().OpenSession(catalog.RemoteDatabase(), catalog.IsRemoteReadOnly(), [&client_context]() {
		return client_context.interrupted.load();
	});
	auto id = opened->Id();
	session = std::move(opened);
	RunInSession(&client_context, "BEGIN TRANSACTION");
	return id;
}

void OpenDuckTransaction::RunInSession(duckdb::ClientContext *client_context, const std::string &sql) {
	ExecuteOptions options;
	options.session_id = session->Id();
	std::function<bool()> interrupted;
	if (client_context) {
		interrupted = [client_context]() { return client_context->interrupted.load(); };
	}
	auto result = catalog.Client().Execute(catalog.RemoteDatabase(), sql, false, options, interrupted);
	ArrowArray batch;
	while (result->Next(batch, interrupted)) {
		batch.release(&batch);
	}
}

duckdb::ErrorData OpenDuckTransaction::CommitRemote(duckdb::ClientContext &client_context) {
	std::lock_guard<std::mutex> guard(session_lock);
	if (!session) {
		return duckdb::ErrorData();
	}
	duckdb::ErrorData error;
	try {
		RunInSession(&client_context, "COMMIT");
	} catch (std::exception &ex) {
		error = duckdb::ErrorData(ex);
		// DuckDB adds "Failed to commit: " to what it reports; the server's message has it already.
		const std::string prefix = "Failed to commit: ";
		auto message = error.RawMessage();
		if (message.compare(0, prefix.size(), prefix) == 0) {
			error = duckdb::ErrorData(error.Type(), message.substr(prefix.size()));
		}
	}
	// Ending the session also rolls back on the server whatever a failed COMMIT left open.
	session.reset();
	return error;
}

void OpenDuckTransaction::RollbackRemote() {
	std::lock_guard<std::mutex> guard(session_lock);
	if (!session) {
		return;
	}
	try {
		// Explicitly, so the rollback is done when ROLLBACK returns; ending the session would do
		// it too, a moment later.
		RunInSession(nullptr, "ROLLBACK");
	} catch (std::exception &) {
		// A transaction the server already aborted, or a server that is gone: nothing is left.
	}
	session.reset();
}

OpenDuckTransactionManager::OpenDuckTransactionManager(duckdb::AttachedDatabase &db, OpenDuckCatalog &catalog_p)
    : duckdb::TransactionManager(db), catalog(catalog_p) {
}

duckdb::Transaction &OpenDuckTransactionManager::StartTransaction(duckdb::ClientContext &context) {
	auto transaction = duckdb::make_uniq<OpenDuckTransaction>(catalog, *this, context);
	auto &result = *transaction;
	std::lock_guard<std::mutex> guard(lock);
	transactions[&result] = std::move(transaction);
	return result;
}

duckdb::ErrorData OpenDuckTransactionManager::CommitTransaction(duckdb::ClientContext &context,
                                                                duckdb::Transaction &transaction) {
	auto error = transaction.Cast<OpenDuckTransaction>().CommitRemote(context);
	std::lock_guard<std::mutex> guard(lock);
	transactions.erase(&transaction);
	return error;
}

void OpenDuckTransactionManager::RollbackTransaction(duckdb::Transaction &transaction) {
	transaction.Cast<OpenDuckTransaction>().RollbackRemote();
	std::lock_guard<std::mutex> guard(lock);
	transactions.erase(&transaction);
}

void OpenDuckTransactionManager::Checkpoint(duckdb::ClientContext &context, bool force) {
	// The server owns durability; there is nothing to checkpoint on the client.
}

} // namespace openduck
