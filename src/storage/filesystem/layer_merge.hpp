//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/layer_merge.hpp
//
// Compaction's core: one layer with the same effect as a run of consecutive layers, whatever lies below them.
// Its file table is the last layer's; each file's truncate floor is the smallest the run had (so bytes below
// the run are cut exactly as the run cut them); its extents are the run's bytes that survive the run.
//===----------------------------------------------------------------------===//

#pragma once

#include "storage/layers/layer_reader.hpp"

#include <memory>
#include <string>
#include <vector>

namespace openduck {

//! The merged layer object of layers (oldest first, at least one). Every extent read is checksummed.
std::string MergeLayers(const std::vector<std::shared_ptr<const LayerReader>> &layers);

} // namespace openduck
