#include "pushdown/remote_environment.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/common/string_util.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

const vector<std::string> &SemanticSettingNames() {
	static const vector<std::string> names {"TimeZone",
	                                        "Calendar",
	                                        "default_collation",
	                                        "default_order",
	                                        "default_null_order",
	                                        "ieee_floating_point_ops",
	                                        "order_by_non_integer_literal",
	                                        "scalar_subquery_error_on_multiple_rows"};
	return names;
}

bool RemoteEnvironment::SameSemantics(ClientContext &context, std::string &difference) const {
	for (auto &name : SemanticSettingNames()) {
		Value local_value;
		std::string local;
		if (context.TryGetCurrentSetting(name, local_value) && !local_value.IsNull()) {
			local = local_value.ToString();
		}
		auto entry = settings.find(name);
		std::string remote = entry == settings.end() ? std::string() : entry->second;
		if (!StringUtil::CIEquals(local, remote)) {
			difference = name;
			return false;
		}
	}
	return true;
}

static std::string EnvironmentQuery() {
	std::string names;
	for (auto &name : SemanticSettingNames()) {
		names += (names.empty() ? "" : ", ") + QuoteStringLiteral(name);
	}
	return "SELECT name, value FROM duckdb_settings() WHERE name IN (" + names + ")";
}

std::shared_ptr<const RemoteEnvironment> RemoteEnvironmentCache::Get(ClientContext &context,
                                                                     OpenDuckCatalog &catalog) {
	{
		std::lock_guard<std::mutex> guard(lock);
		if (environment) {
			return environment;
		}
	}
	auto result = std::make_shared<RemoteEnvironment>();
	RemoteResultReader reader(context, catalog.Execute(context, EnvironmentQuery()));
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	while (true) {
		reader.Fill(chunk);
		if (chunk.size() == 0) {
			break;
		}
		for (idx_t row = 0; row < chunk.size(); row++) {
			auto value = chunk.GetValue(1, row);
			result->settings[chunk.GetValue(0, row).ToString()] = value.IsNull() ? std::string() : value.ToString();
		}
	}
	std::lock_guard<std::mutex> guard(lock);
	if (!environment) {
		environment = std::move(result);
	}
	return environment;
}

} // namespace openduck
