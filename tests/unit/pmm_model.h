/*
 * Shared by the pmm tests: the extent table's invariant (sorted, disjoint, non-adjacent,
 * sum == free_pages) and a page-bitmap model of [0, 64 MiB) that is obviously right.
 */
#ifndef TESTS_UNIT_PMM_MODEL_H
#define TESTS_UNIT_PMM_MODEL_H

#include "unit.h"

#include <string.h>

#include "arch/pmm.h"

#define PS PAGE_SIZE
#define TOP_PAGE_END (~0ULL & ~(PS - 1)) /* the highest address a free extent can end at */
#define REF_PAGES 16384                  /* the model covers [0, 64 MiB) */


static inline void check_invariants(const struct pmm *p)
{
	u64 sum = 0;
	if (p->count > PMM_MAX_EXTENTS)
		fail_msg("count %u exceeds %u", p->count, PMM_MAX_EXTENTS);
	for (u32 i = 0; i < p->count; i++) {
		const struct pmm_extent *e = &p->ext[i];
		if (e->pages == 0 || (e->base & (PS - 1)))
			fail_msg("extent %u [0x%llx, %llu pages) is empty or unaligned", i, (unsigned long long)e->base,
			         (unsigned long long)e->pages);
		if (e->pages > (TOP_PAGE_END - e->base) / PS)
			fail_msg("extent %u at 0x%llx with %llu pages runs past the top of memory", i,
			         (unsigned long long)e->base, (unsigned long long)e->pages);
		if (i > 0) {
			const struct pmm_extent *d = &p->ext[i - 1];
			if (d->base + d->pages * PS >= e->base)
				fail_msg("extents %u and %u are unsorted, overlapping or adjacent (0x%llx+%llu pages, 0x%llx)",
				         i - 1, i, (unsigned long long)d->base, (unsigned long long)d->pages,
				         (unsigned long long)e->base);
		}
		sum += e->pages;
	}
	if (sum != p->free_pages)
		fail_msg("extents hold %llu pages but free_pages says %llu", (unsigned long long)sum,
		         (unsigned long long)p->free_pages);
}

/* ---- the bitmap model ---- */

static inline void ref_init(u8 *ref, const struct boot_mem_range *map, u32 count)
{
	memset(ref, 0, REF_PAGES);
	for (u32 i = 0; i < count; i++) { /* usable: whole pages inside one range */
		if (map[i].type != BOOT_MEM_USABLE)
			continue;
		u64 b = ALIGN_UP(map[i].base, PS) / PS, e = ALIGN_DOWN(map[i].base + map[i].length, PS) / PS;
		for (u64 pg = b; pg < e && pg < REF_PAGES; pg++)
			ref[pg] = 1;
	}
	for (u32 i = 0; i < count; i++) { /* anything else: every page it touches */
		if (map[i].type == BOOT_MEM_USABLE || map[i].length == 0)
			continue;
		u64 b = ALIGN_DOWN(map[i].base, PS) / PS, e = ALIGN_UP(map[i].base + map[i].length, PS) / PS;
		for (u64 pg = b; pg < e && pg < REF_PAGES; pg++)
			ref[pg] = 0;
	}
}

static inline void ref_set(u8 *ref, u64 base, u64 pages, u8 v)
{
	for (u64 pg = base / PS; pg < base / PS + pages; pg++) {
		assert_true(pg < REF_PAGES);
		ref[pg] = v;
	}
}

/* Lowest-address first fit, the contract pmm_alloc documents. */
static inline bool ref_alloc(const u8 *ref, u64 pages, u64 align, u64 limit, u64 *out)
{
	for (u64 b = 0; b / PS + pages <= REF_PAGES;) {
		if (limit && b + pages * PS > limit)
			return false;
		u64 k = 0;
		while (k < pages && ref[b / PS + k])
			k++;
		if (k == pages) {
			*out = b;
			return true;
		}
		b = ALIGN_UP(b + (k + 1) * PS, align); /* no fit can start at or below the used page */
	}
	return false;
}

static inline void assert_matches_ref(const struct pmm *p, const u8 *ref)
{
	check_invariants(p);
	u32 k = 0;
	u64 total = 0;
	for (u64 i = 0; i < REF_PAGES;) {
		if (!ref[i]) {
			i++;
			continue;
		}
		u64 j = i;
		while (j < REF_PAGES && ref[j])
			j++;
		if (k >= p->count || p->ext[k].base != i * PS || p->ext[k].pages != j - i)
			fail_msg("extent %u: want [0x%llx, %llu pages), have %s[0x%llx, %llu pages)", k,
			         (unsigned long long)(i * PS), (unsigned long long)(j - i), k < p->count ? "" : "none ",
			         k < p->count ? (unsigned long long)p->ext[k].base : 0ULL,
			         k < p->count ? (unsigned long long)p->ext[k].pages : 0ULL);
		k++;
		total += j - i;
		i = j;
	}
	if (k != p->count)
		fail_msg("%u extents, the model has %u; extent %u starts at 0x%llx", p->count, k, k,
		         (unsigned long long)p->ext[k].base);
	assert_int_equal(p->free_pages, total);
}

#define R(b, l, t) {(b), (l), (t), 0}
#define USABLE BOOT_MEM_USABLE
#define RESV BOOT_MEM_RESERVED

static inline void expect_extents(const struct pmm *p, const struct pmm_extent *want, u32 n)
{
	check_invariants(p);
	for (u32 i = 0; i < n && i < p->count; i++)
		if (p->ext[i].base != want[i].base || p->ext[i].pages != want[i].pages)
			fail_msg("extent %u: want [0x%llx, %llu pages), have [0x%llx, %llu pages)", i,
			         (unsigned long long)want[i].base, (unsigned long long)want[i].pages,
			         (unsigned long long)p->ext[i].base, (unsigned long long)p->ext[i].pages);
	assert_int_equal(p->count, n);
}

#endif
