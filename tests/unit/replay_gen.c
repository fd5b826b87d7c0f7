/* Random instructions for test_replay.c; see replay_gen.h. */
#include "replay_gen.h"

#include <string.h>

#include "fake_block.h"

/* ModRM (mod 01, reg field `reg`) + SIB for an rsp base + disp8: [base + disp8]. */
static u32 put_mem(u8 *b, u32 n, u32 reg, u32 base, u8 disp)
{
	b[n++] = (u8)(0x40 | ((reg & 7) << 3) | (base & 7));
	if ((base & 7) == 4)
		b[n++] = 0x24;
	b[n++] = disp;
	return n;
}

/* An operand-size prefix set for size 0..3 (8, 16, 32, 64 bits): 66 for 16, REX.W for 64, and a
 * bare REX for 8 (SPL..DIL, never AH..BH) with REX.R/B as asked. */
static u32 put_size(u8 *b, u32 n, u32 size, u32 rex_rb)
{
	if (size == 1)
		b[n++] = 0x66;
	if (size != 1 || rex_rb)
		b[n++] = (u8)(0x40 | (size == 3 ? 8 : 0) | rex_rb);
	return n;
}

/* The data, LEA and branch forms: the ALU group, TEST, INC/DEC/NOT/NEG, shifts, MOVZX/MOVSX/
 * MOVSXD, MOV between registers, LEA, Jcc/JMP rel8 and rel32, CALL/JMP r64, NOP and PAUSE. */
static u32 gen_data(u64 *seed, u8 *b)
{
	u32 n = 0, r = (u32)unit_below(seed, 16), m = (u32)unit_below(seed, 16), base = (u32)unit_below(seed, 8);
	u32 size = (u32)unit_below(seed, 4), alu = (u32)unit_below(seed, 8);
	u32 rex_rb = (r >= 8 ? 4 : 0) | (m >= 8 ? 1 : 0);
	u8 disp = (u8)unit_below(seed, 256), imm = (u8)unit_rand(seed);
	u8 w = size ? 1 : 0;
	switch (unit_below(seed, 15)) {
	case 0: /* alu r/m, r (register form) */
		n = put_size(b, n, size, rex_rb);
		b[n++] = (u8)(alu << 3 | w);
		b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
		return n;
	case 1: /* alu r, [base + disp8] and alu [base + disp8], r */
		n = put_size(b, n, size, r >= 8 ? 4 : 0);
		b[n++] = (u8)(alu << 3 | (unit_below(seed, 2) ? 2 : 0) | w);
		return put_mem(b, n, r, base, disp);
	case 2: { /* alu r/m, imm8 (83, 80) or imm16/imm32 (81) */
		n = put_size(b, n, size, m >= 8 ? 1 : 0);
		u8 opc = size == 0 ? 0x80 : unit_below(seed, 2) ? 0x83 : 0x81;
		b[n++] = opc;
		if (unit_below(seed, 2))
			b[n++] = (u8)(0xc0 | alu << 3 | (m & 7));
		else
			n = put_mem(b, n, alu, base, disp);
		u32 isz = opc == 0x81 ? (size == 1 ? 2 : 4) : 1;
		for (u32 k = 0; k < isz; k++)
			b[n++] = (u8)unit_rand(seed);
		return n;
	}
	case 3: /* test r/m, r; test [m], imm */
		n = put_size(b, n, size, rex_rb);
		if (unit_below(seed, 2)) {
			b[n++] = (u8)(0x84 | w);
			b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
			return n;
		}
		b[n++] = (u8)(0xf6 | w);
		n = put_mem(b, n, 0, base, disp);
		for (u32 k = 0; k < (size == 0 ? 1u : size == 1 ? 2u : 4u); k++)
			b[n++] = (u8)unit_rand(seed);
		return n;
	case 4: /* inc/dec (FE/FF /0 /1), not/neg (F6/F7 /2 /3) of a register or memory */
		n = put_size(b, n, size, m >= 8 ? 1 : 0);
		if (unit_below(seed, 2)) {
			b[n++] = (u8)(0xfe | w);
			b[n++] = (u8)(0xc0 | (unit_below(seed, 2) << 3) | (m & 7));
		} else {
			b[n++] = (u8)(0xf6 | w);
			if (unit_below(seed, 2))
				b[n++] = (u8)(0xc0 | ((2 + unit_below(seed, 2)) << 3) | (m & 7));
			else
				n = put_mem(b, n, 2 + (u32)unit_below(seed, 2), base, disp);
		}
		return n;
	case 5: { /* shl/shr/sar r by CL, by 1, by imm8 */
		static const u8 ext[3] = {4, 5, 7};
		n = put_size(b, n, size, m >= 8 ? 1 : 0);
		u32 how = (u32)unit_below(seed, 3);
		b[n++] = (u8)((how == 0 ? 0xd2 : how == 1 ? 0xd0 : 0xc0) | w);
		b[n++] = (u8)(0xc0 | ext[unit_below(seed, 3)] << 3 | (m & 7));
		if (how == 2)
			b[n++] = (u8)unit_below(seed, 70);
		return n;
	}
	case 6: /* movzx/movsx r, r/m8 or r/m16; movsxd r64, r/m32 */
		if (unit_below(seed, 4) == 0) {
			b[n++] = (u8)(0x48 | rex_rb);
			b[n++] = 0x63;
		} else {
			n = put_size(b, n, 1 + (u32)unit_below(seed, 3), rex_rb);
			b[n++] = 0x0f;
			b[n++] = (u8)(0xb6 | (unit_below(seed, 2) ? 8 : 0) | (unit_below(seed, 2) ? 1 : 0));
		}
		if (unit_below(seed, 2)) {
			b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
			return n;
		}
		return put_mem(b, n, r, base, disp);
	case 7: /* mov r, r; mov r32, imm32; xor r, r (the same) */
		if (unit_below(seed, 3) == 0) {
			n = put_size(b, n, size, m >= 8 ? 5 : 0);
			b[n++] = (u8)(0x30 | w);
			b[n++] = (u8)(0xc0 | (m & 7) << 3 | (m & 7));
			return n;
		}
		if (unit_below(seed, 3) == 0) { /* mov r, imm (B8+r: imm16/imm32, imm64 with REX.W) */
			n = put_size(b, n, size ? size : 2, m >= 8 ? 1 : 0);
			b[n++] = (u8)(0xb8 | (m & 7));
			for (u32 k = 0; k < (size == 1 ? 2u : size == 3 ? 8u : 4u); k++)
				b[n++] = (u8)unit_rand(seed);
			return n;
		}
		n = put_size(b, n, size, rex_rb);
		b[n++] = (u8)(0x88 | w);
		b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
		return n;
	case 8: /* lea r, [base + index*scale + disp8] */
		n = put_size(b, n, 1 + (u32)unit_below(seed, 3), rex_rb);
		b[n++] = 0x8d;
		b[n++] = (u8)(0x44 | (r & 7) << 3);
		b[n++] = (u8)(unit_below(seed, 4) << 6 | (unit_below(seed, 8) << 3) | base);
		b[n++] = disp;
		return n;
	case 9:
	case 10: /* jcc rel8 / rel32, jmp rel8 */
		if (unit_below(seed, 3) == 0) {
			b[n++] = 0x0f;
			b[n++] = (u8)(0x80 | unit_below(seed, 16));
			u32 rel = (u32)unit_rand(seed);
			memcpy(b + n, &rel, 4);
			return n + 4;
		}
		b[n++] = unit_below(seed, 5) ? (u8)(0x70 | unit_below(seed, 16)) : 0xeb;
		b[n++] = disp;
		return n;
	case 11: /* call r64 / jmp r64 */
		if (m >= 8)
			b[n++] = 0x41;
		b[n++] = 0xff;
		b[n++] = (u8)((unit_below(seed, 2) ? 0xd0 : 0xe0) | (m & 7));
		return n;
	case 12: /* adc/sbb, which read CF: through the flags of what ran before */
		n = put_size(b, n, size, rex_rb);
		b[n++] = (u8)((unit_below(seed, 2) ? 0x10 : 0x18) | w);
		b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
		return n;
	case 14: /* nop; 66 nop; nopl/nopw [base + disp8] (0F 1F /0); pause */
		switch (unit_below(seed, 4)) {
		case 0: b[n++] = 0x90; return n;
		case 1: b[n++] = 0x66; b[n++] = 0x90; return n;
		case 2: b[n++] = 0xf3; b[n++] = 0x90; return n;
		default:
			n = put_size(b, n, 1 + (u32)unit_below(seed, 3), 0);
			b[n++] = 0x0f;
			b[n++] = 0x1f;
			return put_mem(b, n, 0, base, disp);
		}
	default: /* cmp r8, imm8 with REX (SIL ...); cmp r64, r64 */
		if (unit_below(seed, 2)) {
			b[n++] = (u8)(0x40 | (m >= 8 ? 1 : 0));
			b[n++] = 0x80;
			b[n++] = (u8)(0xf8 | (m & 7));
			b[n++] = imm;
			return n;
		}
		b[n++] = (u8)(0x48 | rex_rb);
		b[n++] = 0x39;
		b[n++] = (u8)(0xc0 | (r & 7) << 3 | (m & 7));
		return n;
	}
}

/* IN or OUT of AL, AX or EAX with an imm8 port or DX (E4-E7, EC-EF, 66 for AX). */
static u32 gen_port(u64 *seed, u8 *b)
{
	u32 n = 0, size = (u32)unit_below(seed, 3);
	if (size == 1)
		b[n++] = 0x66;
	bool dx = unit_below(seed, 2), out = unit_below(seed, 2);
	b[n++] = (u8)((dx ? 0xec : 0xe4) | (out ? 2 : 0) | (size ? 1 : 0));
	if (!dx)
		b[n++] = (u8)unit_below(seed, 256);
	return n;
}

/* One random instruction of the forms replay.c knows (and a few it declines). */
u32 replay_gen_insn(u64 *seed, u8 *b)
{
	u32 n = 0;
	if (unit_below(seed, 24) == 0)
		return gen_port(seed, b);
	if (unit_below(seed, 2))
		return gen_data(seed, b);
	u32 r = (u32)unit_below(seed, 16);
	u8 rex_b = r >= 8 ? 0x41 : 0;
	u8 disp = (u8)unit_below(seed, 256);
	switch (unit_below(seed, 10)) {
	case 0: /* push r */
		if (rex_b)
			b[n++] = rex_b;
		b[n++] = (u8)(0x50 + (r & 7));
		return n;
	case 1: /* pop r */
		if (rex_b)
			b[n++] = rex_b;
		b[n++] = (u8)(0x58 + (r & 7));
		return n;
	case 2: { /* call rel32 */
		u32 rel = (u32)unit_rand(seed);
		b[n++] = 0xe8;
		memcpy(b + n, &rel, 4);
		return n + 4;
	}
	case 3:
		b[n++] = 0xc3;
		return n;
	case 4: /* mov r64, [base + disp8] (with a SIB byte for rsp/r12) */
	case 5: { /* mov [base + disp8], r of 8/16/32/64 bits */
		bool load = unit_below(seed, 2) == 0;
		u32 base = (u32)unit_below(seed, 8), size = (u32)unit_below(seed, 4);
		if (unit_below(seed, 6) == 0)
			b[n++] = 0x64; /* FS */
		if (size == 1)
			b[n++] = 0x66;
		b[n++] = (u8)(0x40 | (size == 3 ? 8 : 0) | (r >= 8 ? 4 : 0));
		b[n++] = (u8)((load ? 0x8a : 0x88) | (size ? 1 : 0));
		b[n++] = (u8)(0x40 | ((r & 7) << 3) | base);
		if (base == 4)
			b[n++] = 0x24;
		b[n++] = disp;
		return n;
	}
	case 6: { /* mov [rip + disp32], r64 / mov r64, [rip + disp32] */
		i32 d = (i32)(DATA_PAGE - FAKE_RIP) + (i32)unit_below(seed, PAGE_SIZE + 16) - 16;
		b[n++] = (u8)(0x48 | (r >= 8 ? 4 : 0));
		b[n++] = unit_below(seed, 2) ? 0x8b : 0x89;
		b[n++] = (u8)(0x05 | ((r & 7) << 3));
		memcpy(b + n, &d, 4);
		return n + 4;
	}
	case 7: { /* mov [base + disp8], imm of 8/16/32 bits (and REX.W imm32) */
		u32 size = (u32)unit_below(seed, 4);
		u32 base = (u32)unit_below(seed, 8);
		if (size == 1)
			b[n++] = 0x66;
		if (size == 3)
			b[n++] = 0x48;
		b[n++] = size == 0 ? 0xc6 : 0xc7;
		b[n++] = (u8)(0x40 | base);
		if (base == 4)
			b[n++] = 0x24;
		b[n++] = disp;
		u32 imm = (u32)unit_rand(seed);
		u32 isz = size == 0 ? 1 : size == 1 ? 2 : 4;
		memcpy(b + n, &imm, isz);
		return n + isz;
	}
	case 8: /* mov ah, [rbx + disp8]: declined (AH..BH) */
		b[n++] = 0x8a;
		b[n++] = 0x63;
		b[n++] = disp;
		return n;
	default: /* mov rax, [ebx + disp8] (67): declined */
		b[n++] = 0x67;
		b[n++] = 0x48;
		b[n++] = 0x8b;
		b[n++] = 0x43;
		b[n++] = disp;
		return n;
	}
}
