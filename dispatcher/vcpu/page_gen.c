/* Code-page generations; see page_gen.h for what keeps them exact. */
#include "page_gen.h"

#define PGEN_HASH_MUL 0x9e3779b97f4a7c15ULL /* Fibonacci hashing of the page number */
#define PGEN_HASH_SHIFT 55                  /* 64 - log2(PGEN_SLOTS) */

void pgen_init(struct page_gen *g, bool enabled)
{
	*g = (struct page_gen){.enabled = enabled};
}

static u32 home(u64 page) { return (u32)((page * PGEN_HASH_MUL) >> PGEN_HASH_SHIFT); }

/* The slot of page, or the empty slot where it would go (NULL: not there and no room). */
static struct pgen_slot *find(const struct page_gen *g, u64 page)
{
	u32 i = home(page);
	for (u32 n = 0; n < PGEN_SLOTS; n++, i = (i + 1) % PGEN_SLOTS) {
		const struct pgen_slot *s = &g->slot[i];
		if (s->state == PGEN_EMPTY || s->page == page)
			return (struct pgen_slot *)s;
	}
	return 0;
}

static struct pgen_slot *tracked(const struct page_gen *g, u64 gpa)
{
	struct pgen_slot *s = find(g, gpa >> PAGE_SHIFT);
	return s && s->state != PGEN_EMPTY ? s : 0;
}

u64 pgen_current(const struct page_gen *g, u64 gpa)
{
	if (!g->nprotected)
		return PGEN_NONE;
	const struct pgen_slot *s = tracked(g, gpa);
	return s && s->state == PGEN_PROTECTED ? s->gen : PGEN_NONE;
}

static bool platform_protect(struct vcpu *v, u64 page, bool on)
{
	const struct vcpu_platform *p = v->plat;
	return p->write_protect && p->write_protect(p->wp_ctx, page << PAGE_SHIFT, on);
}

u64 pgen_protect(struct page_gen *g, struct vcpu *v, u64 gpa)
{
	if (!g->enabled)
		return PGEN_NONE;
	u64 page = gpa >> PAGE_SHIFT;
	struct pgen_slot *s = find(g, page);
	if (s && s->state == PGEN_PROTECTED)
		return s->gen;
	if (s && s->state == PGEN_HOT)
		return PGEN_NONE;
	if (!s || (s->state == PGEN_EMPTY && g->used >= PGEN_MAX_FILL)) {
		g->st.full++;
		return PGEN_NONE;
	}
	if (!platform_protect(v, page, true)) {
		g->st.refused++;
		return PGEN_NONE;
	}
	if (s->state == PGEN_EMPTY) {
		*s = (struct pgen_slot){.page = page};
		g->used++;
	}
	s->state = PGEN_PROTECTED;
	s->gen = ++g->next;
	g->nprotected++;
	g->filter[page % PGEN_FILTER]++;
	g->st.protects++;
	return s->gen;
}

static void unprotected(struct page_gen *g, const struct pgen_slot *s)
{
	g->nprotected--;
	g->filter[s->page % PGEN_FILTER]--;
}

/* The page's bytes may have changed: a new generation; too many and it stays open. */
static void bump(struct page_gen *g, struct vcpu *v, struct pgen_slot *s)
{
	s->gen = ++g->next;
	if (++s->bumps < PGEN_HOT_BUMPS)
		return;
	if (s->state == PGEN_PROTECTED) {
		(void)platform_protect(v, s->page, false);
		unprotected(g, s);
	}
	s->state = PGEN_HOT;
	g->st.hot++;
}

bool pgen_guest_write(struct page_gen *g, struct vcpu *v, u64 gpa)
{
	struct pgen_slot *s = tracked(g, gpa);
	if (!s)
		return false;
	if (s->state != PGEN_PROTECTED) {
		/* Write access was given back, but the processor still used a translation it had
		 * cached from before: relaxing rights needs no INVEPT, the violation itself drops
		 * that translation (SDM Vol. 3C 29.4.3.3). Nothing moved; run the write again. */
		g->st.spurious++;
		return true;
	}
	g->st.faults++;
	unprotected(g, s);
	s->state = PGEN_OPEN;
	(void)platform_protect(v, s->page, false);
	bump(g, v, s);
	return true;
}

void pgen_root_store_slow(struct page_gen *g, struct vcpu *v, u64 gpa, u32 len)
{
	if (!len)
		return;
	u64 first = gpa >> PAGE_SHIFT, last = (gpa + len - 1) >> PAGE_SHIFT;
	for (u64 page = first; page <= last; page++) {
		struct pgen_slot *s = find(g, page);
		if (s && s->state == PGEN_PROTECTED) {
			g->st.root_bumps++;
			bump(g, v, s);
		}
	}
}
