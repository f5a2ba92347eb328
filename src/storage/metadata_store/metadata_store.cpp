#include "storage/metadata_store/metadata_store.hpp"

#include <chrono>

namespace openduck {

int64_t NowMilliseconds() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

} // namespace openduck
