/*
 * What gmem.c and its per-exit translation cache (gmem_tlb.c) share: one translation of a
 * linear page through the guest's paging structures. Not for use outside dispatcher/vcpu/.
 * Pure C.
 */
#ifndef DISPATCHER_GMEM_WALK_H
#define DISPATCHER_GMEM_WALK_H

#include "gmem.h"

/* One translation: where it lands, the combined rights, and the entries to flag. */
struct walk {
	u64 gpa;
	bool writable; /* R/W = 1 in every entry */
	bool user;     /* U/S = 1 in every entry: a user-mode address */
	bool nx;       /* XD = 1 in some entry (EFER.NXE = 1) */
	u32 width;     /* entry size, 4 or 8 bytes */
	u32 nent;      /* entries used, root first; the last one maps the page */
	void *ent[GMEM_MAX_LEVELS];
	u64 table[GMEM_MAX_LEVELS]; /* the guest-physical page holding each of them */
	u16 eoff[GMEM_MAX_LEVELS];  /* and each one's offset in that page */
	struct gmem_tlb_entry *te; /* the cache entry that held this walk, or NULL (gmem_tlb.h) */
	u64 te_page;               /* its linear page number: te is this walk's while it matches */
};

#endif
