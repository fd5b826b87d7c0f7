/* FNV-1a, 64-bit (the offset basis and prime are the published FNV parameters). */
#include "hash.h"

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

u64 block_hash(const u8 *bytes, u32 len)
{
	u64 h = FNV64_OFFSET_BASIS;
	for (u32 i = 0; i < len; i++) {
		h ^= bytes[i];
		h *= FNV64_PRIME;
	}
	return h;
}
