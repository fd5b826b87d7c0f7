/*
 * The direct replay forms, as a followed block is recorded (replay.h): each instruction's
 * form and operands, and where its fetch leaves the code page the previous one ended on. What
 * a form may take is what replay.c runs exactly as interp.c would; anything else is
 * REPLAY_NONE and the general path runs it.
 */
#include "replay.h"
#include "../vcpu/gmem_tlb.h"

static bool plain_reg(const struct insn_operand *o) { return o->type == OPND_REG && !o->high8; }

/* The kinds whose flags may wait: every status flag written, none read (interp_alu.h). */
static bool lazy_kind(enum insn_kind k)
{
	return k == INSN_ADD || k == INSN_OR || k == INSN_AND || k == INSN_SUB || k == INSN_XOR || k == INSN_CMP ||
	       k == INSN_TEST;
}

/* The data instructions interp_compute covers without XCHG's two writes. */
static bool alu_kind(enum insn_kind k)
{
	return (k >= INSN_MOV && k <= INSN_SAR) && k != INSN_XCHG;
}

static bool writes_dst(enum insn_kind k) { return k != INSN_CMP && k != INSN_TEST; }
static bool reads_dst(enum insn_kind k) { return k < INSN_MOV || k > INSN_MOVSXD; }
static bool shift_kind(enum insn_kind k) { return k == INSN_SHL || k == INSN_SHR || k == INSN_SAR; }

/* A destination register written by one store of the value at its width: 32 bits zero-extend
 * (Vol. 1 3.4.1.1), and not RSP (whose write marks VCPU_DIRTY_RSP). */
static bool wide_reg(const struct insn_operand *d)
{
	return d->size >= 32 && d->reg != VCPU_RSP;
}

/* A memory operand of a base register and a displacement of 24 bits, no index, no FS/GS base
 * (Vol. 3A 3.4.4: the other segments have base 0 in 64-bit mode): *bd gets them, as
 * replay_op.bd and replay_op.ea hold them. */
static bool base_disp(const struct insn *in, u32 *bd)
{
	const struct insn_mem *m = &in->mem;
	if (m->base == INSN_REG_NONE || m->base == INSN_REG_RIP || m->index != INSN_REG_NONE ||
	    m->seg == VCPU_FS || m->seg == VCPU_GS || m->disp < REPLAY_BD_DISP_MIN || m->disp > REPLAY_BD_DISP_MAX)
		return false;
	*bd = (u32)(u8)m->base | (u32)m->disp << 8;
	return true;
}

/* LOAD_B/STORE_B's operand in op->bd. */
static bool put_bd(const struct insn *in, struct replay_op *op)
{
	u32 bd;
	if (!base_disp(in, &bd))
		return false;
	__builtin_memcpy(op->bd, &bd, sizeof bd);
	return true;
}

/* A memory form's operands in the op where they fit (REPLAY_F_BD): the memory operand as
 * base_disp gives it, the immediate (of a memory form: 32 bits at most, sign-extended). */
static void put_mem_operands(const struct insn *in, struct replay_op *op)
{
	u32 bd;
	if (base_disp(in, &bd) && in->imm == (u64)(i64)(i32)in->imm) {
		op->ea = bd;
		op->imm32 = (i32)in->imm;
		op->flags |= REPLAY_F_BD;
	}
}

/* The register form of a lazy-flag kind: one form per result, so the dispatch picks it. */
static u8 alu_r_kind(enum insn_kind k)
{
	switch (k) {
	case INSN_SUB:
	case INSN_CMP: return REPLAY_SUB_R;
	case INSN_AND:
	case INSN_TEST: return REPLAY_AND_R;
	case INSN_OR: return REPLAY_OR_R;
	case INSN_XOR: return REPLAY_XOR_R;
	default: return REPLAY_ALU_R; /* ADD */
	}
}

/* REPLAY_ALU's operands, or false for a form it does not take. */
static bool prepare_alu(const struct insn *in, struct replay_op *op)
{
	const struct insn_operand *d = &in->op[0], *s = &in->op[1];
	if (!alu_kind(in->kind) || d->high8 || s->high8 || d->type == OPND_IMM || d->type == OPND_NONE)
		return false;
	if (d->type == OPND_MEM && shift_kind(in->kind))
		return false; /* a shift of memory by 0: native execution decides (interp.c) */
	op->kind = REPLAY_ALU;
	op->alu = (u8)in->kind;
	op->size = (u8)(d->size / 8);
	op->ssize = (u8)(s->size / 8);
	op->flags |= (u8)((d->type == OPND_MEM ? REPLAY_F_DST_MEM : 0) | (reads_dst(in->kind) ? REPLAY_F_READS_DST : 0) |
	                  (writes_dst(in->kind) ? REPLAY_F_WRITES_DST : 0) | (lazy_kind(in->kind) ? REPLAY_F_LAZY : 0));
	op->reg = d->type == OPND_REG ? d->reg : 0;
	if (d->type == OPND_REG && s->type != OPND_MEM && !reads_dst(in->kind) && wide_reg(d)) /* the moves */
		op->kind = in->kind != INSN_MOV ? REPLAY_MOVX_RR : s->type == OPND_REG ? REPLAY_MOV_RR : REPLAY_MOV_RI;
	if (d->type == OPND_REG && s->type != OPND_MEM && s->size == d->size && lazy_kind(in->kind))
		op->kind = alu_r_kind(in->kind);
	if (d->type == OPND_REG && s->type != OPND_MEM && shift_kind(in->kind) && d->size >= 32)
		op->kind = REPLAY_SHIFT_R; /* the count below the width: no shift past it */
	if (s->type == OPND_REG) {
		op->flags |= REPLAY_F_SRC_REG;
		op->src = s->reg;
	} else if (s->type == OPND_IMM) {
		op->flags |= REPLAY_F_SRC_IMM;
	} else if (s->type == OPND_MEM) {
		op->flags |= REPLAY_F_SRC_MEM;
	}
	if (d->type == OPND_MEM || s->type == OPND_MEM)
		put_mem_operands(in, op);
	else
		op->imm = in->imm; /* ALU_R, SHIFT_R */
	if (op->kind == REPLAY_MOV_RI || op->kind == REPLAY_MOV_RR) /* the value, or the mask, at the width */
		op->imm = (op->kind == REPLAY_MOV_RI ? in->imm : ~0ULL) & (d->size == 64 ? ~0ULL : 0xffffffffULL);
	if (op->kind == REPLAY_ALU && (op->flags & REPLAY_F_LAZY) && (op->flags & REPLAY_F_BD))
		op->kind = d->type == OPND_MEM ? REPLAY_ALU_MS : REPLAY_ALU_ML;
	return true;
}

/* MOV/MOVZX/MOVSX/MOVSXD and the stores, for the forms below; false for anything else. */
static bool prepare_move(const struct insn *in, struct replay_op *op)
{
	const struct insn_operand *d = &in->op[0], *s = &in->op[1];
	if (reads_dst(in->kind))
		return false; /* not a move */
	if (plain_reg(d) && s->type == OPND_MEM && in->kind == INSN_MOV && d->size == 64 && put_bd(in, op)) {
		op->kind = REPLAY_LOAD_B;
		op->reg = d->reg;
		return true;
	}
	if (plain_reg(d) && s->type == OPND_MEM && wide_reg(d)) {
		op->kind = REPLAY_LOAD;
		op->reg = d->reg;
		op->size = (u8)(s->size / 8);
		op->ssize = (u8)(d->size / 8);
		op->alu = (u8)in->kind;
		put_mem_operands(in, op);
		return true;
	}
	if (in->kind != INSN_MOV || d->type != OPND_MEM)
		return false;
	op->size = (u8)(in->opsize / 8);
	if (plain_reg(s) && in->opsize == 64 && put_bd(in, op)) {
		op->kind = REPLAY_STORE_B;
		op->reg = s->reg;
	} else if (plain_reg(s)) {
		op->kind = REPLAY_STORE;
		op->reg = s->reg;
	} else if (s->type == OPND_IMM) {
		op->kind = REPLAY_STORE_IMM;
	}
	if (op->kind == REPLAY_STORE || op->kind == REPLAY_STORE_IMM)
		put_mem_operands(in, op);
	return op->kind != REPLAY_NONE;
}

/* A relative branch's displacement (rel8 or rel32, sign-extended: it fits 32 bits) into op->bd. */
static void put_rel(const struct insn *in, struct replay_op *op)
{
	i32 rel = (i32)in->imm;
	__builtin_memcpy(op->bd, &rel, sizeof rel);
}

void replay_prepare(const struct insn *in, struct replay_op *op)
{
	*op = (struct replay_op){.kind = REPLAY_NONE, .len = in->length};
	if (in->mode != CPU_MODE_64)
		return;
	bool mem = in->op[0].type == OPND_MEM || in->op[1].type == OPND_MEM;
	if (mem && in->addrsize != 64)
		return;
	switch (in->kind) {
	case INSN_PUSH:
	case INSN_POP:
		op->kind = in->kind == INSN_PUSH ? REPLAY_PUSH : REPLAY_POP;
		op->reg = in->op[0].reg;
		return;
	case INSN_CALL:
		op->kind = REPLAY_CALL;
		put_rel(in, op);
		return;
	case INSN_RET:
		op->kind = REPLAY_RET;
		return;
	case INSN_CALL_IND:
	case INSN_JMP_IND:
		if (plain_reg(&in->op[0]) && in->op[0].size == 64) {
			op->kind = in->kind == INSN_CALL_IND ? REPLAY_CALL_REG : REPLAY_JMP_REG;
			op->reg = in->op[0].reg;
		}
		return;
	case INSN_JMP:
	case INSN_JCC: /* in 64-bit code the operand size of a near branch is 64 (66 is refused) */
		if (in->opsize == 64) {
			op->kind = in->kind == INSN_JMP ? REPLAY_JMP : REPLAY_JCC;
			op->reg = in->cond;
			put_rel(in, op);
		}
		return;
	case INSN_IN:
	case INSN_OUT: { /* AL/AX/EAX (Vol. 2A "IN", Vol. 2B "OUT"): the port an imm8 or DX */
		const struct insn_operand *port = &in->op[in->kind == INSN_OUT ? 0 : 1];
		op->kind = in->kind == INSN_OUT ? REPLAY_OUT : REPLAY_IN;
		op->size = (u8)(in->opsize / 8);
		op->flags = port->type == OPND_IMM ? 0 : REPLAY_F_PORT_DX;
		op->imm = (u16)in->imm;
		return;
	}
	case INSN_NOP:
	case INSN_PAUSE: /* as interp.c: the instruction retires, nothing else (Vol. 2B "NOP", "PAUSE") */
		op->kind = REPLAY_NOP;
		return;
	case INSN_LEA:
		if (plain_reg(&in->op[0])) {
			op->kind = REPLAY_LEA;
			op->reg = in->op[0].reg;
			op->size = (u8)(in->op[0].size / 8);
			put_mem_operands(in, op); /* LEA adds no segment base: FS/GS are refused all the same */
		}
		return;
	default:
		if (!prepare_move(in, op))
			prepare_alu(in, op);
		return;
	}
}

/* The last page of an instruction of len bytes at lin. */
static u64 last_page(u64 lin, u32 len) { return (lin + len - 1) & ~(u64)GMEM_TLB_PAGE_MASK; }

/* The forms that may move RIP elsewhere than the instruction's end (replay.c's BRANCH). */
static bool branch_kind(u8 k)
{
	return k == REPLAY_CALL || k == REPLAY_CALL_REG || k == REPLAY_RET || k == REPLAY_JMP || k == REPLAY_JCC ||
	       k == REPLAY_JMP_REG;
}

#define CANONICAL_SHIFT_4LEVEL 16 /* 64 - 48 bits */

void replay_bind(struct replay_op *op, u64 lin, bool has_next, u64 next)
{
	u8 k = REPLAY_KIND(op->kind);
	if (k != REPLAY_CALL && k != REPLAY_JMP && k != REPLAY_JCC)
		return;
	i32 rel;
	__builtin_memcpy(&rel, op->bd, sizeof rel);
	u64 nx = lin + op->len, target = nx + (u64)(i64)rel;
	if ((u64)((i64)(target << CANONICAL_SHIFT_4LEVEL) >> CANONICAL_SHIFT_4LEVEL) != target ||
	    (u64)((i64)(nx << CANONICAL_SHIFT_4LEVEL) >> CANONICAL_SHIFT_4LEVEL) != nx) {
		op->kind = REPLAY_NONE;
		return;
	}
	op->imm = nx;
	op->flags = (u8)((has_next && next == target ? REPLAY_F_PATH_TAKEN : 0) |
	                 (has_next && next == nx && k == REPLAY_JCC ? REPLAY_F_PATH_NEXT : 0));
}

/* The code pages the fetches marked REPLAY_K_FETCH alone touch, in path order (at most
 * SEEN_PAGES: a fetch past them is never REPLAY_K_SEEN). */
#define SEEN_PAGES 16
struct seen_pages {
	u32 n;
	u64 page[SEEN_PAGES];
};

static bool seen(const struct seen_pages *s, u64 page)
{
	for (u32 k = 0; k < s->n; k++)
		if (s->page[k] == page)
			return true;
	return false;
}

static void see(struct seen_pages *s, u64 page)
{
	if (!seen(s, page) && s->n < SEEN_PAGES)
		s->page[s->n++] = page;
}

void replay_mark_fetches(struct replay_op *rp, const u64 *lin, const struct insn *insns, u32 n)
{
	u64 page = n ? lin[0] & ~(u64)GMEM_TLB_PAGE_MASK : 0; /* the exiting instruction's fetch opened it */
	/* not the exiting instruction's pages: the processor fetched them, through its TLB (the
	 * accessed flag a fresh walk would set may be clear), so a fetch of the path that comes
	 * back to them walks */
	struct seen_pages sp = {0};
	for (u32 i = 0; i < n; i++) {
		/* replay_run compares only a branch's target with the path: a form that goes on in
		 * sequence must be followed by the instruction at its end, else the general path
		 * runs it (and its own guard ends the block) */
		if ((i + 1 < n && !branch_kind(REPLAY_KIND(rp[i].kind)) && lin[i + 1] != lin[i] + insns[i].length) ||
		    i + 1 == n)
			rp[i].kind = REPLAY_NONE;
		replay_bind(&rp[i], lin[i], i + 1 < n, i + 1 < n ? lin[i + 1] : 0);
		u64 first = lin[i] & ~(u64)GMEM_TLB_PAGE_MASK, last = last_page(lin[i], insns[i].length);
		if (first != page || last != page) {
			rp[i].kind |= REPLAY_K_FETCH;
			if (i > 0 && seen(&sp, first) && seen(&sp, last)) {
				rp[i].kind |= REPLAY_K_SEEN;
			} else if (i > 0) {
				see(&sp, first);
				see(&sp, last);
			}
			page = last;
		}
	}
}
