/*
 * The direct replay forms; see replay.h. Semantics as interp_stack.c and interp.c give them:
 * PUSH/CALL store [RSP-8, RSP) first and move RSP only once the store is done; POP and RET
 * load [RSP, RSP+8) (RET: a canonical target, else #GP on the branch: the general path
 * decides); MOV stores or loads `size` bytes little-endian, registers written per SDM Vol. 1
 * 3.4.1.1. In 64-bit mode the stack and data segments have base 0 and no limit, FS and GS
 * their bases (Vol. 3A 3.4.4).
 */
#include "replay.h"
#include "block_run.h"
#include "../vcpu/gmem_tlb.h"
#include "../../arch/le.h"

#define STACK_BYTES 8u
#define CANONICAL_BITS_4LEVEL 48
#define CANONICAL_BITS_5LEVEL 57

/* A branch target the processor takes without #GP (Vol. 3A 3.3.7.1). */
static bool canonical(const struct vcpu *v, u64 a)
{
	u32 bits = (v->cr4 & CR4_LA57) ? CANONICAL_BITS_5LEVEL : CANONICAL_BITS_4LEVEL;
	return (u64)((i64)(a << (64 - bits)) >> (64 - bits)) == a;
}

static bool plain_reg(const struct insn_operand *o) { return o->type == OPND_REG && !o->high8; }

void replay_prepare(const struct insn *in, struct replay_op *op)
{
	*op = (struct replay_op){.kind = REPLAY_NONE};
	if (in->mode != CPU_MODE_64)
		return;
	switch (in->kind) {
	case INSN_PUSH:
	case INSN_POP:
		op->kind = in->kind == INSN_PUSH ? REPLAY_PUSH : REPLAY_POP;
		op->reg = in->op[0].reg;
		return;
	case INSN_CALL:
		op->kind = REPLAY_CALL;
		return;
	case INSN_RET:
		op->kind = REPLAY_RET;
		return;
	case INSN_MOV:
		if (in->addrsize != 64)
			return;
		op->size = (u8)(in->opsize / 8);
		if (plain_reg(&in->op[0]) && in->op[1].type == OPND_MEM) {
			op->kind = REPLAY_LOAD;
			op->reg = in->op[0].reg;
		} else if (in->op[0].type == OPND_MEM && plain_reg(&in->op[1])) {
			op->kind = REPLAY_STORE;
			op->reg = in->op[1].reg;
		} else if (in->op[0].type == OPND_MEM && in->op[1].type == OPND_IMM) {
			op->kind = REPLAY_STORE_IMM;
		}
		return;
	default:
		return;
	}
}

#define NO_PAGE (~0ULL)

void replay_begin(struct replay_ctx *c, const struct vcpu *v)
{
	c->gen = v->tlb ? v->tlb->gen : 0;
	c->ac_check = v->cpl == 3 && (v->cr0 & CR0_AM) && (v->rflags & GMEM_TLB_RFLAGS_AC);
	c->rpage = c->wpage = NO_PAGE;
}

static bool in_page(u64 linear, u32 len) { return (linear & GMEM_TLB_PAGE_MASK) + len <= PAGE_SIZE; }

/* A drop since the pages were remembered: forget them, and go on from the new generation. */
static void follow_drops(const struct vcpu *v, struct replay_ctx *c)
{
	if (v->tlb->gen != c->gen) {
		c->gen = v->tlb->gen;
		c->rpage = c->wpage = NO_PAGE;
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

/*
 * The host bytes of an access of len at linear (VCPU_READ or VCPU_WRITE), through the page the
 * run remembers for that kind or else the translation cache; NULL where the general path must
 * run it: #AC, no such translation yet, or a store into the block's code (that path ends the
 * block there).
 */
static inline u8 *direct_ptr(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len,
                             enum vcpu_access acc)
{
	if (c->ac_check && (linear & (len - 1)))
		return 0;
	follow_drops(v, c);
	bool w = acc == VCPU_WRITE;
	u64 page = linear >> PAGE_SHIFT, off = linear & GMEM_TLB_PAGE_MASK;
	if (page == (w ? c->wpage : c->rpage) && in_page(linear, len))
		return (w ? c->whost : c->rhost) + off;
	u64 gpa;
	struct gmem_tlb_entry *e;
	u8 *h = gmem_tlb_fast(v, linear, len, acc, v->cpl == 3, &gpa, &e);
	if (!h || (w && code_page(pg, gpa)))
		return 0;
	if (w) {
		c->wpage = page;
		c->whost = h - off;
		c->we = e;
		c->wframes = ~0u;
	} else {
		c->rpage = page;
		c->rhost = h - off;
	}
	return h;
}

static const u8 *load_ptr(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len)
{
	return direct_ptr(v, c, 0, linear, len, VCPU_READ);
}

/* Stores len bytes of val at linear, or returns false having changed nothing. A store into a
 * page that holds a paging structure of a cached walk drops the cache (gmem_tlb.h); the page
 * is checked again only when such pages were added since. */
static bool store(struct vcpu *v, struct replay_ctx *c, const struct block_pages *pg, u64 linear, u32 len, u64 val)
{
	u8 *h = direct_ptr(v, c, pg, linear, len, VCPU_WRITE);
	if (!h)
		return false;
	switch (len) { /* little-endian, x86's order */
	case 1: h[0] = (u8)val; break;
	case 2: le_put16(h, (u16)val); break;
	case 4: le_put32(h, (u32)val); break;
	default: le_put64(h, val); break;
	}
	if (c->wframes != v->tlb->nframes) {
		gmem_tlb_fast_stored(v, c->we);
		c->wframes = v->tlb->nframes;
		follow_drops(v, c);
	}
	return true;
}

static u64 data_linear(const struct vcpu *v, const struct insn *in, u64 next)
{
	const struct insn_mem *m = &in->mem;
	u64 ea = (u64)m->disp;
	if (m->base == INSN_REG_RIP)
		ea += next;
	else if (m->base != INSN_REG_NONE)
		ea += v->gpr[m->base];
	if (m->index != INSN_REG_NONE)
		ea += v->gpr[m->index] * m->scale;
	return ea + (m->seg == VCPU_FS || m->seg == VCPU_GS ? v->seg[m->seg].base : 0);
}

static u64 size_mask(u32 bytes) { return bytes == 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1; }

/* A register write of `bytes` (SDM Vol. 1 3.4.1.1: 32 bits zero-extend in 64-bit mode). */
static void reg_write(struct vcpu *v, u8 reg, u32 bytes, u64 val)
{
	u64 m = size_mask(bytes);
	vcpu_set_reg(v, (enum vcpu_reg)reg, bytes >= 4 ? val & m : (v->gpr[reg] & ~m) | (val & m));
}

static void retire(struct vcpu *v, u64 rip)
{
	v->rip = rip;
	v->dirty |= VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED;
}

int replay_exec(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                const struct block_pages *pg)
{
	u64 next = v->rip + in->length;
	u64 rsp = v->gpr[VCPU_RSP];
	const u8 *h;
	switch (op->kind) {
	case REPLAY_PUSH: /* PUSH RSP pushes the value before the instruction */
		if (!store(v, c, pg, rsp - STACK_BYTES, STACK_BYTES, v->gpr[op->reg]))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp - STACK_BYTES);
		break;
	case REPLAY_CALL: /* the target checked before the push, as the general path does */
		if (!canonical(v, next + in->imm) || !store(v, c, pg, rsp - STACK_BYTES, STACK_BYTES, next))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp - STACK_BYTES);
		next += in->imm;
		break;
	case REPLAY_POP: /* RSP first, then the register: POP RSP loads the value read */
		if (!(h = load_ptr(v, c, rsp, STACK_BYTES)))
			return REPLAY_SLOW;
		vcpu_set_reg(v, VCPU_RSP, rsp + STACK_BYTES);
		vcpu_set_reg(v, (enum vcpu_reg)op->reg, le_rd64(h));
		break;
	case REPLAY_RET:
		if (!(h = load_ptr(v, c, rsp, STACK_BYTES)) || !canonical(v, le_rd64(h)))
			return REPLAY_SLOW;
		next = le_rd64(h);
		vcpu_set_reg(v, VCPU_RSP, rsp + STACK_BYTES);
		break;
	case REPLAY_LOAD: {
		if (!(h = load_ptr(v, c, data_linear(v, in, next), op->size)))
			return REPLAY_SLOW;
		u64 val = op->size == 8 ? le_rd64(h) : op->size == 4 ? le_rd32(h) : op->size == 2 ? le_rd16(h) : h[0];
		reg_write(v, op->reg, op->size, val);
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
	retire(v, next);
	return REPLAY_DONE;
}
