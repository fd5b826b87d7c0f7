/*
 * dispatcher/exits_io.c through the interpreter's string-IO engine (interp_string_exit): the
 * faults INS/OUTS raise besides #PF, as SDM Vol. 2A "INS" and Vol. 2B "OUTS" list them under
 * "Protected Mode Exceptions", "Real-Address Mode Exceptions" and "64-Bit Mode Exceptions":
 * #GP(0) outside a segment's limit, on a null selector or a segment of the wrong type, #SS(0)
 * for SS, #AC(0) at CPL 3 with alignment checking. Before the engine was shared, the one-exit
 * path checked no segment and no alignment: every case below ran to the end instead.
 */
#include "exits_io_fixture.h"

#define SEG_PREFIX_SS 2 /* instruction-information segment field: SS (SDM Vol. 3C table 28-8) */

/* REP OUTSB across the end of DS: the iterations within it run, then #GP(0), RIP on it. */
static void test_outs_past_ds_limit_is_gp_after_iterations(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_DS].limit = 0x20001;
	fk.ram[0x20000] = 0x11;
	fk.ram[0x20001] = 0x22;
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 4;
	sio(BYTE_PORT, 1, false, REP, ASZ32, VCPU_DS);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(rec.nout, 2);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20002);
	assert_int_equal(V->gpr[VCPU_RCX], 2);
	assert_false(V->dirty & VCPU_DIRTY_CR2);
}

/* The same through SS (an override): #SS(0). */
static void test_outs_past_ss_limit_is_ss(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_SS].limit = 0x1fff;
	V->gpr[VCPU_RSI] = 0x1fff;
	sio(REC_PORT, 2, false, 0, ASZ32, SEG_PREFIX_SS);
	fake_assert_fault(X86_EXC_SS, true, 0);
	assert_int_equal(rec.nout, 0);
}

/* Real mode: the 64-KiB limit holds with a 32-bit address size too. */
static void test_real_mode_offset_past_limit_is_gp(void **state)
{
	fake_mode_real();
	V->gpr[VCPU_RDI] = 0x10000;
	sio(BYTE_PORT, 1, true, 0, ASZ32, VCPU_DS);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(rec.nin, 0);
}

/* INS into a read-only ES, and OUTS from a null selector: #GP(0), no port touched. */
static void test_segment_type_and_null_selector_are_gp(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_ES].ar = 0x91 | VCPU_AR_DB | VCPU_AR_G; /* read-only data */
	V->gpr[VCPU_RDI] = 0x20000;
	sio(BYTE_PORT, 1, true, 0, ASZ32, VCPU_DS);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(rec.nin, 0);
	assert_int_equal(setup(state), 0);
	fake_mode_prot32();
	V->seg[VCPU_FS].ar = VCPU_AR_UNUSABLE;
	V->gpr[VCPU_RSI] = 0x20000;
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_FS);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(rec.nout, 0);
}

/* An expand-down segment holds the offsets above its limit. */
static void test_expand_down_segment(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_DS] = (struct vcpu_segment){.base = 0, .limit = 0x1ffff, .ar = 0x97 | VCPU_AR_DB};
	fk.ram[0x20000] = 0x5c;
	V->gpr[VCPU_RSI] = 0x20000;
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).val, 0x5c);
	V->rip = FAKE_RIP;
	V->dirty = 0;
	V->gpr[VCPU_RSI] = 0x1ffff; /* at the limit: outside */
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_DS);
	fake_assert_fault(X86_EXC_GP, true, 0);
}

/* 64-bit mode: a non-canonical address through SS is #SS(0), through DS #GP(0). */
static void test_non_canonical_through_ss_is_ss(void **state)
{
	V->gpr[VCPU_RSI] = 0x0000800000000000ULL;
	sio(BYTE_PORT, 1, false, 0, ASZ64, SEG_PREFIX_SS);
	fake_assert_fault(X86_EXC_SS, true, 0);
	assert_int_equal(rec.nout, 0);
}

/* CPL 3 with CR0.AM and RFLAGS.AC: a misaligned word is #AC(0) before any IO. */
static void test_misaligned_at_cpl3_is_ac(void **state)
{
	V->cpl = 3;
	V->cr0 |= CR0_AM;
	V->rflags |= RFLAGS_AC;
	V->gpr[VCPU_RSI] = 0x20001;
	sio(REC_PORT, 2, false, 0, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_AC, true, 0);
	assert_int_equal(rec.nout, 0);
	V->gpr[VCPU_RSI] = 0x20002; /* aligned: runs */
	sio(REC_PORT, 2, false, 0, ASZ64, VCPU_DS);
	assert_int_equal(rec.nout, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_outs_past_ds_limit_is_gp_after_iterations),
		T(test_outs_past_ss_limit_is_ss),
		T(test_real_mode_offset_past_limit_is_gp),
		T(test_segment_type_and_null_selector_are_gp),
		T(test_expand_down_segment),
		T(test_non_canonical_through_ss_is_ss),
		T(test_misaligned_at_cpl3_is_ac),
	};
	return UNIT_RUN(tests);
}
