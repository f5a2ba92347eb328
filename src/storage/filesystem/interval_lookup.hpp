//===----------------------------------------------------------------------===//
// OpenDuck
//
// storage/filesystem/interval_lookup.hpp
//
// Lookups in maps from a start offset to a run of bytes (a value with a `length`), whose runs never overlap.
//===----------------------------------------------------------------------===//

#pragma once

#include <cstdint>
#include <iterator>

namespace openduck {

//! The first run that ends after offset: the one containing offset, else the first one after it.
template <class MAP>
typename MAP::iterator FirstRunEndingAfter(MAP &runs, uint64_t offset) {
	auto it = runs.upper_bound(offset);
	if (it != runs.begin() && std::prev(it)->first + std::prev(it)->second.length > offset) {
		--it;
	}
	return it;
}

} // namespace openduck
