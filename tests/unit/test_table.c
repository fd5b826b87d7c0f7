/*
 * dispatcher/blockio/table.c: the block cache of claims 10, 11, 13 and 17, keyed by (address of the IO
 * instruction, code mode). Set-associative (TABLE_WAYS ways): a new block takes an invalid way of
 * its set, else the least recently used one, and an evicted valid entry counts as a replacement;
 * a start address keeps several followed paths (issue 11 item 3) and one scanned block. Set
 * collisions are found through table_slot itself, so the tests do not depend on the index
 * function.
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
	b->followed = false;
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

/* out[0] = rip and n-1 further addresses of the same set, in the same mode. */
static void same_set(u64 rip, u8 mode, u64 *out, u32 n)
{
	out[0] = rip;
	for (u32 k = 1; k < n; k++)
		out[k] = colliding(out[k - 1], mode);
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
	u64 a[TABLE_WAYS + 1];
	same_set(0x401000, CPU_MODE_64, a, TABLE_WAYS + 1);
	struct block *ba = store(a[0], CPU_MODE_64, 3);
	for (u32 k = 1; k < TABLE_WAYS; k++)
		store(a[k], CPU_MODE_64, (u16)k);
	assert_int_equal(t->replacements, 0); /* one set holds TABLE_WAYS keys */
	for (u32 k = 0; k < TABLE_WAYS; k++)
		assert_non_null(table_lookup(t, a[k], CPU_MODE_64));
	(void)table_lookup(t, a[0], CPU_MODE_64); /* a[0] used last: a[1] is the least recent */
	struct block *bb = store(a[TABLE_WAYS], CPU_MODE_64, 4);
	assert_int_equal(t->replacements, 1);
	assert_null(table_lookup(t, a[1], CPU_MODE_64));
	assert_ptr_equal(table_lookup(t, a[0], CPU_MODE_64), ba);
	assert_ptr_equal(table_lookup(t, a[TABLE_WAYS], CPU_MODE_64), bb);
	store(a[1], CPU_MODE_64, 3);
	assert_int_equal(t->replacements, 2);
}

static void test_slot_evicts_before_commit(void **state)
{
	(void)state;
	u64 a[TABLE_WAYS + 1];
	same_set(0x2000, CPU_MODE_32, a, TABLE_WAYS + 1);
	for (u32 k = 0; k < TABLE_WAYS; k++)
		store(a[k], CPU_MODE_32, 3);
	(void)table_slot(t, a[TABLE_WAYS], CPU_MODE_32);
	/* the way is being rewritten: the old entry must not be found half-overwritten */
	assert_null(table_lookup(t, a[0], CPU_MODE_32));
	assert_null(table_lookup(t, a[TABLE_WAYS], CPU_MODE_32));
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
	u64 a[TABLE_WAYS + 1];
	same_set(0x5000, CPU_MODE_16, a, TABLE_WAYS + 1);
	struct block *ba = store(a[0], CPU_MODE_16, 3);
	for (u32 k = 1; k < TABLE_WAYS; k++)
		store(a[k], CPU_MODE_16, 3);
	table_invalidate(t, ba);
	assert_ptr_equal(store(a[TABLE_WAYS], CPU_MODE_16, 4), ba); /* the invalid way, not the LRU */
	assert_int_equal(t->replacements, 0);
	for (u32 k = 1; k <= TABLE_WAYS; k++)
		assert_non_null(table_lookup(t, a[k], CPU_MODE_16));
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
	u64 a[TABLE_WAYS + 1];
	same_set(0x8000, CPU_MODE_32, a, TABLE_WAYS + 1);
	for (u32 k = 0; k <= TABLE_WAYS; k++)
		store(a[k], CPU_MODE_32, 3);
	assert_int_equal(t->replacements, 1);
	assert_non_null(table_lookup(t, a[TABLE_WAYS], CPU_MODE_32));
	table_init(t);
	assert_null(table_lookup(t, a[TABLE_WAYS], CPU_MODE_32));
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

/* Storage by what a block holds: a slot being filled reserves room at the arena's head (a scan
 * BLOCK_SCAN_MAX_INSNS, a followed recording BLOCK_MAX_INSNS), its commit gives back what the
 * block does not use, and when the head comes round, the blocks whose room it takes leave the
 * table (replacements); a reservation that is not committed is reused by the next. */
static struct block *fill(u64 rip, bool follow, u16 ninsns, u16 len)
{
	struct block *b = table_slot(t, rip, CPU_MODE_64);
	assert_int_equal(b->max_insns, BLOCK_SCAN_MAX_INSNS);
	assert_int_equal(b->max_bytes, BLOCK_SCAN_MAX_BYTES);
	if (follow) {
		table_grow(t, b);
		assert_int_equal(b->max_insns, BLOCK_MAX_INSNS);
		assert_int_equal(b->max_bytes, BLOCK_MAX_BYTES);
		b->insns[BLOCK_MAX_INSNS - 1].length = 7; /* the room is really that large */
		b->bytes[BLOCK_MAX_BYTES - 1] = 0x5a;
	}
	b->rip_linear = rip;
	b->mode = CPU_MODE_64;
	b->followed = follow;
	b->ninsns = ninsns;
	b->len = len;
	for (u32 k = 0; k < ninsns; k++)
		b->lin[k] = rip + k;
	table_commit(t, b);
	return b;
}

static void test_arena_sized_by_blocks(void **state)
{
	(void)state;
	/* small blocks take what they hold: the arena holds far more of them than of the largest */
	u32 n = 0;
	for (; n < TABLE_ENTRIES / 2; n++)
		fill(0x100000 + n * 0x40, n % 2, 3, 9);
	assert_int_equal(t->replacements, 0);
	assert_int_equal(t->head_insn, 3 * n);
	for (u32 k = 0; k < n; k++)
		assert_non_null(table_lookup(t, 0x100000 + k * 0x40, CPU_MODE_64));
	/* an uncommitted reservation (a recording that designated nothing) is reused */
	struct block *b = table_slot(t, 0x900000, CPU_MODE_64);
	table_grow(t, b);
	u32 head = t->head_insn;
	struct block *c = fill(0x900040, true, 5, 20);
	assert_int_equal(t->head_insn, head - BLOCK_MAX_INSNS + 5);
	assert_int_equal(c->max_insns, 5);
	/* full-length blocks: the head goes round and takes the oldest blocks' room */
	u32 full = TABLE_ARENA_INSNS / BLOCK_MAX_INSNS + 1;
	for (u32 k = 0; k < full; k++)
		fill(0xa00000 + k * 0x40, true, BLOCK_MAX_INSNS, BLOCK_MAX_BYTES);
	assert_true(t->replacements > 0);
	assert_null(table_lookup(t, 0x100000, CPU_MODE_64)); /* the first one's room was taken */
	assert_non_null(table_lookup(t, 0xa00000 + (full - 1) * 0x40, CPU_MODE_64));
	/* every valid block's room is its own */
	for (u32 i = 0; i < TABLE_ENTRIES; i++)
		for (u32 j = i + 1; j < TABLE_ENTRIES; j++)
			if (t->valid[i] && t->valid[j] && t->slot[i].max_insns && t->slot[j].max_insns)
				assert_true(t->at_insn[i] + t->slot[i].max_insns <= t->at_insn[j] ||
				            t->at_insn[j] + t->slot[j].max_insns <= t->at_insn[i]);
}

/* A recording beside path p keeps p's room, even where the head comes round onto it. */
static void test_beside_keeps_prefix(void **state)
{
	(void)state;
	u32 full = TABLE_ARENA_INSNS / BLOCK_MAX_INSNS;
	struct block *p = 0;
	for (u32 k = 0; k < full; k++) {
		struct block *b = fill(0x200000 + k * 0x1000, true, BLOCK_MAX_INSNS, BLOCK_MAX_BYTES);
		if (k == 0)
			p = b;
	}
	assert_ptr_equal(table_lookup(t, 0x200000, CPU_MODE_64), p); /* used last */
	/* the head is at the end: the next room would be at 0, p's */
	struct block *c = table_slot_beside(t, p);
	assert_non_null(c);
	assert_ptr_not_equal(c, p);
	assert_ptr_equal(table_lookup(t, 0x200000, CPU_MODE_64), p);
	assert_int_equal(p->max_insns, BLOCK_MAX_INSNS);
	assert_int_equal(p->lin[5], 0x200005);
	assert_true(t->at_insn[c - t->slot] >= t->at_insn[p - t->slot] + BLOCK_MAX_INSNS);
}

/* A followed path from rip through the n instruction addresses lin (lin[0] == rip). */
static struct block *store_path(u64 rip, const u64 *lin, u32 n)
{
	struct block *b = table_slot(t, rip, CPU_MODE_64);
	table_grow(t, b);
	b->rip_linear = rip;
	b->mode = CPU_MODE_64;
	b->followed = true;
	b->ninsns = (u16)n;
	b->len = (u16)n;
	for (u32 k = 0; k < n; k++)
		b->lin[k] = lin[k];
	table_commit(t, b);
	return b;
}

/* Two callers of one accessor: the paths share the accessor's instructions, then return to
 * different places. Both stay; the lookup gives the one used last; a scanned block of the same
 * address replaces only another scanned block. */
static void test_paths_of_one_start_coexist(void **state)
{
	(void)state;
	const u64 p1[] = {0x1000, 0x1002, 0x1003, 0x2000, 0x2004};
	const u64 p2[] = {0x1000, 0x1002, 0x1003, 0x3000, 0x3002, 0x3005};
	struct block *a = store_path(0x1000, p1, 5);
	struct block *b = store_path(0x1000, p2, 6);
	assert_ptr_not_equal(a, b);
	assert_int_equal(t->replacements, 0);
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_64), b);
	/* after the shared 3 instructions RIP is at the first caller: a goes on; at the second: b */
	assert_ptr_equal(table_path_from(t, b, 3, 0x2000), a);
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_64), a); /* a was used last */
	assert_ptr_equal(table_path_from(t, a, 3, 0x3000), b);
	assert_null(table_path_from(t, a, 3, 0x4000)); /* a third caller: no path */
	assert_null(table_path_from(t, a, 2, 0x3000)); /* b's 3rd address is not 0x3000 */
	/* prefixes must agree: a path that differs earlier is not the guest's path */
	const u64 p3[] = {0x1000, 0x1009, 0x100a, 0x5000};
	struct block *c = store_path(0x1000, p3, 4);
	assert_null(table_path_from(t, c, 3, 0x2000));
	struct block *ab = table_path_from(t, c, 1, 0x1002); /* either: both go on from there */
	assert_true(ab == a || ab == b);
	assert_null(table_path_from(t, a, 5, 0x9000)); /* nothing longer than a with its prefix */
	/* the scanned block of another address in the set does not disturb them */
	assert_non_null(table_lookup(t, 0x1000, CPU_MODE_64));
}

/* A path recorded again that the table holds already (or a prefix of one) is kept once: the
 * longer of the two. */
static void test_same_path_kept_once(void **state)
{
	(void)state;
	const u64 p[] = {0x1000, 0x1002, 0x2000, 0x2004};
	struct block *a = store_path(0x1000, p, 3);
	struct block *b = store_path(0x1000, p, 4); /* longer: a leaves */
	assert_ptr_not_equal(a, b);
	assert_null(table_path_from(t, b, 1, 0x1002));
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_64), b);
	struct block *c = store_path(0x1000, p, 2); /* a prefix of b: not kept */
	assert_ptr_equal(table_lookup(t, 0x1000, CPU_MODE_64), b);
	assert_null(table_path_from(t, b, 1, 0x1002));
	(void)c;
	assert_int_equal(t->replacements, 0);
}

/* More paths than ways: the least recently used path of the set goes. */
static void test_paths_evict_least_recent(void **state)
{
	(void)state;
	struct block *paths[TABLE_WAYS + 1];
	for (u32 k = 0; k <= TABLE_WAYS; k++) {
		const u64 lin[] = {0x1000, 0x1002, 0x2000 + k * 0x100};
		paths[k] = store_path(0x1000, lin, 3);
		if (k == 1)
			(void)table_path_from(t, paths[1], 2, 0x2000); /* path 0 used again */
	}
	assert_int_equal(t->replacements, 1);
	assert_ptr_equal(paths[TABLE_WAYS], paths[1]); /* path 1 was the least recent */
	for (u32 k = 0; k <= TABLE_WAYS; k++) {
		struct block *from = paths[k == 0 ? TABLE_WAYS : 0];
		struct block *got = table_path_from(t, from, 2, 0x2000 + k * 0x100);
		if (k == 1)
			assert_null(got);
		else
			assert_non_null(got);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_arena_sized_by_blocks),
		T(test_beside_keeps_prefix),
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
		T(test_paths_of_one_start_coexist),
		T(test_same_path_kept_once),
		T(test_paths_evict_least_recent),
	};
	return UNIT_RUN(tests);
}
