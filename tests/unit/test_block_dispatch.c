/*
 * dispatcher/blockio/block_dispatch.c: the per-exit method of claims 1, 10-17 and the correctness
 * principle of DESIGN.md section 3 -- a block run in one exit leaves the guest exactly as one
 * exit per IO instruction would: registers, RFLAGS, RIP, memory, device state. Checked three
 * ways: against hand-computed values (Intel SDM Vol. 2 instruction pages), against the
 * interpreter stepping a copy of the vCPU one instruction at a time, and (bf_run_both) by running
 * the same guest program to its HLT with block IO off and on. The fake guest runs flat 32-bit
 * protected mode with paging off unless a test switches to 64-bit mode with 4-level paging; the
 * recording device sits at BF_PORT (RDX), the debug-exit device at 0xf4.
 * This file: the sections before "the end of the guest's run, bounds, the one-exit path";
 * from there on: test_block_limits.c.
 */
#include "block_dispatch_fixture.h"

/* ---- the correctness principle ---- */

static void test_block_equals_step_by_step(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.rflags |= CF; /* INC keeps CF */
	struct vcpu ref = fk.v;
	interp_steps(&ref, 3);
	struct io_log ref_rec = bf_rec;
	bf_rec.n = 0;

	assert_true(dispatch());
	bf_assert_same_state(&ref, V);
	bf_assert_same_rec(&ref_rec, &bf_rec);
	/* by hand: 0x7f + 1 = 0x80 overflows signed, carries out of bit 3, one bit set (odd) */
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x80);
	assert_int_equal(fk.v.rflags, RFLAGS_FIXED1 | RFLAGS_IF | CF | OF | SF | AF);
	assert_int_equal(fk.v.rip, FAKE_RIP + 4);
	assert_int_equal(fk.v.gpr[VCPU_RDX], BF_PORT);
}

static void test_block_equals_one_exit_per_io(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	struct bf_outcome off, on;
	bf_run_both(16, &off, &on);
	assert_int_equal(off.exits, 2);
	assert_int_equal(on.exits, 1);
	assert_int_equal(on.stats.io_instructions, 2);
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 4);
}

static void test_stats_and_dirty_bits(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	assert_true(dispatch());
	assert_int_equal(fk.d.stats.io_exits, 1);
	assert_int_equal(fk.d.stats.io_instructions, 2);
	const struct block_stats *s = &fk.d.blockio.stats;
	assert_int_equal(s->runs, 1);
	assert_int_equal(s->misses, 1);
	assert_int_equal(s->hits, 0);
	assert_int_equal(s->mismatches, 0);
	assert_int_equal(s->singles, 0);
	assert_int_equal(s->insns, 3);
	assert_int_equal(s->io_in_blocks, 2);
	assert_int_equal(s->early_ends, 0);
	assert_true(fk.v.dirty & VCPU_DIRTY_RIP);
	assert_true(fk.v.dirty & VCPU_DIRTY_RETIRED);
	assert_true(fk.v.dirty & VCPU_DIRTY_RFLAGS);
	assert_false(fk.v.ended);
	assert_false(fk.v.inject.pending);
}

static void test_second_exit_is_table_hit(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.cfg.trace = true;
	fake_console_clear();
	assert_true(dispatch());
	fk.v.rip = FAKE_RIP;
	assert_true(dispatch());
	assert_int_equal(fk.d.blockio.stats.misses, 1);
	assert_int_equal(fk.d.blockio.stats.hits, 1);
	assert_int_equal(fk.d.blockio.stats.runs, 2);
	assert_int_equal(fk.d.stats.io_instructions, 4);
	ASSERT_WRITES(0x7f, 0x80, 0x80, 0x81);
	/* designated once: the trace line is printed by a scan only */
	const char *con = fake_console();
	const char *first = strstr(con, "block at 0x1000: 4 bytes, 3 instructions, 2 IO");
	assert_non_null(first);
	assert_null(strstr(first + 1, "block at"));
}

static void test_modified_block_is_rescanned(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	assert_true(dispatch());
	BF_CODE(FAKE_RIP + 1, DEC_AL); /* the guest rewrote its code between exits */
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(on.bstats.mismatches, 1);
	assert_int_equal(on.bstats.hits, 0);
	assert_int_equal(on.bstats.runs, 2);
	ASSERT_WRITES(0x80, 0x7f); /* the new block ran: dec, not the cached inc */
	struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_32);
	assert_non_null(b);
	assert_int_equal(b->insns[1].kind, INSN_DEC);
	assert_int_equal(b->hash, block_hash(fk.ram + FAKE_RIP, 4));
}

static void test_modified_into_single(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	assert_true(dispatch());
	fk.ram[FAKE_RIP + 3] = HLT;
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	bf_assert_same_state(&before, V);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(fk.d.blockio.stats.mismatches, 1);
	assert_int_equal(fk.d.blockio.stats.singles, 1);
	assert_int_equal(fk.d.blockio.stats.runs, 1);
}

static void test_disabled_changes_nothing(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.cfg.enabled = false;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
	static const struct block_stats zero;
	assert_memory_equal(&fk.d.blockio.stats, &zero, sizeof(zero));
	assert_null(table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_32));
}

static void test_trap_flag_changes_nothing(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.rflags |= TF;
	struct vcpu before = fk.v;
	assert_false(dispatch());
	assert_nothing_done(&before);
	assert_int_equal(fk.d.blockio.stats.misses + fk.d.blockio.stats.hits, 0);
}

static void test_enabled_breakpoint_changes_nothing(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	struct vcpu before = fk.v;
	for (u32 bit = 0; bit < 8; bit++) { /* L0, G0, ... L3, G3 */
		fk.v.dr7 = 0x400 | (1ULL << bit);
		assert_false(dispatch());
		fk.v.dr7 = before.dr7;
		assert_nothing_done(&before);
	}
	fk.v.dr7 = 0x400 | 0x300 | 0xf0000; /* LE, GE and RW0 alone enable no breakpoint */
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x80);
}

static void test_cpl3_iopl0_stops_before_second_io(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX, HLT);
	fk.v.cpl = 3;
	/* the first OUT exited, so it was allowed (by the TSS bitmap); the second might #GP */
	assert_true(dispatch());
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
	assert_int_equal(fk.d.stats.io_exits, 1);
	assert_int_equal(fk.d.stats.io_instructions, 1);
	assert_int_equal(fk.d.blockio.stats.early_ends, 1);
	assert_int_equal(fk.d.blockio.stats.io_in_blocks, 1);
	assert_true(fk.v.dirty & VCPU_DIRTY_RETIRED);
}

static void test_cpl3_iopl0_runs_up_to_second_io(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.cpl = 3;
	struct vcpu ref = fk.v;
	interp_steps(&ref, 2); /* native: out, inc, then the second out exits (or faults) */
	bf_rec.n = 0;
	assert_true(dispatch());
	bf_assert_same_state(&ref, V);
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 3);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x80);
}

static void test_cpl3_iopl3_runs_whole_block(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX, HLT);
	fk.v.cpl = 3;
	fk.v.rflags |= IOPL3;
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 2);
	assert_int_equal(fk.d.blockio.stats.early_ends, 0);
}

static void test_virtual8086_stops_before_second_io(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX, HLT);
	for (int i = 0; i < VCPU_NSEGS; i++)
		fk.v.seg[i] = (struct vcpu_segment){0, 0, 0xffff, F_AR_DATA};
	fk.v.seg[VCPU_CS].ar = F_AR_CODE16;
	fk.v.cpl = 3;
	fk.v.rflags |= VM | IOPL3; /* IOPL does not grant IO in virtual-8086 mode: the bitmap does */
	assert_true(dispatch());
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
}

static void test_real_mode_block(void **state)
{
	fake_mode_real();
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.cpl = 0;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(on.exits, 1);
	ASSERT_WRITES(0x7f, 0x80);
}

static void test_cs_limit_ends_block(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.v.seg[VCPU_CS].limit = FAKE_RIP; /* the INC would be fetched beyond CS: #GP natively */
	assert_true(dispatch());
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x7f);
	assert_int_equal(fk.d.blockio.stats.early_ends, 1);
}

static void test_cs_base_block(void **state)
{
	fk.v.seg[VCPU_CS].base = 0x10000;
	BF_CODE(0x11000, OUT_DX, INC_AL, OUT_DX, HLT);
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_int_equal(on.exits, 1);
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 4);
	assert_non_null(table_lookup(&fk.d.blockio.table, 0x11000, CPU_MODE_32));
}

/* ---- writes into the block ---- */

/* out; mov [ebx],al; inc al; out; hlt -- with EBX at the C0 byte of the INC and AL = 0xc8 the
 * store turns INC AL into DEC AL: native execution runs the new bytes. */
static void put_self_modifying(void)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0x88, 0x03, INC_AL, OUT_DX, HLT);
	fk.v.gpr[VCPU_RAX] = 0xc8;
}

static void test_store_into_own_bytes_ends_block(void **state)
{
	put_self_modifying();
	fk.v.gpr[VCPU_RBX] = FAKE_RIP + 4;
	assert_true(dispatch());
	ASSERT_WRITES(0xc8);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1); /* the store is left to the guest */
	assert_int_equal(fk.ram[FAKE_RIP + 4], 0xc0);
	assert_int_equal(fk.d.blockio.stats.early_ends, 1);
}

static void test_store_into_own_bytes_equals_native(void **state)
{
	put_self_modifying();
	fk.v.gpr[VCPU_RBX] = FAKE_RIP + 4;
	bf_run_both(16, NULL, NULL);
	ASSERT_WRITES(0xc8, 0xc7);
}

static void test_store_elsewhere_stays_in_block(void **state)
{
	put_self_modifying();
	fk.v.gpr[VCPU_RBX] = 0x5000;
	assert_true(dispatch());
	ASSERT_WRITES(0xc8, 0xc9);
	assert_int_equal(fk.ram[0x5000], 0xc8);
	assert_int_equal(fk.v.rip, FAKE_RIP + 6);
	assert_int_equal(fk.d.blockio.stats.insns, 4);
}

static void test_store_through_alias_ends_block(void **state)
{
	fake_mode_long64();
	put_self_modifying();
	bf_set_pte(0x200000, FAKE_RIP | BF_PTE_PRESENT); /* a second mapping of the code page */
	fk.v.gpr[VCPU_RBX] = 0x200000 + 4;
	assert_true(dispatch());
	ASSERT_WRITES(0xc8);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	bf_run_both(16, NULL, NULL);
	ASSERT_WRITES(0xc8, 0xc7);
}

static void test_store_crossing_into_alias_ends_block(void **state)
{
	/* out; mov [rbx],rax; inc al; out; hlt at 0x1000. The 8-byte store at 0x200fff crosses into
	 * linear page 0x201000, which maps the code page: bytes 1..7 of RAX land on 0x1000..0x1006
	 * and turn INC AL into DEC AL. The first byte of the store is in another page. */
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, 0x48, 0x89, 0x03, INC_AL, OUT_DX, HLT);
	bf_set_pte(0x201000, FAKE_RIP | BF_PTE_PRESENT);
	fk.v.gpr[VCPU_RBX] = 0x200fff;
	fk.v.gpr[VCPU_RAX] = 0xeec8fe038948ee11ULL;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	ASSERT_WRITES(0x11, 0x10);
	assert_int_equal(fk.ram[FAKE_RIP + 5], 0xc8);
	assert_int_equal(on.bstats.early_ends, 1);
}

/* ---- instructions that would fault, branches ---- */

static void test_faulting_load_ends_block_unchanged(void **state)
{
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, 0x8a, 0x03, OUT_DX, HLT); /* out; mov al,[rbx]; out */
	fake_unmap(0x205000);
	fk.v.gpr[VCPU_RBX] = 0x205010;
	static u8 ram_before[FAKE_RAM_SIZE];
	memcpy(ram_before, fk.ram, FAKE_RAM_SIZE);
	struct vcpu before = fk.v;
	assert_true(dispatch());
	ASSERT_WRITES(0x7f);
	/* only the OUT retired: the load is the guest's, with its #PF */
	before.rip = FAKE_RIP + 1;
	bf_assert_same_state(&before, V);
	assert_false(fk.v.inject.pending);
	assert_memory_equal(ram_before, fk.ram, FAKE_RAM_SIZE); /* not even an accessed flag */
	assert_int_equal(fk.d.blockio.stats.early_ends, 1);
	assert_int_equal(fk.d.blockio.stats.insns, 1);
}

static void put_jcc_block(void)
{
	/* out; test al,al; jz +2; inc al; out; hlt */
	BF_CODE(FAKE_RIP, OUT_DX, 0x84, 0xc0, 0x74, 0x02, INC_AL, OUT_DX, HLT);
}

static void test_jcc_taken_in_block(void **state)
{
	put_jcc_block();
	fk.v.gpr[VCPU_RAX] = 0;
	struct vcpu ref = fk.v;
	interp_steps(&ref, 4);
	bf_rec.n = 0;
	assert_true(dispatch());
	bf_assert_same_state(&ref, V);
	ASSERT_WRITES(0, 0);
	assert_int_equal(fk.v.rip, FAKE_RIP + 8);
	assert_int_equal(fk.d.blockio.stats.insns, 4);
	assert_int_equal(fk.d.blockio.stats.early_ends, 0);
}

static void test_jcc_not_taken_in_block(void **state)
{
	put_jcc_block();
	fk.v.gpr[VCPU_RAX] = 5;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	ASSERT_WRITES(5, 6);
	assert_int_equal(on.bstats.insns, 5);
	assert_int_equal(on.exits, 1);
}

static void test_jcc_out_of_block_ends_it(void **state)
{
	/* out; jz +5 (past the block's last out, to the hlt); out; nops; hlt */
	BF_CODE(FAKE_RIP, OUT_DX, 0x74, 0x05, OUT_DX, 0x90, 0x90, 0x90, 0x90, HLT);
	fk.v.rflags |= ZF;
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	ASSERT_WRITES(0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 8);
	assert_int_equal(on.bstats.runs, 1);
	assert_int_equal(on.bstats.early_ends, 1);
}

static void test_forward_jmp_over_data_in_block(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xeb, 0x02, 0xff, 0xff, INC_AL, OUT_DX, HLT);
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(on.exits, 1);
	assert_int_equal(on.bstats.insns, 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_block_equals_step_by_step),
		T(test_block_equals_one_exit_per_io),
		T(test_stats_and_dirty_bits),
		T(test_second_exit_is_table_hit),
		T(test_modified_block_is_rescanned),
		T(test_modified_into_single),
		T(test_disabled_changes_nothing),
		T(test_trap_flag_changes_nothing),
		T(test_enabled_breakpoint_changes_nothing),
		T(test_cpl3_iopl0_stops_before_second_io),
		T(test_cpl3_iopl0_runs_up_to_second_io),
		T(test_cpl3_iopl3_runs_whole_block),
		T(test_virtual8086_stops_before_second_io),
		T(test_real_mode_block),
		T(test_cs_limit_ends_block),
		T(test_cs_base_block),
		T(test_store_into_own_bytes_ends_block),
		T(test_store_into_own_bytes_equals_native),
		T(test_store_elsewhere_stays_in_block),
		T(test_store_through_alias_ends_block),
		T(test_store_crossing_into_alias_ends_block),
		T(test_faulting_load_ends_block_unchanged),
		T(test_jcc_taken_in_block),
		T(test_jcc_not_taken_in_block),
		T(test_jcc_out_of_block_ends_it),
		T(test_forward_jmp_over_data_in_block),
	};
	return UNIT_RUN(tests);
}
