/*
 * FNV-1a with the published 64-bit offset basis and prime, taken over little-endian 64-bit
 * words while 8 bytes or more remain and over single bytes for the rest: a block of 37 bytes
 * is 4 word steps and 5 byte steps instead of 37. Below 8 bytes it is FNV-1a exactly. Every
 * step (xor, then multiply by an odd number) is a bijection of the state, so changing any one
 * word or byte always changes the result.
 */
#include "hash.h"
#include "../../arch/le.h"

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL
#define WORD 8u

u64 block_hash(const u8 *bytes, u32 len)
{
	u64 h = FNV64_OFFSET_BASIS;
	u32 i = 0;
	for (; i + WORD <= len; i += WORD) {
		h ^= le_rd64(bytes + i);
		h *= FNV64_PRIME;
	}
	for (; i < len; i++) {
		h ^= bytes[i];
		h *= FNV64_PRIME;
	}
	return h;
}
