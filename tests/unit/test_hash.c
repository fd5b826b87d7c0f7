/*
 * dispatcher/blockio/hash.c: FNV-1a 64 over little-endian 64-bit words, then the tail bytes. Below 8
 * bytes it is FNV-1a 64 exactly, so the published FNV-1a 64 test values apply (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3); the longer vectors come from this independent
 * Python model of the word-wise form:
 *     h = 0xcbf29ce484222325; i = 0
 *     while i + 8 <= len(b): h = ((h ^ int.from_bytes(b[i:i+8], 'little')) * P) % 2**64; i += 8
 *     for c in b[i:]: h = ((h ^ c) * P) % 2**64
 * A block is reused only while the bytes in guest memory hash the same, so every single-byte
 * change must change the hash.
 */
#include "unit.h"

#include <string.h>

#include "dispatcher/blockio/block.h"
#include "dispatcher/blockio/hash.h"

static u64 hash_str(const char *s) { return block_hash((const u8 *)s, (u32)strlen(s)); }

static void test_empty_is_offset_basis(void **state)
{
	(void)state;
	assert_int_equal(block_hash((const u8 *)"", 0), 0xcbf29ce484222325ULL);
	/* zero bytes are never read */
	assert_int_equal(block_hash(NULL, 0), 0xcbf29ce484222325ULL);
}

static void test_known_vectors(void **state)
{
	(void)state;
	assert_int_equal(hash_str("a"), 0xaf63dc4c8601ec8cULL);
	assert_int_equal(hash_str("b"), 0xaf63df4c8601f1a5ULL);
	assert_int_equal(hash_str("foobar"), 0x85944171f73967e8ULL);
}

static void test_block_bytes_vector(void **state)
{
	(void)state;
	/* out dx,al; inc al; out dx,al: computed with an independent FNV-1a 64 (Python) */
	static const u8 block[] = {0xee, 0xfe, 0xc0, 0xee};
	assert_int_equal(block_hash(block, sizeof(block)), 0x64ec8fe33091648bULL);
}

static void test_word_vectors(void **state)
{
	(void)state;
	assert_int_equal(hash_str("0123456789abcdefXYZ"), 0xaf6d82e0fa8645b0ULL);
	/* (out dx,al; mov al,0; nop) ten times, 37 bytes: four words and five tail bytes */
	u8 block[40];
	for (u32 i = 0; i < 10; i++) {
		block[4 * i] = 0xee;
		block[4 * i + 1] = 0xb0;
		block[4 * i + 2] = 0;
		block[4 * i + 3] = 0x90;
	}
	assert_int_equal(block_hash(block, 37), 0xe8213fd7fe2a117fULL);
}

static void test_length_counts(void **state)
{
	(void)state;
	static const u8 z[2] = {0, 0};
	/* a trailing zero byte still changes the hash (xor 0, then multiply) */
	assert_int_not_equal(block_hash(z, 1), block_hash(z, 0));
	assert_int_not_equal(block_hash(z, 2), block_hash(z, 1));
	assert_int_not_equal(hash_str("a"), block_hash((const u8 *)"a\0", 2));
}

static void test_every_single_byte_change_changes_hash(void **state)
{
	(void)state;
	u8 buf[BLOCK_MAX_BYTES];
	uint64_t seed = 0x1234567;
	for (u32 i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)unit_rand(&seed);
	u64 h = block_hash(buf, sizeof(buf));
	for (u32 pos = 0; pos < sizeof(buf); pos++) {
		for (u32 bit = 0; bit < 8; bit++) {
			buf[pos] ^= (u8)(1u << bit);
			assert_int_not_equal(block_hash(buf, sizeof(buf)), h);
			buf[pos] ^= (u8)(1u << bit);
		}
		u8 old = buf[pos];
		buf[pos] = (u8)~old;
		assert_int_not_equal(block_hash(buf, sizeof(buf)), h);
		buf[pos] = old;
	}
	assert_int_equal(block_hash(buf, sizeof(buf)), h); /* restored: deterministic */
}

static void test_order_matters(void **state)
{
	(void)state;
	static const u8 ab[] = {0xee, 0xec}, ba[] = {0xec, 0xee};
	assert_int_not_equal(block_hash(ab, 2), block_hash(ba, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_offset_basis),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_block_bytes_vector),
		cmocka_unit_test(test_word_vectors),
		cmocka_unit_test(test_length_counts),
		cmocka_unit_test(test_every_single_byte_change_changes_hash),
		cmocka_unit_test(test_order_matters),
	};
	return UNIT_RUN(tests);
}
