/*
 * arch/pmm.c, randomized against the page-bitmap model (fixed seeds): random maps of every type
 * with unaligned edges, and a long alloc/free soak that checks the exact first-fit address, the
 * invariant and the page count after every operation.
 */
#include "pmm_model.h"

static struct pmm pm; /* 8 KiB: static rather than on the stack */

/* Maps of random ranges, types and edges against the bitmap model. */
static void test_random_maps_match_reference(void **state)
{
	(void)state;
	static u8 ref[REF_PAGES];
	u64 seed = 0x9e3779b97f4a7c15ULL;
	for (int iter = 0; iter < 2000; iter++) {
		struct boot_mem_range map[24];
		u32 n = 1 + (u32)unit_below(&seed, ARRAY_SIZE(map));
		for (u32 i = 0; i < n; i++) {
			u64 base = unit_below(&seed, 60 * MIB), len = unit_below(&seed, 8 * MIB);
			if (base + len > REF_PAGES * PS) /* stay inside the model */
				len = REF_PAGES * PS - base;
			if (unit_below(&seed, 3)) { /* mostly page-aligned, as real maps are */
				base = ALIGN_DOWN(base, PS);
				len = ALIGN_DOWN(len, PS);
			}
			u32 type = unit_below(&seed, 2) ? USABLE : 2 + (u32)unit_below(&seed, 4);
			map[i] = (struct boot_mem_range)R(base, len, type);
		}
		pmm_init(&pm, map, n);
		ref_init(ref, map, n);
		assert_matches_ref(&pm, ref);
		assert_int_equal(pm.total_pages, pm.free_pages);
	}
}

/* ---- randomized soak ---- */

struct block {
	u64 base, pages;
};

static void test_random_soak(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		R(0x0, 0x9fc00, USABLE),
		R(0x100000, 0xf00000, USABLE),
		R(0x1003000, 0xffd000, USABLE),
		R(0x800000, 0x800, RESV),
		R(0x2100000, 0x1eff000, USABLE),
		R(0x3000000, 0x20000, BOOT_MEM_ACPI_NVS),
	};
	static u8 ref[REF_PAGES];
	static struct block live[4096];
	u32 nlive = 0;
	u64 seed = 0x243f6a8885a308d3ULL, allocs = 0, frees = 0, fails = 0;
	pmm_init(&pm, map, ARRAY_SIZE(map));
	ref_init(ref, map, ARRAY_SIZE(map));
	assert_matches_ref(&pm, ref);
	u32 count0 = pm.count;
	u64 total = pm.free_pages;

	for (int op = 0; op < 6000; op++) {
		u64 r = unit_below(&seed, 100);
		if (r < 55 && nlive < ARRAY_SIZE(live)) {
			u64 pages = unit_below(&seed, 8) ? 1 + unit_below(&seed, 64) : 1 + unit_below(&seed, 4096);
			u64 align = PS << unit_below(&seed, 10);
			u64 limit = unit_below(&seed, 2) ? 0 : unit_below(&seed, 64 * MIB + 1);
			u64 a = 0, want = 0;
			bool ok = ref_alloc(ref, pages, align, limit, &want);
			int rc = pmm_alloc(&pm, pages, align, limit, &a);
			if (rc != (ok ? 0 : -1) || (ok && a != want))
				fail_msg("op %d: alloc %llu pages align 0x%llx limit 0x%llx: rc %d at 0x%llx, model %s 0x%llx", op,
				         (unsigned long long)pages, (unsigned long long)align, (unsigned long long)limit, rc,
				         (unsigned long long)a, ok ? "fits at" : "has no fit", (unsigned long long)want);
			if (ok) {
				for (u32 i = 0; i < nlive; i++)
					assert_true(a + pages * PS <= live[i].base || live[i].base + live[i].pages * PS <= a);
				assert_int_equal(a % align, 0);
				assert_true(!limit || a + pages * PS <= limit);
				ref_set(ref, a, pages, 0);
				live[nlive++] = (struct block){a, pages};
				allocs++;
			} else {
				fails++;
			}
		} else if (r < 92 && nlive > 0) {
			u32 k = (u32)unit_below(&seed, nlive);
			struct block b = live[k];
			if (b.pages > 1 && unit_below(&seed, 4) == 0) { /* free the front part only */
				u64 part = 1 + unit_below(&seed, b.pages - 1);
				assert_int_equal(pmm_free(&pm, b.base, part), 0);
				ref_set(ref, b.base, part, 1);
				live[k] = (struct block){b.base + part * PS, b.pages - part};
			} else {
				assert_int_equal(pmm_free(&pm, b.base, b.pages), 0);
				ref_set(ref, b.base, b.pages, 1);
				live[k] = live[--nlive];
			}
			frees++;
		} else {
			/* a free that overlaps a free page must be refused and change nothing */
			u64 pg = unit_below(&seed, REF_PAGES);
			while (pg < REF_PAGES && !ref[pg])
				pg++;
			if (pg == REF_PAGES)
				continue;
			u64 back = unit_below(&seed, 4);
			u64 base = pg >= back ? (pg - back) * PS : 0;
			u64 free0 = pm.free_pages;
			assert_int_equal(pmm_free(&pm, base, 1 + back + unit_below(&seed, 4)), -1);
			assert_int_equal(pm.free_pages, free0);
		}
		assert_matches_ref(&pm, ref);
		u64 in_use = 0;
		for (u32 i = 0; i < nlive; i++)
			in_use += live[i].pages;
		assert_int_equal(pm.free_pages + in_use, total);
	}
	assert_true(allocs > 1000 && frees > 1000 && fails > 10); /* the mix really exercised each path */
	while (nlive > 0) {
		struct block b = live[--nlive];
		assert_int_equal(pmm_free(&pm, b.base, b.pages), 0);
		ref_set(ref, b.base, b.pages, 1);
	}
	assert_matches_ref(&pm, ref);
	assert_int_equal(pm.count, count0);
	assert_int_equal(pm.free_pages, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_maps_match_reference),
		cmocka_unit_test(test_random_soak),
	};
	return UNIT_RUN(tests);
}
