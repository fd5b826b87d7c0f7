/* The translation cache (per exit, carried over checked); see gmem_tlb.h for the rules that keep it exact. */
#include "gmem_tlb.h"

#define PAGE_OFFSET_MASK (PAGE_SIZE - 1)

static void drop(struct gmem_tlb *t);

void gmem_tlb_begin(struct gmem_tlb *t, struct vcpu *v)
{
	t->exit++;
	if (t->exit == 0) { /* wrapped: an entry checked 2^32 exits ago could look checked */
		for (u32 i = 0; i < GMEM_TLB_ENTRIES; i++)
			t->e[i].exit = 0;
		t->exit = 1;
	}
	/* the entries carry over, each checked before its first use (gmem_tlb_verify, after the
	 * paging registers: same_regs in gmem_tlb_get and gmem_tlb_put, gmem_tlb_fast's test); the
	 * frames too, as a superset, until they fill half the list: then a fresh start */
	if (t->nframes > GMEM_TLB_FRAMES / 2 || !t->gen) /* !gen: a cache never used (zeroed) */
		drop(t);
	v->tlb = t;
}

void gmem_tlb_end(struct vcpu *v) { v->tlb = 0; }

static void drop(struct gmem_tlb *t)
{
	t->gen++;
	if (t->gen == 0) {
		for (u32 i = 0; i < GMEM_TLB_ENTRIES; i++)
			t->e[i].gen = 0;
		t->gen = 1;
	}
	t->nframes = 0;
}

/* The paging registers still those of the cached walks; if not, nothing cached is used. */
static bool same_regs(struct gmem_tlb *t, const struct vcpu *v)
{
	if (t->cr3 == v->cr3 && t->cr0 == v->cr0 && t->cr4 == v->cr4 && t->efer == v->efer)
		return true;
	drop(t);
	t->cr0 = v->cr0;
	t->cr3 = v->cr3;
	t->cr4 = v->cr4;
	t->efer = v->efer;
	return false;
}

static struct gmem_tlb_entry *slot(struct gmem_tlb *t, u64 page)
{
	return &t->e[page % GMEM_TLB_ENTRIES];
}

bool gmem_tlb_get(struct vcpu *v, u64 linear, struct walk *w)
{
	struct gmem_tlb *t = v->tlb;
	if (!t || !same_regs(t, v))
		return false;
	u64 page = linear >> PAGE_SHIFT;
	struct gmem_tlb_entry *e = slot(t, page);
	if (e->gen != t->gen || e->page != page || (e->exit != t->exit && !gmem_tlb_verify(v, e)))
		return false;
	*w = e->w;
	w->gpa = (e->w.gpa & ~PAGE_OFFSET_MASK) | (linear & PAGE_OFFSET_MASK);
	w->te = e;
	w->te_page = page;
	t->hits++;
	return true;
}

static uintptr_t frame_of(const void *p) { return (uintptr_t)p >> PAGE_SHIFT; }

static bool add_frame(struct gmem_tlb *t, uintptr_t f)
{
	for (u32 i = 0; i < t->nframes; i++)
		if (t->frame[i] == f)
			return true;
	if (t->nframes == GMEM_TLB_FRAMES)
		return false;
	t->frame[t->nframes++] = f;
	return true;
}

void gmem_tlb_put(struct vcpu *v, u64 linear, struct walk *w)
{
	struct gmem_tlb *t = v->tlb;
	w->te = 0;
	if (!t || !same_regs(t, v))
		return;
	if ((v->cr4 & CR4_PAE) && !(v->efer & EFER_LMA))
		return; /* PAE: the PDPTEs are outside the walk's entries */
	/* Both ends of every entry: an entry never crosses a guest page, but the host frames
	 * need not line up with guest pages. A frame added for a walk not kept stays: harmless. */
	for (u32 k = 0; k < w->nent; k++) {
		uintptr_t f0 = frame_of(w->ent[k]), f1 = frame_of((const u8 *)w->ent[k] + w->width - 1);
		if (!add_frame(t, f0) || (f1 != f0 && !add_frame(t, f1)))
			return;
	}
	u64 page = linear >> PAGE_SHIFT;
	struct gmem_tlb_entry *e = slot(t, page);
	e->page = page;
	e->gen = t->gen;
	e->exit = t->exit;
	e->a_set = e->d_set = false;
	e->ok = 0;
	e->frames_seen = ~0u;
	e->w = *w;
	e->w.te = 0;
	u64 gpa_page = w->gpa & ~PAGE_OFFSET_MASK;
	e->host = v->plat->gpa_ptr(v->plat->ctx, gpa_page, (u32)PAGE_SIZE);
	gmem_tlb_values(e);
	w->te = e;
	w->te_page = page;
	t->fills++;
}

struct gmem_tlb_entry *gmem_tlb_live(const struct vcpu *v, const struct walk *w)
{
	struct gmem_tlb_entry *e = w->te;
	return e && v->tlb && e->gen == v->tlb->gen && e->exit == v->tlb->exit && e->page == w->te_page ? e : 0;
}

static u64 entry_value(const void *p, u32 width)
{
	return width == 4 ? *(const u32 *)p : *(const u64 *)p;
}

void gmem_tlb_values(struct gmem_tlb_entry *e)
{
	for (u32 k = 0; k < e->w.nent; k++)
		e->val[k] = entry_value(e->w.ent[k], e->w.width);
}

/*
 * A walk is a function of the paging registers (the same: same_regs drops the cache when they
 * change) and of the values of the entries it reads (SDM Vol. 3A 5.5: each entry read locates
 * the next): the same values, read again now, give the same translation, rights and
 * accessed/dirty state, so what the entry knows (a_set, d_set, ok) holds in this exit too,
 * whatever the guest ran since. Host addresses are asked again, and their frames added; on a
 * platform whose guest RAM is mapped once (gpa_fixed) the ones the walk found are the answers.
 */
bool gmem_tlb_verify(struct vcpu *v, struct gmem_tlb_entry *e)
{
	struct gmem_tlb *t = v->tlb;
	struct walk *w = &e->w;
	bool fixed = v->plat->gpa_fixed;
	for (u32 k = 0; k < w->nent; k++) {
		const u8 *p = fixed ? w->ent[k] : v->plat->gpa_ptr(v->plat->ctx, w->table[k] + w->eoff[k], w->width);
		/* an entry at the same host address has its frames in the list already: they stay
		 * there until a drop, which would have emptied this entry too */
		bool moved = p != w->ent[k];
		if (!p || entry_value(p, w->width) != e->val[k] ||
		    (moved && (!add_frame(t, frame_of(p)) ||
		               (frame_of(p + w->width - 1) != frame_of(p) && !add_frame(t, frame_of(p + w->width - 1)))))) {
			e->gen = 0; /* a generation the cache never has: empty */
			return false;
		}
		w->ent[k] = (void *)p;
	}
	if (!fixed)
		e->host = v->plat->gpa_ptr(v->plat->ctx, w->gpa & ~PAGE_OFFSET_MASK, (u32)PAGE_SIZE);
	e->frames_seen = ~0u;
	e->exit = t->exit;
	t->verified++;
	return true;
}

void *gmem_tlb_host(struct vcpu *v, const struct walk *w, u32 len)
{
	const struct gmem_tlb_entry *e = gmem_tlb_live(v, w);
	if (e && e->host)
		return e->host + (w->gpa & PAGE_OFFSET_MASK);
	return v->plat->gpa_ptr(v->plat->ctx, w->gpa, len);
}

void gmem_tlb_stored(struct vcpu *v, const void *h, u32 len)
{
	struct gmem_tlb *t = v->tlb;
	if (!t || !len)
		return;
	uintptr_t f0 = frame_of(h), f1 = frame_of((const u8 *)h + len - 1);
	for (u32 i = 0; i < t->nframes; i++)
		if (t->frame[i] == f0 || t->frame[i] == f1) {
			drop(t);
			t->drops++;
			return;
		}
}

void gmem_tlb_done(struct vcpu *v, const struct walk *w, enum vcpu_access acc, bool user)
{
	struct gmem_tlb_entry *e = gmem_tlb_live(v, w);
	if (e)
		gmem_tlb_done_entry(v, e, acc, user);
}

void gmem_tlb_done_entry(const struct vcpu *v, struct gmem_tlb_entry *e, enum vcpu_access acc, bool user)
{
	u64 ac = v->rflags & GMEM_TLB_RFLAGS_AC;
	if (e->ac != ac)
		e->ok = 0;
	e->ac = ac;
	e->ok |= (u8)GMEM_TLB_OK(acc, user);
}

void gmem_tlb_check_store(struct gmem_tlb *t, struct gmem_tlb_entry *e)
{
	uintptr_t f0 = frame_of(e->host), f1 = frame_of(e->host + PAGE_SIZE - 1);
	for (u32 i = 0; i < t->nframes; i++)
		if (t->frame[i] == f0 || t->frame[i] == f1) {
			drop(t);
			t->drops++;
			return;
		}
	e->frames_seen = t->nframes;
}
