#include "storage/openduck_storage_extension.hpp"

#include "catalog/openduck_catalog.hpp"
#include "catalog/openduck_transaction.hpp"
#include "common/attach_options.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/secret/secret_manager.hpp"
#include "duckdb/parser/parsed_data/attach_info.hpp"
#include "pushdown/query_pushdown.hpp"

#include <cstdlib>

namespace openduck {

using namespace duckdb; // NOLINT

static std::string LowerCase(const std::string &text) {
	return StringUtil::Lower(text);
}

static void ReadSecret(ClientContext &context, const std::string &path, AttachSources &sources) {
	auto &secret_manager = SecretManager::Get(context);
	auto transaction = CatalogTransaction::GetSystemCatalogTransaction(context);
	auto match = secret_manager.LookupSecret(transaction, path, "openduck");
	if (!match.HasMatch()) {
		return;
	}
	// Only this extension creates "openduck" secrets, always as key-value secrets.
	auto &secret = static_cast<const KeyValueSecret &>(match.GetSecret());
	auto token = secret.TryGetValue("token");
	if (!token.IsNull()) {
		sources.secret_token = token.ToString();
	}
	auto endpoint = secret.TryGetValue("endpoint");
	if (!endpoint.IsNull()) {
		sources.secret_endpoint = endpoint.ToString();
	}
}

//! A name or time names one snapshot for the life of the attach: later requests send its id, so every one reads
//! the same state (a time after the newest commit would otherwise move with new commits) and the server needs no
//! metadata lookup per request. duckdb_databases() still shows what the user wrote.
static void PinSnapshot(ClientContext &context, RemoteClient &client, const AttachSettings &settings) {
	if (settings.snapshot.empty()) {
		return;
	}
	try {
		client.SetSnapshot(
		    std::to_string(OpenDuckCatalog::ResolveSnapshotId(context, client, settings.database, settings.snapshot)));
	} catch (std::exception &ex) {
		// A server that predates openduck_resolve_snapshot() resolves the selector on every request instead.
		if (ErrorData(ex).Type() != ExceptionType::CATALOG) {
			throw;
		}
	}
}

static unique_ptr<Catalog> OpenDuckAttach(optional_ptr<StorageExtensionInfo> storage_info, ClientContext &context,
                                          AttachedDatabase &db, const string &name, AttachInfo &info,
                                          AttachOptions &options) {
	AttachSources sources;
	sources.path = ParseAttachPath(info.path);
	for (auto &option : options.options) {
		sources.options[LowerCase(option.first)] = option.second.ToString();
	}
	if (options.access_mode == AccessMode::READ_ONLY) {
		sources.options["read_only"] = "true";
	}
	ReadSecret(context, "openduck:" + sources.path.database, sources);
	sources.getenv = [](const std::string &variable) {
		auto value = std::getenv(variable.c_str());
		return value ? std::string(value) : std::string();
	};
	auto settings = ResolveAttachSettings(sources);
	if (settings.read_only) {
		// ?read_only=true (or a secret's) behaves like ATTACH ... (READ_ONLY): DuckDB refuses writes
		// before they are planned, with its usual message.
		db.SetReadOnlyDatabase();
	}
	// Connections opened before LOAD are not told about the extension; the one attaching is covered here.
	EnableQueryPushdown(context);

	// What DuckDB keeps about this ATTACH is shown by duckdb_databases(): keep secrets out of it.
	info.path = "openduck:" + settings.database + (settings.snapshot.empty() ? "" : "?snapshot=" + settings.snapshot);
	for (auto it = options.options.begin(); it != options.options.end();) {
		if (LowerCase(it->first) == "token") {
			it = options.options.erase(it);
		} else {
			++it;
		}
	}
	info.options.erase("token");
	info.options.erase("TOKEN");

	auto endpoint = ParseEndpoint(settings.endpoint);
	endpoint.token = settings.token;
	endpoint.connect_timeout_seconds = settings.connect_timeout_seconds;
	endpoint.max_message_bytes = settings.max_message_bytes;
	auto client = std::make_shared<RemoteClient>(endpoint);
	client->SetSnapshot(settings.snapshot);
	client->CheckConnection(settings.database);
	PinSnapshot(context, *client, settings);
	return make_uniq<OpenDuckCatalog>(db, std::move(settings), std::move(client));
}

static unique_ptr<TransactionManager> OpenDuckCreateTransactionManager(optional_ptr<StorageExtensionInfo> storage_info,
                                                                       AttachedDatabase &db, Catalog &catalog) {
	return make_uniq<OpenDuckTransactionManager>(db, catalog.Cast<OpenDuckCatalog>());
}

shared_ptr<StorageExtension> CreateOpenDuckStorageExtension() {
	auto extension = make_shared_ptr<StorageExtension>();
	extension->attach = OpenDuckAttach;
	extension->create_transaction_manager = OpenDuckCreateTransactionManager;
	return extension;
}

} // namespace openduck
