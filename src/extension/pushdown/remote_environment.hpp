//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/pushdown/remote_environment.hpp
//
// How the server would run a query: its values of the settings that change
// query semantics. Read once per attach.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/main/client_context.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class OpenDuckCatalog;

struct RemoteEnvironment {
	//! The server's values of SemanticSettingNames().
	duckdb::case_insensitive_map_t<std::string> settings;

	//! Whether a query runs on the server exactly as it would in `context`: every semantic setting
	//! has the same value on both ends. Returns the first that differs in `difference`.
	bool SameSemantics(duckdb::ClientContext &context, std::string &difference) const;
};

//! Settings whose values change the answer of a query (time zone, collation, ordering defaults).
const duckdb::vector<std::string> &SemanticSettingNames();

class RemoteEnvironmentCache {
public:
	//! The server's environment, read on first use (one round trip) and kept for the attach.
	std::shared_ptr<const RemoteEnvironment> Get(duckdb::ClientContext &context, OpenDuckCatalog &catalog);

private:
	std::mutex lock;
	std::shared_ptr<const RemoteEnvironment> environment;
};

} // namespace openduck
