//===----------------------------------------------------------------------===//
// OpenDuck
//
// extension/storage/openduck_storage_extension.hpp
//
// ATTACH 'openduck:...' / 'od:...': resolves settings, connects, and creates
// the catalog.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/storage/storage_extension.hpp"

namespace openduck {

duckdb::shared_ptr<duckdb::StorageExtension> CreateOpenDuckStorageExtension();

} // namespace openduck
