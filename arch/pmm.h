/*
 * Physical page allocator over the loader's memory map. It keeps free
 * extents in a fixed table and never touches the memory it manages, so the
 * same code runs on the host in the unit tests.
 */
#ifndef ARCH_PMM_H
#define ARCH_PMM_H

#include "boot_info.h"

#define PMM_MAX_EXTENTS 512

struct pmm_extent {
	u64 base; /* page aligned */
	u64 pages;
};

struct pmm {
	struct pmm_extent ext[PMM_MAX_EXTENTS]; /* sorted by base, disjoint, non-adjacent */
	u32 count;
	u64 total_pages; /* usable pages found in the map */
	u64 free_pages;
	u64 dropped_pages; /* usable pages lost because the extent table was full */
};

/* Builds the free set from the usable ranges of map (unsorted, overlapping ranges allowed;
 * any overlap with a non-usable range is not free). Partial pages are dropped. */
void pmm_init(struct pmm *p, const struct boot_mem_range *map, u32 count);
/* Removes [base, base+len) from the free set (the core image, the first MiB, ...). */
void pmm_reserve(struct pmm *p, u64 base, u64 len);
/* Lowest-address first fit of pages contiguous pages aligned to align bytes (a power of two,
 * at least PAGE_SIZE) and ending at or below limit (0: no limit). Returns 0 and *out, or -1. */
int pmm_alloc(struct pmm *p, u64 pages, u64 align, u64 limit, u64 *out);
/* Returns pages to the free set; -1 if the base is unaligned or any of the pages is already free. */
int pmm_free(struct pmm *p, u64 base, u64 pages);
u64 pmm_largest_free(const struct pmm *p);

#endif
