/*
 * Guest linear-address access with the guest's own paging (Intel SDM Vol. 3A chapter 5
 * "Paging"; chapter 4 in older editions): the four paging modes of table 5-1 "Paging
 * modes" and paging off, the access rights of 5.6, the #PF error code of 5.7 and the
 * accessed/dirty flags of 5.8.
 *
 * Approximations, each on the side of "native execution decides":
 * - MAXPHYADDR is taken as 52. An entry with address bits at or above the real MAXPHYADDR
 *   is a reserved-bit fault on hardware; here it names an address beyond guest RAM, so
 *   the result is GMEM_NOT_RAM, never GMEM_OK.
 * - PAE paging takes the four PDPTEs from the vCPU's PDPTE registers (v->pdpte), as the
 *   processor does: a PDPT rewritten in memory without a CR3 load changes nothing.
 * - Protection keys (5.6.2) and linear-address masking need PKRU, IA32_PKRS and the LAM
 *   pointer rules, none of which struct vcpu carries: such accesses are GMEM_UNSUPPORTED.
 */
#include "gmem.h"
#include "gmem_tlb.h"
#include "page_gen.h"
#include "../../arch/string.h"
#include "../../arch/x86.h"

#define GMEM_MAXPHYADDR 52
#define PADDR_MASK (((1ULL << GMEM_MAXPHYADDR) - 1) & ~(PAGE_SIZE - 1)) /* bits M-1:12 */
#define LINEAR32_MASK 0xffffffffULL
#define PAGE_OFFSET_MASK (PAGE_SIZE - 1)

/* 32-bit paging (5.3): 1024 four-byte entries; a 4-MiB PDE holds address bits 39:32 in its
 * bits 20:13 (PSE-36, M = 40) and bit 21 is reserved. */
#define PT32_INDEX_MASK 0x3ffu
#define PT32_ADDR_MASK 0xfffff000ULL
#define PDE32_4M_ADDR_MASK 0xffc00000ULL
#define PDE32_4M_OFFSET_MASK 0x3fffffULL
#define PDE32_4M_HI_SHIFT 13
#define PDE32_4M_HI_MASK 0xffULL
#define PDE32_4M_RSVD (1ULL << 21)
#define PDE32_SHIFT 22
#define PT_SHIFT 12

/* PAE paging (5.4): CR3 bits 31:5 locate four PDPTEs; bits 2:1, 8:5 and 63:M of a PDPTE,
 * and bits 62:M of a PDE or PTE, are reserved. */
#define PAE_CR3_MASK 0xffffffe0ULL
#define PAE_PDPTE_SHIFT 30
#define PAE_PDPTE_INDEX_MASK 0x3u
#define PAE_PDPTE_RSVD_LOW (0x6ULL | 0x1e0ULL) /* bits 2:1 and 8:5 */
#define PAE_PDPTE_RSVD (PAE_PDPTE_RSVD_LOW | ~((1ULL << GMEM_MAXPHYADDR) - 1))
#define PAE_ENTRY_RSVD (~((1ULL << GMEM_MAXPHYADDR) - 1) & ~PTE_XD)

/* 4- and 5-level paging (5.5): 512 eight-byte entries per table, 9 index bits per level. */
#define PT64_INDEX_MASK 0x1ffu
#define PT64_LEVEL_BITS 9
#define CANONICAL_BITS_4LEVEL 48
#define CANONICAL_BITS_5LEVEL 57
/* Bit 12 is PAT in a large-page entry; bits page-shift-1:13 are reserved there. */
#define LARGE_RSVD_LOW_BIT 13

#define GMEM_MAX_PAGES 3 /* pages GMEM_MAX_LEN bytes can touch */

enum gmem_mode { MODE_OFF, MODE_32, MODE_PAE, MODE_4LEVEL, MODE_5LEVEL };

static enum gmem_mode paging_mode(const struct vcpu *v)
{
	if (!(v->cr0 & CR0_PG))
		return MODE_OFF;
	if (!(v->cr4 & CR4_PAE))
		return MODE_32;
	if (!(v->efer & EFER_LMA))
		return MODE_PAE;
	return (v->cr4 & CR4_LA57) ? MODE_5LEVEL : MODE_4LEVEL;
}

static bool ia32e(enum gmem_mode m) { return m == MODE_4LEVEL || m == MODE_5LEVEL; }

static bool canonical(enum gmem_mode m, u64 linear)
{
	unsigned bits = m == MODE_5LEVEL ? CANONICAL_BITS_5LEVEL : CANONICAL_BITS_4LEVEL;
	return (u64)((i64)(linear << (64 - bits)) >> (64 - bits)) == linear;
}

/* The bits of the #PF error code that describe the access itself (5.7). */
static u32 pf_access_bits(const struct vcpu *v, enum vcpu_access acc, bool user)
{
	u32 e = 0;
	if (acc == VCPU_WRITE)
		e |= GMEM_PF_W;
	if (user)
		e |= GMEM_PF_U;
	/* I/D is reported only where fetches can be refused: SMEP, or PAE-format entries with NXE. */
	if (acc == VCPU_EXEC && ((v->cr4 & CR4_SMEP) || ((v->cr4 & CR4_PAE) && (v->efer & EFER_NXE))))
		e |= GMEM_PF_I;
	return e;
}

static void *phys(const struct vcpu *v, u64 gpa, u32 len)
{
	return v->plat->gpa_ptr(v->plat->ctx, gpa, len);
}

static u64 load_entry(const void *p, u32 width)
{
	return width == 4 ? *(const u32 *)p : *(const u64 *)p;
}

/* Takes one present, reserved-bit-clean entry into the walk. */
static void use_entry(struct walk *w, void *p, u64 entry_gpa, u64 e)
{
	w->table[w->nent] = entry_gpa & ~(u64)PAGE_OFFSET_MASK;
	w->eoff[w->nent] = (u16)(entry_gpa & PAGE_OFFSET_MASK);
	w->ent[w->nent++] = p;
	w->writable = w->writable && (e & PTE_RW);
	w->user = w->user && (e & PTE_US);
	w->nx = w->nx || (e & PTE_XD);
}

/* 32-bit paging (5.3): a page directory, then a page table unless PSE maps a 4-MiB page. */
static int walk_32(const struct vcpu *v, u64 linear, struct walk *w, u32 *err)
{
	w->width = 4;
	u64 table = v->cr3 & PT32_ADDR_MASK;
	u32 idx = (u32)(linear >> PDE32_SHIFT) & PT32_INDEX_MASK;
	void *p = phys(v, table + idx * 4, 4);
	if (!p)
		return GMEM_NOT_RAM;
	u64 e = load_entry(p, 4);
	if (!(e & PTE_P))
		return GMEM_FAULT;
	if ((v->cr4 & CR4_PSE) && (e & PTE_PS)) {
		if (e & PDE32_4M_RSVD) {
			*err = GMEM_PF_P | GMEM_PF_RSVD;
			return GMEM_FAULT;
		}
		use_entry(w, p, table + idx * 4, e);
		u64 hi = ((e >> PDE32_4M_HI_SHIFT) & PDE32_4M_HI_MASK) << 32;
		w->gpa = hi | (e & PDE32_4M_ADDR_MASK) | (linear & PDE32_4M_OFFSET_MASK);
		return GMEM_OK;
	}
	use_entry(w, p, table + idx * 4, e);
	table = e & PT32_ADDR_MASK;
	idx = (u32)(linear >> PT_SHIFT) & PT32_INDEX_MASK;
	p = phys(v, table + idx * 4, 4);
	if (!p)
		return GMEM_NOT_RAM;
	e = load_entry(p, 4);
	if (!(e & PTE_P))
		return GMEM_FAULT;
	use_entry(w, p, table + idx * 4, e);
	w->gpa = (e & PT32_ADDR_MASK) | (linear & PAGE_OFFSET_MASK);
	return GMEM_OK;
}

/*
 * The 8-byte-entry levels from `top` down to the page (5.4, 5.5): level 1 is the page
 * table, level 2 may map 2 MiB, level 3 (4/5-level paging) 1 GiB; PS is reserved above.
 */
static int walk_64(const struct vcpu *v, u64 table, u64 linear, int top, int large_top,
                   u64 rsvd, struct walk *w, u32 *err)
{
	w->width = 8;
	if (!(v->efer & EFER_NXE))
		rsvd |= PTE_XD;
	for (int level = top; level >= 1; level--) {
		unsigned shift = PT_SHIFT + PT64_LEVEL_BITS * (unsigned)(level - 1);
		u64 idx = (linear >> shift) & PT64_INDEX_MASK;
		void *p = phys(v, table + idx * 8, 8);
		if (!p)
			return GMEM_NOT_RAM;
		u64 e = load_entry(p, 8);
		if (!(e & PTE_P))
			return GMEM_FAULT;
		bool large = level > 1 && (e & PTE_PS);
		u64 bad = rsvd;
		if (large && level > large_top)
			bad |= PTE_PS;
		else if (large)
			bad |= ((1ULL << shift) - 1) & ~((1ULL << LARGE_RSVD_LOW_BIT) - 1);
		if (e & bad) {
			*err = GMEM_PF_P | GMEM_PF_RSVD;
			return GMEM_FAULT;
		}
		bool leaf = level == 1 || large;
		use_entry(w, p, table + idx * 8, e);
		if (leaf) {
			u64 page_mask = (1ULL << shift) - 1;
			w->gpa = (e & PADDR_MASK & ~page_mask) | (linear & page_mask);
			return GMEM_OK;
		}
		table = e & PADDR_MASK;
	}
	return GMEM_FAULT; /* not reached: level 1 always maps the page */
}

/* PAE paging (5.4.1): the PDPTE register chosen by linear bits 31:30, then two 8-byte levels. */
static int walk_pae(const struct vcpu *v, u64 linear, struct walk *w, u32 *err)
{
	u64 e = v->pdpte[(linear >> PAE_PDPTE_SHIFT) & PAE_PDPTE_INDEX_MASK];
	if (!(e & PTE_P))
		return GMEM_FAULT;
	/* Loaded registers hold no reserved bit (gmem_load_pdptes); one saved by the processor
	 * could only be as clean: the check stays for the tests' hand-made vCPUs. */
	if (e & PAE_PDPTE_RSVD) {
		*err = GMEM_PF_P | GMEM_PF_RSVD;
		return GMEM_FAULT;
	}
	/* A PDPTE has no R/W, U/S, XD or accessed flag: it takes no part in the rights. */
	return walk_64(v, e & PADDR_MASK, linear, 2, 2, PAE_ENTRY_RSVD, w, err);
}

/* The host processor's MAXPHYADDR: CPUID 80000008H EAX[7:0], 36 without that leaf (SDM Vol. 3A
 * 5.1.4 "Enumeration of Paging Features by CPUID"). */
#define CPUID_EXT_MAX 0x80000000u
#define CPUID_ADDR_SIZES 0x80000008u
#define CPUID_PHYS_BITS_MASK 0xffu
#define MAXPHYADDR_DEFAULT 36

static u32 host_maxphyaddr(const struct vcpu *v)
{
	u32 r[4] = {0};
	if (!v->plat->host_cpuid)
		return MAXPHYADDR_DEFAULT;
	v->plat->host_cpuid(CPUID_EXT_MAX, 0, r);
	if (r[0] < CPUID_ADDR_SIZES)
		return MAXPHYADDR_DEFAULT;
	v->plat->host_cpuid(CPUID_ADDR_SIZES, 0, r);
	u32 bits = r[0] & CPUID_PHYS_BITS_MASK;
	return bits >= MAXPHYADDR_DEFAULT && bits <= GMEM_MAXPHYADDR ? bits : MAXPHYADDR_DEFAULT;
}

int gmem_load_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[VCPU_NPDPTE])
{
	u64 rsvd = PAE_PDPTE_RSVD_LOW | ~((1ULL << host_maxphyaddr(v)) - 1);
	u64 e[VCPU_NPDPTE];
	const u64 *p = phys(v, cr3 & PAE_CR3_MASK, sizeof e); /* 32-byte aligned: one page */
	for (u32 i = 0; i < VCPU_NPDPTE; i++) {
		e[i] = p ? p[i] : ~0ULL;
		if ((e[i] & PTE_P) && (e[i] & rsvd))
			return GMEM_FAULT;
	}
	memcpy(pdpte, e, sizeof e);
	return GMEM_OK;
}

/* Access rights once the translation exists (5.6): true when native execution refuses. */
static bool refused(const struct vcpu *v, const struct walk *w, enum vcpu_access acc, bool user)
{
	if (user && !w->user)
		return true;
	if (acc == VCPU_EXEC)
		return w->nx || (!user && w->user && (v->cr4 & CR4_SMEP));
	/* SMAP: explicit supervisor data accesses to user pages need RFLAGS.AC (5.6.1). */
	if (!user && w->user && (v->cr4 & CR4_SMAP) && !(v->rflags & RFLAGS_AC))
		return true;
	return acc == VCPU_WRITE && !w->writable && (user || (v->cr0 & CR0_WP));
}

/* Protection keys (5.6.2) govern data accesses in 4/5-level paging: PKRU for user-mode
 * addresses when CR4.PKE = 1, IA32_PKRS for supervisor-mode addresses when CR4.PKS = 1. */
static bool keyed(const struct vcpu *v, enum gmem_mode m, const struct walk *w, enum vcpu_access acc)
{
	if (!ia32e(m) || acc == VCPU_EXEC)
		return false;
	return (v->cr4 & (w->user ? CR4_PKE : CR4_PKS)) != 0;
}

/* Linear-address masking may turn a non-canonical data pointer into a canonical one. */
static bool lam_enabled(const struct vcpu *v, enum vcpu_access acc)
{
	return acc != VCPU_EXEC &&
	       ((v->cr3 & (CR3_LAM_U48 | CR3_LAM_U57)) || (v->cr4 & CR4_LAM_SUP));
}

static void set_fault(struct gmem_fault *f, u64 linear, u32 error, bool non_canonical)
{
	if (f)
		*f = (struct gmem_fault){.linear = linear, .pf_error = error, .non_canonical = non_canonical};
}

/* Canonicality only: #GP comes before any paging fault of the same access. */
static int check_canonical(const struct vcpu *v, u64 linear, enum vcpu_access acc,
                           struct gmem_fault *f)
{
	enum gmem_mode m = paging_mode(v);
	if (!ia32e(m) || canonical(m, linear))
		return GMEM_OK;
	if (lam_enabled(v, acc))
		return GMEM_UNSUPPORTED;
	set_fault(f, linear, 0, true);
	return GMEM_FAULT;
}

/* Walk and rights of one address already known to be canonical. */
static int translate(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user,
                     struct walk *w, struct gmem_fault *f)
{
	enum gmem_mode m = paging_mode(v);
	*w = (struct walk){.writable = true, .user = true};
	if (!ia32e(m))
		linear &= LINEAR32_MASK; /* outside IA-32e mode linear addresses are 32 bits */
	if (m == MODE_OFF) {
		w->gpa = linear;
		return GMEM_OK;
	}
	u32 err = 0;
	int r = GMEM_OK;
	if (gmem_tlb_get(v, linear, w))
		; /* this exit walked the page already (gmem_tlb.h) */
	else if (m == MODE_32)
		r = walk_32(v, linear, w, &err);
	else if (m == MODE_PAE)
		r = walk_pae(v, linear, w, &err);
	else
		r = walk_64(v, v->cr3 & PADDR_MASK, linear, m == MODE_5LEVEL ? 5 : 4, 3, 0, w, &err);
	if (r == GMEM_OK && !w->te)
		gmem_tlb_put(v, linear, w);
	if (r == GMEM_OK && keyed(v, m, w, acc))
		return GMEM_UNSUPPORTED;
	if (r == GMEM_OK && refused(v, w, acc, user)) {
		err = GMEM_PF_P;
		r = GMEM_FAULT;
	}
	if (r == GMEM_FAULT)
		set_fault(f, linear, err | pf_access_bits(v, acc, user), false);
	return r;
}

int gmem_translate(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user, u64 *gpa,
                   struct gmem_fault *f)
{
	struct walk w;
	int r = check_canonical(v, linear, acc, f);
	if (r == GMEM_OK)
		r = translate(v, linear, acc, user, &w, f);
	if (r == GMEM_OK)
		*gpa = w.gpa;
	return r;
}

int gmem_translate_tables(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user, u64 *gpa,
                          u64 tables[GMEM_MAX_LEVELS], u32 *ntables)
{
	struct walk w;
	int r = check_canonical(v, linear, acc, 0);
	if (r == GMEM_OK)
		r = translate(v, linear, acc, user, &w, 0);
	if (r != GMEM_OK)
		return r;
	*gpa = w.gpa;
	*ntables = w.nent;
	memcpy(tables, w.table, w.nent * sizeof(u64));
	return GMEM_OK;
}

/* An access split at page boundaries, every piece translated and its host memory found. */
struct plan {
	u32 n;
	struct {
		u64 linear;
		u32 len;
		u8 *host;
		struct walk w;
	} piece[GMEM_MAX_PAGES];
};

static int plan_translate(struct vcpu *v, u64 linear, u32 len, enum vcpu_access acc, bool user,
                          struct plan *p, struct gmem_fault *f)
{
	if (len > GMEM_MAX_LEN)
		return GMEM_UNSUPPORTED;
	p->n = 0;
	for (u32 off = 0; off < len;) {
		u64 lin = linear + off; /* translate() truncates it outside IA-32e mode */
		u32 n = (u32)(PAGE_SIZE - (lin & PAGE_OFFSET_MASK));
		if (n > len - off)
			n = len - off;
		p->piece[p->n].linear = lin;
		p->piece[p->n++].len = n;
		off += n;
	}
	/* Canonical boundaries are page-aligned: each piece is wholly canonical or not. */
	for (u32 i = 0; i < p->n; i++) {
		int r = check_canonical(v, p->piece[i].linear, acc, f);
		if (r != GMEM_OK)
			return r;
	}
	for (u32 i = 0; i < p->n; i++) {
		int r = translate(v, p->piece[i].linear, acc, user, &p->piece[i].w, f);
		if (r != GMEM_OK)
			return r;
	}
	return GMEM_OK;
}

static int plan_access(struct vcpu *v, u64 linear, u32 len, enum vcpu_access acc, bool user,
                       struct plan *p, struct gmem_fault *f)
{
	int r = plan_translate(v, linear, len, acc, user, p, f);
	if (r != GMEM_OK)
		return r;
	/* A piece never crosses a 4-KiB boundary, so its physical bytes lie in one page. */
	for (u32 i = 0; i < p->n; i++) {
		p->piece[i].host = gmem_tlb_host(v, &p->piece[i].w, p->piece[i].len);
		if (!p->piece[i].host)
			return GMEM_NOT_RAM;
	}
	return GMEM_OK;
}

/* Sets flag in the entry at ent (in guest-physical page table): a root-mode store, which moves
 * that page's generation (page_gen.h) when it changes a bit. */
static void set_flag(struct vcpu *v, void *ent, u64 table, u32 width, u64 flag)
{
	if (width == 4) {
		u32 *e = ent;
		if (*e & flag)
			return;
		*e |= (u32)flag;
	} else {
		u64 *e = ent;
		if (*e & flag)
			return;
		*e |= flag;
	}
	pgen_store(v, table, width);
}

/* Accessed on every entry used, dirty on the entry that maps the page for a write (5.8);
 * a cached walk whose flags an earlier access of this exit set needs nothing (gmem_tlb.h). */
static void mark_walk(struct vcpu *v, const struct walk *w, struct gmem_tlb_entry *te, enum vcpu_access acc)
{
	if (te && te->a_set && (acc != VCPU_WRITE || te->d_set))
		return;
	for (u32 k = 0; k < w->nent; k++)
		set_flag(v, w->ent[k], w->table[k], w->width, PTE_A);
	if (acc == VCPU_WRITE && w->nent)
		set_flag(v, w->ent[w->nent - 1], w->table[w->nent - 1], w->width, PTE_D);
	if (te) {
		te->a_set = true;
		te->d_set = te->d_set || acc == VCPU_WRITE;
		gmem_tlb_values(te); /* the entries as the flags left them, for the next exit's check */
	}
}

static void mark_used(struct vcpu *v, const struct plan *p, enum vcpu_access acc)
{
	for (u32 i = 0; i < p->n; i++)
		mark_walk(v, &p->piece[i].w, gmem_tlb_live(v, &p->piece[i].w), acc);
}

/* An access that goes ahead: its flags set, and a one-page walk kept for the translation
 * cache (gmem_tlb_fast may then skip the next access of this kind to that page). */
static void use_plan(struct vcpu *v, const struct plan *p, enum vcpu_access acc, bool user)
{
	mark_used(v, p, acc);
	if (p->n == 1)
		gmem_tlb_done(v, &p->piece[0].w, acc, user);
}

static int read_common(struct vcpu *v, u64 linear, void *buf, u32 len, enum vcpu_access acc,
                       bool user, bool flags, struct gmem_fault *f)
{
	struct plan p;
	int r = plan_access(v, linear, len, acc, user, &p, f);
	if (r != GMEM_OK)
		return r;
	if (flags) {
		use_plan(v, &p, acc, user);
	}
	u8 *out = buf;
	for (u32 i = 0; i < p.n; i++) {
		memcpy(out, p.piece[i].host, p.piece[i].len);
		out += p.piece[i].len;
	}
	return GMEM_OK;
}

int gmem_read(struct vcpu *v, u64 linear, void *buf, u32 len, enum vcpu_access acc, bool user,
              struct gmem_fault *f)
{
	return read_common(v, linear, buf, len, acc, user, true, f);
}

int gmem_peek(struct vcpu *v, u64 linear, void *buf, u32 len, enum vcpu_access acc, bool user,
              struct gmem_fault *f)
{
	return read_common(v, linear, buf, len, acc, user, false, f);
}

int gmem_write(struct vcpu *v, u64 linear, const void *buf, u32 len, bool user,
               struct gmem_fault *f)
{
	struct plan p;
	int r = plan_access(v, linear, len, VCPU_WRITE, user, &p, f);
	if (r != GMEM_OK)
		return r;
	use_plan(v, &p, VCPU_WRITE, user);
	const u8 *in = buf;
	for (u32 i = 0; i < p.n; i++) {
		memcpy(p.piece[i].host, in, p.piece[i].len);
		gmem_tlb_stored(v, p.piece[i].host, p.piece[i].len);
		pgen_store(v, p.piece[i].w.gpa, p.piece[i].len);
		in += p.piece[i].len;
	}
	return GMEM_OK;
}

int gmem_touch(struct vcpu *v, u64 linear, u32 len, enum vcpu_access acc, bool user, u64 *gpa,
               struct gmem_fault *f)
{
	struct plan p;
	int r = plan_translate(v, linear, len, acc, user, &p, f);
	if (r != GMEM_OK)
		return r;
	use_plan(v, &p, acc, user);
	*gpa = p.piece[0].w.gpa;
	return p.n == 1 ? GMEM_OK : GMEM_UNSUPPORTED;
}

struct gmem_tlb_entry *gmem_translate_entry(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user)
{
	struct walk w;
	if (!v->tlb || check_canonical(v, linear, acc, 0) != GMEM_OK || translate(v, linear, acc, user, &w, 0) != GMEM_OK)
		return 0;
	return gmem_tlb_live(v, &w);
}

void gmem_touch_entry(struct vcpu *v, struct gmem_tlb_entry *e, enum vcpu_access acc, bool user)
{
	mark_walk(v, &e->w, e, acc);
	gmem_tlb_done_entry(v, e, acc, user);
}
