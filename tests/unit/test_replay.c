/*
 * dispatcher/blockio/replay.c, the direct replay forms of followed blocks, against the general
 * interpreter: random 64-bit states (registers, RSP near and across page ends, CPL 0 and 3,
 * CR0.AM/WP and RFLAGS.AC, random PTE rights on the stack and data pages, canonical and
 * non-canonical targets), random earlier accesses in the same exit (which fill the per-exit
 * translation cache and make the direct path possible) and random page-table edits between
 * exits. Every case runs twice from the same state: interp_exec without the cache, and the
 * direct form (or, where it declines, interp_exec) with it; registers, RIP, dirty bits, the
 * pages touched and the paging structures' accessed/dirty flags must be identical.
 */
#include "unit.h"

#include <string.h>

#include "fake_block.h"
#include "dispatcher/blockio/block_run.h"
#include "dispatcher/blockio/replay.h"
#include "dispatcher/vcpu/gmem_tlb.h"

#define STACK_PAGE 0x8000ULL
#define DATA_PAGE 0x9000ULL
#define LOW_PAGE 0x7000ULL /* below the stack: pushes may cross into it */
#define SNAP_LO 0x0ULL /* from page 0: a register loaded from a page table may point anywhere low */
/* the memory restored between the two runs and compared: accesses may cross into the page
 * above the data page, and an address made of loaded values may point anywhere; the pages
 * above SNAP_HI are unmapped */
#define SNAP_HI 0x10000ULL
#define TABLE_PAGES 5 /* PML4, PDPT, PD, PT0, PT1 */
#define CASES 6000
#define SEQ 3 /* instructions a case runs in one exit */

static struct gmem_tlb tlb;
static u8 snap_mem[SNAP_HI - SNAP_LO], snap_tab[TABLE_PAGES * PAGE_SIZE];

static void save(u8 *mem, u8 *tab)
{
	memcpy(mem, fk.ram + SNAP_LO, sizeof snap_mem);
	memcpy(tab, fk.ram + FAKE_PT_BASE, sizeof snap_tab);
}

static void restore(void)
{
	memcpy(fk.ram + SNAP_LO, snap_mem, sizeof snap_mem);
	memcpy(fk.ram + FAKE_PT_BASE, snap_tab, sizeof snap_tab);
}

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

/* The port accesses of one run: what each IN returned, what each OUT wrote. */
struct port_event {
	bool in;
	u16 port;
	u8 size;
	u32 val;
};
struct port_log {
	u32 n;
	struct port_event ev[SEQ];
};
static u32 log_in(void *ctx, u16 port, u8 size)
{
	struct port_log *l = ctx;
	u32 val = (0x9e3779b9u * (port + 1u)) ^ (0x01000193u * (l->n + size)); /* all 32 bits: IN keeps only its size */
	if (l->n < SEQ)
		l->ev[l->n++] = (struct port_event){true, port, size, val};
	return val;
}
static void log_out(void *ctx, u16 port, u8 size, u32 val)
{
	struct port_log *l = ctx;
	if (l->n < SEQ)
		l->ev[l->n++] = (struct port_event){false, port, size, val};
}

/* One random instruction of the forms replay.c knows (and a few it declines). */
static u32 gen_insn(u64 *seed, u8 *b)
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

/* A pointer into the stack or data pages, near their ends now and then, or anything. */
static u64 gen_ptr(u64 *seed)
{
	switch (unit_below(seed, 8)) {
	case 0: return unit_rand(seed);
	case 1: return STACK_PAGE + unit_below(seed, 16) - 8; /* across LOW_PAGE / STACK_PAGE */
	case 2: return DATA_PAGE + PAGE_SIZE - unit_below(seed, 12);
	default: return (unit_below(seed, 2) ? STACK_PAGE : DATA_PAGE) + (unit_below(seed, PAGE_SIZE) & ~7ULL) +
	                (unit_below(seed, 4) ? 0 : unit_below(seed, 8));
	}
}

static u64 gen_pte(u64 *seed, u64 page)
{
	u64 f = PTE_P | PTE_RW | PTE_US;
	if (unit_below(seed, 5) == 0)
		f &= ~(1ULL << unit_below(seed, 3));
	return page | f;
}

/* Earlier accesses of this exit, through gmem as interp_exec makes them: loads, and the read
 * of a read-modify-write (write access, flags as for a write, nothing stored). */
struct warm {
	u32 n;
	u64 lin[3];
	bool write[3];
};

static void do_warm(const struct warm *w)
{
	for (u32 i = 0; i < w->n; i++) {
		u64 x = 0x5a5a;
		gmem_read(&fk.v, w->lin[i], &x, 8, w->write[i] ? VCPU_WRITE : VCPU_READ, fk.v.cpl == 3, 0);
		fk.v.gpr[VCPU_R15] ^= x; /* what it saw goes into the state compared */
	}
}

/* Which part of the state two runs left differently, and the instructions, for a failure. */
static void print_diff(const struct vcpu *a, const struct vcpu *b, u8 bytes[][16], const struct insn *seq)
{
	for (u32 k = 0; k < SEQ; k++) {
		print_message("  insn %u (%s):", k, insn_kind_name(seq[k].kind));
		for (u32 j = 0; j < seq[k].length; j++)
			print_message(" %02x", bytes[k][j]);
		print_message("\n");
	}
	for (u32 r = 0; r < VCPU_NREGS; r++)
		if (a->gpr[r] != b->gpr[r])
			print_message("  gpr %u: 0x%llx / 0x%llx\n", r, (unsigned long long)a->gpr[r],
			              (unsigned long long)b->gpr[r]);
	print_message("  rflags 0x%llx / 0x%llx, dirty 0x%x / 0x%x\n", (unsigned long long)a->rflags,
	              (unsigned long long)b->rflags, a->dirty, b->dirty);
}

/* The forms that may take their memory operand from the op (REPLAY_F_BD) or the decoded form. */
static bool mem_form(u8 k)
{
	return k == REPLAY_LOAD || k == REPLAY_STORE || k == REPLAY_STORE_IMM || k == REPLAY_ALU || k == REPLAY_LEA;
}

static void test_replay_matches_interp(void **state)
{
	(void)state;
	u64 seed = 77;
	u32 done = 0, slow = 0, done_kind[REPLAY_KINDS] = {0};
	u32 done_mem[2] = {0}; /* memory forms run with the operand from the decoded form, from the op */
	u64 drops = 0;
	struct port_log log_a, log_b;
	struct interp_io io_a = {&log_a, log_in, log_out}, io_b = {&log_b, log_in, log_out};
	/* everything above the compared range unmapped: an access there faults in both runs (an
	 * address a random register or a loaded value makes may point anywhere) */
	fake_mode_long64();
	for (u64 page = SNAP_HI; page < FAKE_RAM_SIZE; page += PAGE_SIZE)
		bf_set_pte(page, 0);
	for (u32 c = 0; c < CASES; c++) {
		u8 bytes[SEQ][16];
		struct insn seq[SEQ];
		for (u32 k = 0; k < SEQ; k++) {
			u32 len = gen_insn(&seed, bytes[k]);
			assert_int_equal(decode_insn(bytes[k], len, CPU_MODE_64, &seq[k]), DECODE_OK);
		}
		const struct insn in = seq[0]; /* the one the page-table alias aims at */
		fake_mode_long64();
		fk.v.tlb = 0;
		for (u32 r = 0; r < VCPU_NREGS; r++)
			fk.v.gpr[r] = gen_ptr(&seed);
		fk.v.rip = unit_below(&seed, 16) ? FAKE_RIP : 0x00007ffffffffff0ULL - unit_below(&seed, 8) * 0x100000;
		fk.v.cpl = unit_below(&seed, 3) == 0 ? 3 : 0;
		fk.v.cr0 = (fk.v.cr0 & ~(CR0_AM | CR0_WP)) | (unit_below(&seed, 2) ? CR0_AM : 0) |
		           (unit_below(&seed, 2) ? CR0_WP : 0);
		fk.v.rflags = 0x2 | (unit_below(&seed, 2) ? RFLAGS_AC : 0) | (unit_rand(&seed) & RFLAGS_STATUS);
		fk.v.seg[VCPU_FS].base = unit_below(&seed, 2) ? 0 : 0x1000;
		fk.v.dirty = 0;
		bf_set_pte(LOW_PAGE, gen_pte(&seed, LOW_PAGE));
		bf_set_pte(STACK_PAGE, gen_pte(&seed, STACK_PAGE));
		bf_set_pte(DATA_PAGE, gen_pte(&seed, DATA_PAGE));
		for (u64 a = SNAP_LO; a < SNAP_HI; a += 8) {
			u64 x = unit_below(&seed, 4) ? gen_ptr(&seed) : unit_rand(&seed);
			memcpy(fk.ram + a, &x, 8);
		}
		struct warm w = {.n = (u32)unit_below(&seed, 4)};
		for (u32 i = 0; i < w.n; i++) {
			w.lin[i] = unit_below(&seed, 2) ? fk.v.gpr[VCPU_RSP] - 8 * unit_below(&seed, 2) : gen_ptr(&seed);
			w.write[i] = unit_below(&seed, 2);
		}
		/* now and then LOW_PAGE maps the page table of all these pages, and the instruction's
		 * store lands on the PTE of the stack or data page, whose walks are cached: later
		 * accesses of the exit (post) must see the new entry */
		bool alias = unit_below(&seed, 4) == 0;
		struct warm post = {.n = 2, .lin = {STACK_PAGE + 0x100, DATA_PAGE + 0x100}};
		if (alias) {
			bf_set_pte(LOW_PAGE, (FAKE_PT_BASE + 3 * PAGE_SIZE) | PTE_P | PTE_RW | PTE_US);
			u64 pte_lin = LOW_PAGE + 8 * (unit_below(&seed, 2) ? STACK_PAGE : DATA_PAGE) / PAGE_SIZE;
			u64 at = in.op[0].type == OPND_MEM && in.mem.base != INSN_REG_RIP ? pte_lin - (u64)in.mem.disp
			                                                                : DATA_PAGE + 0x100;
			for (u32 r = 0; r < VCPU_NREGS; r++)
				fk.v.gpr[r] = at;
			fk.v.gpr[VCPU_RSP] = pte_lin + 8;
			w.n = 3;
			w.lin[0] = pte_lin;
			w.write[0] = true;
			w.lin[1] = STACK_PAGE + 0x100;
			w.lin[2] = DATA_PAGE + 0x100;
			w.write[1] = w.write[2] = unit_below(&seed, 2);
		}
		bool edit = unit_below(&seed, 4) == 0; /* the guest ran between: a PTE changed */
		u64 edit_page = unit_below(&seed, 2) ? STACK_PAGE : DATA_PAGE, edit_pte = gen_pte(&seed, edit_page);
		u64 drops0 = tlb.drops;
		struct vcpu v0 = fk.v;
		save(snap_mem, snap_tab);
		log_a.n = log_b.n = 0;

		/* the general interpreter, no cache */
		do_warm(&w);
		if (edit)
			bf_set_pte(edit_page, edit_pte);
		struct interp_result res;
		int ra[SEQ], rb[SEQ];
		for (u32 k = 0; k < SEQ; k++) /* a run stops at the first instruction that cannot run */
			ra[k] = k && ra[k - 1] != INTERP_OK ? INTERP_STOP : interp_exec(&fk.v, &seq[k], &io_a, &res);
		do_warm(&post);
		struct vcpu va = fk.v;
		static u8 mem_a[sizeof snap_mem], tab_a[sizeof snap_tab];
		save(mem_a, tab_a);

		/* the direct form with the cache */
		restore();
		fk.v = v0;
		gmem_tlb_begin(&tlb, &fk.v);
		do_warm(&w);
		if (edit) {
			gmem_tlb_end(&fk.v);
			bf_set_pte(edit_page, edit_pte);
			gmem_tlb_begin(&tlb, &fk.v);
		}
		struct block_pages pg;
		block_pages_reset(&pg);
		bool code_in_data = unit_below(&seed, 8) == 0;
		if (code_in_data)
			block_pages_add(&pg, DATA_PAGE); /* the data page holds the block's code */
		struct replay_ctx rc;
		replay_begin(&rc, &fk.v);
		replay_io(&rc, &fk.d.blockio, io_b, true); /* IN and OUT run directly, as in a block at CPL <= IOPL */
		for (u32 k = 0; k < SEQ; k++) {
			if (k && rb[k - 1] != REPLAY_DONE) {
				rb[k] = REPLAY_SLOW;
				continue;
			}
			struct replay_op op;
			replay_prepare(&seq[k], &op);
			static u8 data_before[PAGE_SIZE];
			memcpy(data_before, fk.ram + DATA_PAGE, PAGE_SIZE);
			rb[k] = op.kind == REPLAY_NONE ? REPLAY_SLOW : replay_exec(&fk.v, &rc, &op, &seq[k], &pg);
			if (rb[k] == REPLAY_DONE) {
				done++;
				done_kind[op.kind]++;
				if (mem_form(op.kind))
					done_mem[(op.flags & REPLAY_F_BD) != 0]++;
				/* never a direct store into the block's code: the general path ends the block */
				if (code_in_data && memcmp(fk.ram + DATA_PAGE, data_before, PAGE_SIZE))
					fail_msg("case %u: a direct store into a code page", c);
			} else {
				slow++;
				replay_flush(&fk.v, &rc); /* the general path reads RFLAGS */
				rb[k] = interp_exec(&fk.v, &seq[k], &io_b, &res) == INTERP_OK ? REPLAY_DONE : REPLAY_SLOW;
			}
		}
		replay_flush(&fk.v, &rc);
		do_warm(&post);
		gmem_tlb_end(&fk.v);
		drops += tlb.drops - drops0;
		for (u32 k = 0; k < SEQ; k++)
			if ((ra[k] == INTERP_OK) != (rb[k] == REPLAY_DONE))
				fail_msg("case %u, instruction %u (%02x %02x %02x): interp %d, replay %d", c, k, bytes[k][0],
				         bytes[k][1], bytes[k][2], ra[k], rb[k]);
		if (memcmp(&va, &fk.v, sizeof va))
			print_diff(&va, &fk.v, bytes, seq);
		if (memcmp(&va, &fk.v, sizeof va))
			fail_msg("case %u (%02x %02x %02x): rip 0x%llx/0x%llx rsp 0x%llx/0x%llx", c,
			         bytes[0][0], bytes[0][1], bytes[0][2], (unsigned long long)va.rip,
			         (unsigned long long)fk.v.rip, (unsigned long long)va.gpr[VCPU_RSP],
			         (unsigned long long)fk.v.gpr[VCPU_RSP]);
		assert_memory_equal(mem_a, fk.ram + SNAP_LO, sizeof mem_a);
		assert_memory_equal(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);
		/* the same port accesses, in the same order, with the same values */
		assert_int_equal(log_a.n, log_b.n);
		for (u32 k = 0; k < log_a.n; k++) {
			const struct port_event *ea = &log_a.ev[k], *eb = &log_b.ev[k];
			if (ea->in != eb->in || ea->port != eb->port || ea->size != eb->size || ea->val != eb->val)
				fail_msg("case %u: port access %u differs", c, k);
		}
		restore();
	}
	/* both paths are exercised, and stores that drop the cache */
	assert_true(drops > CASES / 50);
	assert_true(done > CASES / 10);
	assert_true(slow > CASES / 10);
	for (u32 k = REPLAY_NONE + 1; k < REPLAY_KINDS; k++) /* every direct form ran */
		if (done_kind[k] < 10)
			fail_msg("form %u ran %u times", k, done_kind[k]);
	/* both ways of finding a memory operand: the op's base + disp (REPLAY_F_BD) and the
	 * decoded form's (an index, RIP, FS/GS, a wider displacement) */
	assert_true(done_mem[0] >= 10 && done_mem[1] >= 10);
}

/*
 * The run's second write page (replay_ctx w2page) keeps its own paging-structure check state.
 * X = LOW_PAGE maps the page table of 2-4 MiB (PT1), Y is the stack page, F = 2 MiB is mapped
 * by PT1's first entry. mov [rbx], rax (X, F's PTE rewritten unchanged: no cached walk uses PT1
 * yet, so nothing is dropped); mov rcx, [rdx] (F: its walk adds PT1 to the cache's frames);
 * push rsi (Y: X becomes the second write page); mov rax, rdi; mov [rbx], rax (X again: F's PTE
 * now maps G; X's check state is older than PT1's frame, so the store drops the cache);
 * mov rcx, [rdx] (F walked again: G's value). All six run directly, against the interpreter
 * without the cache.
 */
#define W2_F 0x200000ULL
#define W2_G 0x201000ULL
#define W2_PT1 (FAKE_PT_BASE + 4 * PAGE_SIZE)
static void test_second_write_page_checks_its_store(void **state)
{
	(void)state;
	static const u8 code[][3] = {{0x48, 0x89, 0x03}, {0x48, 0x8b, 0x0a}, {0x56}, {0x48, 0x89, 0xf8},
	                             {0x48, 0x89, 0x03}, {0x48, 0x8b, 0x0a}};
	static const u8 lens[] = {3, 3, 1, 3, 3, 3};
	enum { N = 6 };
	struct insn seq[N];
	for (u32 k = 0; k < N; k++)
		assert_int_equal(decode_insn(code[k], lens[k], CPU_MODE_64, &seq[k]), DECODE_OK);
	fake_mode_long64();
	fk.v.tlb = 0;
	fk.v.rip = FAKE_RIP;
	bf_set_pte(LOW_PAGE, W2_PT1 | PTE_P | PTE_RW | PTE_US);
	bf_set_pte(STACK_PAGE, STACK_PAGE | PTE_P | PTE_RW | PTE_US);
	u64 fa = 0x1111, fb = 0x2222, pte_f;
	memcpy(fk.ram + W2_F, &fa, 8);
	memcpy(fk.ram + W2_G, &fb, 8);
	memcpy(&pte_f, fk.ram + W2_PT1, 8);
	fk.v.gpr[VCPU_RBX] = LOW_PAGE;
	fk.v.gpr[VCPU_RAX] = pte_f;
	fk.v.gpr[VCPU_RDX] = W2_F;
	fk.v.gpr[VCPU_RSP] = STACK_PAGE + 0x800;
	fk.v.gpr[VCPU_RDI] = W2_G | PTE_P | PTE_RW | PTE_US;
	struct vcpu v0 = fk.v;
	save(snap_mem, snap_tab);
	struct interp_io no_io = {0};
	struct interp_result res;
	for (u32 k = 0; k < N; k++)
		assert_int_equal(interp_exec(&fk.v, &seq[k], &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.gpr[VCPU_RCX], fb);
	struct vcpu va = fk.v;
	static u8 tab_a[sizeof snap_tab];
	memcpy(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);

	restore();
	fk.v = v0;
	gmem_tlb_begin(&tlb, &fk.v);
	struct block_pages pg;
	block_pages_reset(&pg);
	struct replay_ctx rc;
	replay_begin(&rc, &fk.v);
	for (u32 k = 0; k < N; k++) {
		struct replay_op op;
		replay_prepare(&seq[k], &op);
		assert_int_equal(replay_exec(&fk.v, &rc, &op, &seq[k], &pg), REPLAY_DONE);
	}
	replay_flush(&fk.v, &rc);
	gmem_tlb_end(&fk.v);
	fk.v.tlb = va.tlb;
	assert_int_equal(fk.v.gpr[VCPU_RCX], fb);
	assert_memory_equal(&va, &fk.v, sizeof va);
	assert_memory_equal(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);
	restore();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_matches_interp, bf_setup, bf_teardown),
		cmocka_unit_test_setup_teardown(test_second_write_page_checks_its_store, bf_setup, bf_teardown),
	};
	return UNIT_RUN(tests);
}
