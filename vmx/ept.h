/*
 * Extended page tables (Intel SDM Vol. 3C 29.3 "The Extended Page Table Mechanism").
 * Pure C: page-table memory comes from callbacks, so the host tests build real tables in
 * malloc'd pages and walk them. Four levels, 48-bit guest-physical addresses, 2 MiB and
 * 4 KiB leaves.
 */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include "../arch/types.h"

/* Access rights in bits 2:0 of every entry (SDM Vol. 3C 29.3.2, tables 29-1..29-6). */
#define EPT_R (1u << 0)
#define EPT_W (1u << 1)
#define EPT_X (1u << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

/* Memory types (SDM Vol. 3C 29.3.7, Vol. 3A 13.3): leaf bits 5:3 and the EPTP's bits 2:0. */
#define EPT_MT_UC 0u
#define EPT_MT_WC 1u
#define EPT_MT_WT 4u
#define EPT_MT_WP 5u
#define EPT_MT_WB 6u

/* Entry layout (SDM Vol. 3C 29.3.2). */
#define EPTE_PERM_MASK 0x7ULL
#define EPTE_MEMTYPE_SHIFT 3
#define EPTE_MEMTYPE_MASK (0x7ULL << EPTE_MEMTYPE_SHIFT)
#define EPTE_IGNORE_PAT (1ULL << 6)
#define EPTE_LARGE (1ULL << 7) /* in a PDPTE (1 GiB) or PDE (2 MiB): maps a page */
#define EPTE_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 */

/* EPTP (SDM Vol. 3C 25.6.11): paging-structure memory type, page-walk length - 1. */
#define EPTP_MEMTYPE_WB 6ULL
#define EPTP_WALK_LENGTH_SHIFT 3
#define EPTP_WALK_LENGTH_4 (3ULL << EPTP_WALK_LENGTH_SHIFT)

#define EPT_GPA_BITS 48
#define EPT_GPA_LIMIT (1ULL << EPT_GPA_BITS)
#define EPT_HPA_LIMIT (1ULL << 52) /* bits 51:12 hold the address */
#define EPT_PAGE_4K PAGE_SIZE
#define EPT_PAGE_2M (2ULL * MIB)
#define EPT_PAGE_1G GIB

struct ept_env {
	void *ctx;
	/* One 4 KiB-aligned page; its content need not be zero. 0 on success, -1 when out. */
	int (*alloc_page)(void *ctx, u64 *phys);
	void *(*phys_to_virt)(void *ctx, u64 phys);
};

struct ept {
	struct ept_env env;
	u64 pml4_phys;
	u64 pages_used; /* paging-structure pages, the PML4 included */
	bool no_2m;     /* 4 KiB leaves only: the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP bit 16) */
	u32 splits;     /* 2 MiB leaves split into 4 KiB ones by ept_set_write */
};

int ept_init(struct ept *e, const struct ept_env *env);
/*
 * Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (EPT_R|EPT_W|EPT_X; R is required:
 * write-only is a misconfiguration and execute-only needs a CPU capability) and memtype
 * (UC, WC, WT, WP or WB). 2 MiB leaves wherever gpa, hpa and the remaining size allow and
 * no_2m is off, 4 KiB leaves otherwise. Returns -1 and maps nothing for unaligned or empty input, gpa
 * beyond 48 bits, hpa beyond 52 bits, bad perms or memtype, or overlap with an existing
 * mapping; -1 and maps nothing when a page-table allocation fails (tables allocated before
 * the failure stay, empty, and are reused by later calls).
 */
int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 size, u32 perms, u32 memtype);
/* 0 with the host-physical address and perms of gpa, or -1 when gpa is not mapped. */
int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u32 *perms);
/* The leaf entry that maps gpa and the size of its page (4 KiB, 2 MiB or 1 GiB); -1 if none. */
int ept_leaf(const struct ept *e, u64 gpa, u64 *entry, u64 *page_size);
/* 2 MiB leaves ept_set_write may split: one 4 KiB table each, 256 KiB at most. */
#define EPT_MAX_SPLITS 64
/*
 * Gives the 4 KiB page at gpa write access or takes it away (R and X stay), splitting the 2 MiB
 * leaf over it first when there is one. -1 when gpa is not mapped, is under a 1 GiB leaf, or
 * the split is refused (EPT_MAX_SPLITS reached, no page). The caller invalidates (INVEPT)
 * after taking a right away.
 */
int ept_set_write(struct ept *e, u64 gpa, bool writable);
/* EPTP: WB paging structures, 4-level walk, the PML4's address; no accessed/dirty flags. */
u64 ept_eptp(const struct ept *e);

/* Host memory for guest RAM: size bytes aligned to align, 0 on success, -1 when out. */
typedef int (*ept_alloc_chunk_fn)(void *ctx, u64 size, u64 align, u64 *hpa);
/*
 * Backs guest-physical [0, guest_size) except [hole_start, hole_end) with host memory from
 * alloc_chunk, RWX and WB. It asks for 2 MiB-aligned 2 MiB chunks where the guest range is
 * 2 MiB aligned, so 2 MiB leaves can map them, and for smaller chunks when those fail or
 * around the edges. guest_size and the hole must be page aligned. Returns 0, or -1 on bad
 * input or when memory runs out (what was mapped before stays mapped; chunks are not freed).
 */
int ept_map_guest_ram(struct ept *e, u64 guest_size, ept_alloc_chunk_fn alloc_chunk, void *ctx, u64 hole_start,
                      u64 hole_end);

#endif
