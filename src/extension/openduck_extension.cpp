// Entry point of the loadable extension: LOAD 'openduck.duckdb_extension'.
#include "duckdb.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/main/secret/secret.hpp"
#include "functions/openduck_query_functions.hpp"
#include "functions/openduck_snapshot_functions.hpp"
#include "pushdown/query_pushdown.hpp"
#include "scan/scan_limit_pushdown.hpp"
#include "storage/openduck_storage_extension.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! CREATE SECRET (TYPE openduck, TOKEN '...', ENDPOINT '...'): the token then never has to be in SQL
//! that attaches.
static unique_ptr<BaseSecret> CreateOpenDuckSecret(ClientContext &context, CreateSecretInput &input) {
	auto scope = input.scope;
	if (scope.empty()) {
		scope.push_back("openduck:");
		scope.push_back("od:");
	}
	auto secret = make_uniq<KeyValueSecret>(scope, input.type, input.provider, input.name);
	for (auto &option : input.options) {
		auto key = StringUtil::Lower(option.first);
		if (key != "token" && key != "endpoint") {
			throw InvalidInputException("OpenDuck secrets take TOKEN and ENDPOINT, not \"%s\"", option.first);
		}
		secret->secret_map[key] = option.second.ToString();
	}
	secret->redact_keys = {"token"};
	return std::move(secret);
}

static void RegisterSecrets(ExtensionLoader &loader) {
	SecretType type;
	type.name = "openduck";
	type.deserializer = KeyValueSecret::Deserialize<KeyValueSecret>;
	type.default_provider = "config";
	type.extension = "openduck";
	loader.RegisterSecretType(type);

	CreateSecretFunction function;
	function.secret_type = "openduck";
	function.provider = "config";
	function.function = CreateOpenDuckSecret;
	function.named_parameters["token"] = LogicalType::VARCHAR;
	function.named_parameters["endpoint"] = LogicalType::VARCHAR;
	loader.RegisterFunction(function);
}

static void LoadInternal(ExtensionLoader &loader) {
	auto &config = DBConfig::GetConfig(loader.GetDatabaseInstance());
	auto storage = CreateOpenDuckStorageExtension();
	StorageExtension::Register(config, "openduck", storage);
	StorageExtension::Register(config, "od", storage);
	RegisterSecrets(loader);
	loader.RegisterFunction(GetOpenDuckQueryFunction());
	loader.RegisterFunction(GetOpenDuckExecuteFunction());
	loader.RegisterFunction(GetOpenDuckSnapshotsFunction());
	loader.RegisterFunction(GetOpenDuckCreateSnapshotFunction());
	RegisterCreateDatabaseParser(config);
	RegisterQueryPushdown(loader);
	OptimizerExtension::Register(config, GetScanLimitPushdownOptimizer());
}

} // namespace openduck

extern "C" {
DUCKDB_CPP_EXTENSION_ENTRY(openduck, loader) {
	openduck::LoadInternal(loader);
}
}
