/*
 * A block's code in guest memory (DESIGN.md section 3, claim 10): the guest-physical pages it
 * lies on, whether its bytes are still the ones it was designated from (the hash, or the code
 * pages' generations where they are write-protected: page_gen.h), and whether a write goes into
 * them. See block_run.h. Pure C.
 */
#include "block_dispatch.h"
#include "block_run.h"
#include "../vcpu/gmem.h"
#include "hash.h"
#include "../../arch/string.h"

void block_pages_reset(struct block_pages *p)
{
	p->n = 0;
	p->unknown = false;
	p->wlin = 1;
}

void block_pages_add(struct block_pages *p, u64 gpa)
{
	for (u32 i = 0; i < p->n; i++)
		if (p->gpa[i] == gpa)
			return;
	if (p->n < BLOCK_MAX_PAGES)
		p->gpa[p->n++] = gpa;
	else
		p->unknown = true;
}

/* The code pages one check has translated: linear page -> guest-physical page. A followed
 * block's ranges alternate between a few pages; each is walked once per check. */
struct code_map {
	u32 n, last; /* last: the entry found or added last (valid when n > 0) */
	u64 lin[BLOCK_MAX_PAGES], gpa[BLOCK_MAX_PAGES];
};

/* The guest-physical page of the code page at linear pg, translated once per check (for an
 * instruction fetch at the guest's CPL) and added to p. */
static bool code_page_gpa(struct vcpu *v, struct code_map *m, u64 pg, struct block_pages *p, u64 *gpa)
{
	for (u32 i = 0; i < m->n; i++)
		if (m->lin[i] == pg) {
			*gpa = m->gpa[i];
			m->last = i;
			return true;
		}
	if (gmem_translate(v, pg, VCPU_EXEC, v->cpl == 3, gpa, 0) != GMEM_OK)
		return false;
	*gpa &= ~(PAGE_SIZE - 1);
	if (m->n < BLOCK_MAX_PAGES) {
		m->lin[m->n] = pg;
		m->gpa[m->n] = *gpa;
		m->last = m->n++;
	}
	block_pages_add(p, *gpa);
	return true;
}

/* Copies len bytes of code at lin into buf (when buf is not NULL), page by page, adding each
 * page to p. No accessed flag is set, as for gmem_peek. */
static bool read_code_pages(struct vcpu *v, u64 lin, u8 *buf, u32 len, struct block_pages *p, struct code_map *m)
{
	while (len) {
		u64 pg = lin & ~(PAGE_SIZE - 1), gpa;
		u32 chunk = (u32)(PAGE_SIZE - (lin - pg));
		if (chunk > len)
			chunk = len;
		if (m->n && m->lin[m->last] == pg) /* the page of the range before, most often */
			gpa = m->gpa[m->last];
		else if (!code_page_gpa(v, m, pg, p, &gpa))
			return false;
		if (buf) {
			const u8 *src = v->plat->gpa_ptr(v->plat->ctx, gpa + (lin - pg), chunk);
			if (!src)
				return false;
			memcpy(buf, src, chunk);
			buf += chunk;
		}
		lin += chunk;
		len -= chunk;
	}
	return true;
}

void block_pages_collect(struct vcpu *v, const struct block *b, struct block_pages *p)
{
	struct code_map m;
	m.n = 0; /* the arrays are filled as used: no 1-KiB clear per check */
	block_pages_reset(p);
	for (u32 i = 0; i < b->nseg; i++)
		if (!read_code_pages(v, b->seg[i].linear, 0, b->seg[i].len, p, &m))
			p->unknown = true;
}

/* The hash check of claim 10: the bytes in guest memory now, range by range, against the
 * cached block; the code's pages go into p for the run's write checks. */
static bool bytes_match(struct vcpu *v, const struct block *b, struct block_pages *p)
{
	u8 now[BLOCK_MAX_BYTES];
	struct code_map m;
	m.n = 0; /* the arrays are filled as used: no 1-KiB clear per check */
	block_pages_reset(p);
	for (u32 i = 0; i < b->nseg; i++) {
		const struct block_seg *sg = &b->seg[i];
		if (!read_code_pages(v, sg->linear, now + sg->off, sg->len, p, &m))
			return false;
	}
	return block_hash(now, b->len) == b->hash && !memcmp(now, b->bytes, b->len);
}

/* The code's pages translated as bytes_match does (its linear pages in the order its ranges
 * meet them, kept in b), not a byte read: true when each still has the generation b kept when
 * its bytes last hashed the same (page_gen.h), so they are the same bytes on the same pages.
 * Only with b's table's generations attached to v. */
static bool gens_unchanged(struct blockio *bio, struct vcpu *v, const struct block *b, struct block_pages *p)
{
	if (!b->ngen || v->pgen != &bio->pgen)
		return false;
	struct code_map m;
	m.n = 0; /* the arrays are filled as used: no 1-KiB clear per check */
	block_pages_reset(p);
	for (u32 i = 0; i < b->ngen_lin; i++) {
		u64 gpa;
		if (!code_page_gpa(v, &m, b->gen_lin[i], p, &gpa))
			return false;
	}
	if (p->unknown || p->n != b->ngen)
		return false;
	for (u32 i = 0; i < p->n; i++)
		if (pgen_current(&bio->pgen, p->gpa[i]) != b->gen[i])
			return false;
	return true;
}

/* The linear pages of b's code ranges, each once, in the order the ranges meet them. */
static bool lin_pages(struct block *b)
{
	b->ngen_lin = 0;
	for (u32 i = 0; i < b->nseg; i++) {
		if (!b->seg[i].len)
			continue; /* no page: and last below would come before first */
		u64 first = b->seg[i].linear & ~(PAGE_SIZE - 1);
		u64 last = (b->seg[i].linear + b->seg[i].len - 1) & ~(PAGE_SIZE - 1);
		for (u64 pg = first;; pg += PAGE_SIZE) {
			u32 k = 0;
			while (k < b->ngen_lin && b->gen_lin[k] != pg)
				k++;
			if (k == b->ngen_lin) {
				if (k == BLOCK_GEN_PAGES)
					return false;
				b->gen_lin[b->ngen_lin++] = pg;
			}
			if (pg == last)
				break;
		}
	}
	return true;
}

/* After the bytes hashed the same: protect their pages and keep the pages' generations. Root
 * mode runs nothing of the guest between the hash and this, so nothing can slip between. */
static void keep_gens(struct blockio *bio, struct vcpu *v, struct block *b, const struct block_pages *p)
{
	b->ngen = 0;
	if (!bio->pgen.enabled || v->pgen != &bio->pgen || p->unknown || p->n > BLOCK_GEN_PAGES || !lin_pages(b))
		return;
	for (u32 i = 0; i < p->n; i++)
		if ((b->gen[i] = pgen_protect(&bio->pgen, v, p->gpa[i])) == PGEN_NONE)
			return;
	b->ngen = (u8)p->n;
}

/* Claim 10's check on a hit, paid for only when a code page may have been written. */
bool block_code_same(struct blockio *bio, struct vcpu *v, struct block *b, struct block_pages *p)
{
	if (gens_unchanged(bio, v, b, p)) {
		bio->stats.checks_skipped++;
		return true;
	}
	bio->stats.checks_hashed++;
	if (!bytes_match(v, b, p))
		return false;
	keep_gens(bio, v, b, p);
	return true;
}

static u64 page_of(u64 gpa) { return gpa & ~(PAGE_SIZE - 1); }

/* The guest-physical page a write to lin goes to, translated once per page per run. */
static bool write_page(struct vcpu *v, struct block_pages *p, u64 lin, u64 *gpa_page)
{
	u64 pg = lin & ~(PAGE_SIZE - 1);
	if (pg != p->wlin) {
		u64 gpa;
		if (gmem_translate_tables(v, pg, VCPU_WRITE, v->cpl == 3, &gpa, p->wtables, &p->nwtables) != GMEM_OK) {
			p->wlin = 1;
			return false;
		}
		p->wlin = pg;
		p->wgpa = page_of(gpa);
	}
	*gpa_page = p->wgpa;
	return true;
}

static bool is_code_page(const struct block_pages *p, u64 gpa_page)
{
	for (u32 i = 0; i < p->n; i++)
		if (p->gpa[i] == gpa_page)
			return true;
	return false;
}

bool block_writes_into(struct vcpu *v, const struct block *b, struct block_pages *p, u64 lin, u64 len)
{
	for (u32 i = 0; i < b->nseg; i++)
		if (lin < b->seg[i].linear + b->seg[i].len && b->seg[i].linear < lin + len)
			return true;
	if (p->unknown)
		return true;
	/* each end: a write that crosses a page goes on in whatever page maps next */
	u64 w0, w1;
	if (!write_page(v, p, lin, &w0) || !write_page(v, p, lin + len - 1, &w1))
		return true; /* cannot tell: assume it does */
	if (is_code_page(p, w0) || is_code_page(p, w1))
		return true;
	/* The write goes ahead. Into a page of the cached translation's own paging structures, it
	 * may remap that translation: the next write walks afresh, as gmem_write does, so every
	 * store is checked with the translation it is made with. */
	for (u32 i = 0; i < p->nwtables; i++)
		if (p->wtables[i] == w0 || p->wtables[i] == w1)
			p->wlin = 1;
	return false;
}
