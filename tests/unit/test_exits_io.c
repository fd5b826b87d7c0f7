/*
 * dispatcher/exits_io.c: IN/OUT and INS/OUTS exits, one instruction per exit. Exit
 * qualification: Intel SDM Vol. 3C 28.2.1, table 28-5; INS/OUTS instruction information:
 * 28.2.5, table 28-8; register widths: Vol. 1 3.4.1.1; string instructions: Vol. 2B INS/OUTS, REP.
 * This file: the sections before "INS and OUTS";
 * from there on: test_exits_io_string.c.
 */
#include "exits_io_fixture.h"

/* ---- IN and OUT ---- */

static void test_out_imm8_byte(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	io(BYTE_PORT, 1, false, IMM, 2);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 1);
	assert_int_equal(WRITE(0).size, 1);
	assert_int_equal(WRITE(0).val, 0x88);
	assert_int_equal(V->gpr[VCPU_RAX], 0x1122334455667788ULL);
	assert_int_equal(fk.d.stats.io_exits, 1);
	assert_int_equal(fk.d.stats.io_instructions, 1);
}

static void test_out_dx_word_masked(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	io(REC_PORT + 2, 2, false, 0, 2);
	fake_assert_retired(2);
	assert_int_equal(rec.nout, 1);
	assert_int_equal(WRITE(0).port, REC_PORT + 2);
	assert_int_equal(WRITE(0).size, 2);
	assert_int_equal(WRITE(0).val, 0x7788);
}

static void test_out_dword_masked(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	io(REC_PORT + 4, 4, false, 0, 1);
	fake_assert_retired(1);
	assert_int_equal(WRITE(0).port, REC_PORT + 4);
	assert_int_equal(WRITE(0).size, 4);
	assert_int_equal(WRITE(0).val, 0x55667788);
}

static void test_in_byte_merges_al(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	rec.next_in = 0xaabbccdd;
	io(REC_PORT, 1, true, IMM, 2);
	fake_assert_retired(2);
	assert_int_equal(READ(0).size, 1);
	assert_int_equal(V->gpr[VCPU_RAX], 0x11223344556677ddULL);
}

static void test_in_word_keeps_upper(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	rec.next_in = 0xaabbccdd;
	io(REC_PORT, 2, true, 0, 2);
	assert_int_equal(READ(0).size, 2);
	assert_int_equal(V->gpr[VCPU_RAX], 0x112233445566ccddULL);
}

static void test_in_dword_zero_extends_in_64bit_mode(void **state)
{
	V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
	rec.next_in = 0xaabbccdd;
	io(REC_PORT, 4, true, 0, 1);
	assert_int_equal(V->gpr[VCPU_RAX], 0xaabbccddULL);
}

/* Outside 64-bit mode bits 63:32 are not the instruction's to touch: compatibility mode,
 * 32-bit protected mode, real mode all keep them. */
static void test_in_dword_keeps_upper_outside_64bit_mode(void **state)
{
	void (*modes[])(void) = {fake_mode_compat, fake_mode_prot32, fake_mode_real};
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		assert_int_equal(setup(state), 0);
		modes[i]();
		V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
		rec.next_in = 0xaabbccdd;
		io(REC_PORT, 4, true, 0, 1);
		fake_assert_retired(1);
		assert_int_equal(V->gpr[VCPU_RAX], 0x11223344aabbccddULL);
	}
}

/* The port comes from bits 31:16 for both encodings; bit 6 (imm8 or DX) does not matter. */
static void test_qualification_port_and_encoding(void **state)
{
	static struct fake_io_attach hi;
	fake_io_attach(&hi, &rec, "hi", 0xfedc, 4, true);
	assert_int_equal(iobus_register(&fk.board.bus, &hi.dev), 0);
	V->gpr[VCPU_RAX] = 0x42;
	io(0xfedd, 1, false, 0, 1);
	io(0xfedf, 1, false, IMM, 1);
	assert_int_equal(rec.nout, 2);
	assert_int_equal(WRITE(0).port, 0xfedc + 1);
	assert_int_equal(WRITE(1).port, 0xfedc + 3);
	/* the direction bit alone makes an IN */
	fake_exit(EXIT_REASON_IO_INSTRUCTION, (0xfedcULL << 16) | (1u << 3), 1);
	dispatch_exit(&fk.d, V);
	assert_int_equal(rec.nin, 1);
	assert_int_equal(READ(0).size, 1);
}

static void test_unclaimed_in_reads_all_ones(void **state)
{
	static const struct {
		u32 size;
		u64 rax;
	} c[] = {{1, 0x11223344556677ffULL}, {2, 0x112233445566ffffULL}, {4, 0xffffffffULL}};
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(setup(state), 0);
		V->gpr[VCPU_RAX] = 0x1122334455667788ULL;
		io(0x2e0, c[i].size, true, 0, 1);
		fake_assert_retired(1);
		assert_int_equal(V->gpr[VCPU_RAX], c[i].rax);
		assert_int_equal(fk.board.bus.unclaimed_reads, c[i].size); /* one per port */
	}
}

static void test_unclaimed_out_ignored(void **state)
{
	V->gpr[VCPU_RAX] = 0xffffffff;
	io(0x2e0, 4, false, 0, 1);
	fake_assert_retired(1);
	assert_int_equal(fk.board.bus.unclaimed_writes, 4);
	assert_int_equal(rec.nout, 0);
}

static void test_debug_exit_ends_guest(void **state)
{
	V->gpr[VCPU_RAX] = 0xffffffff0000002aULL;
	io(DEBUG_EXIT_PORT, 4, false, IMM, 2);
	assert_true(V->ended);
	assert_int_equal(V->end_code, 0x2a);
	assert_int_equal(fk.d.stats.io_exits, 1);
	/* a later write keeps the first code */
	V->gpr[VCPU_RAX] = 7;
	io(DEBUG_EXIT_PORT, 1, false, IMM, 2);
	assert_int_equal(V->end_code, 0x2a);
	assert_int_equal(fk.board.dbg.code, 0x2a);
}

static void test_debug_exit_byte_write_masked(void **state)
{
	V->gpr[VCPU_RAX] = 0x1ff;
	io(DEBUG_EXIT_PORT, 1, false, 0, 1);
	assert_true(V->ended);
	assert_int_equal(V->end_code, 0xff);
}

static void test_debug_exit_read_does_not_end(void **state)
{
	V->gpr[VCPU_RAX] = 0;
	io(DEBUG_EXIT_PORT, 4, true, 0, 1);
	fake_assert_retired(1);
	assert_int_equal(V->gpr[VCPU_RAX], 0xffffffffULL);
}

/* Issue 12 defect 7: an OUT whose last byte is at linear 0xffffffff in 32-bit code. EIP wraps
 * to 0 plus what is left, as the processor's does; RIP 0x100000000 failed VM entry (code 67,
 * SDM Vol. 3C 27.3.1.4: RIP bits 63:32 are 0 outside 64-bit code). */
static void test_out_at_4gib_wraps_eip_outside_64bit_code(void **state)
{
	fake_mode_prot32();
	V->rip = 0xfffffffeULL;
	io(BYTE_PORT, 1, false, IMM, 2);
	assert_false(V->ended);
	assert_int_equal(V->rip, 0);
	assert_int_equal(rec.nout, 1);
	V->rip = 0xffffffffULL; /* OUT DX, AL: one byte */
	io(BYTE_PORT, 1, false, 0, 1);
	assert_int_equal(V->rip, 0);
}

/* ... while 64-bit code goes on past 4 GiB. */
static void test_out_at_4gib_goes_on_in_64bit_code(void **state)
{
	V->rip = 0xffffffffULL;
	io(BYTE_PORT, 1, false, 0, 1);
	assert_int_equal(V->rip, 0x100000000ULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_out_imm8_byte),
		T(test_out_dx_word_masked),
		T(test_out_dword_masked),
		T(test_in_byte_merges_al),
		T(test_in_word_keeps_upper),
		T(test_in_dword_zero_extends_in_64bit_mode),
		T(test_in_dword_keeps_upper_outside_64bit_mode),
		T(test_qualification_port_and_encoding),
		T(test_unclaimed_in_reads_all_ones),
		T(test_unclaimed_out_ignored),
		T(test_debug_exit_ends_guest),
		T(test_debug_exit_byte_write_masked),
		T(test_debug_exit_read_does_not_end),
		T(test_out_at_4gib_wraps_eip_outside_64bit_code),
		T(test_out_at_4gib_goes_on_in_64bit_code),
	};
	return UNIT_RUN(tests);
}
