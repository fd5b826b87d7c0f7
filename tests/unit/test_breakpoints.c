/*
 * dispatcher/vcpu/breakpoints.c: which enabled DR7 breakpoints an emulated access hits.
 * DR7 fields: SDM Vol. 3B 18.2.4; ranges and alignment: 18.2.5; I/O breakpoints need CR4.DE;
 * data breakpoints: R/W 01b writes, 11b reads and writes (18.3.1.2).
 */
#include "unit.h"

#include <string.h>

#include "dispatcher/vcpu/breakpoints.h"

#define LMA (1ULL << 10)
#define CS_L (1u << 13)

static struct vcpu v;

static int setup(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	v.dr7 = 0x400; /* the reset value */
	v.cr4 = CR4_DE;
	return 0;
}

/* Breakpoint n: address, R/W, LEN, and the L bit (global: the G bit). */
static void bp_set(int n, u64 addr, u32 rw, u32 len, bool global)
{
	v.dr[n] = addr;
	v.dr7 &= ~((u64)0xf << DR7_RW_SHIFT(n)) & ~((u64)DR7_FIELD_MASK << DR7_ENABLE_SHIFT(n));
	v.dr7 |= (u64)rw << DR7_RW_SHIFT(n) | (u64)len << DR7_LEN_SHIFT(n);
	v.dr7 |= (global ? 2ULL : 1ULL) << DR7_ENABLE_SHIFT(n);
}

static void test_io_breakpoint_hits_its_port(void **state)
{
	bp_set(2, 0x80, DR7_RW_IO, DR7_LEN_1, false);
	assert_int_equal(bp_io_hits(&v, 0x80, 1), VCPU_DBG_B(2));
	assert_int_equal(bp_io_hits(&v, 0x81, 1), 0);
	assert_int_equal(bp_io_hits(&v, 0x7f, 1), 0);
	/* a wider access that covers the port: OUT 0x7e with a dword touches 0x7e..0x81 */
	assert_int_equal(bp_io_hits(&v, 0x7e, 4), VCPU_DBG_B(2));
	assert_int_equal(bp_io_hits(&v, 0x7e, 2), 0);
}

static void test_io_breakpoint_needs_cr4_de(void **state)
{
	bp_set(0, 0x3f8, DR7_RW_IO, DR7_LEN_1, false);
	v.cr4 = 0;
	assert_int_equal(bp_io_hits(&v, 0x3f8, 1), 0);
	v.cr4 = CR4_DE;
	assert_int_equal(bp_io_hits(&v, 0x3f8, 1), VCPU_DBG_B(0));
}

static void test_disabled_breakpoint_does_not_hit(void **state)
{
	bp_set(1, 0x80, DR7_RW_IO, DR7_LEN_1, false);
	v.dr7 &= ~((u64)DR7_FIELD_MASK << DR7_ENABLE_SHIFT(1));
	v.dr7 |= 0x300; /* LE and GE enable nothing */
	assert_int_equal(bp_io_hits(&v, 0x80, 1), 0);
	/* G alone enables it, as L alone does */
	bp_set(1, 0x80, DR7_RW_IO, DR7_LEN_1, true);
	assert_int_equal(bp_io_hits(&v, 0x80, 1), VCPU_DBG_B(1));
}

/* LEN sets the range; the address's low bits are masked to it (18.2.5). */
static void test_lengths_and_alignment(void **state)
{
	bp_set(0, 0x3f8, DR7_RW_IO, DR7_LEN_4, false);
	assert_int_equal(bp_io_hits(&v, 0x3fb, 1), VCPU_DBG_B(0));
	assert_int_equal(bp_io_hits(&v, 0x3fc, 1), 0);
	assert_int_equal(bp_io_hits(&v, 0x3f7, 1), 0);
	bp_set(0, 0x81, DR7_RW_IO, DR7_LEN_2, false); /* unaligned: 0x80..0x81 */
	assert_int_equal(bp_io_hits(&v, 0x80, 1), VCPU_DBG_B(0));
	assert_int_equal(bp_io_hits(&v, 0x82, 1), 0);
	bp_set(3, 0x1004, DR7_RW_WRITE, DR7_LEN_8, false); /* 0x1000..0x1007 */
	assert_int_equal(bp_data_hits(&v, 0x1000, 1, true), VCPU_DBG_B(3));
	assert_int_equal(bp_data_hits(&v, 0x1007, 1, true), VCPU_DBG_B(3));
	assert_int_equal(bp_data_hits(&v, 0x1008, 4, true), 0);
	assert_int_equal(bp_data_hits(&v, 0xffe, 2, true), 0);
	assert_int_equal(bp_data_hits(&v, 0xffe, 4, true), VCPU_DBG_B(3));
}

/* R/W 01b: writes only; 11b: reads and writes; 00b (instruction) and 10b (I/O) never. */
static void test_data_breakpoint_kinds(void **state)
{
	bp_set(0, 0x2000, DR7_RW_WRITE, DR7_LEN_1, false);
	bp_set(1, 0x2000, DR7_RW_ACCESS, DR7_LEN_1, false);
	bp_set(2, 0x2000, DR7_RW_EXEC, DR7_LEN_1, false);
	bp_set(3, 0x2000, DR7_RW_IO, DR7_LEN_1, false);
	assert_int_equal(bp_data_hits(&v, 0x2000, 1, true), VCPU_DBG_B(0) | VCPU_DBG_B(1));
	assert_int_equal(bp_data_hits(&v, 0x2000, 1, false), VCPU_DBG_B(1));
	/* and an I/O breakpoint never answers a memory access nor a data breakpoint a port */
	assert_int_equal(bp_io_hits(&v, 0x2000, 1), VCPU_DBG_B(3));
}

/* Outside 64-bit mode linear addresses are 32 bits: the compare is too. */
static void test_address_width(void **state)
{
	bp_set(0, 0x500001000ULL, DR7_RW_WRITE, DR7_LEN_1, false);
	assert_int_equal(bp_data_hits(&v, 0x1000, 1, true), VCPU_DBG_B(0));
	v.efer = LMA;
	v.seg[VCPU_CS].ar = CS_L;
	assert_int_equal(bp_data_hits(&v, 0x1000, 1, true), 0);
	assert_int_equal(bp_data_hits(&v, 0x500001000ULL, 1, true), VCPU_DBG_B(0));
	/* a 32-bit access that wraps at 4 GiB touches both ends */
	v.efer = 0;
	bp_set(1, 0x0, DR7_RW_WRITE, DR7_LEN_1, false);
	assert_int_equal(bp_data_hits(&v, 0xfffffffeULL, 4, true), VCPU_DBG_B(1));
	assert_int_equal(bp_data_hits(&v, 0xfffffffcULL, 4, true), 0);
}

static void test_no_breakpoint_enabled_is_zero(void **state)
{
	memset(v.dr, 0, sizeof(v.dr)); /* all four at 0 with R/W 00b, none enabled */
	assert_int_equal(bp_data_hits(&v, 0, 8, true), 0);
	assert_int_equal(bp_io_hits(&v, 0, 4), 0);
	v.dr7 = 0xffff0700ULL; /* every R/W and LEN field set, no L or G bit */
	assert_int_equal(bp_data_hits(&v, 0, 8, true), 0);
	assert_int_equal(bp_io_hits(&v, 0, 4), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_io_breakpoint_hits_its_port),
		T(test_io_breakpoint_needs_cr4_de),
		T(test_disabled_breakpoint_does_not_hit),
		T(test_lengths_and_alignment),
		T(test_data_breakpoint_kinds),
		T(test_address_width),
		T(test_no_breakpoint_enabled_is_zero),
	};
	return UNIT_RUN(tests);
}
