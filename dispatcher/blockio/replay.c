/*
 * The direct replay forms; see replay.h. Semantics as interp_stack.c and interp.c give them:
 * PUSH/CALL store [RSP-8, RSP) first and move RSP only once the store is done; POP and RET
 * load [RSP, RSP+8) (RET: a canonical target, else #GP on the branch: the general path
 * decides); MOV stores or loads `size` bytes little-endian, registers written per SDM Vol. 1
 * 3.4.1.1. In 64-bit mode the stack and data segments have base 0 and no limit, FS and GS
 * their bases (Vol. 3A 3.4.4). The data instructions as interp.c's exec_data runs them, results
 * and flags from interp_alu.h (Vol. 2, one page per instruction; Vol. 1 appendix A); JMP/Jcc
 * rel and CALL/JMP r64: a non-canonical target faults on the branch (Vol. 2A "JMP", "CALL"),
 * so the general path decides; LEA: no segment, no memory access (Vol. 2A "LEA").
 */
#include "replay.h"
#include "block_run.h"
#include "../vcpu/gmem_tlb.h"
#include "../emul/interp_alu.h"
#include "block.h"

#define STACK_BYTES 8u
#define CANONICAL_BITS_4LEVEL 48
#define CANONICAL_BITS_5LEVEL 57

/* A branch target the processor takes without #GP (Vol. 3A 3.3.7.1). */
static inline bool canonical(const struct replay_ctx *c, u64 a)
{
	return (u64)((i64)(a << c->canon_shift) >> c->canon_shift) == a;
}

#define NO_PAGE (~0ULL)
#define HOT static inline __attribute__((always_inline)) /* the per-instruction path of replay_run */

void replay_begin(struct replay_ctx *c, const struct vcpu *v)
{
	c->gen = v->tlb ? v->tlb->gen : 0;
	c->ac_check = v->cpl == 3 && (v->cr0 & CR0_AM) && (v->rflags & GMEM_TLB_RFLAGS_AC);
	c->rpage = c->wpage = c->w2page = NO_PAGE;
	c->canon_shift = (u8)(64 - ((v->cr4 & CR4_LA57) ? CANONICAL_BITS_5LEVEL : CANONICAL_BITS_4LEVEL));
	c->lz_kind = INSN_NONE;
	c->nfetch = c->fetch_next = 0;
	c->fgen = c->gen;
}

void replay_flush(struct vcpu *v, struct replay_ctx *c)
{
	if (c->lz_kind == INSN_NONE)
		return;
	struct alu_out o = interp_compute(v->rflags, (enum insn_kind)c->lz_kind, c->lz_bits, c->lz_bits, c->lz_a, c->lz_b);
	v->rflags = (v->rflags & ~o.mask) | (o.flags & o.mask);
	c->lz_kind = INSN_NONE;
}

/* Their results, as interp_alu computes them (masked by the caller). */
static inline u64 lazy_result(enum insn_kind k, u64 a, u64 b)
{
	switch (k) {
	case INSN_ADD: return a + b;
	case INSN_OR: return a | b;
	case INSN_AND:
	case INSN_TEST: return a & b;
	case INSN_XOR: return a ^ b;
	default: return a - b; /* SUB, CMP */
	}
}


/* A drop since the pages were remembered: forget them, and go on from the new generation. */
static void follow_drops(const struct vcpu *v, struct replay_ctx *c)
{
	if (v->tlb->gen != c->gen) {
		c->gen = v->tlb->gen;
		c->rpage = c->wpage = c->w2page = NO_PAGE;
	}
}

static bool code_page(const struct block_pages *pg, u64 gpa_page)
{
	if (pg->unknown)
		return true;
	for (u32 i = 0; i < pg->n; i++)
		if (pg->gpa[i] == gpa_page)
			return true;
	return false;
}

HOT u64 load_le(const u8 *h, u32 len);

/* What a first access of its kind to a page may do (fill): nothing, fill the cache, or (RET)
 * fill it only when the eight bytes read are a canonical return address. */
enum fill_mode { FILL_NO, FILL_YES, FILL_RET };

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
                enum vcpu_access acc, enum fill_mode mode, u64 *gpa, struct gmem_tlb_entry **e)
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
	if (mode == FILL_RET && !canonical(c, load_le(t->host + off, STACK_BYTES)))
		return 0;
	gmem_touch_entry(v, t, acc, user);
	return gmem_tlb_fast(v, linear, len, acc, user, gpa, e);
}

/*
 * The host bytes of an access of len at linear (VCPU_READ or VCPU_WRITE), through the page the
 * run remembers for that kind or else the translation cache (or a fill, as mode allows); NULL
 * where the general path must run it: #AC, no such translation yet, or a store into the
 * block's code (that path ends the block there). A read may go through the page remembered for
 * writes (replay.h).
 */
static u8 *direct_slow(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                       enum vcpu_access acc, enum fill_mode mode)
{
	if (c->ac_check && (linear & (len - 1)))
		return 0;
	follow_drops(v, c);
	bool w = acc == VCPU_WRITE;
	u64 page = linear >> PAGE_SHIFT, off = linear & GMEM_TLB_PAGE_MASK;
	u64 gpa;
	struct gmem_tlb_entry *e;
	u8 *h = gmem_tlb_fast(v, linear, len, acc, v->cpl == 3, &gpa, &e);
	if (!h && mode != FILL_NO) {
		h = fill(v, c, pg, linear, len, acc, mode, &gpa, &e);
		follow_drops(v, c); /* the walk may have refilled a slot */
	}
	if (!h || (w && code_page(pg, gpa)))
		return 0;
	if (w) { /* the write page before becomes the second one */
		c->w2page = c->wpage;
		c->w2host = c->whost;
		c->w2frames = c->wframes;
		c->wframes = ~0u; /* a page not checked for paging structures yet: stored() checks it */
	}
	if (c->ac_check)
		return h; /* each access's alignment checked here: nothing remembered for the inline path */
	if (w) {
		c->wpage = page;
		c->whost = h - off;
	} else {
		c->rpage = page;
		c->rhost = h - off;
	}
	return h;
}

/* The remembered pages inline, the rest out of line; may_fill: see fill. */
/* The result of a lazy-flag ALU operation of op's width (masked by m); its operands are kept
 * for the flags, which RFLAGS gets only when read (replay_flush). */
HOT u64 lazy_op(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, u64 a, u64 b, u64 m)
{
	u64 r = lazy_result((enum insn_kind)op->alu, a, b) & m;
	c->lz_kind = op->alu;
	c->lz_bits = (u8)(8 * op->size);
	c->lz_a = a;
	c->lz_b = b;
	c->lz_r = r;
	v->dirty |= VCPU_DIRTY_RFLAGS;
	return r;
}

/* The two write pages trade places, each with its own paging-structure check state. */
HOT void swap_wpages(struct replay_ctx *c)
{
	u64 p = c->wpage;
	u8 *h = c->whost;
	u32 f = c->wframes;
	c->wpage = c->w2page;
	c->whost = c->w2host;
	c->wframes = c->w2frames;
	c->w2page = p;
	c->w2host = h;
	c->w2frames = f;
}

HOT u8 *direct_ptr_fill(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                        enum vcpu_access acc, enum fill_mode mode)
{
	u64 off = linear & GMEM_TLB_PAGE_MASK, page = linear >> PAGE_SHIFT;
	/* the remembered pages are those of the cache's generation (replay_ctx) and none with #AC
	 * checks on (direct_slow) */
	if (off + len <= PAGE_SIZE) {
		if (page == c->wpage)
			return c->whost + off;
		if (page == c->w2page) { /* a stack and a data page in turn: the one used moves first */
			swap_wpages(c);
			return c->whost + off;
		}
		if (acc == VCPU_READ && page == c->rpage)
			return c->rhost + off;
	}
	return direct_slow(v, c, pg, linear, len, acc, mode);
}

HOT u8 *direct_ptr(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                   enum vcpu_access acc)
{
	return direct_ptr_fill(v, c, pg, linear, len, acc, FILL_YES);
}

HOT const u8 *load_ptr(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len)
{
	return direct_ptr(v, c, 0, linear, len, VCPU_READ);
}

/* Stores len bytes of val at linear, or returns false having changed nothing. A store into a
 * page that holds a paging structure of a cached walk drops the cache (gmem_tlb.h); the page
 * is checked again only when such pages were added since. */
HOT void store_le(u8 *h, u32 len, u64 val);
HOT void stored(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len);
HOT bool store(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len, u64 val)
{
	u8 *h = direct_ptr(v, c, pg, linear, len, VCPU_WRITE);
	if (!h)
		return false;
	store_le(h, len, val);
	stored(v, c, h, len);
	return true;
}

/* The effective address in 64-bit addressing, as LEA gives it: no segment, no memory (Vol. 2A
 * "LEA"). */
HOT u64 lea_value(const struct vcpu *v, const struct insn *in, u64 next)
{
	const struct insn_mem *m = &in->mem;
	u64 ea = (u64)m->disp;
	if (m->base == INSN_REG_RIP)
		ea += next;
	else if (m->base != INSN_REG_NONE)
		ea += v->gpr[m->base];
	if (m->index != INSN_REG_NONE)
		ea += v->gpr[m->index] * m->scale;
	return ea;
}

/* A memory operand's linear address: FS and GS add their bases, the others none (Vol. 3A 3.4.4). */
HOT u64 data_linear(const struct vcpu *v, const struct insn *in, u64 next)
{
	const struct insn_mem *m = &in->mem;
	return lea_value(v, in, next) + (m->seg == VCPU_FS || m->seg == VCPU_GS ? v->seg[m->seg].base : 0);
}

static const u64 size_masks[] = {0, 0xff, 0xffff, 0, 0xffffffffULL, 0, 0, 0, ~0ULL};
static inline u64 size_mask(u32 bytes) { return size_masks[bytes]; }

/* A register write of `bytes` (SDM Vol. 1 3.4.1.1: 32 bits zero-extend in 64-bit mode). */
static void reg_write(struct vcpu *v, u8 reg, u32 bytes, u64 val)
{
	u64 m = size_mask(bytes);
	vcpu_set_reg(v, (enum vcpu_reg)reg, bytes >= 4 ? val & m : (v->gpr[reg] & ~m) | (val & m));
}


/* A load or store of len (1, 2, 4, 8) bytes in x86's order, which is the host's (the core and
 * the host tests run on x86): one move each. */
HOT u64 load_le(const u8 *h, u32 len)
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

HOT void store_le(u8 *h, u32 len, u64 val)
{
	switch (len) {
	case 1: h[0] = (u8)val; break;
	case 2: { u16 t = (u16)val; __builtin_memcpy(h, &t, 2); break; }
	case 4: { u32 t = (u32)val; __builtin_memcpy(h, &t, 4); break; }
	default: __builtin_memcpy(h, &val, 8); break;
	}
}

/* After a store through h: a page holding paging structures of a cached walk drops the cache. */
/*
 * After a store of len bytes through h: a store into a host page that holds a paging-structure
 * entry of a cached walk drops the cache (gmem_tlb.h). Checked only when such pages were added
 * since the last check. The written page itself is looked up, not the cache slot it was found
 * through: a walk of the general path between two direct stores may have refilled that slot
 * with another page.
 */
static void stored_check(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len);
HOT void stored(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len)
{
	if (c->wframes != v->tlb->nframes)
		stored_check(v, c, h, len);
}

static void stored_check(struct vcpu *v, struct replay_ctx *c, const u8 *h, u32 len)
{
	gmem_tlb_stored(v, h, len);
	c->wframes = v->tlb->nframes;
	follow_drops(v, c);
}

/*
 * The flags of a data instruction that writes them at once (not lazily), and its result. The
 * pending lazy flags go into RFLAGS first only where they can matter: before ADC/SBB (which read
 * CF) and before an instruction that writes some status flags but not all (INC/DEC keep CF). One
 * that writes all six (a shift by a count that is not 0, NEG) overwrites them: they are dropped
 * (RFLAGS as if written first, then overwritten); one that writes none (a shift by 0, NOT, the
 * moves) leaves them pending. interp_compute reads RFLAGS only for ADC/SBB's CF.
 */
HOT u64 exec_flags(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, u64 a, u64 b)
{
	if (op->alu == INSN_ADC || op->alu == INSN_SBB)
		replay_flush(v, c);
	struct alu_out o = interp_compute(v->rflags, (enum insn_kind)op->alu, 8u * op->size, 8u * op->ssize, a, b);
	if (!o.mask)
		return o.val;
	if (o.mask == RFLAGS_STATUS)
		c->lz_kind = INSN_NONE;
	else
		replay_flush(v, c);
	v->rflags = (v->rflags & ~o.mask) | (o.flags & o.mask);
	v->dirty |= VCPU_DIRTY_RFLAGS;
	return o.val;
}

/*
 * A data instruction as interp.c's exec_data runs it: the memory operand located first (a
 * destination through the write translation, which covers the read of a read-modify-write),
 * the operands read, the result written, then the flags: pending for the lazy kinds, else
 * through interp_compute after the pending ones (ADC/SBB read CF; INC/DEC keep it; a shift by
 * 0 keeps them all).
 */
static inline __attribute__((always_inline)) int exec_alu(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                           const struct block_pages *pg, u64 next)
{
	u8 f = op->flags;
	u8 *h = 0;
	if (f & (REPLAY_F_DST_MEM | REPLAY_F_SRC_MEM)) {
		u64 lin = data_linear(v, in, next);
		h = (f & REPLAY_F_DST_MEM) && (f & REPLAY_F_WRITES_DST)
		        ? direct_ptr(v, c, pg, lin, op->size, VCPU_WRITE)
		        : direct_ptr(v, c, pg, lin, (f & REPLAY_F_DST_MEM) ? op->size : op->ssize, VCPU_READ);
		if (!h)
			return REPLAY_SLOW;
	}
	u64 m = size_mask(op->size), a = 0, b = 0;
	if (f & REPLAY_F_READS_DST)
		a = (f & REPLAY_F_DST_MEM) ? load_le(h, op->size) : v->gpr[op->reg] & m;
	if (f & REPLAY_F_SRC_REG)
		b = v->gpr[op->src] & size_mask(op->ssize);
	else if (f & REPLAY_F_SRC_IMM)
		b = in->imm & size_mask(op->ssize);
	else if (f & REPLAY_F_SRC_MEM)
		b = load_le(h, op->ssize);
	u64 val;
	if (f & REPLAY_F_LAZY) {
		val = lazy_op(v, c, op, a, b, m);
	} else {
		val = exec_flags(v, c, op, a, b);
	}
	if (f & REPLAY_F_WRITES_DST) {
		if (f & REPLAY_F_DST_MEM) {
			store_le(h, op->size, val);
			stored(v, c, h, op->size);
		} else {
			reg_write(v, op->reg, op->size, val);
		}
	}
	return REPLAY_DONE;
}

/* A Jcc's condition: JE/JNE from a pending result, anything else from RFLAGS. */
#define JCC_COND_E 4
static inline bool jcc_taken(struct vcpu *v, struct replay_ctx *c, u8 cond)
{
	if (c->lz_kind != INSN_NONE) {
		if ((cond >> 1) == (JCC_COND_E >> 1))
			return (c->lz_r == 0) != (cond & 1);
		replay_flush(v, c);
	}
	return interp_condition(v->rflags, cond);
}

/* One direct form at rip; inline in replay_run's loop, which keeps RIP in a register: *out gets
 * the RIP after it (the caller stores it into v->rip). */
HOT int exec_one(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                 const struct block_pages *pg, u64 rip, u64 *out)
{
	u64 next = rip + op->len;
	u64 rsp = v->gpr[VCPU_RSP];
	const u8 *h;
	switch (op->kind) {
	case REPLAY_MOV_RR:
		reg_write(v, op->reg, op->size, v->gpr[op->src]);
		break;
	case REPLAY_MOV_RI:
		reg_write(v, op->reg, op->size, in->imm);
		break;
	case REPLAY_MOVX_RR: /* interp_compute extends the source, read at its width */
		reg_write(v, op->reg, op->size,
		          interp_compute(0, (enum insn_kind)op->alu, 8u * op->size, 8u * op->ssize, 0,
		                         v->gpr[op->src] & size_mask(op->ssize)).val);
		break;
	case REPLAY_ALU_R: {
		u64 m = size_mask(op->size), a = v->gpr[op->reg] & m;
		u64 b = ((op->flags & REPLAY_F_SRC_IMM) ? in->imm : v->gpr[op->src]) & m;
		u64 r = lazy_op(v, c, op, a, b, m);
		if (op->flags & REPLAY_F_WRITES_DST)
			reg_write(v, op->reg, op->size, r);
		break;
	}
	case REPLAY_ALU:
		if (exec_alu(v, c, op, in, pg, next) != REPLAY_DONE)
			return REPLAY_SLOW;
		break;
	case REPLAY_JCC:
	case REPLAY_JMP: /* a non-canonical target faults on the branch (Vol. 2A "JMP", "Jcc") */
		if (op->kind == REPLAY_JCC && !jcc_taken(v, c, op->alu))
			break;
		if (!canonical(c, next + in->imm))
			return REPLAY_SLOW;
		next += in->imm;
		break;
	case REPLAY_LEA:
		reg_write(v, op->reg, op->size, lea_value(v, in, next));
		break;
	case REPLAY_NOP:
		break;
	case REPLAY_PUSH: /* PUSH RSP pushes the value before the instruction */
		if (!store(v, c, pg, rsp - STACK_BYTES, STACK_BYTES, v->gpr[op->reg]))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp - STACK_BYTES);
		break;
	case REPLAY_CALL: /* the target checked before the push, as the general path does */
	case REPLAY_CALL_REG: {
		u64 target = op->kind == REPLAY_CALL ? next + in->imm : v->gpr[op->reg];
		if (!canonical(c, target) || !store(v, c, pg, rsp - STACK_BYTES, STACK_BYTES, next))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp - STACK_BYTES);
		next = target;
		break;
	}
	case REPLAY_JMP_REG:
		if (!canonical(c, v->gpr[op->reg]))
			return REPLAY_SLOW;
		next = v->gpr[op->reg];
		break;
	case REPLAY_POP: /* RSP first, then the register: POP RSP loads the value read */
		if (!(h = load_ptr(v, c, rsp, STACK_BYTES)))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp + STACK_BYTES);
		vcpu_set_reg(v, (enum vcpu_reg)op->reg, load_le(h, STACK_BYTES));
		break;
	case REPLAY_RET: /* the target is checked before the load sets flags (interp_stack.c) */
		if (!(h = direct_ptr_fill(v, c, 0, rsp, STACK_BYTES, VCPU_READ, FILL_RET)))
			return REPLAY_SLOW;
		if (!canonical(c, load_le(h, STACK_BYTES)))
			return REPLAY_SLOW;
		next = load_le(h, STACK_BYTES);
		vcpu_set_reg(v, VCPU_RSP, rsp + STACK_BYTES);
		break;
	case REPLAY_LOAD: { /* MOV, MOVZX, MOVSX, MOVSXD from memory: interp_compute extends */
		if (!(h = load_ptr(v, c, data_linear(v, in, next), op->size)))
			return REPLAY_SLOW;
		u64 val = load_le(h, op->size);
		if (op->alu != INSN_MOV)
			val = interp_compute(0, (enum insn_kind)op->alu, 8u * op->ssize, 8u * op->size, 0, val).val;
		reg_write(v, op->reg, op->ssize, val);
		break;
	}
	case REPLAY_STORE:
	case REPLAY_STORE_IMM: {
		u64 val = op->kind == REPLAY_STORE ? v->gpr[op->reg] : in->imm;
		if (!store(v, c, pg, data_linear(v, in, next), op->size, val & size_mask(op->size)))
			return REPLAY_SLOW;
		break;
	}
	default:
		return REPLAY_SLOW;
	}
	*out = next;
	return REPLAY_DONE;
}

#define RETIRED_DIRTY (VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED)

int replay_exec(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                const struct block_pages *pg)
{
	follow_drops(v, c);
	int r = exec_one(v, c, op, in, pg, v->rip, &v->rip);
	if (r == REPLAY_DONE)
		v->dirty |= RETIRED_DIRTY;
	return r;
}

/* replay_fetch (replay_fetch.c), with the memo's pages looked at inline (c->gen is the cache's: replay_run) */
HOT void fetch_at(struct vcpu *v, struct replay_ctx *c, u64 rip, u32 len, u64 *fetch_page)
{
	u64 page = rip & ~(u64)GMEM_TLB_PAGE_MASK;
	if (c->fgen == c->gen && rip + len <= page + PAGE_SIZE)
		for (u32 k = 0; k < c->nfetch; k++)
			if (c->fetch[k] == page) {
				*fetch_page = page;
				return;
			}
	replay_fetch(v, c, rip, len, fetch_page);
	follow_drops(v, c);
}

u32 replay_run(struct vcpu *v, struct replay_ctx *c, const struct block *b, u32 i, const struct block_pages *pg,
               u64 *fetch_page)
{
	const struct replay_op *rp = b->rp;
	const u64 *lin = b->lin;
	const struct insn *insns = b->insns;
	u32 n = b->ninsns, first = i;
	u64 rip = v->rip;
	follow_drops(v, c); /* the general path ran since: from here on each call that may drop does it */
	for (; i < n; i++) {
		const struct replay_op *op = &rp[i];
		if (rip != lin[i])
			break;
		if (op->flags & REPLAY_F_FETCH)
			fetch_at(v, c, rip, op->len, fetch_page);
		if (exec_one(v, c, op, &insns[i], pg, rip, &rip) != REPLAY_DONE) /* REPLAY_NONE too */
			break;
	}
	v->rip = rip;
	replay_flush(v, c);
	if (i != first)
		v->dirty |= RETIRED_DIRTY;
	return i;
}
