/*
 * The out-of-line guest-memory paths of the direct replay forms (replay_mem.h): what an access
 * does when the run has not remembered its page. Pure C.
 */
#include "replay_mem.h"
#include "block_run.h"

static bool code_page(const struct block_pages *pg, u64 gpa_page)
{
	if (pg->unknown)
		return true;
	for (u32 i = 0; i < pg->n; i++)
		if (pg->gpa[i] == gpa_page)
			return true;
	return false;
}

/*
 * The first access of its kind to a page in this exit: what the general path's access would do
 * to the translation (rights checked, accessed and dirty flags set: gmem_touch_entry, which also
 * marks the cache), made here, so that the direct form can run on the host bytes. Only where
 * that access is certain to follow (the caller's checks before it are done; no store into the
 * block's code, which the general path ends the block before; RAM behind it, not a page that
 * would read all ones; for RET, a canonical target: the general path checks it before the load
 * sets flags, interp_stack.c) and nothing is changed when the access would fault. One walk: the
 * translation found is the cache entry the touch then marks (gmem.h).
 */
static u8 *fill(struct vcpu *v, const struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                enum vcpu_access acc, enum replay_fill mode, u64 *gpa, struct gmem_tlb_entry **e)
{
	bool user = v->cpl == 3;
	u64 off = linear & GMEM_TLB_PAGE_MASK;
	if (off + len > PAGE_SIZE)
		return 0;
	struct gmem_tlb_entry *t = gmem_translate_entry(v, linear, acc, user);
	if (!t || !t->host)
		return 0;
	if (acc == VCPU_WRITE && code_page(pg, t->w.gpa & ~(u64)GMEM_TLB_PAGE_MASK))
		return 0;
	if (mode == REPLAY_FILL_RET && !replay_canonical(c, replay_load_le(t->host + off, 8)))
		return 0;
	gmem_touch_entry(v, t, acc, user);
	return gmem_tlb_fast(v, linear, len, acc, user, gpa, e);
}

/* The cache's translation for an access of its kind (or a fill); NULL for the general path. */
static u8 *lookup(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                  enum vcpu_access acc, enum replay_fill mode)
{
	if (c->ac_check && (linear & (len - 1)))
		return 0;
	u64 gpa;
	struct gmem_tlb_entry *e;
	u8 *h = gmem_tlb_fast(v, linear, len, acc, v->cpl == 3, &gpa, &e);
	if (!h && mode != REPLAY_FILL_NO)
		h = fill(v, c, pg, linear, len, acc, mode, &gpa, &e);
	replay_resync(v, c); /* a walk may have refilled a slot, added frames or dropped */
	if (!h || (acc == VCPU_WRITE && code_page(pg, gpa)))
		return 0;
	return h;
}

const u8 *replay_rslow(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, enum replay_fill mode)
{
	u64 off = linear & GMEM_TLB_PAGE_MASK;
	u8 *h = lookup(v, c, 0, linear, len, VCPU_READ, mode);
	if (h && !c->ac_check) { /* with #AC checks on, each access's alignment is checked here */
		replay_page_set(&c->r, linear - off, h - off);
	}
	return h;
}

/* Whether no paging-structure frame of the cache lies in the host page at h (gmem_tlb_stored's
 * test for every store into it). */
static bool frame_free(const struct gmem_tlb *t, const u8 *h)
{
	uintptr_t f0 = (uintptr_t)h >> PAGE_SHIFT, f1 = (uintptr_t)(h + PAGE_SIZE - 1) >> PAGE_SHIFT;
	for (u32 i = 0; i < t->nframes; i++)
		if (t->frame[i] == f0 || t->frame[i] == f1)
			return false;
	return true;
}

u8 *replay_wslow(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, bool *check)
{
	u64 off = linear & GMEM_TLB_PAGE_MASK;
	*check = false;
	u8 *h = lookup(v, c, c->pg, linear, len, VCPU_WRITE, REPLAY_FILL_YES);
	if (!h)
		return 0;
	if (c->ac_check || !frame_free(v->tlb, h - off)) {
		*check = true; /* not remembered: each store into it is checked */
		return h;
	}
	c->w2 = c->w;
	replay_page_set(&c->w, linear - off, h - off);
	return h;
}

void replay_stored(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len)
{
	gmem_tlb_stored(v, h, len);
	replay_resync(v, c);
}
