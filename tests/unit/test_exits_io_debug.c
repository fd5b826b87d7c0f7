/*
 * dispatcher/exits_io.c: the #DB traps of an IO instruction that microhv emulates, as the
 * processor raises them (guest/tests/blk_dr.c shows them end to end):
 *  - I/O breakpoints on its ports and data breakpoints on the memory INS/OUTS touch, trap-class,
 *    after the instruction (SDM Vol. 3B 18.3.1.2), reported as Bn with the enabled-breakpoint bit
 *    in the pending debug exceptions (Vol. 3C 25.4.2, 27.7.3, 33.2.1);
 *  - single-step (RFLAGS.TF, BS) after the instruction (Vol. 3B 18.3.1.4), in the same #DB;
 *  - REP INS/OUTS: one iteration per exit under TF, a trap after each (Vol. 2B "REP"); a stop
 *    after the first iteration on an I/O breakpoint and after the iteration that touched a data
 *    breakpoint (18.3.1.2); RF set while RIP stays on the instruction, cleared when it completes
 *    (18.3.1.1).
 * The instructions are real bytes at FAKE_RIP, exited the way the processor reports them
 * (fake_block.h), in flat 32-bit protected mode, with block IO on: with TF or an enabled
 * breakpoint the dispatcher runs no block, so this is the one-exit path.
 */
#include "fake_block.h"

#include <string.h>

#include "dispatcher/vcpu/breakpoints.h"

#define V (&fk.v)
#define BUF 0x20000ULL
#define EN VCPU_DBG_ENABLED_BP
#define BS VCPU_DBG_BS
#define B(n) VCPU_DBG_B(n)

#define OUT_DX_AL 0xee
#define IN_AL_DX 0xec
#define IN_EAX_DX 0xed
#define OUT_IMM8_AL 0xe6
#define INSB 0x6c
#define OUTSB 0x6e
#define REP 0xf3
#define HLT 0xf4

static int setup(void **state)
{
	if (bf_setup(state))
		return -1;
	V->cr4 |= CR4_DE;
	V->gpr[VCPU_RDX] = BF_PORT;
	return 0;
}

/* Breakpoint n, enabled locally, one byte unless len says otherwise. */
static void bp(int n, u64 addr, u32 rw, u32 len)
{
	V->dr[n] = addr;
	V->dr7 &= ~((u64)0xf << DR7_RW_SHIFT(n));
	V->dr7 |= (u64)rw << DR7_RW_SHIFT(n) | (u64)len << DR7_LEN_SHIFT(n) | 1ULL << DR7_ENABLE_SHIFT(n);
}

/* One IO exit at RIP, as the processor reports it; fresh dirty bits as after vmx/'s load. */
static void step(void)
{
	u32 exits = 0;
	V->dirty = 0;
	assert_true(bf_cpu_step(V, &exits));
	assert_int_equal(exits, 1);
}

static u32 writes(void)
{
	u32 n = 0;
	for (u32 i = 0; i < bf_rec.n; i++)
		n += !bf_rec.ev[i].in;
	return n;
}

/* ---- IN and OUT ---- */

static void test_out_hits_io_breakpoint(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX_AL, HLT);
	bp(2, BF_PORT, DR7_RW_IO, DR7_LEN_1);
	step();
	fake_assert_retired(1);
	assert_int_equal(bf_rec.n, 1);
	assert_int_equal(V->pending_dbg, B(2) | EN);
	assert_int_equal(fk.d.stats.io_exits, 1);
}

/* A dword IN from the port below touches BF_PORT+3; the breakpoint is on a 2-byte range. */
static void test_in_dword_hits_breakpoint_range(void **state)
{
	BF_CODE(FAKE_RIP, IN_EAX_DX, HLT);
	bp(1, BF_PORT + 3, DR7_RW_IO, DR7_LEN_2);
	step();
	fake_assert_retired(1);
	assert_int_equal(V->pending_dbg, B(1) | EN);
}

static void test_io_breakpoint_elsewhere_or_without_de_is_silent(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX_AL, OUT_DX_AL, OUT_IMM8_AL, 0x80, HLT);
	bp(0, BF_PORT + 1, DR7_RW_IO, DR7_LEN_1);
	bp(3, 0x80, DR7_RW_WRITE, DR7_LEN_1); /* a data breakpoint, not an I/O one */
	step();
	assert_int_equal(V->pending_dbg, 0);
	V->cr4 &= ~CR4_DE;
	V->gpr[VCPU_RDX] = BF_PORT + 1;
	step(); /* R/W 10b without CR4.DE breaks on nothing */
	assert_int_equal(V->pending_dbg, 0);
	step();
	assert_int_equal(V->pending_dbg, 0);
	assert_int_equal(V->rip, FAKE_RIP + 4);
}

static void test_single_step_and_io_breakpoint_in_one_trap(void **state)
{
	BF_CODE(FAKE_RIP, IN_AL_DX, IN_AL_DX, HLT);
	V->rflags |= RFLAGS_TF;
	step();
	fake_assert_retired(1);
	assert_int_equal(V->pending_dbg, BS);
	bp(0, BF_PORT, DR7_RW_IO, DR7_LEN_1);
	step();
	assert_int_equal(V->pending_dbg, BS | B(0) | EN);
}

/* The processor clears RF once an instruction completes: an instruction breakpoint on the next
 * one must fire. */
static void test_completed_instruction_clears_rf(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX_AL, HLT);
	V->rflags |= RFLAGS_RF;
	step();
	fake_assert_retired(1);
	assert_false(V->rflags & RFLAGS_RF);
	assert_true(V->dirty & VCPU_DIRTY_RFLAGS);
	assert_int_equal(V->pending_dbg, 0);
}

/* CPUID (any emulated instruction) under TF: the single-step trap after it. */
static void test_other_emulated_instruction_single_steps(void **state)
{
	V->rflags |= RFLAGS_TF;
	fake_exit(EXIT_REASON_CPUID, 0, 2);
	dispatch_exit(&fk.d, V);
	fake_assert_retired(2);
	assert_int_equal(V->pending_dbg, BS);
}

/* ---- INS and OUTS ---- */

static void test_ins_hits_write_breakpoint(void **state)
{
	BF_CODE(FAKE_RIP, INSB, INSB, HLT);
	V->gpr[VCPU_RDI] = BUF;
	bp(3, BUF + 1, DR7_RW_WRITE, DR7_LEN_1);
	step();
	assert_int_equal(V->pending_dbg, 0);
	step();
	fake_assert_retired(2);
	assert_int_equal(fk.ram[BUF + 1], BF_IN_FIRST + 1);
	assert_int_equal(V->pending_dbg, B(3) | EN);
}

/* OUTS reads memory: only R/W 11b breaks on it; its port write is an I/O breakpoint's. */
static void test_outs_read_needs_access_breakpoint(void **state)
{
	BF_CODE(FAKE_RIP, OUTSB, OUTSB, OUTSB, HLT);
	V->gpr[VCPU_RSI] = BUF;
	bp(0, BUF, DR7_RW_WRITE, DR7_LEN_8);
	step();
	assert_int_equal(V->pending_dbg, 0);
	bp(0, BUF, DR7_RW_ACCESS, DR7_LEN_8);
	step();
	assert_int_equal(V->pending_dbg, B(0) | EN);
	bp(2, BF_PORT, DR7_RW_IO, DR7_LEN_1);
	step();
	assert_int_equal(V->pending_dbg, B(0) | B(2) | EN);
	assert_int_equal(writes(), 3);
}

/* REP OUTSB of 4 under TF: an exit per iteration, a single-step trap after each, RIP on the
 * instruction with RF set until the last, ECX counting down. */
static void test_rep_outs_single_steps_each_iteration(void **state)
{
	static const u8 src[] = {0x41, 0x42, 0x43, 0x44};
	bf_put(BUF, src, sizeof(src));
	BF_CODE(FAKE_RIP, REP, OUTSB, HLT);
	V->gpr[VCPU_RSI] = BUF;
	V->gpr[VCPU_RCX] = 4;
	V->rflags |= RFLAGS_TF;
	for (u32 i = 1; i <= 4; i++) {
		step();
		assert_int_equal(writes(), i);
		assert_int_equal(bf_rec.ev[i - 1].val, src[i - 1]);
		assert_int_equal(V->gpr[VCPU_RCX], 4 - i);
		assert_int_equal(V->gpr[VCPU_RSI], BUF + i);
		assert_int_equal(V->pending_dbg, BS);
		assert_false(V->inject.pending);
		if (i < 4) {
			assert_int_equal(V->rip, FAKE_RIP);
			assert_false(V->dirty & VCPU_DIRTY_RETIRED);
			assert_true(V->rflags & RFLAGS_RF);
			assert_true(V->dirty & VCPU_DIRTY_RFLAGS);
		}
	}
	fake_assert_retired(2);
	assert_false(V->rflags & RFLAGS_RF);
	assert_int_equal(fk.d.stats.io_exits, 4);
}

/* REP with a zero count does nothing but still completes: one trap after it. */
static void test_rep_zero_count_single_steps(void **state)
{
	BF_CODE(FAKE_RIP, REP, INSB, HLT);
	V->gpr[VCPU_RDI] = BUF;
	V->gpr[VCPU_RCX] = 0;
	V->rflags |= RFLAGS_TF;
	step();
	fake_assert_retired(2);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(V->pending_dbg, BS);
}

/* REP INSB of 5 with a write breakpoint on the third byte: three iterations, the trap, and the
 * rest at the next exit. */
static void test_rep_ins_stops_after_data_breakpoint_iteration(void **state)
{
	BF_CODE(FAKE_RIP, REP, INSB, HLT);
	V->gpr[VCPU_RDI] = BUF;
	V->gpr[VCPU_RCX] = 5;
	bp(1, BUF + 2, DR7_RW_WRITE, DR7_LEN_1);
	step();
	assert_int_equal(bf_rec.n, 3);
	assert_int_equal(V->gpr[VCPU_RCX], 2);
	assert_int_equal(V->gpr[VCPU_RDI], BUF + 3);
	assert_int_equal(V->rip, FAKE_RIP);
	assert_true(V->rflags & RFLAGS_RF);
	assert_int_equal(V->pending_dbg, B(1) | EN);
	step();
	fake_assert_retired(2);
	assert_int_equal(bf_rec.n, 5);
	assert_int_equal(V->gpr[VCPU_RCX], 0);
	assert_false(V->rflags & RFLAGS_RF);
	assert_int_equal(V->pending_dbg, 0);
	static const u8 want[] = {BF_IN_FIRST, BF_IN_FIRST + 1, BF_IN_FIRST + 2, BF_IN_FIRST + 3, BF_IN_FIRST + 4};
	assert_memory_equal(fk.ram + BUF, want, sizeof(want));
}

/* An I/O breakpoint on the port of a REP OUTS: the trap after the first iteration. */
static void test_rep_outs_io_breakpoint_after_first_iteration(void **state)
{
	BF_CODE(FAKE_RIP, REP, OUTSB, HLT);
	V->gpr[VCPU_RSI] = BUF;
	V->gpr[VCPU_RCX] = 3;
	bp(2, BF_PORT, DR7_RW_IO, DR7_LEN_1);
	for (u32 i = 1; i <= 3; i++) {
		step();
		assert_int_equal(writes(), i);
		assert_int_equal(V->gpr[VCPU_RCX], 3 - i);
		assert_int_equal(V->pending_dbg, B(2) | EN);
	}
	fake_assert_retired(2);
}

/* Single-stepping onto the iteration that hits the breakpoint: BS and Bn in the one #DB. */
static void test_rep_single_step_and_data_breakpoint_together(void **state)
{
	BF_CODE(FAKE_RIP, REP, INSB, HLT);
	V->gpr[VCPU_RDI] = BUF;
	V->gpr[VCPU_RCX] = 2;
	V->rflags |= RFLAGS_TF;
	bp(3, BUF + 1, DR7_RW_ACCESS, DR7_LEN_1);
	step();
	assert_int_equal(V->pending_dbg, BS);
	step();
	fake_assert_retired(2);
	assert_int_equal(V->pending_dbg, BS | B(3) | EN);
}

/* A page fault in the iteration: the fault, and no trap (the iteration did not complete). */
static void test_fault_raises_no_debug_trap(void **state)
{
	fake_mode_long64();
	V->cr4 |= CR4_DE;
	BF_CODE(FAKE_RIP, REP, OUTSB, HLT);
	fake_unmap(BUF);
	V->gpr[VCPU_RSI] = BUF;
	V->gpr[VCPU_RCX] = 2;
	V->rflags |= RFLAGS_TF;
	bp(0, BF_PORT, DR7_RW_IO, DR7_LEN_1);
	struct insn in;
	assert_true(bf_decode_at_rip(V, &in));
	fake_exit(EXIT_REASON_IO_INSTRUCTION, bf_io_qual(&in, V), in.length);
	V->exit.instr_info = (2u << 7) | ((u32)VCPU_DS << 15); /* 64-bit addressing, DS */
	dispatch_exit(&fk.d, V);
	fake_assert_fault(X86_EXC_PF, true, 0);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(V->pending_dbg, 0);
}

/* With block IO on, a would-be block under a breakpoint still runs one IO instruction per exit:
 * the trap comes after the OUT that hit it, not after the block. */
static void test_block_io_on_traps_after_the_instruction(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX_AL, OUT_IMM8_AL, 0x80, OUT_DX_AL, HLT);
	bp(0, 0x80, DR7_RW_IO, DR7_LEN_1);
	step();
	assert_int_equal(V->rip, FAKE_RIP + 1);
	assert_int_equal(V->pending_dbg, 0);
	step();
	assert_int_equal(V->rip, FAKE_RIP + 3);
	assert_int_equal(V->pending_dbg, B(0) | EN);
	assert_int_equal(fk.d.blockio.stats.runs, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_out_hits_io_breakpoint),
		T(test_in_dword_hits_breakpoint_range),
		T(test_io_breakpoint_elsewhere_or_without_de_is_silent),
		T(test_single_step_and_io_breakpoint_in_one_trap),
		T(test_completed_instruction_clears_rf),
		T(test_other_emulated_instruction_single_steps),
		T(test_ins_hits_write_breakpoint),
		T(test_outs_read_needs_access_breakpoint),
		T(test_rep_outs_single_steps_each_iteration),
		T(test_rep_zero_count_single_steps),
		T(test_rep_ins_stops_after_data_breakpoint_iteration),
		T(test_rep_outs_io_breakpoint_after_first_iteration),
		T(test_rep_single_step_and_data_breakpoint_together),
		T(test_fault_raises_no_debug_trap),
		T(test_block_io_on_traps_after_the_instruction),
	};
	return UNIT_RUN(tests);
}
