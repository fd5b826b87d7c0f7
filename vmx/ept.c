/* EPT builder and walker (Intel SDM Vol. 3C 29.3.2 "EPT Translation Mechanism"). */
#include "ept.h"
#include "../arch/string.h"

#define EPT_ENTRIES 512
#define EPT_INDEX_BITS 9
#define EPT_INDEX_MASK (EPT_ENTRIES - 1)
/* Levels, counted from the leaf: a PTE maps 4 KiB, a PDE 2 MiB, a PDPTE 1 GiB. */
#define LEVEL_PT 0
#define LEVEL_PD 1
#define LEVEL_PDPT 2
#define LEVEL_PML4 3

static u64 level_page_size(int level) { return PAGE_SIZE << (EPT_INDEX_BITS * level); }

static u32 level_index(u64 gpa, int level)
{
	return (u32)((gpa >> (PAGE_SHIFT + EPT_INDEX_BITS * level)) & EPT_INDEX_MASK);
}

/* An entry whose bits 2:0 are all 0 is not present (SDM Vol. 3C 29.3.2). */
static bool present(u64 entry) { return (entry & EPTE_PERM_MASK) != 0; }

static u64 *table_at(const struct ept *e, u64 phys) { return e->env.phys_to_virt(e->env.ctx, phys); }

static bool aligned(u64 v, u64 a) { return (v & (a - 1)) == 0; }

/* A zeroed paging-structure page: all 512 entries not present. */
static int alloc_table(struct ept *e, u64 *phys)
{
	if (e->env.alloc_page(e->env.ctx, phys) || !aligned(*phys, PAGE_SIZE) || *phys >= EPT_HPA_LIMIT)
		return -1;
	memset(table_at(e, *phys), 0, PAGE_SIZE);
	e->pages_used++;
	return 0;
}

int ept_init(struct ept *e, const struct ept_env *env)
{
	*e = (struct ept){.env = *env};
	if (!env->alloc_page || !env->phys_to_virt)
		return -1;
	return alloc_table(e, &e->pml4_phys);
}

/*
 * The slot for gpa at level, creating missing tables on the way when alloc is set.
 * Non-leaf entries grant RWX: the leaf alone decides the access (SDM Vol. 3C 29.3.3, the
 * rights of all levels are ANDed). -1 when a table is missing (and alloc is off), an
 * allocation fails, or a large-page leaf already covers gpa above level.
 */
static int walk_to(struct ept *e, u64 gpa, int level, bool alloc, u64 **slot)
{
	u64 *t = table_at(e, e->pml4_phys);
	for (int l = LEVEL_PML4; l > level; l--) {
		u64 *ent = &t[level_index(gpa, l)];
		if (!present(*ent)) {
			u64 phys;
			if (!alloc || alloc_table(e, &phys))
				return -1;
			*ent = phys | EPT_RWX;
		} else if (*ent & EPTE_LARGE) {
			return -1;
		}
		t = table_at(e, *ent & EPTE_ADDR_MASK);
	}
	*slot = &t[level_index(gpa, level)];
	return 0;
}

/*
 * One leaf at gpa: 2 MiB when gpa, hpa and the remaining size allow and no page table hangs
 * at that PDE yet (an empty one may remain from a failed call), else 4 KiB. Without commit
 * it only checks the slot is free and creates the tables, so a whole range can be checked
 * and prepared before its first leaf is written; with commit the same choice is made again
 * (the tables exist now) and the leaf is written. *step: the bytes the leaf maps.
 */
static int map_step(struct ept *e, u64 gpa, u64 hpa, u64 left, u64 leaf_bits, bool commit, u64 *step)
{
	u64 *pde, *pte;
	if (walk_to(e, gpa, LEVEL_PD, !commit, &pde))
		return -1;
	if (!e->no_2m && !present(*pde) && aligned(gpa, EPT_PAGE_2M) && aligned(hpa, EPT_PAGE_2M) && left >= EPT_PAGE_2M) {
		if (commit)
			*pde = hpa | leaf_bits | EPTE_LARGE;
		*step = EPT_PAGE_2M;
		return 0;
	}
	if (walk_to(e, gpa, LEVEL_PT, !commit, &pte) || present(*pte))
		return -1;
	if (commit)
		*pte = hpa | leaf_bits;
	*step = EPT_PAGE_4K;
	return 0;
}

/* Memory types valid in a leaf; 2, 3 and 7 are reserved (EPT misconfiguration, 29.3.3.1). */
static bool memtype_valid(u32 mt)
{
	return mt == EPT_MT_UC || mt == EPT_MT_WC || mt == EPT_MT_WT || mt == EPT_MT_WP || mt == EPT_MT_WB;
}

static bool map_args_valid(u64 gpa, u64 hpa, u64 size, u32 perms, u32 memtype)
{
	if (!size || !aligned(gpa | hpa | size, PAGE_SIZE))
		return false;
	if (gpa >= EPT_GPA_LIMIT || size > EPT_GPA_LIMIT - gpa || hpa >= EPT_HPA_LIMIT || size > EPT_HPA_LIMIT - hpa)
		return false;
	/* Write without read is a misconfiguration; execute-only needs IA32_VMX_EPT_VPID_CAP
	 * bit 0, which microhv neither checks nor needs (SDM Vol. 3C 29.3.3.1). */
	return !(perms & ~EPT_RWX) && (perms & EPT_R) && memtype_valid(memtype);
}

int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 size, u32 perms, u32 memtype)
{
	if (!map_args_valid(gpa, hpa, size, perms, memtype))
		return -1;
	/* Ignore-PAT stays 0: the guest's PAT then combines with the EPT memory type as on bare
	 * metal (SDM Vol. 3C 29.3.7.2), so a guest can still map its RAM UC or WC. */
	u64 leaf_bits = perms | ((u64)memtype << EPTE_MEMTYPE_SHIFT);
	for (int commit = 0; commit <= 1; commit++) {
		for (u64 off = 0, step = 0; off < size; off += step)
			if (map_step(e, gpa + off, hpa + off, size - off, leaf_bits, commit, &step))
				return -1;
	}
	return 0;
}

int ept_leaf(const struct ept *e, u64 gpa, u64 *entry, u64 *page_size)
{
	if (gpa >= EPT_GPA_LIMIT)
		return -1;
	const u64 *t = table_at(e, e->pml4_phys);
	for (int l = LEVEL_PML4; l >= LEVEL_PT; l--) {
		u64 ent = t[level_index(gpa, l)];
		if (!present(ent))
			return -1;
		if (l == LEVEL_PT || (l <= LEVEL_PDPT && (ent & EPTE_LARGE))) {
			*entry = ent;
			*page_size = level_page_size(l);
			return 0;
		}
		t = table_at(e, ent & EPTE_ADDR_MASK);
	}
	return -1;
}

int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u32 *perms)
{
	u64 ent, size;
	if (ept_leaf(e, gpa, &ent, &size))
		return -1;
	*hpa = (ent & EPTE_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
	*perms = (u32)(ent & EPTE_PERM_MASK);
	return 0;
}

u64 ept_eptp(const struct ept *e)
{
	return e->pml4_phys | EPTP_WALK_LENGTH_4 | EPTP_MEMTYPE_WB;
}

/* Backs [gpa, end) chunk by chunk: 2 MiB-aligned 2 MiB chunks where the guest range allows,
 * else up to the next 2 MiB boundary; on failure, 4 KiB alignment, then halved sizes. */
static int map_ram_range(struct ept *e, u64 gpa, u64 end, ept_alloc_chunk_fn alloc_chunk, void *ctx)
{
	while (gpa < end) {
		u64 want, align, hpa;
		if (aligned(gpa, EPT_PAGE_2M) && end - gpa >= EPT_PAGE_2M) {
			want = EPT_PAGE_2M;
			align = EPT_PAGE_2M;
		} else {
			u64 to_boundary = ALIGN_UP(gpa + 1, EPT_PAGE_2M) - gpa;
			want = end - gpa < to_boundary ? end - gpa : to_boundary;
			align = PAGE_SIZE;
		}
		while (alloc_chunk(ctx, want, align, &hpa)) {
			if (align > PAGE_SIZE)
				align = PAGE_SIZE;
			else if (want > PAGE_SIZE)
				want = ALIGN_UP(want / 2, PAGE_SIZE);
			else
				return -1;
		}
		if (ept_map(e, gpa, hpa, want, EPT_RWX, EPT_MT_WB))
			return -1;
		gpa += want;
	}
	return 0;
}

int ept_map_guest_ram(struct ept *e, u64 guest_size, ept_alloc_chunk_fn alloc_chunk, void *ctx, u64 hole_start,
                      u64 hole_end)
{
	if (!guest_size || guest_size > EPT_GPA_LIMIT || !aligned(guest_size | hole_start | hole_end, PAGE_SIZE) ||
	    hole_start > hole_end)
		return -1;
	if (hole_start == hole_end || hole_start >= guest_size)
		return map_ram_range(e, 0, guest_size, alloc_chunk, ctx);
	if (map_ram_range(e, 0, hole_start, alloc_chunk, ctx))
		return -1;
	return hole_end < guest_size ? map_ram_range(e, hole_end, guest_size, alloc_chunk, ctx) : 0;
}

/*
 * Replaces the 2 MiB leaf at *pde with a page table of 512 4 KiB leaves that map the same
 * memory with the same rights and memory type (a PDE's bits 6:0 mean what a PTE's do, SDM
 * Vol. 3C 29.3.2, tables 29-4 and 29-6; bit 7 is the page size). At most EPT_MAX_SPLITS.
 */
static int split_2m(struct ept *e, u64 *pde)
{
	u64 phys;
	if (e->splits >= EPT_MAX_SPLITS || alloc_table(e, &phys))
		return -1;
	u64 *pt = table_at(e, phys);
	u64 base = *pde & EPTE_ADDR_MASK & ~(EPT_PAGE_2M - 1), bits = *pde & ~EPTE_ADDR_MASK & ~EPTE_LARGE;
	for (u32 i = 0; i < EPT_ENTRIES; i++)
		pt[i] = (base + i * EPT_PAGE_4K) | bits;
	*pde = phys | EPT_RWX;
	e->splits++;
	return 0;
}

int ept_set_write(struct ept *e, u64 gpa, bool writable)
{
	u64 *pde, *pte;
	if (gpa >= EPT_GPA_LIMIT || walk_to(e, gpa, LEVEL_PD, false, &pde) || !present(*pde))
		return -1;
	if ((*pde & EPTE_LARGE) && split_2m(e, pde))
		return -1;
	if (walk_to(e, gpa, LEVEL_PT, false, &pte) || !present(*pte))
		return -1;
	if (!(*pte & EPT_W) == !writable)
		return 0;
	if (writable)
		*pte |= EPT_W;
	else
		*pte &= ~(u64)EPT_W;
	return 0;
}
