/*
 * Code-page generations (issue 11 item 2): a cached block's bytes are re-hashed on a table hit
 * only when one of the guest-physical pages they lie on may have been written since they were
 * last verified.
 *
 * A page that holds verified block code is write-protected in the second-level (EPT) tables
 * through the platform's write_protect callback. Every way its bytes can change then moves its
 * generation:
 * - a guest write (any linear mapping, any alias: EPT sees guest-physical addresses, and the
 *   processor's own accessed/dirty updates of paging structures are writes too, SDM Vol. 3C
 *   29.3.3.2) exits with an EPT violation; pgen_guest_write moves the generation and gives the
 *   write access back, and the instruction runs again;
 * - a store root mode makes for the guest (the interpreter, string IO, the replay's direct
 *   stores, the accessed/dirty flags gmem.c sets) goes through gmem.c or gmem_tlb_fast, which
 *   call pgen_root_store with the guest-physical address: host pointers never fault.
 * A generation is drawn from one counter that only grows, so a value names one page at one
 * version: a block that kept generation g of its page finds g again only if that page is
 * unchanged. A page written often (data or a stack beside code) is not worth protecting: after
 * PGEN_HOT_BUMPS writes it stays open for good, and blocks on it are hashed on every hit.
 * Pure C.
 */
#ifndef DISPATCHER_PAGE_GEN_H
#define DISPATCHER_PAGE_GEN_H

#include "vcpu.h"

#define PGEN_SLOTS 512    /* pages tracked at most (open addressing; a full table tracks no more) */
#define PGEN_MAX_FILL 384 /* 3/4 of the slots: probes stay short */
#define PGEN_HOT_BUMPS 16 /* writes after which a page is left unprotected for good */
#define PGEN_NONE 0       /* no generation: the page is not protected, hash the bytes */
#define PGEN_FILTER 1024  /* buckets of the store filter: protected pages per page number mod this */

enum pgen_state { PGEN_EMPTY, PGEN_PROTECTED, PGEN_OPEN, PGEN_HOT };

struct pgen_slot {
	u64 page; /* guest-physical page number */
	u64 gen;
	u32 bumps;
	u8 state; /* enum pgen_state */
};

struct pgen_stats {
	u64 protects;    /* pages write-protected (again) */
	u64 faults;      /* EPT write violations on protected pages */
	u64 spurious;    /* violations on pages already open again (a stale EPT translation) */
	u64 root_bumps;  /* generations moved by root-mode stores */
	u64 hot;         /* pages given up as written too often */
	u64 full;        /* pages not tracked: the table was full */
	u64 refused;     /* pages the platform could not protect */
};

struct page_gen {
	bool enabled;
	u64 next;        /* the last generation handed out */
	u32 used;        /* slots not empty */
	u32 nprotected;  /* slots PGEN_PROTECTED: 0 lets a store skip the lookup */
	struct pgen_stats st;
	/* How many protected pages have a page number congruent to i (mod PGEN_FILTER): a store
	 * whose pages all have a zero count skips the table lookup. */
	u16 filter[PGEN_FILTER];
	struct pgen_slot slot[PGEN_SLOTS];
};

void pgen_init(struct page_gen *g, bool enabled);
/* The generation of the page at gpa while it is protected, else PGEN_NONE. */
u64 pgen_current(const struct page_gen *g, u64 gpa);
/* Protects the page at gpa (when it is not yet) and returns its generation, or PGEN_NONE when
 * it cannot be (disabled, hot, table full, the platform refused). */
u64 pgen_protect(struct page_gen *g, struct vcpu *v, u64 gpa);
/* An EPT write violation at gpa: true when it is one of the pages tracked here (its generation
 * moved, write access restored, the instruction is to run again), false when it is not. */
bool pgen_guest_write(struct page_gen *g, struct vcpu *v, u64 gpa);
/* Root mode stored len bytes at gpa for the guest (slow path of pgen_store). */
void pgen_root_store_slow(struct page_gen *g, struct vcpu *v, u64 gpa, u32 len);

/* Root mode stored len bytes at guest-physical gpa for the guest: called by every store that
 * bypasses the EPT (v->pgen is attached by dispatch_exit, as the translation cache is). */
static inline void pgen_store(struct vcpu *v, u64 gpa, u32 len)
{
	struct page_gen *g = v->pgen;
	if (!g || !g->nprotected || !len)
		return;
	u64 first = gpa >> PAGE_SHIFT, last = (gpa + len - 1) >> PAGE_SHIFT;
	if (g->filter[first % PGEN_FILTER] || g->filter[last % PGEN_FILTER])
		pgen_root_store_slow(g, v, gpa, len);
}

#endif
