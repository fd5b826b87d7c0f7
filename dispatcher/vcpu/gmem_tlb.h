/*
 * The translation cache of guest memory (issue 11): the walks gmem.c makes, kept for the rest
 * of a VM exit, so that a block that touches the same stack and data pages forty times walks
 * each of them once, and carried into the next exits, where each entry is checked before its
 * first use, so that an exit that touches the pages of the last one does not walk them again.
 *
 * Exactness (the processor's own TLB may be staler than this; the cache must never be):
 * - dispatch_exit attaches it to the vCPU at each exit (gmem_tlb_begin) and detaches it at the
 *   end (gmem_tlb_end). Whatever the guest does to its paging structures between exits is
 *   seen: an entry keeps the values of the paging-structure entries its walk read (as the
 *   accessed/dirty flags it set left them), and on its first use in an exit reads them again
 *   (gmem_tlb_verify). A walk is a function of the paging registers and of those values (each
 *   entry read locates the next, SDM Vol. 3A 5.5), so equal values give the same translation,
 *   rights and flags: the entry, with what it knows (a_set, d_set, ok), holds; any difference
 *   (a remap, a flag the guest cleared or the processor set) drops it and the access walks
 *   afresh. Host addresses are asked again (gpa_ptr) on the check.
 * - An entry is used only while CR0, CR3, CR4 and EFER are what they were when it was filled
 *   (the paging mode, the root, PSE/LA57/NXE: everything a walk reads besides memory).
 *   PAE paging is not cached: its walk starts at PDPTEs no entry pointer covers.
 * - Within the exit, memory changes only through gmem_write. A store that touches a host page
 *   holding a paging-structure entry used by any cached walk drops the whole cache
 *   (gmem_tlb_stored). This is the rule of SDM Vol. 3A 4.10.4.1/4.10.4.2 made strict: software
 *   that modifies a paging-structure entry must invalidate the translations derived from it
 *   before it may rely on the change; a VMM emulating native execution cannot know whether the
 *   guest would have invalidated, so it invalidates always — a cached walk is only ever the
 *   walk a fresh page walk would make now.
 * - The cache keeps the walk, not a verdict: the rights (R/W, U/S, XD with CR0.WP, SMEP, SMAP,
 *   RFLAGS.AC, CPL) are checked on every use exactly as after a walk (5.6), so a translation
 *   cached by a read never makes a write legal.
 * - Accessed and dirty flags (5.8): a walk through the cache sets them exactly as a fresh walk
 *   would. An entry remembers whether an access through it has set A on every entry it used
 *   (a_set) and D on the entry that maps the page (d_set); only then is the marking skipped,
 *   since a flag once set can be cleared only by a store into a paging structure, which drops
 *   the cache. A fill by gmem_translate or gmem_peek (no flags) leaves both false.
 * Pure C.
 */
#ifndef DISPATCHER_GMEM_TLB_H
#define DISPATCHER_GMEM_TLB_H

#include "gmem_walk.h"
#include "page_gen.h"

#define GMEM_TLB_ENTRIES 16 /* direct-mapped by linear page number */
#define GMEM_TLB_FRAMES 24  /* host pages holding paging-structure entries of cached walks */

struct gmem_tlb_entry {
	u64 page; /* linear page number (linear >> 12) */
	u32 gen;  /* valid while equal to the cache's generation */
	u32 exit; /* the cache's exit count when its entries' values were last found unchanged */
	u64 val[GMEM_MAX_LEVELS]; /* the paging-structure entries' values the walk (and flags) left */
	bool a_set, d_set;
	/* GMEM_TLB_OK(acc, user): an access of that kind went through this walk in this exit,
	 * passed the rights check and set its flags, with RFLAGS.AC as in `ac` (SMAP, 5.6.1) */
	u8 ok;
	u64 ac;
	u32 frames_seen; /* the cache's nframes when the page was last found to hold no entry */
	u8 *host; /* host address of the 4-KiB guest page, or NULL: ask gpa_ptr */
	struct walk w;
};

struct gmem_tlb {
	u32 gen; /* bumped to drop every entry at once */
	u32 exit; /* bumped at every exit: an entry is checked again before its first use in one */
	u64 cr0, cr3, cr4, efer;
	u32 nframes;
	uintptr_t frame[GMEM_TLB_FRAMES];
	struct gmem_tlb_entry e[GMEM_TLB_ENTRIES];
	u64 hits, fills, drops; /* statistics: lookups served, walks kept, stores that dropped it */
	u64 verified;           /* entries carried into an exit and found unchanged */
};

#define GMEM_TLB_OK(acc, user) (1u << ((u32)(acc) * 2 + ((user) ? 1 : 0)))
#define GMEM_TLB_RFLAGS_AC RFLAGS_AC
#define GMEM_TLB_PAGE_MASK (PAGE_SIZE - 1)

/* Starts an exit: t, empty, serves v's guest-memory accesses until gmem_tlb_end. */
void gmem_tlb_begin(struct gmem_tlb *t, struct vcpu *v);
/* Ends the exit: v no longer has a cache. */
void gmem_tlb_end(struct vcpu *v);

/* gmem.c's side. The cached walk of the page of `linear` (already truncated to the paging
 * mode's width) into *w, or false. */
bool gmem_tlb_get(struct vcpu *v, u64 linear, struct walk *w);
/* Keeps walk *w (successful, not PAE) of the page of linear; sets w->te when kept. */
void gmem_tlb_put(struct vcpu *v, u64 linear, struct walk *w);
/* The cache entry still holding walk *w (no drop, no refill since), or NULL. */
struct gmem_tlb_entry *gmem_tlb_live(const struct vcpu *v, const struct walk *w);
/* The host address of the walk's page (for len bytes at its gpa), through the cache when
 * it has one. */
void *gmem_tlb_host(struct vcpu *v, const struct walk *w, u32 len);
/* A store of len bytes at host address h was made: drop the cache if it touched a paging
 * structure a cached walk used. */
void gmem_tlb_stored(struct vcpu *v, const void *h, u32 len);

/* An access of kind (acc, user) through walk *w succeeded and set its flags (gmem.c). */
void gmem_tlb_done(struct vcpu *v, const struct walk *w, enum vcpu_access acc, bool user);
/* The same for live entry e. */
void gmem_tlb_done_entry(const struct vcpu *v, struct gmem_tlb_entry *e, enum vcpu_access acc, bool user);
/* The entry's paging-structure values, as they are now (gmem.c, after it set flags). */
void gmem_tlb_values(struct gmem_tlb_entry *e);
/* Whether carried entry e (of the cache's generation) still holds: its walk's entries read the
 * values it kept (then it is this exit's, with host addresses asked afresh); else it is
 * dropped. */
bool gmem_tlb_verify(struct vcpu *v, struct gmem_tlb_entry *e);

/* A drop, when a store through gmem_tlb_fast's pointer may have touched a paging structure. */
void gmem_tlb_check_store(struct gmem_tlb *t, struct gmem_tlb_entry *e);

/*
 * The replay's direct path (blockio/replay.c): the host address of len bytes at linear (in
 * IA-32e paging, not crossing a page) when an access of the same kind (for a read: or a write;
 * for VCPU_EXEC: an instruction fetch, gmem_touch) has already gone through
 * the cached walk of its page in this exit — the rights held and the flags are set, so this
 * access would find and do exactly what that one did; NULL otherwise (take gmem_read/write).
 * *gpa_page gets the guest-physical page. After a store through the pointer, call
 * gmem_tlb_fast_stored.
 */
static inline u8 *gmem_tlb_fast(struct vcpu *v, u64 linear, u32 len, enum vcpu_access acc, bool user,
                                u64 *gpa_page, struct gmem_tlb_entry **ep)
{
	struct gmem_tlb *t = v->tlb;
	if (!t || t->cr3 != v->cr3 || t->cr0 != v->cr0 || t->cr4 != v->cr4 || t->efer != v->efer)
		return 0;
	u64 page = linear >> PAGE_SHIFT;
	struct gmem_tlb_entry *e = &t->e[page % GMEM_TLB_ENTRIES];
	/* a read may use a page a write went through: a page that can be written can be read
	 * (5.6: no paging mode makes it write-only) and the write set every flag a read sets */
	u32 ok = GMEM_TLB_OK(acc, user) | (acc == VCPU_READ ? GMEM_TLB_OK(VCPU_WRITE, user) : 0);
	if (e->gen != t->gen || e->page != page || !(e->ok & ok) ||
	    e->ac != (v->rflags & GMEM_TLB_RFLAGS_AC) || (linear & GMEM_TLB_PAGE_MASK) + len > PAGE_SIZE)
		return 0;
	if ((e->exit != t->exit && !gmem_tlb_verify(v, e)) || !e->host)
		return 0;
	*gpa_page = e->w.gpa & ~GMEM_TLB_PAGE_MASK;
	*ep = e;
	/* the caller may store through the pointer, and keep it for this exit: the page's code
	 * generation moves now, once, as for every root-mode store (page_gen.h) */
	if (acc == VCPU_WRITE)
		pgen_store(v, *gpa_page, (u32)PAGE_SIZE);
	return e->host + (linear & GMEM_TLB_PAGE_MASK);
}

static inline void gmem_tlb_fast_stored(struct vcpu *v, struct gmem_tlb_entry *e)
{
	if (e->frames_seen != v->tlb->nframes)
		gmem_tlb_check_store(v->tlb, e);
}

#endif
