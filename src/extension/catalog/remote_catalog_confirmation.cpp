#include "catalog/remote_catalog_confirmation.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_transaction.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/transaction/meta_transaction.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

bool ConfirmRemoteCatalogs(ClientContext &context) {
	if (!context.transaction.HasActiveTransaction()) {
		return false;
	}
	auto &meta_transaction = MetaTransaction::Get(context);
	bool rebind = false;
	for (auto &database : meta_transaction.OpenedTransactions()) {
		if (database.get().GetCatalog().GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
			continue;
		}
		auto transaction = meta_transaction.TryGetTransaction(database.get());
		if (transaction && !transaction->Cast<OpenDuckTransaction>().ConfirmSnapshot(context)) {
			rebind = true;
		}
	}
	return rebind;
}

} // namespace openduck
