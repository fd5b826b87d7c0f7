/*
 * The instruction fetches of a followed block's direct replay (replay.h replay_fetch): the
 * accessed flags of each code page's walk set once per exit, as the processor's fetch sets them
 * (SDM Vol. 3A 5.8), and a memo of the pages done. Pure C.
 */
#include "replay.h"
#include "block_run.h"
#include "../vcpu/gmem_tlb.h"

/* block_fetch's work already done in this exit: an instruction fetch went through the cached
 * walk of the page (its accessed flags set, execute rights held at this CPL). */
static bool fetched(struct vcpu *v, u64 lin, u32 len, u64 *fetch_page)
{
	u64 gpa;
	struct gmem_tlb_entry *e;
	if (!gmem_tlb_fast(v, lin, len, VCPU_EXEC, v->cpl == 3, &gpa, &e))
		return false;
	*fetch_page = lin & ~(u64)GMEM_TLB_PAGE_MASK;
	return true;
}

void replay_fetch_forget(struct replay_ctx *c, u32 gen)
{
	c->fgen = gen;
	for (u32 k = 0; k < REPLAY_FETCH_PAGES; k++)
		c->fetch[k] = REPLAY_FETCH_NONE;
}

/* Whether an instruction fetch from linear page `page` went through the cache in this exit
 * (fetched, or touched by replay_fetch below) in the generation the memo is of: then its walk's accessed
 * flags are set and the execute right held (CPL and the paging registers are fixed for the
 * run), and only a store into one of its paging structures could change that, which moves the
 * generation. Saves the cache lookup of every instruction that comes back to a code page. */
static bool fetch_memo(struct vcpu *v, struct replay_ctx *c, u64 page)
{
	if (c->fgen != v->tlb->gen) {
		replay_fetch_forget(c, v->tlb->gen);
		return false;
	}
	return c->fetch[REPLAY_FETCH_SLOT(page)] == page;
}

static void fetch_remember(struct vcpu *v, struct replay_ctx *c, u64 page)
{
	if (c->fgen != v->tlb->gen) /* a drop since the lookup: nothing remembered holds */
		replay_fetch_forget(c, v->tlb->gen);
	c->fetch[REPLAY_FETCH_SLOT(page)] = page;
}

/*
 * An instruction whose fetch may open another code page: block_fetch's work, unless done: the
 * accessed flags of the code page's walk (SDM Vol. 3A 5.8), one walk at most (gmem_touch_entry),
 * for an instruction inside one page; block_fetch itself for one that crosses a page, or where
 * the walk is not kept.
 */
void replay_fetch(struct vcpu *v, struct replay_ctx *c, u64 lin, u32 len, u64 *fetch_page)
{
	u64 page = lin & ~(u64)GMEM_TLB_PAGE_MASK;
	if ((lin & GMEM_TLB_PAGE_MASK) + len > PAGE_SIZE || page == *fetch_page) {
		block_fetch(v, lin, len, fetch_page); /* as the general path: nothing to do on the same page */
		return;
	}
	if (fetch_memo(v, c, page) || fetched(v, lin, len, fetch_page)) {
		*fetch_page = page;
		fetch_remember(v, c, page);
		return;
	}
	bool user = v->cpl == 3;
	struct gmem_tlb_entry *e = gmem_translate_entry(v, lin, VCPU_EXEC, user);
	if (!e) {
		block_fetch(v, lin, len, fetch_page);
		return;
	}
	gmem_touch_entry(v, e, VCPU_EXEC, user);
	*fetch_page = page;
	fetch_remember(v, c, page);
}
