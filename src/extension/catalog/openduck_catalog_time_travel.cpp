// Table-level time travel: `FROM cloud.t AT (VERSION => 3)` and `AT (TIMESTAMP => ...)` read the remote
// catalog and the table's rows as of a past snapshot of the database.

#include "catalog/openduck_catalog.hpp"
#include "catalog/remote_catalog_snapshot.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/common/types/timestamp.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

static bool IsSnapshotId(const std::string &text) {
	return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
}

//! The protocol's snapshot selector for an AT clause. A TIMESTAMP without time zone is UTC, as in
//! `?snapshot=`; a string is passed on for the server to read (an id, a name or a time).
static std::string SnapshotSelectorFor(const BoundAtClause &at) {
	auto &value = at.GetValue();
	auto unit = StringUtil::Upper(at.Unit());
	if (value.IsNull()) {
		throw BinderException("AT (%s => NULL): name a snapshot of the remote database", unit);
	}
	if (value.type().id() == LogicalTypeId::VARCHAR) {
		auto text = StringValue::Get(value);
		if (text.empty()) {
			throw BinderException("AT (%s => ''): name a snapshot of the remote database", unit);
		}
		return text;
	}
	if (unit == "VERSION") {
		if (!value.type().IsIntegral()) {
			throw BinderException("AT (VERSION => ...) on an OpenDuck table takes a snapshot id or a snapshot name, "
			                      "not %s",
			                      value.type().ToString());
		}
		auto id = value.DefaultCastAs(LogicalType::HUGEINT).GetValue<hugeint_t>();
		if (id < hugeint_t(1) || id > hugeint_t(NumericLimits<int64_t>::Maximum())) {
			throw BinderException("AT (VERSION => %s): snapshot ids are positive (list them with FROM "
			                      "openduck_snapshots(...))",
			                      value.ToString());
		}
		return value.ToString();
	}
	if (unit == "TIMESTAMP") {
		timestamp_t time;
		switch (value.type().id()) {
		case LogicalTypeId::TIMESTAMP_TZ:
			time = timestamp_t(value.GetValue<timestamp_tz_t>().value);
			break;
		case LogicalTypeId::TIMESTAMP:
		case LogicalTypeId::TIMESTAMP_MS:
		case LogicalTypeId::TIMESTAMP_SEC:
		case LogicalTypeId::TIMESTAMP_NS:
		case LogicalTypeId::DATE:
			time = value.DefaultCastAs(LogicalType::TIMESTAMP).GetValue<timestamp_t>();
			break;
		default:
			throw BinderException("AT (TIMESTAMP => ...) takes a timestamp, not %s", value.type().ToString());
		}
		if (!Timestamp::IsFinite(time)) {
			throw BinderException("AT (TIMESTAMP => %s): name a finite point in time", value.ToString());
		}
		return Timestamp::ToString(time) + "+00";
	}
	throw BinderException("OpenDuck tables support AT (VERSION => ...) and AT (TIMESTAMP => ...), not AT (%s => ...)",
	                      unit);
}

int64_t OpenDuckCatalog::ResolveSnapshotId(ClientContext &context, RemoteClient &client, const std::string &database,
                                           const std::string &selector) {
	if (IsSnapshotId(selector)) {
		return std::stoll(selector);
	}
	// Outside any session: what a name or time means does not depend on the transaction.
	auto sql = "SELECT snapshot_id FROM openduck_resolve_snapshot(" + QuoteStringLiteral(selector) + ")";
	RemoteResultReader reader(context, client.Execute(database, sql, true, ExecuteOptions(),
	                                                  [&context]() { return context.interrupted.load(); }));
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	int64_t id = 0;
	while (true) {
		reader.Fill(chunk);
		if (chunk.size() == 0) {
			break;
		}
		id = chunk.GetValue(0, 0).GetValue<int64_t>();
	}
	if (id <= 0) {
		throw InvalidInputException("OpenDuck: database \"%s\" has no snapshot \"%s\"", database, selector);
	}
	return id;
}

int64_t OpenDuckCatalog::ResolveSnapshotId(ClientContext &context, const std::string &selector) {
	if (IsSnapshotId(selector)) {
		// The catalog read at this id reports a snapshot that does not exist.
		return std::stoll(selector);
	}
	auto query = context.transaction.HasActiveTransaction() ? context.transaction.GetActiveQuery() : MAXIMUM_QUERY_ID;
	if (query != MAXIMUM_QUERY_ID) {
		std::lock_guard<std::mutex> guard(snapshots_lock);
		auto known = resolved_selectors.find(selector);
		if (resolved_query == query && known != resolved_selectors.end()) {
			return known->second;
		}
	}
	auto id = ResolveSnapshotId(context, *client, RemoteDatabase(), selector);
	if (query != MAXIMUM_QUERY_ID) {
		std::lock_guard<std::mutex> guard(snapshots_lock);
		if (resolved_query != query) {
			resolved_selectors.clear();
			resolved_query = query;
		}
		resolved_selectors[selector] = id;
	}
	return id;
}

RemoteCatalogSnapshot &OpenDuckCatalog::PastSnapshot(ClientContext &context, const BoundAtClause &at) {
	auto id = ResolveSnapshotId(context, SnapshotSelectorFor(at));
	{
		std::lock_guard<std::mutex> guard(snapshots_lock);
		auto known = past_snapshots.find(id);
		if (known != past_snapshots.end()) {
			return *known->second;
		}
	}
	auto snapshot_text = std::to_string(id);
	auto snapshot = BuildSnapshot(context, ReadCatalogRows(context, snapshot_text), snapshot_text);
	std::lock_guard<std::mutex> guard(snapshots_lock);
	// Another query may have read the same snapshot meanwhile: the first one stays (plans may hold it).
	auto &kept = past_snapshots.emplace(id, std::move(snapshot)).first->second;
	return *kept;
}

} // namespace openduck
