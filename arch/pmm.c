/* Extent-table page allocator; see pmm.h. */
#include "pmm.h"

#define PMM_TOP (~0ULL & ~(PAGE_SIZE - 1)) /* no free extent ends above the last whole page */

/* The page-rounded end of [base, base+len), saturated at PMM_TOP: rounding ~0 up must not wrap to 0. */
static u64 end_up(u64 base, u64 len)
{
	if (base >= PMM_TOP || len >= PMM_TOP - base)
		return PMM_TOP;
	return ALIGN_UP(base + len, PAGE_SIZE);
}

/* Adds [base, base+pages) to the free set, merging neighbours; the caller ensures it is not free. */
static void free_insert(struct pmm *p, u64 base, u64 pages)
{
	if (!pages)
		return;
	u32 i = 0;
	while (i < p->count && p->ext[i].base < base)
		i++;
	u64 end = base + pages * PAGE_SIZE;
	bool join_prev = i > 0 && p->ext[i - 1].base + p->ext[i - 1].pages * PAGE_SIZE == base;
	bool join_next = i < p->count && p->ext[i].base == end;
	if (join_prev && join_next) {
		p->ext[i - 1].pages += pages + p->ext[i].pages;
		for (u32 j = i; j + 1 < p->count; j++)
			p->ext[j] = p->ext[j + 1];
		p->count--;
	} else if (join_prev) {
		p->ext[i - 1].pages += pages;
	} else if (join_next) {
		p->ext[i].base = base;
		p->ext[i].pages += pages;
	} else if (p->count < PMM_MAX_EXTENTS) {
		for (u32 j = p->count; j > i; j--)
			p->ext[j] = p->ext[j - 1];
		p->ext[i] = (struct pmm_extent){base, pages};
		p->count++;
	} else {
		p->dropped_pages += pages;
		return;
	}
	p->free_pages += pages;
}

/* Removes the part of [base, end) that is free; returns the number of pages removed. */
static u64 free_remove(struct pmm *p, u64 base, u64 end)
{
	u64 removed = 0;
	if (base >= end) /* an empty cut would split an extent and merge it back forever */
		return 0;
	for (u32 i = 0; i < p->count;) {
		struct pmm_extent e = p->ext[i];
		u64 e_end = e.base + e.pages * PAGE_SIZE;
		if (e_end <= base || e.base >= end) {
			i++;
			continue;
		}
		u64 cut_lo = e.base > base ? e.base : base;
		u64 cut_hi = e_end < end ? e_end : end;
		removed += (cut_hi - cut_lo) / PAGE_SIZE;
		p->free_pages -= e.pages; /* the pieces outside the cut are counted again below */
		/* remove the extent, then put back its pieces outside the cut */
		for (u32 j = i; j + 1 < p->count; j++)
			p->ext[j] = p->ext[j + 1];
		p->count--;
		free_insert(p, e.base, (cut_lo - e.base) / PAGE_SIZE);
		free_insert(p, cut_hi, (e_end - cut_hi) / PAGE_SIZE);
		i = 0; /* the table changed shape: rescan (it is small) */
	}
	return removed;
}

void pmm_init(struct pmm *p, const struct boot_mem_range *map, u32 count)
{
	p->count = 0;
	p->free_pages = 0;
	p->dropped_pages = 0;
	for (u32 i = 0; i < count; i++) {
		if (map[i].type != BOOT_MEM_USABLE || map[i].length == 0)
			continue;
		u64 end = map[i].base + map[i].length;
		if (end < map[i].base) /* wraps: clamp to the top page */
			end = ~0ULL & ~(PAGE_SIZE - 1);
		u64 b = ALIGN_UP(map[i].base, PAGE_SIZE), e = ALIGN_DOWN(end, PAGE_SIZE);
		if (e <= b)
			continue;
		free_remove(p, b, e); /* overlapping usable ranges count once */
		free_insert(p, b, (e - b) / PAGE_SIZE);
	}
	for (u32 i = 0; i < count; i++) {
		if (map[i].type == BOOT_MEM_USABLE || map[i].length == 0)
			continue;
		free_remove(p, ALIGN_DOWN(map[i].base, PAGE_SIZE), end_up(map[i].base, map[i].length));
	}
	p->total_pages = p->free_pages;
}

void pmm_reserve(struct pmm *p, u64 base, u64 len)
{
	if (!len)
		return;
	free_remove(p, ALIGN_DOWN(base, PAGE_SIZE), end_up(base, len));
}

int pmm_alloc(struct pmm *p, u64 pages, u64 align, u64 limit, u64 *out)
{
	if (!pages || align < PAGE_SIZE || (align & (align - 1)))
		return -1;
	for (u32 i = 0; i < p->count; i++) {
		u64 b = ALIGN_UP(p->ext[i].base, align);
		u64 e_end = p->ext[i].base + p->ext[i].pages * PAGE_SIZE;
		if (b < p->ext[i].base || b >= e_end || (e_end - b) / PAGE_SIZE < pages)
			continue;
		u64 end = b + pages * PAGE_SIZE;
		if (limit && end > limit)
			return -1; /* extents are sorted: every later fit ends higher */
		free_remove(p, b, end);
		*out = b;
		return 0;
	}
	return -1;
}

int pmm_free(struct pmm *p, u64 base, u64 pages)
{
	if (!pages || (base & (PAGE_SIZE - 1)) || base >= PMM_TOP || pages > (PMM_TOP - base) / PAGE_SIZE)
		return -1; /* unaligned, empty, or running past the last page (base + size would wrap) */
	u64 end = base + pages * PAGE_SIZE;
	for (u32 i = 0; i < p->count; i++) {
		u64 e_end = p->ext[i].base + p->ext[i].pages * PAGE_SIZE;
		if (p->ext[i].base < end && e_end > base)
			return -1; /* double free */
	}
	free_insert(p, base, pages);
	return 0;
}

u64 pmm_largest_free(const struct pmm *p)
{
	u64 best = 0;
	for (u32 i = 0; i < p->count; i++)
		if (p->ext[i].pages > best)
			best = p->ext[i].pages;
	return best * PAGE_SIZE;
}
