/*
 * dispatcher/blockio/table.c: the block cache of claims 10, 11, 13 and 17, keyed by (address of the IO
 * instruction, code mode). Direct-mapped: a new block takes its slot; an evicted valid entry of
 * another key counts as a replacement. Slot collisions are found through table_slot itself, so
 * the tests do not depend on the index function.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "dispatcher/blockio/table.h"

static struct block_table *t;

static int setup(void **state)
{
	(void)state;
	t = malloc(sizeof(*t));
	if (!t)
		return -1;
	memset(t, 0xa5, sizeof(*t)); /* table_init must not rely on zeroed memory */
	table_init(t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(t);
	return 0;
}

/* Stores a block for (rip, mode) with a recognizable length; returns its slot. */
static struct block *store(u64 rip, u8 mode, u16 len)
{
	struct block *b = table_slot(t, rip, mode);
	b->rip_linear = rip;
	b->mode = mode;
	b->len = len;
	b->hash = rip * 3 + len;
	table_commit(t, b);
	return b;
}

/* Another address that table_slot puts in the same slot as (rip, mode), in the same mode. */
static u64 colliding(u64 rip, u8 mode)
{
	struct block_table *scratch = malloc(sizeof(*scratch));
	assert_non_null(scratch);
	table_init(scratch);
	struct block *want = table_slot(scratch, rip, mode);
	u64 other = 0;
	for (u64 a = rip + 1; a < rip + 1000000; a++) {
		if (table_slot(scratch, a, mode) - scratch->slot == want - scratch->slot) {
			other = a;
			break;
		}
	}
	free(scratch);
	assert_int_not_equal(other, 0);
	return other;
}

static void test_empty_table_misses(void **state)
{
	(void)state;
	assert_null(table_lookup(t, 0x1000, CPU_MODE_32));
	assert_null(table_lookup(t, 0, CPU_MODE_16));
	assert_int_equal(t->replacements, 0);
}

static void test_commit_then_hit(void **state)
{
	(void)state;
	struct block *b = store(0x7c00, CPU_MODE_16, 12);
	struct block *h = table_lookup(t, 0x7c00, CPU_MODE_16);
	assert_ptr_equal(h, b);
	assert_int_equal(h->len, 12);
	assert_int_equal(h->hash, 0x7c00 * 3 + 12);
	assert_null(table_lookup(t, 0x7c01, CPU_MODE_16));
	assert_null(table_lookup(t, 0x7bff, CPU_MODE_16));
}

static void test_slot_without_commit_misses(void **state)
{
	(void)state;
	struct block *b = table_slot(t, 0x1000, CPU_MODE_32);
	b->rip_linear = 0x1000;
	b->mode = CPU_MODE_32;
	assert_null(table_lookup(t, 0x1000, CPU_MODE_32));
	table_commit(t, b);
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_32), b);
}

static void test_key_includes_mode(void **state)
{
	(void)state;
	store(0x1000, CPU_MODE_32, 5);
	assert_null(table_lookup(t, 0x1000, CPU_MODE_64));
	assert_null(table_lookup(t, 0x1000, CPU_MODE_16));
	struct block *b64 = store(0x1000, CPU_MODE_64, 9);
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_64), b64);
	struct block *b32 = table_lookup(t, 0x1000, CPU_MODE_32);
	/* both keys live side by side unless they share a slot, then the newer one wins */
	if (b32) {
		assert_ptr_not_equal(b32, b64);
		assert_int_equal(b32->len, 5);
	} else {
		assert_int_equal(t->replacements, 1);
	}
	assert_int_equal(b64->len, 9);
}

static void test_replacement_counts_eviction(void **state)
{
	(void)state;
	u64 a = 0x401000, b = colliding(a, CPU_MODE_64);
	struct block *ba = store(a, CPU_MODE_64, 3);
	assert_int_equal(t->replacements, 0);
	struct block *bb = store(b, CPU_MODE_64, 4);
	assert_ptr_equal(ba, bb);
	assert_int_equal(t->replacements, 1);
	assert_null(table_lookup(t, a, CPU_MODE_64));
	assert_ptr_equal(table_lookup(t, b, CPU_MODE_64), bb);
	store(a, CPU_MODE_64, 3);
	assert_int_equal(t->replacements, 2);
}

static void test_slot_evicts_before_commit(void **state)
{
	(void)state;
	u64 a = 0x2000, b = colliding(a, CPU_MODE_32);
	store(a, CPU_MODE_32, 3);
	(void)table_slot(t, b, CPU_MODE_32);
	/* the slot is being rewritten: the old entry must not be found half-overwritten */
	assert_null(table_lookup(t, a, CPU_MODE_32));
	assert_null(table_lookup(t, b, CPU_MODE_32));
	assert_int_equal(t->replacements, 1);
}

static void test_same_key_is_not_a_replacement(void **state)
{
	(void)state;
	store(0x3000, CPU_MODE_32, 3);
	store(0x3000, CPU_MODE_32, 7); /* a re-scan of the same address */
	assert_int_equal(t->replacements, 0);
	assert_int_equal(table_lookup(t, 0x3000, CPU_MODE_32)->len, 7);
}

static void test_invalid_slot_is_not_a_replacement(void **state)
{
	(void)state;
	u64 a = 0x5000, b = colliding(a, CPU_MODE_16);
	struct block *ba = store(a, CPU_MODE_16, 3);
	table_invalidate(t, ba);
	store(b, CPU_MODE_16, 4);
	assert_int_equal(t->replacements, 0);
}

static void test_invalidate(void **state)
{
	(void)state;
	struct block *b = store(0x6000, CPU_MODE_64, 3);
	struct block *other = store(0x6001, CPU_MODE_64, 4);
	table_invalidate(t, b);
	assert_null(table_lookup(t, 0x6000, CPU_MODE_64));
	if (other != b)
		assert_ptr_equal(table_lookup(t, 0x6001, CPU_MODE_64), other);
	table_commit(t, b); /* committing again revalidates the same entry */
	assert_ptr_equal(table_lookup(t, 0x6000, CPU_MODE_64), b);
}

static void test_init_clears(void **state)
{
	(void)state;
	u64 a = 0x8000;
	store(a, CPU_MODE_32, 3);
	store(colliding(a, CPU_MODE_32), CPU_MODE_32, 3);
	assert_int_equal(t->replacements, 1);
	table_init(t);
	assert_null(table_lookup(t, a, CPU_MODE_32));
	assert_int_equal(t->replacements, 0);
}

static void test_many_addresses_spread(void **state)
{
	(void)state;
	/* IO loops sit a few bytes apart: consecutive addresses must not all share a few slots */
	for (u64 a = 0; a < 64; a++)
		store(0x100000 + a * 7, CPU_MODE_64, (u16)a);
	u32 found = 0;
	for (u64 a = 0; a < 64; a++) {
		struct block *b = table_lookup(t, 0x100000 + a * 7, CPU_MODE_64);
		if (b) {
			assert_int_equal(b->len, a);
			found++;
		}
	}
	assert_int_equal(found + t->replacements, 64);
	assert_true(found >= 32);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_table_misses),
		T(test_commit_then_hit),
		T(test_slot_without_commit_misses),
		T(test_key_includes_mode),
		T(test_replacement_counts_eviction),
		T(test_slot_evicts_before_commit),
		T(test_same_key_is_not_a_replacement),
		T(test_invalid_slot_is_not_a_replacement),
		T(test_invalidate),
		T(test_init_clears),
		T(test_many_addresses_spread),
	};
	return UNIT_RUN(tests);
}
