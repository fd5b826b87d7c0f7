/*
 * arch/ksyms.c: address -> function+offset over a sorted table ending in a sentinel, as
 * scripts/link-core.sh generates it; and the empty table the first link pass (and this host
 * binary, which links no generated table) falls back to.
 */
#include "unit.h"

#include <string.h>

#include "arch/ksyms.h"

static const struct ksym syms[] = {
	{0x1000, 0},  /* alpha: 0x1000..0x100f */
	{0x1010, 6},  /* beta: 0x1010..0x101f (a second symbol at 0x1010 was dropped by sort -u) */
	{0x1020, 11}, /* gamma.local: 0x1020..0x103f */
	{0x1040, 23}, /* the sentinel: the end of .text */
};
static const char names[] = "alpha\0beta\0gamma.local\0";
static const struct ksym_table table = {4, syms, names};

static void expect(u64 addr, const char *want, u64 want_off)
{
	const char *name = "untouched";
	u64 off = 12345;
	bool found = ksym_lookup(&table, addr, &name, &off);
	if (!want) {
		assert_false(found);
		assert_string_equal(name, "untouched");
		return;
	}
	assert_true(found);
	assert_string_equal(name, want);
	assert_int_equal(off, want_off);
}

static void test_starts_and_offsets(void **state)
{
	(void)state;
	expect(0x1000, "alpha", 0);
	expect(0x100f, "alpha", 0xf);
	expect(0x1010, "beta", 0);
	expect(0x101f, "beta", 0xf);
	expect(0x1020, "gamma.local", 0);
	expect(0x103f, "gamma.local", 0x1f);
}

static void test_outside_the_table(void **state)
{
	(void)state;
	expect(0, NULL, 0);
	expect(0xfff, NULL, 0);
	expect(0x1040, NULL, 0); /* the sentinel is no function */
	expect(0x5000, NULL, 0);
	expect(~0ULL, NULL, 0);
}

static void test_empty_tables(void **state)
{
	(void)state;
	const char *name = "untouched";
	u64 off = 0;
	static const struct ksym_table none = {0, NULL, NULL};
	assert_false(ksym_lookup(&none, 0x1000, &name, &off));
	assert_false(ksym_lookup(NULL, 0x1000, &name, &off));
	/* no generated table linked here, as in the first link pass: the empty table, not a crash */
	const struct ksym_table *core = ksym_core_table();
	assert_non_null(core);
	assert_int_equal(core->count, 0);
	assert_false(ksym_lookup(core, (u64)(uintptr_t)&test_empty_tables, &name, &off));
	assert_string_equal(name, "untouched");
}

/* Every address around every boundary, against a linear scan. */
static void test_against_linear_scan(void **state)
{
	(void)state;
	for (u64 a = 0xff0; a < 0x1050; a++) {
		int hit = -1;
		for (int i = 0; i < 3; i++)
			if (a >= syms[i].addr && a < syms[i + 1].addr)
				hit = i;
		expect(a, hit < 0 ? NULL : names + syms[hit].name, hit < 0 ? 0 : a - syms[hit].addr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_and_offsets),
		cmocka_unit_test(test_outside_the_table),
		cmocka_unit_test(test_empty_tables),
		cmocka_unit_test(test_against_linear_scan),
	};
	return UNIT_RUN(tests);
}
