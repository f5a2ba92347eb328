//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/snapshot_selector.hpp
//
// Which past state of a database a reader wants: the newest, a snapshot id, a snapshot name, or the newest
// snapshot at a point in time. Parsed from `ATTACH 'openduck:mydb?snapshot=...'`, the protocol's snapshot
// field and `openduck clone --snapshot`.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/metadata_store/metadata_store.hpp"

#include <cstdint>
#include <string>

namespace openduck {

struct SnapshotSelector {
	enum class Kind { NEWEST, ID, NAME, TIME };
	Kind kind = Kind::NEWEST;
	int64_t id = 0;
	std::string name;
	//! Unix milliseconds (UTC).
	int64_t time_ms = 0;

	//! "" is the newest; digits are an id; a timestamp ("2026-11-22 04:30:00", optionally with fractions and a
	//! UTC offset; without one it is UTC) is a time; anything else must be a valid snapshot name.
	static SnapshotSelector Parse(const std::string &text);
	static SnapshotSelector Newest() {
		return SnapshotSelector();
	}
	bool IsNewest() const {
		return kind == Kind::NEWEST;
	}
	//! The text Parse reads back.
	std::string ToString() const;
};

//! Checks a snapshot name: letters, digits, '_', '-' and '.', starting with a letter or '_', at most 128 bytes.
//! Throws InvalidInputException otherwise.
void ValidateSnapshotName(const std::string &name);

//! The snapshot of database that selector names. Throws InvalidInputException naming what was asked for when
//! there is none.
SnapshotRecord ResolveSnapshot(MetadataStore &metadata, const std::string &database, const SnapshotSelector &selector);

//! "2026-11-22 04:30:00.123" (UTC) for Unix milliseconds.
std::string FormatUtcMilliseconds(int64_t time_ms);

} // namespace openduck
