/*
 * dispatcher/blockio/block_dispatch.c: the end of the guest's run, bounds and the one-exit path, IN and
 * operand sizes and modes, and random programs run with block IO off and on (which must be
 * indistinguishable).
 * The fixture, shared with test_block_dispatch.c, is block_dispatch_fixture.{h,c}.
 */
#include "block_dispatch_fixture.h"

/* ---- the end of the guest's run, bounds, the one-exit path ---- */

static void test_debug_exit_ends_guest_and_block(void **state)
{
	/* out; mov al,7; out 0xf4,al; mov al,9; out; hlt */
	BF_CODE(FAKE_RIP, OUT_DX, 0xb0, 0x07, 0xe6, 0xf4, 0xb0, 0x09, OUT_DX, HLT);
	assert_true(dispatch());
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, 7);
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 5);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 7);
	assert_int_equal(fk.d.stats.io_instructions, 2);
	/* the same as one exit per IO instruction */
	fk.v = (struct vcpu){0};
	assert_int_equal(setup(state), 0);
	BF_CODE(FAKE_RIP, OUT_DX, 0xb0, 0x07, 0xe6, 0xf4, 0xb0, 0x09, OUT_DX, HLT);
	bf_run_both(16, NULL, NULL);
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, 7);
}

/* A device that asks for a machine reset when written, like 0xCF9 or the 8042's 0xFE. */
static void reset_write(void *dev, u16 off, u8 size, u32 val)
{
	fk.board.reset.requested = true;
	fk.board.reset.how = "test reset port";
}
static const struct io_device reset_dev = {"reset", 0x64, 1, true, NULL, NULL, reset_write};

static void test_reset_request_ends_guest_and_block(void **state)
{
	assert_int_equal(iobus_register(&fk.board.bus, &reset_dev), 0);
	BF_CODE(FAKE_RIP, OUT_DX, 0xe6, 0x64, INC_AL, OUT_DX, HLT); /* out; out 0x64,al; inc al; out */
	assert_true(dispatch());
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, HV_EXIT_OK);
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 3);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x7f);
}

static void test_first_instruction_not_emulable_returns_false(void **state)
{
	/* the interpreter refuses the exiting instruction itself (here: beyond CS's limit): the
	 * one-exit path must handle it, and nothing may have changed */
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.seg[VCPU_CS].limit = FAKE_RIP - 1;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
}

static void test_block_across_pages_hashes_both(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.extent = BLOCK_EXTENT_CPU;
	fk.v.rip = 0x1ffc;
	BF_CODE(0x1ffc, OUT_DX, 0x90, 0x90, 0x90, OUT_DX, HLT);
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x7f);
	assert_int_equal(fk.v.rip, 0x2001);
	fk.ram[0x2000] = HLT; /* the part of the block in the second page changes */
	fk.v.rip = 0x1ffc;
	bf_rec.n = 0;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	bf_assert_same_state(&before, V);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(fk.d.blockio.stats.mismatches, 1);
	assert_int_equal(fk.d.blockio.stats.singles, 1);
}

static void test_max_insns_per_exit(void **state)
{
	memset(fk.ram + FAKE_RIP, OUT_DX, 40);
	fk.ram[FAKE_RIP + 40] = HLT;
	assert_true(dispatch());
	assert_int_equal(bf_rec.n, BLOCK_SCAN_MAX_INSNS);
	assert_int_equal(fk.v.rip, FAKE_RIP + BLOCK_SCAN_MAX_INSNS);
	assert_int_equal(fk.d.stats.io_instructions, BLOCK_SCAN_MAX_INSNS);
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	struct bf_outcome off, on;
	bf_run_both(64, &off, &on);
	assert_int_equal(bf_rec.n, 40);
	assert_int_equal(off.exits, 40);
	assert_int_equal(on.exits, 2); /* 32, then the 8 left */
}

static void test_rep_outsb_first_takes_one_exit_path(void **state)
{
	BF_CODE(FAKE_RIP, 0xf3, 0x6e, OUT_DX, OUT_DX, HLT);
	BF_CODE(0x5000, 1, 2, 3);
	fk.v.gpr[VCPU_RSI] = 0x5000;
	fk.v.gpr[VCPU_RCX] = 3;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
	assert_int_equal(fk.d.blockio.stats.misses, 1);
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	ASSERT_WRITES(1, 2, 3, 0x7f, 0x7f);
	assert_int_equal(on.exits, 2); /* the string in one exit, then the two OUTs as a block */
}

static void test_outsb_first_is_not_a_block(void **state)
{
	BF_CODE(FAKE_RIP, 0x6e, OUT_DX, OUT_DX, HLT);
	fk.v.gpr[VCPU_RSI] = 0x5000;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
}

static void test_single_io_is_left_to_one_exit_path(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, HLT, OUT_DX);
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
	assert_int_equal(fk.d.blockio.stats.singles, 1);
	assert_false(dispatch()); /* cached as a single: a hit, still one exit */
	assert_int_equal(fk.d.blockio.stats.singles, 2);
	assert_int_equal(fk.d.blockio.stats.hits, 1);
	assert_nothing_done(&before);
}

static void test_not_io_at_rip_is_left_alone(void **state)
{
	BF_CODE(FAKE_RIP, 0x90, OUT_DX, OUT_DX);
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
}

static void test_extent_bytes_policy(void **state)
{
	fk.d.blockio.cfg.extent = BLOCK_EXTENT_BYTES;
	fk.d.blockio.cfg.extent_bytes = 16;
	BF_CODE(FAKE_RIP, OUT_DX, 0xb8, 1, 2, 3, 4, 0xb8, 1, 2, 3, 4, 0xb8, 1, 2, 3, 4, OUT_DX, HLT);
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
	assert_int_equal(fk.d.blockio.stats.singles, 1);
	fk.d.blockio.cfg.extent_bytes = 17;
	table_init(&fk.d.blockio.table);
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x01); /* OUT DX,AL: the low byte of 0x04030201 */
}

/* ---- IN, operand sizes, modes ---- */

static void test_in_then_out(void **state)
{
	BF_CODE(FAKE_RIP, 0xec, INC_AL, OUT_DX, HLT); /* in al,dx; inc al; out dx,al */
	fk.v.gpr[VCPU_RAX] = 0x12345678;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(bf_rec.n, 2);
	assert_true(bf_rec.ev[0].in);
	assert_int_equal(bf_rec.ev[1].val, BF_IN_FIRST + 1);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x12345600 | (BF_IN_FIRST + 1));
	assert_int_equal(on.exits, 1);
}

static void test_in_eax_zero_extends_in_64bit(void **state)
{
	fake_mode_long64();
	BF_CODE(FAKE_RIP, 0xed, 0xef, HLT); /* in eax,dx; out dx,eax */
	fk.v.gpr[VCPU_RAX] = ~0ULL;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(fk.v.gpr[VCPU_RAX], BF_IN_FIRST);
	assert_int_equal(bf_rec.ev[1].val, BF_IN_FIRST);
	assert_int_equal(bf_rec.ev[1].size, 4);
	assert_int_equal(on.exits, 1);
}

static void test_in_ax_keeps_upper_bits(void **state)
{
	BF_CODE(FAKE_RIP, 0x66, 0xed, 0x66, 0xef, 0xe6, 0x81, HLT); /* in ax,dx; out dx,ax; out 0x81,al */
	fk.v.gpr[VCPU_RAX] = 0xaabbccdd12345678ULL;
	bf_run_both(16, NULL, NULL);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0xaabbccdd12340000ULL | BF_IN_FIRST);
	assert_int_equal(bf_rec.n, 2); /* port 0x81 is unclaimed */
	assert_int_equal(bf_rec.ev[1].size, 2);
}

static void test_remapped_code_page_is_rescanned(void **state)
{
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	assert_true(dispatch());
	/* the same linear address now maps other bytes (a new address space) */
	BF_CODE(0x7000, OUT_DX, DEC_AL, OUT_DX, HLT);
	bf_set_pte(FAKE_RIP, 0x7000 | BF_PTE_PRESENT);
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	assert_true(dispatch());
	ASSERT_WRITES(0x80, 0x7f);
	assert_int_equal(fk.d.blockio.stats.mismatches, 1);
}

static void test_mode_is_part_of_the_key(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xb8, 1, 2, 3, 4, OUT_DX, HLT);
	assert_true(dispatch()); /* 32-bit: out; mov eax,0x04030201; out */
	ASSERT_WRITES(0x7f, 0x01);
	fake_mode_real(); /* 16-bit code at the same address: another key */
	fk.v.rip = FAKE_RIP;
	fk.v.gpr[VCPU_RAX] = 0x7f;
	bf_rec.n = 0;
	BF_CODE(FAKE_RIP, OUT_DX, 0xb8, 1, 2, OUT_DX, HLT);
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(on.bstats.misses, 2);
	assert_int_equal(on.bstats.mismatches, 0);
	ASSERT_WRITES(0x7f, 0x01);
}

static void test_whole_exit_path_through_dispatch_exit(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fake_exit(EXIT_REASON_IO_INSTRUCTION, (u64)BF_PORT << 16, 1); /* out dx,al */
	dispatch_exit(&fk.d, V);
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 4);
	assert_int_equal(fk.d.stats.exits, 1);
	assert_int_equal(fk.d.stats.by_reason[EXIT_REASON_IO_INSTRUCTION], 1);
	assert_int_equal(fk.d.stats.io_exits, 1);
	assert_int_equal(fk.d.stats.io_instructions, 2);
}

static void test_program_equivalence_64bit(void **state)
{
	/* A driver-like loop body in 64-bit code: status read, data writes with arithmetic and a
	 * store to a data page, a conditional skip, a second port, then the exit code.
	 *   in al,dx; mov [rbx],al; add al,3; out dx,al; xor ecx,ecx; cmp al,0x43; jne +2; inc ecx;
	 *   nop; mov eax,ecx; out 0x82,al (unclaimed); out dx,eax; shl eax,4; inc edx; out dx,ax;
	 *   mov al,0x2a; out 0xf4,al; hlt */
	fake_mode_long64();
	BF_CODE(FAKE_RIP, 0xec, 0x88, 0x03, 0x04, 0x03, OUT_DX, 0x31, 0xc9, 0x3c, 0x43, 0x75, 0x02, 0xff, 0xc1,
	        0x90, 0x89, 0xc8, 0xe6, 0x82, 0xef, 0xc1, 0xe0, 0x04, 0xff, 0xc2, 0x66, 0xef, 0xb0, 0x2a, 0xe6, 0xf4,
	        HLT);
	fk.v.gpr[VCPU_RBX] = 0x6000;
	struct bf_outcome off, on;
	bf_run_both(64, &off, &on);
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(fk.ram[0x6000], BF_IN_FIRST);
	assert_int_equal(off.exits, 6);
	assert_int_equal(on.exits, 1);
	assert_int_equal(bf_rec.n, 4);
	assert_int_equal(bf_rec.ev[1].val, BF_IN_FIRST + 3);
	assert_int_equal(bf_rec.ev[2].val, 1);   /* 0x43 == 0x43: ECX = 1 */
	assert_int_equal(bf_rec.ev[3].port, BF_PORT + 1);
	assert_int_equal(bf_rec.ev[3].val, 0x10);
}

/* ---- random programs: block IO off and on must be indistinguishable ---- */

#define GEN_MAX_INSNS 48
#define GEN_DATA 0x5000ULL

struct gen_insn {
	u8 b[3];
	u8 len;
	u8 skip; /* branches: instructions jumped over */
	bool imm8; /* b[1] is an imm8 another instruction may overwrite */
};

/*
 * A straight-line program of IO, ALU, MOV, byte stores through EBX/RBX and forward branches that
 * land on instruction boundaries, ending in HLT; stores go to a data page or onto the imm8 of one
 * of the program's own instructions (directly, or through alias when non-zero), so the program
 * always terminates but may rewrite what a cached block decoded.
 */
static void gen_program(uint64_t *seed, u64 alias, bool with_debug_exit)
{
	struct gen_insn p[GEN_MAX_INSNS];
	u32 n = 4 + (u32)unit_below(seed, GEN_MAX_INSNS - 4);
	for (u32 i = 0; i < n; i++) {
		u8 imm = (u8)unit_rand(seed);
		struct gen_insn *g = &p[i];
		*g = (struct gen_insn){{0x90}, 1, 0, false};
		switch (unit_below(seed, 14)) {
		case 0: case 1: case 2: g->b[0] = OUT_DX; break;
		case 3: g->b[0] = 0xec; break;                                      /* in al,dx */
		case 4: *g = (struct gen_insn){{0xe6, 0x80}, 2, 0, false}; break;  /* out 0x80,al: unclaimed */
		case 5: *g = (struct gen_insn){{INC_AL}, 2, 0, false}; break;
		case 6: *g = (struct gen_insn){{0x04, imm}, 2, 0, true}; break;    /* add al,imm8 */
		case 7: *g = (struct gen_insn){{0xb0, imm}, 2, 0, true}; break;    /* mov al,imm8 */
		case 8: *g = (struct gen_insn){{0x84, 0xc0}, 2, 0, false}; break;  /* test al,al */
		case 9: *g = (struct gen_insn){{0x88, 0x03}, 2, 0, false}; break;  /* mov [ebx],al */
		case 10: *g = (struct gen_insn){{(u8)(0x70 + (imm & 0xf)), 0}, 2, (u8)(imm % 4), false}; break;
		case 11: *g = (struct gen_insn){{0xeb, 0}, 2, (u8)(imm % 3), false}; break;
		case 12: *g = (struct gen_insn){{0xa8, imm}, 2, 0, true}; break;   /* test al,imm8 */
		default: break;                                                   /* nop */
		}
	}
	if (with_debug_exit && n > 8)
		p[n - 2] = (struct gen_insn){{0xe6, 0xf4}, 2, 0, false};
	/* branch displacements: over the next `skip` instructions, never past the HLT */
	u32 off[GEN_MAX_INSNS + 1];
	off[0] = 0;
	for (u32 i = 0; i < n; i++)
		off[i + 1] = off[i] + p[i].len;
	for (u32 i = 0; i < n; i++) {
		if (p[i].b[0] != 0xeb && (p[i].b[0] & 0xf0) != 0x70)
			continue;
		u32 to = i + 1 + p[i].skip;
		if (to > n)
			to = n;
		p[i].b[1] = (u8)(off[to] - off[i + 1]);
	}
	for (u32 i = 0; i < n; i++)
		bf_put(FAKE_RIP + off[i], p[i].b, p[i].len);
	fk.ram[FAKE_RIP + off[n]] = HLT;
	/* where the stores go */
	u64 target = GEN_DATA;
	u32 pick = (u32)unit_below(seed, n);
	for (u32 k = 0; k < n && unit_below(seed, 3); k++) {
		u32 i = (pick + k) % n;
		if (p[i].imm8) {
			target = (alias ? alias : FAKE_RIP) + off[i] + 1;
			break;
		}
	}
	fk.v.gpr[VCPU_RBX] = target;
	fk.v.gpr[VCPU_RAX] = unit_rand(seed) & 0xffffffffULL;
	fk.v.rflags = RFLAGS_FIXED1 | RFLAGS_IF | (unit_rand(seed) & (CF | PF | AF | ZF | SF | OF));
}

static void random_programs(void **state, bool long64, u32 count, uint64_t seed)
{
	u32 exits_off = 0, exits_on = 0;
	u64 mismatches = 0;
	for (u32 t = 0; t < count; t++) {
		assert_int_equal(setup(state), 0);
		u64 alias = 0;
		if (long64) {
			fake_mode_long64();
			alias = (t & 1) ? 0x200000 : 0;
			bf_set_pte(0x200000, FAKE_RIP | BF_PTE_PRESENT);
		}
		gen_program(&seed, alias, t % 5 == 4);
		/* twice: the second pass finds the table warm, and the stores may have changed the code */
		for (u32 pass = 0; pass < 2 && !fk.v.ended; pass++) {
			fk.v.rip = FAKE_RIP;
			struct bf_outcome off, on;
			bf_run_both(4 * GEN_MAX_INSNS, &off, &on);
			exits_off += off.exits;
			exits_on += on.exits;
			mismatches += on.bstats.mismatches;
		}
	}
	assert_true(mismatches > 0); /* the re-scan path was taken */
	/* the method did something: blocks saved exits overall */
	assert_true(exits_on < exits_off);
}

static void test_random_programs_32bit(void **state) { random_programs(state, false, 150, 0x5eed0001); }

static void test_random_programs_64bit_with_alias(void **state) { random_programs(state, true, 150, 0x5eed0002); }

#define T(f) cmocka_unit_test_setup_teardown(f, setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_debug_exit_ends_guest_and_block),
		T(test_reset_request_ends_guest_and_block),
		T(test_first_instruction_not_emulable_returns_false),
		T(test_block_across_pages_hashes_both),
		T(test_max_insns_per_exit),
		T(test_rep_outsb_first_takes_one_exit_path),
		T(test_outsb_first_is_not_a_block),
		T(test_single_io_is_left_to_one_exit_path),
		T(test_not_io_at_rip_is_left_alone),
		T(test_extent_bytes_policy),
		T(test_in_then_out),
		T(test_in_eax_zero_extends_in_64bit),
		T(test_in_ax_keeps_upper_bits),
		T(test_remapped_code_page_is_rescanned),
		T(test_mode_is_part_of_the_key),
		T(test_whole_exit_path_through_dispatch_exit),
		T(test_program_equivalence_64bit),
		T(test_random_programs_32bit),
		T(test_random_programs_64bit_with_alias),
	};
	return UNIT_RUN(tests);
}
