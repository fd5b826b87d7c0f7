/*
 * The arithmetic of the interpreter's data instructions: results and the status flags they
 * set (SDM Vol. 2, one page per instruction; Vol. 1 appendix A "EFLAGS Cross-Reference"), and
 * the Jcc conditions. Shared by interp.c and the direct replay forms (blockio/replay.c), so
 * that both compute every flag the same way; the undefined flags get the values interp.c
 * documents. Pure C, inline.
 */
#ifndef DISPATCHER_INTERP_ALU_H
#define DISPATCHER_INTERP_ALU_H

#include "decode.h"
#include "../../arch/x86.h"

#define SHIFT_COUNT_MASK32 0x1f
#define SHIFT_COUNT_MASK64 0x3f
#define AF_BIT 0x10

static inline u64 msb(u64 x, u32 bits) { return (x >> (bits - 1)) & 1; }
static inline u64 alu_mask(u32 bits) { return bits >= 64 ? ~0ULL : (1ULL << bits) - 1; }


static inline bool parity_even(u64 x)
{
	u8 b = (u8)x;
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

static inline u64 szp(u64 r, u32 bits)
{
	u64 f = 0;
	r &= alu_mask(bits);
	if (r == 0)
		f |= RFLAGS_ZF;
	if (msb(r, bits))
		f |= RFLAGS_SF;
	if (parity_even(r))
		f |= RFLAGS_PF;
	return f;
}

/* A result and the arithmetic flags it sets: `mask` names the flags written. */
struct alu_out {
	u64 val;
	u64 flags;
	u64 mask;
};

static inline struct alu_out add_flags(u64 a, u64 b, u64 cin, u32 bits)
{
	u64 m = alu_mask(bits);
	u64 r = (a + b + cin) & m;
	u64 f = szp(r, bits);
	if (r < a || (cin && r == a))
		f |= RFLAGS_CF;
	if (msb((a ^ r) & (b ^ r), bits))
		f |= RFLAGS_OF;
	if ((a ^ b ^ r) & AF_BIT)
		f |= RFLAGS_AF;
	return (struct alu_out){r, f, RFLAGS_STATUS};
}

static inline struct alu_out sub_flags(u64 a, u64 b, u64 bin, u32 bits)
{
	u64 m = alu_mask(bits);
	u64 r = (a - b - bin) & m;
	u64 f = szp(r, bits);
	if (a < b || (bin && a == b))
		f |= RFLAGS_CF;
	if (msb((a ^ b) & (a ^ r), bits))
		f |= RFLAGS_OF;
	if ((a ^ b ^ r) & AF_BIT)
		f |= RFLAGS_AF;
	return (struct alu_out){r, f, RFLAGS_STATUS};
}

/* AND, OR, XOR, TEST: CF = OF = 0; AF is undefined, and processors clear it (AMD host: always). */
static inline struct alu_out logic_flags(u64 r, u32 bits)
{
	return (struct alu_out){r & alu_mask(bits), szp(r, bits), RFLAGS_STATUS};
}

/*
 * SHL, SHR, SAR with a masked count c > 0 (SDM Vol. 2B "SAL/SAR/SHL/SHR"). CF is the last bit
 * shifted out, OF is defined for c = 1 only, AF is undefined. For c > 1 this gives OF the
 * value of the c = 1 formula applied to the last step (SHL: MSB(result) XOR CF; SHR: MSB of
 * the operand before the last step; SAR: 0) and AF = 0; for SHL/SHR with c >= the operand
 * size, CF is the bit that the c-th single-bit shift moves out (0 when c exceeds the size).
 */
static inline struct alu_out shift_flags(enum insn_kind k, u64 a, u32 c, u32 bits)
{
	u64 m = alu_mask(bits);
	u64 sign = msb(a, bits);
	u64 r, cf, of;
	if (k == INSN_SHL) {
		r = c < bits ? (a << c) & m : 0;
		cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
		of = msb(r, bits) ^ cf;
	} else if (k == INSN_SHR) {
		r = c < bits ? a >> c : 0;
		cf = c <= bits ? (a >> (c - 1)) & 1 : 0;
		of = c == 1 ? sign : 0;
	} else { /* SAR: shifts in copies of the sign */
		u64 fill = sign ? m : 0;
		r = c < bits ? ((a >> c) | (fill & ~(m >> c))) & m : fill;
		cf = c < bits ? (a >> (c - 1)) & 1 : sign;
		of = 0;
	}
	u64 f = szp(r, bits) | (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0);
	return (struct alu_out){r, f, RFLAGS_STATUS};
}

static inline struct alu_out interp_alu(u64 rflags, enum insn_kind k, u64 a, u64 b, u32 bits)
{
	u64 cf = (rflags & RFLAGS_CF) ? 1 : 0;
	struct alu_out o;
	switch (k) {
	case INSN_ADD:
		return add_flags(a, b, 0, bits);
	case INSN_ADC:
		return add_flags(a, b, cf, bits);
	case INSN_SUB:
	case INSN_CMP:
		return sub_flags(a, b, 0, bits);
	case INSN_SBB:
		return sub_flags(a, b, cf, bits);
	case INSN_AND:
	case INSN_TEST:
		return logic_flags(a & b, bits);
	case INSN_OR:
		return logic_flags(a | b, bits);
	case INSN_XOR:
		return logic_flags(a ^ b, bits);
	case INSN_INC: /* CF is not affected (Vol. 2A "INC", "DEC") */
		o = add_flags(a, 1, 0, bits);
		o.mask &= ~RFLAGS_CF;
		return o;
	case INSN_DEC:
		o = sub_flags(a, 1, 0, bits);
		o.mask &= ~RFLAGS_CF;
		return o;
	case INSN_NEG: /* CF = (operand != 0), the rest as 0 - operand */
		return sub_flags(0, a, 0, bits);
	case INSN_NOT:
		return (struct alu_out){~a & alu_mask(bits), 0, 0};
	default:
		return (struct alu_out){0, 0, 0};
	}
}

static inline u64 alu_sign_extend(u64 x, u32 bits)
{
	return bits >= 64 ? x : (u64)(((i64)(x << (64 - bits))) >> (64 - bits));
}

/* The value written to the destination (and the flags) of a data instruction of `bits`
 * (the source: `srcbits`), a and b the operands as read. */
static inline struct alu_out interp_compute(u64 rflags, enum insn_kind kind, u32 bits, u32 srcbits, u64 a, u64 b)
{
	switch (kind) {
	case INSN_MOV:
	case INSN_MOVZX:
		return (struct alu_out){b, 0, 0};
	case INSN_MOVSX:
	case INSN_MOVSXD:
		return (struct alu_out){alu_sign_extend(b, srcbits) & alu_mask(bits), 0, 0};
	case INSN_SHL:
	case INSN_SHR:
	case INSN_SAR: {
		u32 c = (u32)b & (bits == 64 ? SHIFT_COUNT_MASK64 : SHIFT_COUNT_MASK32);
		if (c == 0) /* no flag changes; the destination is still written */
			return (struct alu_out){a, 0, 0};
		return shift_flags(kind, a, c, bits);
	}
	default:
		return interp_alu(rflags, kind, a, b, bits);
	}
}

/* Jcc conditions in opcode order, pairs of a test and its negation (SDM Vol. 2A "Jcc"). */
static inline bool interp_condition(u64 fl, u8 cond)
{
	bool cf = fl & RFLAGS_CF, zf = fl & RFLAGS_ZF, sf = fl & RFLAGS_SF, of = fl & RFLAGS_OF;
	bool pf = fl & RFLAGS_PF;
	bool t;
	switch (cond >> 1) {
	case 0: t = of; break;
	case 1: t = cf; break;
	case 2: t = zf; break;
	case 3: t = cf || zf; break;
	case 4: t = sf; break;
	case 5: t = pf; break;
	case 6: t = sf != of; break;
	default: t = zf || sf != of; break;
	}
	return t != (cond & 1);
}

#endif
