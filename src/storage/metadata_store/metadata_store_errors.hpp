//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/metadata_store/metadata_store_errors.hpp
//
// The errors every metadata store raises for the same refusal, so SQLite and PostgreSQL word them alike.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/metadata_store/metadata_store.hpp"

#include <cstdint>
#include <string>

namespace openduck {

//! Another writer holds the lease (IOException).
[[noreturn]] void ThrowLeaseHeld(const std::string &database, const std::string &holder, int64_t expires_in_ms);
//! lease is no longer the database's current lease: a stale writer (IOException).
[[noreturn]] void ThrowLeaseLost(const WriterLease &lease);
//! parent is no longer the newest snapshot (IOException).
[[noreturn]] void ThrowParentMoved(const std::string &database, int64_t latest, int64_t parent);
//! snapshot_id is not one of database's snapshots (InvalidInputException).
[[noreturn]] void ThrowNoSuchSnapshot(const std::string &database, int64_t snapshot_id);
//! Throws InvalidInputException unless [first_position, first_position + replaced_count) is a non-empty range
//! of the parent's layer_count layers (a compaction merges existing layers).
void CheckCompactionRange(const std::string &database, uint64_t first_position, uint64_t replaced_count,
                          uint64_t layer_count);
//! Throws InvalidInputException for an empty snapshot name.
void CheckSnapshotName(const std::string &database, const std::string &name);

} // namespace openduck
