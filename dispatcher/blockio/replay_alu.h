/*
 * The register arithmetic of the direct replay forms (replay.h): lazy flags, register writes
 * at a width, the extensions, and the data instructions' flags as interp_alu.h gives them.
 * Only for replay.c: the per-instruction path of run_ops. Pure C.
 */
#ifndef DISPATCHER_REPLAY_ALU_H
#define DISPATCHER_REPLAY_ALU_H

#include "replay.h"
#include "../emul/interp_alu.h"

#define HOT static inline __attribute__((always_inline)) /* the per-instruction path of replay_run */

#define LZ_KIND(sk) ((u8)((sk) >> 8))
#define LZ_BITS(sk) (8u * (u8)(sk))

/* Their results, as interp_alu computes them (masked by the caller). */
HOT u64 lazy_result(enum insn_kind k, u64 a, u64 b)
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

/* A lazy-flag operation of op's kind and width on a, b with result r: its flags wait
 * (replay_flush). */
HOT void lazy_set(struct replay_ctx *c, const struct replay_op *op, u64 a, u64 b, u64 r)
{
	u16 sk;
	__builtin_memcpy(&sk, &op->size, sizeof sk); /* size, then alu: replay_op's order */
	_Static_assert(__builtin_offsetof(struct replay_op, alu) == __builtin_offsetof(struct replay_op, size) + 1,
	               "alu follows size");
	c->lz_sk = sk;
	c->lz_a = a;
	c->lz_b = b;
	c->lz_r = r;
}

/* The result of a lazy-flag ALU operation of op's width (masked by m); its operands are kept
 * for the flags, which RFLAGS gets only when read (replay_flush). */
HOT u64 lazy_op(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, u64 a, u64 b, u64 m)
{
	u64 r = lazy_result((enum insn_kind)op->alu, a, b) & m;
	lazy_set(c, op, a, b, r);
	return r;
}

static const u64 size_masks[] = {0, 0xff, 0xffff, 0, 0xffffffffULL, 0, 0, 0, ~0ULL};
HOT u64 size_mask(u32 bytes) { return size_masks[bytes]; }

/* MOVSX/MOVSXD's value of `bytes` sign-extended, MOV/MOVZX's as it is (zero-extended): interp_compute's
 * result before the register write masks it to the destination's width. */
HOT u64 extend(u8 kind, u64 val, u32 bytes)
{
	u32 sh = 64 - 8 * bytes;
	return kind == INSN_MOVSX || kind == INSN_MOVSXD ? (u64)((i64)(val << sh) >> sh) : val;
}

/* What a register write of `bytes` keeps of the register: 8 and 16 bits merge, 32 bits
 * zero-extend in 64-bit mode (SDM Vol. 1 3.4.1.1). */
static const u64 keep_masks[] = {0, ~0xffULL, ~0xffffULL, 0, 0, 0, 0, 0, 0};

/* A register write of `bytes`, without a branch on the size. */
HOT void reg_write(struct vcpu *v, u8 reg, u32 bytes, u64 val)
{
	vcpu_set_reg(v, (enum vcpu_reg)reg, (v->gpr[reg] & keep_masks[bytes]) | (val & size_mask(bytes)));
}

/*
 * The flags of a data instruction that writes them at once (not lazily), and its result. The
 * pending lazy flags go into RFLAGS first only where they can matter: before ADC/SBB (which read
 * CF) and before an instruction that writes some status flags but not all (INC/DEC keep CF). One
 * that writes all six (a shift by a count that is not 0, NEG) overwrites them: they are dropped
 * (RFLAGS as if written first, then overwritten); one that writes none (a shift by 0, NOT, the
 * moves) leaves them pending. interp_compute reads RFLAGS only for ADC/SBB's CF.
 */
static inline u64 exec_flags(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, u64 a, u64 b)
{
	struct alu_out o;
	u32 bits = 8u * op->size;
	if (op->alu == INSN_SHL || op->alu == INSN_SHR || op->alu == INSN_SAR) { /* interp_compute's shift */
		u32 n = (u32)b & (bits == 64 ? SHIFT_COUNT_MASK64 : SHIFT_COUNT_MASK32);
		if (n == 0)
			return a; /* no flag changes */
		o = shift_flags((enum insn_kind)op->alu, a, n, bits);
	} else {
		if (op->alu == INSN_ADC || op->alu == INSN_SBB)
			replay_flush(v, c);
		o = interp_compute(v->rflags, (enum insn_kind)op->alu, bits, 8u * op->ssize, a, b);
	}
	if (!o.mask)
		return o.val;
	if (o.mask == RFLAGS_STATUS)
		c->lz_sk = 0;
	else
		replay_flush(v, c);
	v->rflags = (v->rflags & ~o.mask) | (o.flags & o.mask);
	v->dirty |= VCPU_DIRTY_RFLAGS;
	return o.val;
}

/* A Jcc's condition: JE/JNE from a pending result, anything else from RFLAGS. */
#define JCC_COND_E 4
HOT bool jcc_taken(struct vcpu *v, struct replay_ctx *c, u8 cond)
{
	if (c->lz_sk) {
		if ((cond >> 1) == (JCC_COND_E >> 1))
			return (c->lz_r == 0) != (cond & 1);
		replay_flush(v, c);
	}
	return interp_condition(v->rflags, cond);
}

#endif
