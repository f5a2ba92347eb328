#include "storage/layers/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace openduck {

static std::array<uint32_t, 256> MakeCrc32cTable() {
	std::array<uint32_t, 256> table {};
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t crc = i;
		for (int bit = 0; bit < 8; bit++) {
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
		}
		table[i] = crc;
	}
	return table;
}

static uint32_t Crc32cPortable(const uint8_t *data, size_t size, uint32_t crc) {
	static const auto table = MakeCrc32cTable();
	for (size_t i = 0; i < size; i++) {
		crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	}
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t Crc32cHardware(const uint8_t *data, size_t size, uint32_t crc) {
	uint64_t crc64 = crc;
	while (size >= 8) {
		uint64_t word;
		std::memcpy(&word, data, 8);
		crc64 = _mm_crc32_u64(crc64, word);
		data += 8;
		size -= 8;
	}
	auto crc32 = static_cast<uint32_t>(crc64);
	while (size > 0) {
		crc32 = _mm_crc32_u8(crc32, *data);
		data++;
		size--;
	}
	return crc32;
}
#endif

uint32_t Crc32c(const void *data, size_t size, uint32_t crc) {
	auto bytes = static_cast<const uint8_t *>(data);
	crc = ~crc;
#if defined(__x86_64__)
	static const bool has_sse42 = __builtin_cpu_supports("sse4.2");
	if (has_sse42) {
		return ~Crc32cHardware(bytes, size, crc);
	}
#endif
	return ~Crc32cPortable(bytes, size, crc);
}

} // namespace openduck
