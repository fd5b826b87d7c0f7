/*
 * The guest memory of the direct replay forms (replay.h): the host bytes of an access through
 * the pages a run remembers (inline), else through the translation cache or a fill (out of
 * line, replay_mem.c). Only for replay.c and replay_fetch.c. Pure C.
 *
 * The run's invariant (struct replay_ctx): a remembered page is one gmem_tlb_fast validated for
 * an access of its kind in the cache's generation c->gen, and a remembered write page also holds
 * none of the block's code and no paging-structure frame of the cache's list as it was when
 * nframes was c->nframes. Everything that may walk or drop (the out-of-line paths here,
 * replay_fetch, the general path between two runs) is followed by replay_resync, which forgets
 * what no longer holds. So an inline store needs no check after it: it cannot touch a paging
 * structure of a cached walk (gmem_tlb.h) nor the block's code.
 */
#ifndef DISPATCHER_REPLAY_MEM_H
#define DISPATCHER_REPLAY_MEM_H

#include "replay.h"
#include "../vcpu/gmem_tlb.h"

#define REPLAY_NO_BASE 1ULL /* not page-aligned: no linear page's base */
#define REPLAY_END8 (PAGE_SIZE - 7) /* 8 bytes at an offset below this stay inside the page */

static inline void replay_page_forget(struct replay_page *p)
{
	p->base = REPLAY_NO_BASE;
	p->end8 = 0;
}

static inline void replay_page_set(struct replay_page *p, u64 base, u8 *host)
{
	p->base = base;
	p->end8 = REPLAY_END8;
	p->host = host;
}

/* What a first access of its kind to a page may do (replay_mem.c fill): nothing, fill the
 * cache, or (RET) fill it only when the eight bytes read are a canonical return address. */
enum replay_fill { REPLAY_FILL_NO, REPLAY_FILL_YES, REPLAY_FILL_RET };

struct block_pages;

/* The cache dropped or gained paging-structure frames since the pages were remembered: forget
 * what no longer holds (replay_mem.h's invariant). */
static inline void replay_resync(const struct vcpu *v, struct replay_ctx *c)
{
	const struct gmem_tlb *t = v->tlb;
	if (t->gen != c->gen || t->nframes != c->nframes) {
		if (t->gen != c->gen)
			replay_page_forget(&c->r);
		c->gen = t->gen;
		c->nframes = t->nframes;
		replay_page_forget(&c->w);
		replay_page_forget(&c->w2);
	}
}

/* Whether an access of len (1, 2, 4, 8) bytes at linear lies in remembered page p; *h its bytes.
 * For 8 bytes (the stack forms, LOAD_B/STORE_B) one subtraction and one compare. */
static inline __attribute__((always_inline)) bool replay_in(const struct replay_page *p, u64 linear, u32 len,
                                                            u8 **h)
{
	if (len == 8) {
		u64 d = linear - p->base;
		if (d >= p->end8)
			return false;
		*h = p->host + d;
		return true;
	}
	u64 off = linear & GMEM_TLB_PAGE_MASK;
	if ((linear & ~(u64)GMEM_TLB_PAGE_MASK) != p->base || off > PAGE_SIZE - len)
		return false;
	*h = p->host + off;
	return true;
}

/* The host bytes of a read of len at linear through a remembered page into *h, or false. (A
 * flag, not a pointer to test: the hit paths then test nothing more.) A page that can be
 * written can be read (replay.h). */
static inline __attribute__((always_inline)) bool replay_rptr(const struct replay_ctx *c, u64 linear, u32 len,
                                                              const u8 **h)
{
	return replay_in(&c->w, linear, len, (u8 **)h) || replay_in(&c->w2, linear, len, (u8 **)h) ||
	       replay_in(&c->r, linear, len, (u8 **)h);
}

/* The same for a store: the remembered write pages only. */
static inline __attribute__((always_inline)) bool replay_wptr(const struct replay_ctx *c, u64 linear, u32 len, u8 **h)
{
	return replay_in(&c->w, linear, len, h) || replay_in(&c->w2, linear, len, h);
}

/*
 * The out-of-line lookups: the cache, a fill (as mode allows); NULL
 * where the general path must run the access: #AC, no such translation yet, a store into the
 * block's code (c->pg). A page found is remembered where the invariant allows. For a store, *check
 * says whether the caller must call replay_stored after it (a page not known free of paging
 * structures). Each ends with replay_resync.
 */
const u8 *replay_rslow(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, enum replay_fill mode);
u8 *replay_wslow(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, bool *check);
/* After a store of len bytes through h that replay_wslow said needs a check: a paging-structure
 * frame of a cached walk drops the cache (gmem_tlb_stored). */
void replay_stored(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len);

/* A load or store of len (1, 2, 4, 8) bytes in x86's order, which is the host's (the core and
 * the host tests run on x86): one move each. */
static inline __attribute__((always_inline)) u64 replay_load_le(const u8 *h, u32 len)
{
	u64 x = 0;
	switch (len) {
	case 1: x = h[0]; break;
	case 2: { u16 t; __builtin_memcpy(&t, h, 2); x = t; break; }
	case 4: { u32 t; __builtin_memcpy(&t, h, 4); x = t; break; }
	default: __builtin_memcpy(&x, h, 8); break;
	}
	return x;
}

static inline __attribute__((always_inline)) void replay_store_le(u8 *h, u32 len, u64 val)
{
	switch (len) {
	case 1: h[0] = (u8)val; break;
	case 2: { u16 t = (u16)val; __builtin_memcpy(h, &t, 2); break; }
	case 4: { u32 t = (u32)val; __builtin_memcpy(h, &t, 4); break; }
	default: __builtin_memcpy(h, &val, 8); break;
	}
}

/* A branch target the processor takes without #GP (Vol. 3A 3.3.7.1). */
static inline bool replay_canonical(const struct replay_ctx *c, u64 a)
{
	return (u64)((i64)(a << c->canon_shift) >> c->canon_shift) == a;
}

#endif
