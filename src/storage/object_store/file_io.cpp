#include "storage/object_store/file_io.hpp"

#include <cerrno>
#include <sys/types.h>
#include <unistd.h>

namespace openduck {

bool ReadFully(int fd, char *out, uint64_t size, uint64_t offset) {
	uint64_t done = 0;
	while (done < size) {
		auto result = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
		if (result < 0 && errno == EINTR) {
			continue;
		}
		if (result == 0) {
			errno = 0;
		}
		if (result <= 0) {
			return false;
		}
		done += static_cast<uint64_t>(result);
	}
	return true;
}

bool WriteFully(int fd, const char *data, uint64_t size) {
	uint64_t done = 0;
	while (done < size) {
		auto result = ::write(fd, data + done, size - done);
		if (result < 0 && errno == EINTR) {
			continue;
		}
		if (result <= 0) {
			return false;
		}
		done += static_cast<uint64_t>(result);
	}
	return true;
}

} // namespace openduck
