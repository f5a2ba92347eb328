#include "catalog/openduck_transaction.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/remote_catalog_snapshot.hpp"

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
		snapshot = catalog.LoadSnapshot(*client_context);
	}
	return *snapshot;
}

void OpenDuckTransaction::InvalidateSnapshot() {
	std::lock_guard<std::mutex> guard(snapshot_lock);
	snapshot.reset();
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
	std::lock_guard<std::mutex> guard(lock);
	transactions.erase(&transaction);
	return duckdb::ErrorData();
}

void OpenDuckTransactionManager::RollbackTransaction(duckdb::Transaction &transaction) {
	std::lock_guard<std::mutex> guard(lock);
	transactions.erase(&transaction);
}

void OpenDuckTransactionManager::Checkpoint(duckdb::ClientContext &context, bool force) {
	// The server owns durability; there is nothing to checkpoint on the client.
}

} // namespace openduck
