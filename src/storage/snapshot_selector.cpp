#include "storage/snapshot_selector.hpp"

#include "duckdb.hpp"
#include "duckdb/common/types/timestamp.hpp"

#include <cctype>
#include <ctime>

namespace openduck {

void ValidateSnapshotName(const std::string &name) {
	bool valid =
	    !name.empty() && name.size() <= 128 && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
	for (auto c : name) {
		valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
	}
	if (!valid) {
		throw duckdb::InvalidInputException("invalid snapshot name \"%s\": use letters, digits, '_', '-' and '.', "
		                                    "starting with a letter or '_'",
		                                    name);
	}
}

SnapshotSelector SnapshotSelector::Parse(const std::string &text) {
	SnapshotSelector selector;
	if (text.empty()) {
		return selector;
	}
	if (text.find_first_not_of("0123456789") == std::string::npos) {
		if (text.size() > 18) {
			throw duckdb::InvalidInputException("invalid snapshot id \"%s\"", text);
		}
		selector.kind = Kind::ID;
		selector.id = std::stoll(text);
		return selector;
	}
	if (std::isdigit(static_cast<unsigned char>(text[0]))) {
		duckdb::timestamp_t timestamp;
		bool has_offset = false;
		duckdb::string_t time_zone("");
		auto result =
		    duckdb::Timestamp::TryConvertTimestampTZ(text.c_str(), text.size(), timestamp, true, has_offset, time_zone);
		if (result != duckdb::TimestampCastResult::SUCCESS || time_zone.GetSize() > 0 ||
		    !duckdb::Timestamp::IsFinite(timestamp)) {
			throw duckdb::InvalidInputException("invalid snapshot time \"%s\": use e.g. 2026-11-22 04:30:00 (UTC) or "
			                                    "2026-11-22 06:30:00+02",
			                                    text);
		}
		selector.kind = Kind::TIME;
		selector.time_ms = duckdb::Timestamp::GetEpochMs(timestamp);
		return selector;
	}
	ValidateSnapshotName(text);
	selector.kind = Kind::NAME;
	selector.name = text;
	return selector;
}

std::string SnapshotSelector::ToString() const {
	switch (kind) {
	case Kind::NEWEST:
		return "";
	case Kind::ID:
		return std::to_string(id);
	case Kind::NAME:
		return name;
	case Kind::TIME:
		return FormatUtcMilliseconds(time_ms) + "+00";
	}
	return "";
}

std::string FormatUtcMilliseconds(int64_t time_ms) {
	auto seconds = static_cast<std::time_t>(time_ms / 1000);
	std::tm parts {};
	gmtime_r(&seconds, &parts);
	char text[64];
	std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &parts);
	char with_millis[80];
	std::snprintf(with_millis, sizeof(with_millis), "%s.%03d", text, static_cast<int>(time_ms % 1000));
	return with_millis;
}

SnapshotRecord ResolveSnapshot(MetadataStore &metadata, const std::string &database, const SnapshotSelector &selector) {
	SnapshotRecord snapshot;
	switch (selector.kind) {
	case SnapshotSelector::Kind::NEWEST:
		snapshot = metadata.LatestSnapshot(database);
		if (snapshot.id == 0) {
			throw duckdb::InvalidInputException("database \"%s\" has no snapshot yet", database);
		}
		break;
	case SnapshotSelector::Kind::ID:
		snapshot = metadata.GetSnapshot(database, selector.id);
		if (snapshot.id == 0) {
			throw duckdb::InvalidInputException("database \"%s\" has no snapshot %lld (list them with FROM "
			                                    "openduck_snapshots('%s'))",
			                                    database, (long long)selector.id, database);
		}
		break;
	case SnapshotSelector::Kind::NAME:
		snapshot = metadata.FindNamedSnapshot(database, selector.name);
		if (snapshot.id == 0) {
			throw duckdb::InvalidInputException("database \"%s\" has no snapshot named \"%s\"", database,
			                                    selector.name);
		}
		break;
	case SnapshotSelector::Kind::TIME:
		snapshot = metadata.SnapshotAsOf(database, selector.time_ms);
		if (snapshot.id == 0) {
			throw duckdb::InvalidInputException("database \"%s\" has no snapshot at or before %s UTC (the oldest "
			                                    "retained one is newer)",
			                                    database, FormatUtcMilliseconds(selector.time_ms));
		}
		break;
	}
	return snapshot;
}

} // namespace openduck
