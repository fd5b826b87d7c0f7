/*
 * arch/pmm.c, deterministic cases: maps from BIOS and UEFI machines, overlaps, unaligned edges,
 * reserve, alloc alignment and limits, exhaustion, merging on free, double frees, a full table.
 * Every test checks the table's invariant; some compare it with the bitmap model too.
 */
#include "pmm_model.h"

static struct pmm pm; /* 8 KiB: static rather than on the stack */

/* ---- init ---- */

/* A BIOS e820 map as GRUB passes it on a 512 MiB PC. */
static void test_e820_bios_map(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x0, 0x9fc00, USABLE),
		R(0x9fc00, 0x400, RESV),
		R(0xf0000, 0x10000, RESV),
		R(0x100000, 0x1fef0000, USABLE),
		R(0x1fff0000, 0x10000, BOOT_MEM_ACPI_RECLAIM),
		R(0xfffc0000, 0x40000, RESV),
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	static const struct pmm_extent want[] = {
		{0x0, 0x9f},            /* 0x9fc00 rounds down to 0x9f000 */
		{0x100000, 0x1fef0},    /* to 0x1fff0000, where ACPI data starts */
	};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	assert_int_equal(pm.free_pages, 0x9f + 0x1fef0);
	assert_int_equal(pm.total_pages, pm.free_pages);
	assert_int_equal(pm.dropped_pages, 0);
	assert_int_equal(pmm_largest_free(&pm), 0x1fef0 * PS);
}

/* A UEFI map after the loader's type translation: many short runs, some of one type adjacent
 * (loader data, boot services code and conventional memory all become usable), unsorted. */
static void test_uefi_fragmented_map(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x100000, 0x700000, USABLE),  /* conventional */
		R(0x0, 0xa0000, USABLE),
		R(0x800000, 0x8000, BOOT_MEM_ACPI_NVS),
		R(0x808000, 0x3000, USABLE),
		R(0x80b000, 0x1000, BOOT_MEM_ACPI_NVS),
		R(0x80c000, 0x5000, USABLE),
		R(0x811000, 0xef000, BOOT_MEM_ACPI_NVS),
		R(0x900000, 0x100000, USABLE),  /* boot services data */
		R(0xa00000, 0x2000000, USABLE), /* conventional, adjacent: merges */
		R(0x2a00000, 0x1000, RESV),     /* runtime services data */
		R(0x2a01000, 0x1400000, USABLE),
		R(0x3e01000, 0x10000, USABLE),  /* loader code: adjacent again */
		R(0x3e11000, 0x100000, BOOT_MEM_ACPI_RECLAIM),
		R(0x3f11000, 0xef000, USABLE),
		R(0xa0000, 0x60000, RESV),
		R(0x3000000, 0x10000, BOOT_MEM_BAD), /* a bad page run inside conventional memory */
	};
	static u8 ref[REF_PAGES];
	pmm_init(&pm, map, ARRAY_SIZE(map));
	ref_init(ref, map, ARRAY_SIZE(map));
	assert_matches_ref(&pm, ref);
	static const struct pmm_extent want[] = {
		{0x0, 0xa0},       {0x100000, 0x700}, {0x808000, 3},     {0x80c000, 5},
		{0x900000, 0x2100}, {0x2a01000, 0x5ff}, {0x3010000, 0xe01}, {0x3f11000, 0xef},
	};
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_overlap_reserved_wins(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x0, 0x1000000, USABLE),
		R(0x400800, 0x1000, RESV),         /* unaligned: both pages it touches go */
		R(0x800000, 0x1400000, USABLE),    /* overlaps the first usable range: counted once */
		R(0x1800000, 0x200000, RESV),      /* inside the second */
		R(0x1b00000, 0x200000, BOOT_MEM_ACPI_NVS), /* straddles its end */
		R(0x100000, 0x100000, USABLE),     /* entirely inside the first */
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	static const struct pmm_extent want[] = {
		{0x0, 0x400},
		{0x402000, 0x13fe},
		{0x1a00000, 0x100},
	};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	/* the same map in the other order gives the same table */
	struct boot_mem_range rev[ARRAY_SIZE(map)];
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		rev[i] = map[ARRAY_SIZE(map) - 1 - i];
	pmm_init(&pm, rev, ARRAY_SIZE(rev));
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_unaligned_edges(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x1234, 0x4444, USABLE),   /* [0x1234, 0x5678): pages 0x2000..0x5000 */
		R(0x10001, 0xffe, USABLE),   /* inside one page: nothing */
		R(0x20000, 0, USABLE),       /* empty */
		R(0x30000, 0, RESV),         /* empty reserved range removes nothing */
		R(0x30000, 0x1001, USABLE),  /* one whole page, one byte of the next */
		R(0x40fff, 0x2002, USABLE),  /* [0x40fff, 0x43001): pages 0x41000 and 0x42000 */
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	static const struct pmm_extent want[] = {{0x2000, 3}, {0x30000, 1}, {0x41000, 2}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

/* Ranges at the top of the 64-bit space: ends that wrap are clamped, never wrapped. */
static void test_top_of_address_space(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0xFFFFFFFFFFE00000ULL, 0x400000, USABLE), /* wraps past 2^64 */
		R(0x100000000ULL, 0x100000000ULL, USABLE),
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	static const struct pmm_extent want[] = {{0x100000000ULL, 0x100000}, {0xFFFFFFFFFFE00000ULL, 0x1ff}};
	expect_extents(&pm, want, ARRAY_SIZE(want));

	/* a reserved range ending exactly at 2^64 removes the pages below it */
	static const struct boot_mem_range map2[] = {
		R(0xFFFFFFFFFFE00000ULL, 0x1ff000, USABLE),
		R(0xFFFFFFFFFFFFD000ULL, 0x3000, RESV),
	};
	pmm_init(&pm, map2, ARRAY_SIZE(map2));
	static const struct pmm_extent want2[] = {{0xFFFFFFFFFFE00000ULL, 0x1fd}};
	expect_extents(&pm, want2, ARRAY_SIZE(want2));

	/* a reserved range that itself wraps */
	static const struct boot_mem_range map3[] = {
		R(0xFFFFFFFFFFE00000ULL, 0x1ff000, USABLE),
		R(0xFFFFFFFFFFF00000ULL, 0x200000, RESV),
	};
	pmm_init(&pm, map3, ARRAY_SIZE(map3));
	static const struct pmm_extent want3[] = {{0xFFFFFFFFFFE00000ULL, 0x100}};
	expect_extents(&pm, want3, ARRAY_SIZE(want3));
}

/* ---- reserve ---- */

static const struct boot_mem_range one_range[] = {R(0x100000, 0x1000000, USABLE)}; /* 4096 pages */

static void test_reserve_splits_an_extent(void **state)
{
	(void)state;
	pmm_init(&pm, one_range, 1);
	pmm_reserve(&pm, 0x200000, 0x200000);
	static const struct pmm_extent want[] = {{0x100000, 0x100}, {0x400000, 0xd00}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	assert_int_equal(pm.free_pages, 4096 - 512);
	assert_int_equal(pm.total_pages, 4096);
}

static void test_reserve_unaligned_widens(void **state)
{
	(void)state;
	pmm_init(&pm, one_range, 1);
	pmm_reserve(&pm, 0x200800, 0x1000); /* touches pages 0x200000 and 0x201000 */
	static const struct pmm_extent want[] = {{0x100000, 0x100}, {0x202000, 0xefe}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_reserve_edges_and_spans(void **state)
{
	(void)state;
	pmm_init(&pm, one_range, 1);
	pmm_reserve(&pm, 0x0, 0x101000);       /* the first MiB and the first free page */
	pmm_reserve(&pm, 0x10ff000, 0x100000); /* the last free page and beyond */
	pmm_reserve(&pm, 0x800000, 0x1000);
	static const struct pmm_extent want[] = {{0x101000, 0x6ff}, {0x801000, 0x8fe}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	pmm_reserve(&pm, 0x7ff000, 0x3000); /* across the hole: one page each side */
	static const struct pmm_extent want2[] = {{0x101000, 0x6fe}, {0x802000, 0x8fd}};
	expect_extents(&pm, want2, ARRAY_SIZE(want2));
	pmm_reserve(&pm, 0x0, 0x10000000); /* everything */
	expect_extents(&pm, NULL, 0);
	assert_int_equal(pm.free_pages, 0);
}

static void test_reserve_nothing(void **state)
{
	(void)state;
	pmm_init(&pm, one_range, 1);
	pmm_reserve(&pm, 0x50000000, 0x1000);  /* outside every extent */
	pmm_reserve(&pm, 0x200800, 0);         /* zero bytes, even at an unaligned address */
	pmm_reserve(&pm, 0x300000, 0);
	static const struct pmm_extent want[] = {{0x100000, 0x1000}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_reserve_to_the_top(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x100000, 0x1000000, USABLE),
		R(0x100000000ULL, 0x40000000, USABLE),
		R(0xFFFFFFFFFFE00000ULL, 0x1ff000, USABLE),
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	pmm_reserve(&pm, 0x800000, ~0ULL); /* "everything from 8 MiB up": the length wraps */
	static const struct pmm_extent want[] = {{0x100000, 0x700}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	pmm_init(&pm, map, ARRAY_SIZE(map));
	pmm_reserve(&pm, 0xFFFFFFFFFFF00000ULL, 0x100000); /* ends exactly at 2^64 */
	assert_int_equal(pm.count, 3);
	assert_int_equal(pm.ext[2].pages, 0x100);
}

/* ---- alloc ---- */

static void test_alloc_alignment(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {R(0x1000, 0x7ff000, USABLE)}; /* [4K, 8M) */
	u64 a;
	pmm_init(&pm, map, 1);
	assert_int_equal(pmm_alloc(&pm, 1, 2 * MIB, 0, &a), 0);
	assert_int_equal(a, 0x200000);
	static const struct pmm_extent want[] = {{0x1000, 0x1ff}, {0x201000, 0x5ff}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
	assert_int_equal(pmm_alloc(&pm, 1, PS, 0, &a), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(pmm_alloc(&pm, 512, 2 * MIB, 0, &a), 0); /* 0x200000 is taken: next 2M boundary */
	assert_int_equal(a, 0x400000);
	assert_int_equal(pmm_alloc(&pm, 3, 0x4000, 0, &a), 0); /* 16K-aligned, lowest fit */
	assert_int_equal(a, 0x4000);
	assert_int_equal(pmm_alloc(&pm, 0x200, 2 * MIB, 0, &a), 0); /* 0x600000-0x800000 exactly */
	assert_int_equal(a, 0x600000);
	assert_int_equal(pmm_alloc(&pm, 1, 2 * MIB, 0, &a), -1);
	check_invariants(&pm);
	assert_int_equal(pm.free_pages, 0x7ff - 1 - 1 - 512 - 3 - 512);
}

static void test_alloc_bad_arguments(void **state)
{
	(void)state;
	u64 a = 0x1234;
	pmm_init(&pm, one_range, 1);
	assert_int_equal(pmm_alloc(&pm, 0, PS, 0, &a), -1);
	assert_int_equal(pmm_alloc(&pm, 1, 0, 0, &a), -1);
	assert_int_equal(pmm_alloc(&pm, 1, 0x800, 0, &a), -1);    /* below a page */
	assert_int_equal(pmm_alloc(&pm, 1, 0x3000, 0, &a), -1);   /* not a power of two */
	assert_int_equal(pmm_alloc(&pm, 1, 1ULL << 63, 0, &a), -1); /* no such aligned address is free */
	assert_int_equal(pmm_alloc(&pm, ~0ULL, PS, 0, &a), -1);
	assert_int_equal(pmm_alloc(&pm, 0x1001, PS, 0, &a), -1); /* one page more than there is */
	assert_int_equal(a, 0x1234);
	assert_int_equal(pm.free_pages, 0x1000);
	assert_int_equal(pmm_alloc(&pm, 0x1000, PS, 0, &a), 0); /* exactly all */
	assert_int_equal(a, 0x100000);
	assert_int_equal(pm.count, 0);
	assert_int_equal(pm.free_pages, 0);
}

static void test_alloc_limit(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x10000, 0x4000, USABLE),       /* 4 pages low down */
		R(0x100000, 0x3ff00000, USABLE),  /* [1M, 1G) */
	};
	u64 a;
	pmm_init(&pm, map, ARRAY_SIZE(map));
	assert_int_equal(pmm_alloc(&pm, 8, PS, 0x100000 + 0x7fff, &a), -1); /* would end 1 byte too high */
	assert_int_equal(pmm_alloc(&pm, 8, PS, 0x108000, &a), 0);           /* ends exactly at the limit */
	assert_int_equal(a, 0x100000);
	assert_int_equal(pmm_alloc(&pm, 4, PS, 0x14000, &a), 0);            /* the low extent fits */
	assert_int_equal(a, 0x10000);
	assert_int_equal(pmm_alloc(&pm, 1, PS, 0x100000, &a), -1);           /* low memory is gone */
	assert_int_equal(pmm_alloc(&pm, 1, 2 * MIB, 0x400000, &a), 0);
	assert_int_equal(a, 0x200000);
	assert_int_equal(pmm_alloc(&pm, 0x200, 2 * MIB, 0x400000, &a), -1); /* next 2M block ends at 6M */
	check_invariants(&pm);
	assert_int_equal(pm.free_pages, 4 + 0x3ff00 - 8 - 4 - 1);
}

static void test_exhaustion_and_refill(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x0, 0x9f000, USABLE),
		R(0x100000, 0x300000, USABLE),
		R(0x500000, 0x1000, USABLE),
	};
	static u64 got[4096];
	u64 n = 0, a;
	pmm_init(&pm, map, ARRAY_SIZE(map));
	u32 count0 = pm.count;
	u64 total = pm.free_pages;
	while (pmm_alloc(&pm, 1, PS, 0, &a) == 0) {
		assert_true(n < ARRAY_SIZE(got));
		if (n)
			assert_true(a > got[n - 1]); /* lowest first */
		got[n++] = a;
		assert_int_equal(pm.free_pages, total - n);
	}
	assert_int_equal(n, total);
	assert_int_equal(pm.count, 0);
	assert_int_equal(pmm_alloc(&pm, 1, PS, 0, &a), -1);
	assert_int_equal(pmm_largest_free(&pm), 0);
	/* give back every other page, then the rest: the table ends as it began */
	for (u64 i = 0; i < n; i += 2)
		assert_int_equal(pmm_free(&pm, got[i], 1), 0);
	check_invariants(&pm);
	for (u64 i = 1; i < n; i += 2)
		assert_int_equal(pmm_free(&pm, got[i], 1), 0);
	check_invariants(&pm);
	assert_int_equal(pm.count, count0);
	assert_int_equal(pm.free_pages, total);
}

/* ---- free ---- */

static void test_free_merges_neighbours(void **state)
{
	(void)state;
	u64 a, b, c;
	pmm_init(&pm, one_range, 1);
	assert_int_equal(pmm_alloc(&pm, 4, PS, 0, &a), 0);
	assert_int_equal(pmm_alloc(&pm, 4, PS, 0, &b), 0);
	assert_int_equal(pmm_alloc(&pm, 4, PS, 0, &c), 0);
	assert_int_equal(b, a + 4 * PS);
	assert_int_equal(c, b + 4 * PS);
	assert_int_equal(pm.count, 1);
	assert_int_equal(pmm_free(&pm, b, 4), 0); /* no neighbour: a new extent */
	assert_int_equal(pm.count, 2);
	check_invariants(&pm);
	assert_int_equal(pmm_free(&pm, a, 4), 0); /* joins the next one (b) */
	assert_int_equal(pm.count, 2);
	assert_int_equal(pm.ext[0].base, a);
	assert_int_equal(pm.ext[0].pages, 8);
	check_invariants(&pm);
	assert_int_equal(pmm_free(&pm, c, 4), 0); /* joins both sides */
	static const struct pmm_extent want[] = {{0x100000, 0x1000}};
	expect_extents(&pm, want, ARRAY_SIZE(want));

	assert_int_equal(pmm_alloc(&pm, 4, PS, 0, &a), 0);
	assert_int_equal(pmm_alloc(&pm, 4, PS, 0, &b), 0);
	assert_int_equal(pmm_free(&pm, b, 4), 0); /* joins the next extent (the rest) */
	assert_int_equal(pm.count, 1);
	assert_int_equal(pm.ext[0].base, b);
	assert_int_equal(pmm_free(&pm, a, 4), 0);
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_free_joins_previous_only(void **state)
{
	(void)state;
	u64 a, b;
	static const struct boot_mem_range map[] = {R(0x100000, 0x10000, USABLE)}; /* 16 pages */
	pmm_init(&pm, map, 1);
	assert_int_equal(pmm_alloc(&pm, 8, PS, 0, &a), 0);
	assert_int_equal(pmm_alloc(&pm, 8, PS, 0, &b), 0); /* everything is allocated */
	assert_int_equal(pmm_free(&pm, a, 4), 0);           /* the first half of a */
	assert_int_equal(pmm_free(&pm, a + 4 * PS, 4), 0);  /* the second half: joins the previous */
	static const struct pmm_extent want[] = {{0x100000, 8}};
	expect_extents(&pm, want, ARRAY_SIZE(want));
}

static void test_double_free_rejected(void **state)
{
	(void)state;
	u64 a;
	pmm_init(&pm, one_range, 1);
	assert_int_equal(pmm_alloc(&pm, 16, PS, 0, &a), 0);
	assert_int_equal(pmm_free(&pm, a, 16), 0);
	u64 free0 = pm.free_pages;
	u32 count0 = pm.count;
	assert_int_equal(pmm_free(&pm, a, 16), -1);                /* the same block again */
	assert_int_equal(pmm_free(&pm, a + 5 * PS, 1), -1);        /* one page inside it */
	assert_int_equal(pmm_free(&pm, 0x1100000 - PS, 1), -1);    /* the last free page */
	assert_int_equal(pmm_alloc(&pm, 16, PS, 0, &a), 0);
	assert_int_equal(pmm_free(&pm, a + 8 * PS, 9), -1);        /* half allocated, half free */
	assert_int_equal(pmm_free(&pm, a + 15 * PS, 2), -1);       /* its last page and the free one above */
	assert_int_equal(pmm_free(&pm, a + 1, 1), -1);             /* unaligned */
	assert_int_equal(pmm_free(&pm, a, 0), -1);                 /* nothing */
	assert_int_equal(pm.free_pages, free0 - 16);
	assert_int_equal(pmm_free(&pm, a, 16), 0);
	assert_int_equal(pm.free_pages, free0);
	assert_int_equal(pm.count, count0);
	check_invariants(&pm);
}

static void test_free_range_wrapping_rejected(void **state)
{
	(void)state;
	pmm_init(&pm, one_range, 1);
	u64 free0 = pm.free_pages;
	assert_int_equal(pmm_free(&pm, 0xFFFFFFFFFFFFF000ULL, 2), -1); /* would end past 2^64 */
	assert_int_equal(pmm_free(&pm, 0x200000000ULL, ~0ULL / PS), -1);
	assert_int_equal(pmm_free(&pm, 0xFFFFFFFFFFFFF000ULL, 1), -1); /* the top page is never managed */
	assert_int_equal(pm.free_pages, free0);
	check_invariants(&pm);
}

static void test_largest_free(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x0, 0x5000, USABLE),
		R(0x100000, 0x80000, USABLE),
		R(0x400000, 0x7000, USABLE),
	};
	pmm_init(&pm, map, ARRAY_SIZE(map));
	assert_int_equal(pmm_largest_free(&pm), 0x80000);
	pmm_reserve(&pm, 0x140000, 0x1000);
	assert_int_equal(pmm_largest_free(&pm), 0x40000);
	pmm_reserve(&pm, 0x100000, 0x80000);
	assert_int_equal(pmm_largest_free(&pm), 0x7000);
}

/* ---- a full extent table ---- */

static struct boot_mem_range many[PMM_MAX_EXTENTS + 88];

/* more 4-page ranges than the table holds, a 1-page hole after each, at odd page addresses */
static u32 fill_many(void)
{
	for (u32 i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct boot_mem_range)R(0x101000 + (u64)i * 0x5000, 0x4000, USABLE);
	return ARRAY_SIZE(many);
}

static void test_full_table(void **state)
{
	(void)state;
	u32 n = fill_many();
	pmm_init(&pm, many, n);
	check_invariants(&pm);
	assert_int_equal(pm.count, PMM_MAX_EXTENTS);
	assert_int_equal(pm.dropped_pages, 88 * 4);
	assert_int_equal(pm.free_pages, PMM_MAX_EXTENTS * 4);
	u64 total = pm.total_pages, dropped0 = pm.dropped_pages, live = 0, a;

	/* One 8K-aligned page from [0x101000, +4 pages) leaves a piece on each side: the table has no
	 * slot for the second one. Losing it is allowed, but only if it is counted. */
	assert_int_equal(pmm_alloc(&pm, 1, 0x2000, 0, &a), 0);
	assert_int_equal(a, 0x102000);
	live += 1;
	check_invariants(&pm);
	/* pages are conserved: free + allocated + lost to the full table == what init found */
	assert_int_equal(pm.free_pages + live + (pm.dropped_pages - dropped0), total);
	/* frees that need a new slot while the table is full */
	u64 more[8];
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pmm_alloc(&pm, 1, PS, 0, &more[i]), 0);
		live++;
		check_invariants(&pm);
		assert_int_equal(pm.free_pages + live + (pm.dropped_pages - dropped0), total);
	}
	for (int i = 7; i >= 0; i--) {
		assert_int_equal(pmm_free(&pm, more[i], 1), 0);
		live--;
		check_invariants(&pm);
		assert_int_equal(pm.free_pages + live + (pm.dropped_pages - dropped0), total);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e820_bios_map),
		cmocka_unit_test(test_uefi_fragmented_map),
		cmocka_unit_test(test_overlap_reserved_wins),
		cmocka_unit_test(test_unaligned_edges),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_reserve_splits_an_extent),
		cmocka_unit_test(test_reserve_unaligned_widens),
		cmocka_unit_test(test_reserve_edges_and_spans),
		cmocka_unit_test(test_reserve_nothing),
		cmocka_unit_test(test_reserve_to_the_top),
		cmocka_unit_test(test_alloc_alignment),
		cmocka_unit_test(test_alloc_bad_arguments),
		cmocka_unit_test(test_alloc_limit),
		cmocka_unit_test(test_exhaustion_and_refill),
		cmocka_unit_test(test_free_merges_neighbours),
		cmocka_unit_test(test_free_joins_previous_only),
		cmocka_unit_test(test_double_free_rejected),
		cmocka_unit_test(test_free_range_wrapping_rejected),
		cmocka_unit_test(test_largest_free),
		cmocka_unit_test(test_full_table),
	};
	return UNIT_RUN(tests);
}
