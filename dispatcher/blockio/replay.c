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
#include "replay_mem.h"
#include "replay_alu.h"
#include "block_run.h"
#include "../emul/interp_alu.h"
#include "block.h"

#define STACK_BYTES 8u
#define CANONICAL_BITS_4LEVEL 48
#define CANONICAL_BITS_5LEVEL 57

void replay_begin(struct replay_ctx *c, const struct vcpu *v)
{
	c->gen = v->tlb ? v->tlb->gen : 0;
	c->nframes = v->tlb ? v->tlb->nframes : 0;
	c->ac_check = v->cpl == 3 && (v->cr0 & CR0_AM) && (v->rflags & GMEM_TLB_RFLAGS_AC);
	replay_page_forget(&c->r);
	replay_page_forget(&c->w);
	replay_page_forget(&c->w2);
	c->canon_shift = (u8)(64 - ((v->cr4 & CR4_LA57) ? CANONICAL_BITS_5LEVEL : CANONICAL_BITS_4LEVEL));
	c->lz_sk = 0;
	replay_fetch_forget(c, c->gen);
	c->io_ok = false;
	c->io_stop = false;
	c->nio = 0;
	c->bio = 0;
	c->seen_ok = false;
}

void replay_seen(struct replay_ctx *c)
{
	c->seen_ok = true;
	c->seen_gen = c->gen;
}

void replay_io(struct replay_ctx *c, const struct blockio *bio, struct interp_io io, bool io_ok)
{
	c->io = io;
	c->bio = bio;
	c->io_ok = io_ok;
}


void replay_flush(struct vcpu *v, struct replay_ctx *c)
{
	u16 sk = c->lz_sk;
	if (!sk)
		return;
	/* interp_alu's flags of the kinds that wait (they read no flag), each helper called directly */
	struct alu_out o;
	u8 k = LZ_KIND(sk);
	if (k == INSN_ADD)
		o = add_flags(c->lz_a, c->lz_b, 0, LZ_BITS(sk));
	else if (k == INSN_SUB || k == INSN_CMP)
		o = sub_flags(c->lz_a, c->lz_b, 0, LZ_BITS(sk));
	else if (k == INSN_SHL || k == INSN_SHR || k == INSN_SAR) /* the count: not 0 */
		o = shift_flags((enum insn_kind)k, c->lz_a, (u32)c->lz_b, LZ_BITS(sk));
	else /* AND, TEST, OR, XOR: their result */
		o = logic_flags(c->lz_r, LZ_BITS(sk));
	v->rflags = (v->rflags & ~o.mask) | (o.flags & o.mask);
	v->dirty |= VCPU_DIRTY_RFLAGS;
	c->lz_sk = 0;
}

/* The host bytes of a read of len at linear into *h: a remembered page inline, else
 * replay_rslow; false where the general path must run it. */
HOT bool rd(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, enum replay_fill mode, const u8 **h)
{
	if (replay_rptr(c, linear, len, h))
		return true;
	return (*h = replay_rslow(v, c, linear, len, mode)) != 0;
}

/* Stores len bytes of val at linear, or returns false having changed nothing. */
HOT bool store(struct vcpu *v, struct replay_ctx *c, u64 linear, u32 len, u64 val)
{
	u8 *h;
	if (replay_wptr(c, linear, len, &h)) {
		replay_store_le(h, len, val);
		return true;
	}
	bool check;
	if (!(h = replay_wslow(v, c, linear, len, &check)))
		return false;
	replay_store_le(h, len, val);
	if (check)
		replay_stored(v, c, h, len);
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

/* A base register and a 24-bit displacement (replay_op.bd, replay_op.ea): their sum. */
HOT u64 ea_value(const struct vcpu *v, u32 ea)
{
	return v->gpr[(u8)ea] + (u64)(i64)((i32)ea >> 8);
}

/* LOAD_B/STORE_B's address: the base register plus the displacement kept in the op. */
HOT u64 bd_linear(const struct vcpu *v, const struct replay_op *op)
{
	u32 bd;
	__builtin_memcpy(&bd, op->bd, sizeof bd);
	return ea_value(v, bd);
}

/* A memory form's linear address: from the op where it holds the operand (REPLAY_F_BD: a base
 * register, no FS/GS base), else from the decoded form. */
HOT u64 mem_linear(const struct vcpu *v, const struct replay_op *op, const struct insn *in, u64 next)
{
	return (op->flags & REPLAY_F_BD) ? ea_value(v, op->ea) : data_linear(v, in, next);
}

/* A memory form's immediate (sign-extended as decoded). */
HOT u64 mem_imm(const struct replay_op *op, const struct insn *in)
{
	return (op->flags & REPLAY_F_BD) ? (u64)(i64)op->imm32 : in->imm;
}

/*
 * A data instruction as interp.c's exec_data runs it: the memory operand located first (a
 * destination through the write translation, which covers the read of a read-modify-write),
 * the operands read, the result written, then the flags: pending for the lazy kinds, else
 * through interp_compute after the pending ones (ADC/SBB read CF; INC/DEC keep it; a shift by
 * 0 keeps them all).
 */
HOT int exec_alu(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in, u64 next)
{
	u8 f = op->flags;
	u8 *h = 0;
	bool check = false;
	if (f & (REPLAY_F_DST_MEM | REPLAY_F_SRC_MEM)) {
		u64 lin = mem_linear(v, op, in, next);
		if ((f & REPLAY_F_DST_MEM) && (f & REPLAY_F_WRITES_DST)) {
			if (!replay_wptr(c, lin, op->size, &h))
				h = replay_wslow(v, c, lin, op->size, &check);
		} else {
			const u8 *r = 0;
			rd(v, c, lin, (f & REPLAY_F_DST_MEM) ? op->size : op->ssize, REPLAY_FILL_YES, &r);
			h = (u8 *)r;
		}
		if (!h)
			return REPLAY_SLOW;
	}
	u64 m = size_mask(op->size), a = 0, b = 0;
	if (f & REPLAY_F_READS_DST)
		a = (f & REPLAY_F_DST_MEM) ? replay_load_le(h, op->size) : v->gpr[op->reg] & m;
	if (f & REPLAY_F_SRC_REG)
		b = v->gpr[op->src] & size_mask(op->ssize);
	else if (f & REPLAY_F_SRC_IMM)
		b = (f & (REPLAY_F_DST_MEM | REPLAY_F_SRC_MEM) ? mem_imm(op, in) : op->imm) & size_mask(op->ssize);
	else if (f & REPLAY_F_SRC_MEM)
		b = replay_load_le(h, op->ssize);
	u64 val = (f & REPLAY_F_LAZY) ? lazy_op(v, c, op, a, b, m) : exec_flags(v, c, op, a, b);
	if (f & REPLAY_F_WRITES_DST) {
		if (f & REPLAY_F_DST_MEM) {
			replay_store_le(h, op->size, val);
			if (check)
				replay_stored(v, c, h, op->size);
		} else {
			reg_write(v, op->reg, op->size, val);
		}
	}
	return REPLAY_DONE;
}

/* replay_fetch (replay_fetch.c), with the memo's pages looked at inline (c->gen is the cache's) */
HOT void fetch_at(struct vcpu *v, struct replay_ctx *c, u64 rip, u32 len)
{
	u64 page = rip & ~(u64)GMEM_TLB_PAGE_MASK;
	if (c->fetch[REPLAY_FETCH_SLOT(page)] == page && c->fgen == c->gen &&
	    (rip & GMEM_TLB_PAGE_MASK) + len <= PAGE_SIZE) {
		c->fetch_page = page;
		return;
	}
	replay_fetch(v, c, rip, len, &c->fetch_page);
	replay_resync(v, c);
}

/* CALL/JMP/JCC's displacement (replay_op.bd). */
HOT u64 rel(const struct replay_op *op)
{
	i32 r;
	__builtin_memcpy(&r, op->bd, sizeof r);
	return (u64)(i64)r;
}

/* CALL rel32 / r64 at op, returning to ret: the target is checked before the push, as the
 * general path does; false, with nothing changed, for the general path. */
HOT bool call(struct vcpu *v, struct replay_ctx *c, u64 ret, u64 target)
{
	u64 rsp = v->gpr[VCPU_RSP];
	if (!replay_canonical(c, target) || !store(v, c, rsp - STACK_BYTES, STACK_BYTES, ret))
		return false;
	v->gpr[VCPU_RSP] = rsp - STACK_BYTES;
	v->dirty |= VCPU_DIRTY_RSP;
	return true;
}

/* IN or OUT (op): AL/AX/EAX and the port through the bus; IN's 32-bit result zero-extends
 * (Vol. 1 3.4.1.1), as interp.c's exec_port writes it. */
HOT void port_access(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op)
{
	u16 port = (op->flags & REPLAY_F_PORT_DX) ? (u16)v->gpr[VCPU_RDX] : (u16)op->imm;
	u64 m = size_mask(op->size);
	if (REPLAY_KIND(op->kind) == REPLAY_OUT) {
		c->io.out(c->io.ctx, port, op->size, (u32)(v->gpr[VCPU_RAX] & m));
		return;
	}
	u64 val = c->io.in(c->io.ctx, port, op->size);
	v->gpr[VCPU_RAX] = (op->size == 4 ? 0 : v->gpr[VCPU_RAX] & ~m) | (val & m);
}

#define RETIRED_DIRTY (VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED)

/*
 * Instructions i.. of a recorded path (ops and linear addresses; n of them) from RIP = lin[i],
 * while each runs directly. Each form jumps to the next one's own code (a table of label
 * offsets by kind, GCC's computed goto: no range test, no return to a common loop). After a
 * form that goes on in sequence the next instruction is the recorded one (replay_mark_fetches
 * made sure of it), so only a branch's target is compared with the path (the RIP guard), and
 * RIP is read from the path where a form needs it. v->rip is written once, at the end: the
 * first instruction not run, or where the path was left. Returns the index of that one. The
 * last op, rp[n - 1], must have no direct form (REPLAY_NONE: a followed block ends with an IO
 * instruction), so no form tests for the end: the last one stops any run that reaches it.
 */
static u32 run_ops(struct vcpu *v, struct replay_ctx *c, const struct replay_op *rp, const u64 *lin, u32 i, u32 n)
{
	if (i >= n || v->rip != lin[i])
		return i;
	replay_resync(v, c); /* the general path ran since */
	const struct replay_op *op = &rp[i];
	/* an op's decoded form by its address: 64 bytes each beside 16 (a shift and an add) */
	_Static_assert(sizeof(struct insn) == 4 * sizeof *op, "insns step 4 times as far as rp");
	uintptr_t din = (uintptr_t)c->insns - 4 * (uintptr_t)rp;
	/* lin[k] beside rp[k]: 8 bytes beside 16 (8-byte aligned, so halving their addresses keeps
	 * their distances): one distance from half an op's address */
	uintptr_t dl = (uintptr_t)lin - ((uintptr_t)rp >> 1);
	_Static_assert(2 * sizeof *lin == sizeof *op, "lin steps half as far as rp");
	_Static_assert(REPLAY_KINDS == 30 && REPLAY_K_FETCH == 0x80 && REPLAY_K_SEEN == 0x40,
	               "the dispatch table below lists every kind");
	static const int go[256] = {
		[REPLAY_NONE] = 0,
		[REPLAY_PUSH] = &&k_push - &&k_none, [REPLAY_POP] = &&k_pop - &&k_none,
		[REPLAY_CALL] = &&k_call - &&k_none, [REPLAY_RET] = &&k_ret - &&k_none,
		[REPLAY_LOAD] = &&k_load - &&k_none, [REPLAY_STORE] = &&k_store - &&k_none,
		[REPLAY_STORE_IMM] = &&k_store_imm - &&k_none, [REPLAY_ALU] = &&k_alu - &&k_none,
		[REPLAY_MOV_RR] = &&k_mov_rr - &&k_none, [REPLAY_MOV_RI] = &&k_mov_ri - &&k_none,
		[REPLAY_MOVX_RR] = &&k_movx_rr - &&k_none, [REPLAY_ALU_R] = &&k_alu_r - &&k_none,
		[REPLAY_LEA] = &&k_lea - &&k_none, [REPLAY_JMP] = &&k_jmp - &&k_none,
		[REPLAY_JCC] = &&k_jcc - &&k_none, [REPLAY_CALL_REG] = &&k_call_reg - &&k_none,
		[REPLAY_JMP_REG] = &&k_jmp_reg - &&k_none, [REPLAY_NOP] = &&k_nop - &&k_none,
		[REPLAY_LOAD_B] = &&k_load_b - &&k_none, [REPLAY_STORE_B] = &&k_store_b - &&k_none,
		[REPLAY_SUB_R] = &&k_sub_r - &&k_none, [REPLAY_AND_R] = &&k_and_r - &&k_none,
		[REPLAY_OR_R] = &&k_or_r - &&k_none, [REPLAY_XOR_R] = &&k_xor_r - &&k_none,
		[REPLAY_SHIFT_R] = &&k_shift_r - &&k_none, [REPLAY_ALU_ML] = &&k_alu_ml - &&k_none,
		[REPLAY_ALU_MS] = &&k_alu_ms - &&k_none, [REPLAY_IN] = &&k_in - &&k_none,
		[REPLAY_OUT] = &&k_out - &&k_none,
		[REPLAY_KINDS ... REPLAY_K_FETCH - 1] = 0, /* REPLAY_K_SEEN comes only with REPLAY_K_FETCH */
		[REPLAY_K_FETCH ... REPLAY_K_FETCH + REPLAY_IN - 1] = &&k_fetch - &&k_none,
		[REPLAY_K_FETCH + REPLAY_IN ... REPLAY_K_FETCH + REPLAY_OUT] = &&k_fetch_io - &&k_none,
		[REPLAY_K_FETCH + REPLAY_OUT + 1 ... REPLAY_K_FETCH + REPLAY_K_SEEN - 1] = 0,
		[REPLAY_K_FETCH + REPLAY_K_SEEN ... REPLAY_K_FETCH + REPLAY_K_SEEN + REPLAY_IN - 1] = &&k_seen - &&k_none,
		[REPLAY_K_FETCH + REPLAY_K_SEEN + REPLAY_IN ... REPLAY_K_FETCH + REPLAY_K_SEEN + REPLAY_OUT] =
			&&k_fetch_io - &&k_none,
		[REPLAY_K_FETCH + REPLAY_K_SEEN + REPLAY_OUT + 1 ... 255] = 0,
	};
#define LIN(o) (*(const u64 *)(((uintptr_t)(o) >> 1) + dl))
#define NX (LIN(op) + op->len) /* the RIP after the instruction */
#define in ((const struct insn *)(4 * (uintptr_t)op + din)) /* the decoded form (operands not in the op) */
#define DISPATCH(k) goto *(&&k_none + go[k])
#define SEQ() /* on to the next recorded instruction, which is at this one's end */ \
	do {                                                                      \
		++op;                                                             \
		DISPATCH(op->kind);                                               \
	} while (0)
#define BRANCH(target) /* RIP is target: on while it is the recorded path's */ \
	do {                                                                      \
		u64 t_ = (target);                                                \
		if (t_ != LIN(++op)) {                                            \
			v->rip = t_;                                              \
			goto out;                                                 \
		}                                                                 \
		DISPATCH(op->kind);                                               \
	} while (0)
#define WAY(target, path) /* a relative branch to target: on where replay_bind found the path */ \
	do {                                                                      \
		u64 t_ = (target);                                                \
		bool on_ = op->flags & (path);                                    \
		++op;                                                             \
		if (!on_) {                                                       \
			v->rip = t_;                                              \
			goto out;                                                 \
		}                                                                 \
		DISPATCH(op->kind);                                               \
	} while (0)
	const u8 *h;
	u64 rsp;
	DISPATCH(op->kind);

k_seen: /* a fetch whose pages this run fetched already, while nothing can have changed them */
	if (!c->seen_ok || c->gen != c->seen_gen)
		goto k_fetch;
	c->fetch_page = (LIN(op) + op->len - 1) & ~(u64)GMEM_TLB_PAGE_MASK;
	DISPATCH(REPLAY_KIND(op->kind));
k_fetch: /* its fetch first, then the form */
	fetch_at(v, c, LIN(op), op->len);
	DISPATCH(REPLAY_KIND(op->kind));
k_fetch_io: /* an IN or OUT the block may not run is fetched by nothing here: the general path
	     * ends the block before it */
	_Static_assert(REPLAY_IN + 1 == REPLAY_OUT && REPLAY_OUT + 1 == REPLAY_KINDS, "IN and OUT: the last kinds");
	if (!c->io_ok)
		goto k_none;
	fetch_at(v, c, LIN(op), op->len);
	goto port;
k_in:
k_out:
	if (!c->io_ok)
		goto k_none;
port:
	port_access(v, c, op); /* the device sees no RFLAGS: lazy flags may wait */
	c->nio++;
	/* the run ends where the general path would end the block */
	if (block_stops_after_io(c->bio, v)) {
		c->io_stop = true;
		v->rip = NX;
		++op;
		goto out;
	}
	SEQ();
k_push: /* PUSH RSP pushes the value before the instruction */
	rsp = v->gpr[VCPU_RSP];
	if (!store(v, c, rsp - STACK_BYTES, STACK_BYTES, v->gpr[op->reg]))
		goto k_none;
	v->gpr[VCPU_RSP] = rsp - STACK_BYTES;
	v->dirty |= VCPU_DIRTY_RSP;
	SEQ();
k_pop: /* RSP first, then the register: POP RSP loads the value read */
	rsp = v->gpr[VCPU_RSP];
	if (!rd(v, c, rsp, STACK_BYTES, REPLAY_FILL_YES, &h))
		goto k_none;
	v->gpr[VCPU_RSP] = rsp + STACK_BYTES;
	v->gpr[op->reg] = replay_load_le(h, STACK_BYTES);
	v->dirty |= VCPU_DIRTY_RSP;
	SEQ();
k_call: /* the target canonical, the return address in the op (replay_bind) */
	rsp = v->gpr[VCPU_RSP];
	if (!store(v, c, rsp - STACK_BYTES, STACK_BYTES, op->imm))
		goto k_none;
	v->gpr[VCPU_RSP] = rsp - STACK_BYTES;
	v->dirty |= VCPU_DIRTY_RSP;
	WAY(op->imm + rel(op), REPLAY_F_PATH_TAKEN);
k_call_reg: { /* the target read before the push: CALL RSP calls the value before it */
	u64 target = v->gpr[op->reg];
	if (!call(v, c, NX, target))
		goto k_none;
	BRANCH(target);
}
k_ret: { /* the target is checked before the load sets flags (interp_stack.c) */
	rsp = v->gpr[VCPU_RSP];
	if (!rd(v, c, rsp, STACK_BYTES, REPLAY_FILL_RET, &h))
		goto k_none;
	u64 target = replay_load_le(h, STACK_BYTES);
	if (!replay_canonical(c, target))
		goto k_none;
	v->gpr[VCPU_RSP] = rsp + STACK_BYTES;
	v->dirty |= VCPU_DIRTY_RSP;
	BRANCH(target);
}
k_load: { /* MOV, MOVZX, MOVSX, MOVSXD from memory: extended as interp_compute does */
	if (!rd(v, c, mem_linear(v, op, in, NX), op->size, REPLAY_FILL_YES, &h))
		goto k_none;
	v->gpr[op->reg] = extend(op->alu, replay_load_le(h, op->size), op->size) & size_mask(op->ssize); /* wide */
	SEQ();
}
k_load_b: /* MOV r64, [base + disp] */
	if (!rd(v, c, bd_linear(v, op), STACK_BYTES, REPLAY_FILL_YES, &h))
		goto k_none;
	v->gpr[op->reg] = replay_load_le(h, STACK_BYTES);
	if (op->reg == VCPU_RSP)
		v->dirty |= VCPU_DIRTY_RSP;
	SEQ();
k_store_b: /* MOV [base + disp], r64 */
	if (!store(v, c, bd_linear(v, op), STACK_BYTES, v->gpr[op->reg]))
		goto k_none;
	SEQ();
k_store:
	if (!store(v, c, mem_linear(v, op, in, NX), op->size, v->gpr[op->reg] & size_mask(op->size)))
		goto k_none;
	SEQ();
k_store_imm:
	if (!store(v, c, mem_linear(v, op, in, NX), op->size, mem_imm(op, in) & size_mask(op->size)))
		goto k_none;
	SEQ();
k_mov_rr: /* the moves write a 32- or 64-bit register other than RSP (replay_prepare) */
	v->gpr[op->reg] = v->gpr[op->src] & op->imm;
	SEQ();
k_mov_ri:
	v->gpr[op->reg] = op->imm;
	SEQ();
k_movx_rr: /* the source read at its width, extended */
	v->gpr[op->reg] = extend(op->alu, v->gpr[op->src] & size_mask(op->ssize), op->ssize) & size_mask(op->size);
	SEQ();
#define ALU_R(expr) /* a register op= a register or an immediate of its width, flags pending */ \
	do {                                                                       \
		u64 m = size_mask(op->size), a = v->gpr[op->reg] & m;              \
		u64 b = ((op->flags & REPLAY_F_SRC_IMM) ? op->imm : v->gpr[op->src]) & m; \
		u64 r = (expr) & m;                                                \
		lazy_set(c, op, a, b, r);                                          \
		if (op->flags & REPLAY_F_WRITES_DST)                               \
			reg_write(v, op->reg, op->size, r);                        \
		SEQ();                                                             \
	} while (0)
k_alu_r:
	ALU_R(a + b);
k_sub_r:
	ALU_R(a - b);
k_and_r:
	ALU_R(a & b);
k_or_r:
	ALU_R(a | b);
k_xor_r:
	ALU_R(a ^ b);
#undef ALU_R
k_shift_r: { /* 32 or 64 bits: the masked count is below the width; by 0, no flag changes */
	u64 m = size_mask(op->size), a = v->gpr[op->reg] & m, r = a;
	u32 cnt = (u32)((op->flags & REPLAY_F_SRC_IMM) ? op->imm : v->gpr[op->src]) &
	        (op->size == 8 ? SHIFT_COUNT_MASK64 : SHIFT_COUNT_MASK32);
	if (cnt) {
		u32 sh = 64 - 8u * op->size;
		r = op->alu == INSN_SHL ? (a << cnt) & m
		    : op->alu == INSN_SHR ? a >> cnt
		                          : (u64)(((i64)(a << sh) >> sh) >> cnt) & m;
		lazy_set(c, op, a, cnt, r);
	}
	reg_write(v, op->reg, op->size, r);
	SEQ();
}
k_alu_ml: { /* a register op= memory, flags pending: exec_alu's order (the memory first) */
	if (!rd(v, c, ea_value(v, op->ea), op->ssize, REPLAY_FILL_YES, &h))
		goto k_none;
	u64 m = size_mask(op->size), r = lazy_op(v, c, op, v->gpr[op->reg] & m, replay_load_le(h, op->ssize), m);
	if (op->flags & REPLAY_F_WRITES_DST)
		reg_write(v, op->reg, op->size, r);
	SEQ();
}
k_alu_ms: { /* memory op= a register or an immediate, flags pending: a destination written
	   * through the write translation (which covers the read), else read */
	u64 ma = ea_value(v, op->ea);
	u8 *hw = 0;
	bool check = false;
	if (op->flags & REPLAY_F_WRITES_DST) {
		if (!replay_wptr(c, ma, op->size, &hw) && !(hw = replay_wslow(v, c, ma, op->size, &check)))
			goto k_none;
		h = hw;
	} else if (!rd(v, c, ma, op->size, REPLAY_FILL_YES, &h)) {
		goto k_none;
	}
	u64 m = size_mask(op->size);
	u64 b = ((op->flags & REPLAY_F_SRC_IMM) ? (u64)(i64)op->imm32 : v->gpr[op->src]) & size_mask(op->ssize);
	u64 r = lazy_op(v, c, op, replay_load_le(h, op->size), b, m);
	if (op->flags & REPLAY_F_WRITES_DST) {
		replay_store_le(hw, op->size, r);
		if (check)
			replay_stored(v, c, hw, op->size);
	}
	SEQ();
}
k_alu:
	if (exec_alu(v, c, op, in, NX) != REPLAY_DONE)
		goto k_none;
	SEQ();
k_lea:
	reg_write(v, op->reg, op->size, (op->flags & REPLAY_F_BD) ? ea_value(v, op->ea) : lea_value(v, in, NX));
	SEQ();
k_nop:
	SEQ();
k_jcc: /* both ways canonical (replay_bind: else the general path decides the #GP) */
	if (!jcc_taken(v, c, op->reg))
		WAY(op->imm, REPLAY_F_PATH_NEXT);
	/* fall through */
k_jmp:
	WAY(op->imm + rel(op), REPLAY_F_PATH_TAKEN);
k_jmp_reg:
	if (!replay_canonical(c, v->gpr[op->reg]))
		goto k_none;
	BRANCH(v->gpr[op->reg]);
k_none: /* REPLAY_NONE, or a form that cannot run: the general path takes it, nothing changed */
	v->rip = LIN(op);
out:;
#undef BRANCH
#undef WAY
#undef SEQ
#undef DISPATCH
#undef in
#undef NX
#undef LIN
	u32 j = (u32)(op - rp);
	if (j != i)
		v->dirty |= RETIRED_DIRTY;
	return j;
}

int replay_exec(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                const struct block_pages *pg)
{
	/* a path of this instruction and one without a direct form at its end */
	struct replay_op two[2] = {*op, {.kind = REPLAY_NONE}};
	u64 lin[2] = {v->rip, v->rip + op->len};
	two[0].kind = REPLAY_KIND(two[0].kind); /* the caller fetched it */
	replay_bind(&two[0], lin[0], false, 0);
	if (two[0].kind == REPLAY_NONE)
		return REPLAY_SLOW;
	c->pg = pg;
	c->insns = in;
	return run_ops(v, c, two, lin, 0, 2) == 1 ? REPLAY_DONE : REPLAY_SLOW;
}

u32 replay_run(struct vcpu *v, struct replay_ctx *c, const struct block *b, u32 i, const struct block_pages *pg,
               u64 *fetch_page)
{
	c->pg = pg;
	c->insns = b->insns;
	c->fetch_page = *fetch_page;
	u32 n = b->ninsns;
	/* run_ops needs a last op without a direct form (a followed block's IO instruction) */
	if (!n || REPLAY_KIND(b->rp[n - 1].kind) != REPLAY_NONE)
		return i;
	u32 j = run_ops(v, c, b->rp, b->lin, i, n);
	*fetch_page = c->fetch_page;
	replay_flush(v, c);
	return j;
}
