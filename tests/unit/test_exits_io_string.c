/*
 * dispatcher/exits_io.c: INS and OUTS exits, with and without REP, through guest paging and
 * segments, faults part way, and the bounded iterations per exit.
 * The fixture, shared with test_exits_io.c, is exits_io_fixture.{h,c}.
 */
#include "exits_io_fixture.h"

/* ---- INS and OUTS ---- */

static void test_outs_byte(void **state)
{
	fk.ram[0x20000] = 0x5a;
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 7;
	sio(BYTE_PORT, 1, false, 0, ASZ64, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(rec.nout, 1);
	assert_int_equal(WRITE(0).val, 0x5a);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20001);
	assert_int_equal(V->gpr[VCPU_RCX], 7); /* no REP: the count is not used */
}

static void test_outs_word_df_set(void **state)
{
	fk.ram[0x20010] = 0x34;
	fk.ram[0x20011] = 0x12;
	V->gpr[VCPU_RSI] = 0x20010;
	V->rflags |= RFLAGS_DF;
	sio(REC_PORT, 2, false, 0, ASZ64, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).val, 0x1234);
	assert_int_equal(WRITE(0).size, 2);
	assert_int_equal(V->gpr[VCPU_RSI], 0x2000e);
}

static void test_ins_dword(void **state)
{
	memset(fk.ram + 0x30000, 0xee, 8);
	rec.next_in = 0xa1b2c3d4;
	V->gpr[VCPU_RDI] = 0x30000;
	V->seg[VCPU_ES].base = 0x1000; /* ignored in 64-bit mode */
	sio(REC_PORT, 4, true, 0, ASZ64, VCPU_DS);
	fake_assert_retired(1);
	static const u8 want[] = {0xd4, 0xc3, 0xb2, 0xa1, 0xee, 0xee, 0xee, 0xee};
	assert_memory_equal(fk.ram + 0x30000, want, sizeof(want));
	assert_int_equal(V->gpr[VCPU_RDI], 0x30004);
	assert_int_equal(READ(0).size, 4);
}

static void test_rep_ins_bytes(void **state)
{
	rec.next_in = 0x10;
	V->gpr[VCPU_RDI] = 0x30000;
	V->gpr[VCPU_RCX] = 5;
	sio(BYTE_PORT, 1, true, REP, ASZ64, VCPU_DS);
	fake_assert_retired(2);
	static const u8 want[] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x00};
	assert_memory_equal(fk.ram + 0x30000, want, sizeof(want));
	assert_int_equal(V->gpr[VCPU_RCX], 0);
	assert_int_equal(V->gpr[VCPU_RDI], 0x30005);
	assert_int_equal(rec.nin, 5);
	assert_int_equal(fk.d.stats.io_exits, 1);
	assert_int_equal(fk.d.stats.io_instructions, 1); /* a REP instruction counts once */
}

static void test_rep_outs_words_df_set(void **state)
{
	static const u8 mem[] = {0x01, 0x00, 0x02, 0x00, 0x03, 0x00};
	memcpy(fk.ram + 0x20000, mem, sizeof(mem));
	V->gpr[VCPU_RSI] = 0x20004;
	V->gpr[VCPU_RCX] = 3;
	V->rflags |= RFLAGS_DF;
	sio(REC_PORT, 2, false, REP, ASZ64, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 3);
	assert_int_equal(WRITE(0).val, 3);
	assert_int_equal(WRITE(1).val, 2);
	assert_int_equal(WRITE(2).val, 1);
	assert_int_equal(V->gpr[VCPU_RSI], 0x1fffe);
	assert_int_equal(V->gpr[VCPU_RCX], 0);
}

/* 16-bit addressing: SI and CX wrap at 16 bits, bits 63:16 stay. */
static void test_asz16_wraps_and_keeps_upper_bits(void **state)
{
	fake_mode_prot32();
	fk.ram[0xfffe] = 0xa;
	fk.ram[0xffff] = 0xb;
	fk.ram[0x0000] = 0xc;
	fk.ram[0x10000] = 0xd; /* not reached: the offset wraps */
	V->gpr[VCPU_RSI] = 0xdeadbeef0001fffeULL;
	V->gpr[VCPU_RCX] = 0xffffffffffff0003ULL;
	sio(BYTE_PORT, 1, false, REP, ASZ16, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 3);
	assert_int_equal(WRITE(0).val, 0xa);
	assert_int_equal(WRITE(1).val, 0xb);
	assert_int_equal(WRITE(2).val, 0xc);
	assert_int_equal(V->gpr[VCPU_RSI], 0xdeadbeef00010001ULL);
	assert_int_equal(V->gpr[VCPU_RCX], 0xffffffffffff0000ULL);
}

static void test_asz16_wraps_down_with_df(void **state)
{
	fake_mode_real();
	fk.ram[0x1] = 0x1;
	fk.ram[0x0] = 0x2;
	fk.ram[0xffff] = 0x3;
	V->gpr[VCPU_RDI] = 0x12340001;
	V->gpr[VCPU_RCX] = 3;
	V->rflags |= RFLAGS_DF;
	rec.next_in = 0x70;
	sio(BYTE_PORT, 1, true, REP, ASZ16, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(fk.ram[0x1], 0x70);
	assert_int_equal(fk.ram[0x0], 0x71);
	assert_int_equal(fk.ram[0xffff], 0x72);
	assert_int_equal(V->gpr[VCPU_RDI], 0x1234fffe);
}

/* 32-bit addressing in 64-bit mode (0x67 prefix): ESI and ECX, bits 63:32 stay. */
static void test_asz32_in_64bit_mode(void **state)
{
	fk.ram[0x20000] = 0x61;
	fk.ram[0x20001] = 0x62;
	V->gpr[VCPU_RSI] = 0x500020000ULL;
	V->gpr[VCPU_RCX] = 0xaaaaaaaa00000002ULL;
	sio(BYTE_PORT, 1, false, REP, ASZ32, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 2);
	assert_int_equal(WRITE(0).val, 0x61);
	assert_int_equal(WRITE(1).val, 0x62);
	assert_int_equal(V->gpr[VCPU_RSI], 0x500020002ULL);
	assert_int_equal(V->gpr[VCPU_RCX], 0xaaaaaaaa00000000ULL);
}

static void test_asz32_wraps_down_with_df(void **state)
{
	fk.ram[0] = 0x99;
	V->gpr[VCPU_RSI] = 0x700000000ULL;
	V->rflags |= RFLAGS_DF;
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).val, 0x99);
	assert_int_equal(V->gpr[VCPU_RSI], 0x7ffffffffULL);
}

/* OUTS takes the segment from instruction-information bits 17:15 (a prefix override). */
static void test_outs_segment_override_outside_64bit_mode(void **state)
{
	fake_mode_prot32();
	for (u32 s = 0; s < VCPU_NSEGS; s++) {
		V->seg[s].base = 0x2000 + 0x1000 * s;
		fk.ram[0x2010 + 0x1000 * s] = (u8)(0x40 + s);
	}
	V->gpr[VCPU_RSI] = 0x10;
	for (u32 s = 0; s < VCPU_NSEGS; s++) {
		V->gpr[VCPU_RSI] = 0x10;
		V->rip = FAKE_RIP;
		sio(BYTE_PORT, 1, false, 0, ASZ32, s);
		assert_int_equal(WRITE(s).val, 0x40 + s);
		assert_int_equal(V->gpr[VCPU_RSI], 0x11);
	}
}

static void test_ins_always_uses_es(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_ES].base = 0x5000;
	V->seg[VCPU_FS].base = 0x7000;
	V->seg[VCPU_DS].base = 0x9000;
	V->gpr[VCPU_RDI] = 0x20;
	rec.next_in = 0x77;
	sio(BYTE_PORT, 1, true, 0, ASZ32, VCPU_FS);
	fake_assert_retired(1);
	assert_int_equal(fk.ram[0x5020], 0x77);
	assert_int_equal(fk.ram[0x7020], 0);
	assert_int_equal(fk.ram[0x9020], 0);
}

/* In 64-bit mode the DS, ES, SS and CS bases are 0; FS and GS keep theirs (SDM Vol. 3A 3.4.4). */
static void test_64bit_mode_segment_bases(void **state)
{
	V->seg[VCPU_DS].base = 0x2000;
	V->seg[VCPU_FS].base = 0x7000;
	V->seg[VCPU_GS].base = 0x8000;
	fk.ram[0x30] = 0x1;
	fk.ram[0x7030] = 0x2;
	fk.ram[0x8030] = 0x3;
	fk.ram[0x2030] = 0x4;
	static const u32 segs[] = {VCPU_DS, VCPU_FS, VCPU_GS};
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
		V->gpr[VCPU_RSI] = 0x30;
		sio(BYTE_PORT, 1, false, 0, ASZ64, segs[i]);
	}
	assert_int_equal(rec.nout, 3);
	assert_int_equal(WRITE(0).val, 0x1);
	assert_int_equal(WRITE(1).val, 0x2);
	assert_int_equal(WRITE(2).val, 0x3);
}

static void test_real_mode_outs_uses_segment_base(void **state)
{
	fake_mode_real();
	V->seg[VCPU_DS] = (struct vcpu_segment){0x123, 0x1230, 0xffff, F_AR_DATA};
	fk.ram[0x1234] = 0xbe;
	V->gpr[VCPU_RSI] = 4;
	sio(BYTE_PORT, 1, false, 0, ASZ16, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).val, 0xbe);
	assert_int_equal(V->gpr[VCPU_RSI], 5);
}

/* Outside IA-32e mode the linear address is 32 bits: base + offset wraps at 4 GiB. */
static void test_linear_address_wraps_at_4g(void **state)
{
	fake_mode_prot32();
	V->seg[VCPU_DS].base = 0xfffff000;
	V->gpr[VCPU_RSI] = 0x2000;
	fk.ram[0x1000] = 0x3c;
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_DS);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).val, 0x3c);
}

static void test_rep_with_zero_count(void **state)
{
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 0;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 0);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20000);
	assert_int_equal(V->gpr[VCPU_RCX], 0);
	assert_int_equal(fk.d.stats.io_exits, 1);
}

/* ECX = 0 with bits 63:32 set: a 32-bit address size counts with ECX alone. */
static void test_rep_zero_count_at_address_size(void **state)
{
	V->gpr[VCPU_RDI] = 0x30000;
	V->gpr[VCPU_RCX] = 0x100000000ULL;
	sio(BYTE_PORT, 1, true, REP, ASZ32, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nin, 0);
	assert_int_equal(V->gpr[VCPU_RCX], 0x100000000ULL);
	assert_int_equal(V->gpr[VCPU_RDI], 0x30000);
}

/* A long REP run stops after the per-exit limit with RIP on the instruction: the guest executes
 * it again (as after an interrupt between iterations) and the next exit goes on from there. */
static void test_rep_over_limit_resumes(void **state)
{
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 5000;
	for (u32 i = 0; i < 5000; i++)
		fk.ram[0x20000 + i] = (u8)i;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_untouched_rip();
	u32 first = rec.nout;
	assert_true(first > 0 && first < 5000);
	assert_int_equal(V->gpr[VCPU_RCX], 5000 - first);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20000 + first);
	V->dirty = 0;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 5000);
	assert_int_equal(V->gpr[VCPU_RCX], 0);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20000 + 5000);
	for (u32 i = 0; i < 5000; i++)
		assert_int_equal(WRITE(i).val, (u8)i);
	assert_int_equal(fk.d.stats.io_exits, 2);
}

/* The count is all 64 bits of RCX with a 64-bit address size. */
static void test_rep_count_uses_full_rcx(void **state)
{
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 0x100000002ULL;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_untouched_rip();
	assert_true(rec.nout > 2);
	assert_int_equal(V->gpr[VCPU_RCX], 0x100000002ULL - rec.nout);
}

/* A page fault part-way: the iterations done stay done, #PF reports the faulting byte. */
static void test_page_fault_mid_rep_outs(void **state)
{
	fake_unmap(0x11000);
	fk.ram[0x10ffe] = 0xa;
	fk.ram[0x10fff] = 0xb;
	V->gpr[VCPU_RSI] = 0x10ffe;
	V->gpr[VCPU_RCX] = 4;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, 0); /* supervisor read of a page not present */
	assert_int_equal(V->cr2, 0x11000);
	assert_true(V->dirty & VCPU_DIRTY_CR2);
	assert_int_equal(rec.nout, 2);
	assert_int_equal(V->gpr[VCPU_RCX], 2);
	assert_int_equal(V->gpr[VCPU_RSI], 0x11000);
}

static void test_page_fault_mid_rep_ins_user(void **state)
{
	fake_unmap(0x11000);
	V->cpl = 3;
	V->seg[VCPU_SS].ar |= 3u << 5;
	V->gpr[VCPU_RDI] = 0x10ffc;
	V->gpr[VCPU_RCX] = 3;
	rec.next_in = 0x1000;
	sio(REC_PORT, 2, true, REP, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, (1u << 1) | (1u << 2)); /* user write, not present */
	assert_int_equal(V->cr2, 0x11000);
	assert_int_equal(fk.ram[0x10ffc], 0x00);
	assert_int_equal(fk.ram[0x10ffd], 0x10);
	assert_int_equal(fk.ram[0x10ffe], 0x01);
	assert_int_equal(fk.ram[0x10fff], 0x10);
	assert_int_equal(V->gpr[VCPU_RCX], 1);
	assert_int_equal(V->gpr[VCPU_RDI], 0x11000);
}

/* An element that straddles into a page not present faults before any IO, CR2 at the page. */
static void test_page_fault_on_straddling_element(void **state)
{
	fake_unmap(0x11000);
	V->gpr[VCPU_RSI] = 0x10ffe;
	sio(REC_PORT, 4, false, 0, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, 0);
	assert_int_equal(V->cr2, 0x11000);
	assert_int_equal(rec.nout, 0);
	assert_int_equal(V->gpr[VCPU_RSI], 0x10ffe);
}

static void test_page_fault_on_first_iteration(void **state)
{
	fake_unmap(0x20000);
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 9;
	sio(BYTE_PORT, 1, false, REP, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, 0);
	assert_int_equal(rec.nout, 0);
	assert_int_equal(V->gpr[VCPU_RCX], 9);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20000);
}

static void test_non_canonical_address_is_gp(void **state)
{
	V->gpr[VCPU_RSI] = 0x0000800000000000ULL;
	sio(BYTE_PORT, 1, false, 0, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(rec.nout, 0);
	assert_false(V->dirty & VCPU_DIRTY_CR2);
}

static void test_string_io_outside_ram_ends_guest(void **state)
{
	fake_mode_prot32();
	V->gpr[VCPU_RSI] = 0x80000000;
	sio(BYTE_PORT, 1, false, 0, ASZ32, VCPU_DS);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
	assert_int_equal(rec.nout, 0);
}

static void test_outs_to_debug_exit(void **state)
{
	static const u8 code[] = {0x05, 0, 0, 0};
	memcpy(fk.ram + 0x20000, code, sizeof(code));
	V->gpr[VCPU_RSI] = 0x20000;
	sio(DEBUG_EXIT_PORT, 4, false, 0, ASZ64, VCPU_DS);
	assert_true(V->ended);
	assert_int_equal(V->end_code, 5);
}

static void test_rep_outs_unclaimed_port(void **state)
{
	V->gpr[VCPU_RSI] = 0x20000;
	V->gpr[VCPU_RCX] = 3;
	sio(0x2e0, 2, false, REP, ASZ64, VCPU_DS);
	fake_assert_retired(rlen(REP));
	assert_int_equal(fk.board.bus.unclaimed_writes, 6);
	assert_int_equal(V->gpr[VCPU_RSI], 0x20006);
}

static void test_rep_ins_unclaimed_port_writes_ones(void **state)
{
	V->gpr[VCPU_RDI] = 0x30000;
	V->gpr[VCPU_RCX] = 2;
	sio(0x2e0, 4, true, REP, ASZ64, VCPU_DS);
	fake_assert_retired(2);
	for (int i = 0; i < 8; i++)
		assert_int_equal(fk.ram[0x30000 + i], 0xff);
	assert_int_equal(fk.ram[0x30008], 0);
}

/* ---- issue 12, defects 8 and 9 ---- */

/* A faulting INS reads no port: the processor checks the store first (SDM Vol. 2A "INS"), so
 * the retried INS stores the value the device still holds. Before the fix the port was read,
 * the value lost, and the retry stored the next one (a UART's IIR consumed twice). */
static void test_faulting_ins_reads_no_port(void **state)
{
	fake_unmap(0x20000);
	V->gpr[VCPU_RDI] = 0x20000;
	rec.next_in = 0x55;
	sio(REC_PORT, 1, true, 0, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, 1u << 1); /* write, not present */
	assert_int_equal(rec.nin, 0);
	assert_int_equal(rec.next_in, 0x55);
	/* mid-REP likewise: the iteration that faults reads nothing */
	assert_int_equal(setup(state), 0);
	fake_unmap(0x11000);
	V->gpr[VCPU_RDI] = 0x10ffe;
	V->gpr[VCPU_RCX] = 4;
	sio(REC_PORT, 1, true, REP, ASZ64, VCPU_DS);
	fake_assert_fault(X86_EXC_PF, true, 1u << 1);
	assert_int_equal(rec.nin, 2);
	assert_int_equal(V->gpr[VCPU_RCX], 2);
}

/* OUTS from the legacy hole sends all ones, as a MOV from there reads them; the walk sets the
 * accessed flag. Before the fix the guest was stopped (code 68, "not RAM"). */
static void test_outs_from_legacy_hole_reads_ones(void **state)
{
	fake_legacy_hole();
	V->gpr[VCPU_RSI] = 0xb8000;
	V->gpr[VCPU_RCX] = 2;
	sio(REC_PORT, 2, false, REP, ASZ64, VCPU_DS);
	assert_false(V->ended);
	assert_false(V->inject.pending);
	assert_int_equal(rec.nout, 2);
	assert_int_equal(io_log_nth(&rec, false, 0)->val, 0xffff);
	assert_int_equal(io_log_nth(&rec, false, 1)->val, 0xffff);
	assert_int_equal(V->gpr[VCPU_RSI], 0xb8004);
	assert_int_equal(V->rip, FAKE_RIP + 2);
	/* INS into the hole still stops the guest with a report (README: only MOV stores drop) */
	V->gpr[VCPU_RDI] = 0xb8000;
	sio(REC_PORT, 1, true, 0, ASZ64, VCPU_DS);
	assert_true(V->ended);
	assert_int_equal(rec.nin, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_outs_byte),
		T(test_outs_word_df_set),
		T(test_ins_dword),
		T(test_rep_ins_bytes),
		T(test_rep_outs_words_df_set),
		T(test_asz16_wraps_and_keeps_upper_bits),
		T(test_asz16_wraps_down_with_df),
		T(test_asz32_in_64bit_mode),
		T(test_asz32_wraps_down_with_df),
		T(test_outs_segment_override_outside_64bit_mode),
		T(test_ins_always_uses_es),
		T(test_64bit_mode_segment_bases),
		T(test_real_mode_outs_uses_segment_base),
		T(test_linear_address_wraps_at_4g),
		T(test_rep_with_zero_count),
		T(test_rep_zero_count_at_address_size),
		T(test_rep_over_limit_resumes),
		T(test_rep_count_uses_full_rcx),
		T(test_page_fault_mid_rep_outs),
		T(test_page_fault_mid_rep_ins_user),
		T(test_page_fault_on_straddling_element),
		T(test_page_fault_on_first_iteration),
		T(test_non_canonical_address_is_gp),
		T(test_string_io_outside_ram_ends_guest),
		T(test_outs_to_debug_exit),
		T(test_rep_outs_unclaimed_port),
		T(test_rep_ins_unclaimed_port_writes_ones),
		T(test_faulting_ins_reads_no_port),
		T(test_outs_from_legacy_hole_reads_ones),
	};
	return UNIT_RUN(tests);
}
