/*
 * devices/pit.c against the Intel 82C54 datasheet (order no. 231244): reset state, access
 * modes and flip-flops, latches and read-back, BCD, null count and control words. The fixture
 * is pit_fixture.h; the six modes are in test_pit_modes.c; IRQ0, deadlines and the differential
 * model in test_pit_timing.c.
 */
#include "unit.h"

#include "pit_fixture.h"

/* ---- time base ---- */

static void test_tick_conversion_exact(void **state)
{
	assert_int_equal(pit_ns_to_ticks(0), 0);
	assert_int_equal(pit_ns_to_ticks(838), 0); /* one pulse is 838.095 ns */
	assert_int_equal(pit_ns_to_ticks(839), 1);
	assert_int_equal(pit_ns_to_ticks(CLOCK_NS_PER_S), PIT_HZ);
	assert_int_equal(pit_ticks_to_ns(0), 0);
	assert_int_equal(pit_ticks_to_ns(1), 839);
	assert_int_equal(pit_ticks_to_ns(PIT_HZ), CLOCK_NS_PER_S);
	assert_true(pit_ticks_to_ns(PIT_TICK_NEVER) == CLOCK_NEVER);
}

/* Against 128-bit arithmetic over the whole range: no overflow, no drift. */
static void test_tick_conversion_matches_wide_math(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 200000; i++) {
		u64 ns = unit_rand(&seed) >> (i % 64);
		unsigned __int128 want = (unsigned __int128)ns * PIT_HZ / CLOCK_NS_PER_S;
		assert_true(pit_ns_to_ticks(ns) == (u64)want);
		u64 k = pit_ns_to_ticks(ns);
		u64 t = pit_ticks_to_ns(k);
		assert_true(t <= ns);
		assert_true(pit_ns_to_ticks(t) == k);
		if (t)
			assert_true(pit_ns_to_ticks(t - 1) == k - 1);
	}
}

/* ---- reset state ---- */

static void test_init_state_as_bios_leaves_it(void **state)
{
	assert_true(rec.level); /* mode 2: OUT high, driven at init */
	assert_int_equal(rec.wrong_line, 0);
	at(1);
	assert_int_equal(status_of(0), ST_OUT | RW_LOHI << 4 | 2 << 1);
	assert_int_equal(status_of(1), ST_OUT | RW_LOHI << 4 | 3 << 1);
	assert_int_equal(status_of(2), ST_OUT | RW_LOHI << 4 | 3 << 1);
	assert_int_equal(count_of(0), 0); /* 65536 just loaded */
	at(2);
	assert_int_equal(count_of(0), 0xffff);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(1 + 65536));
	assert_int_equal(inb(PIT_CONTROL_PORT), 0); /* write-only; QEMU reads 0 */
	assert_int_equal(pit.io.base, PIT_BASE);
	assert_int_equal(pit.io.count, PIT_PORTS);
	assert_false(pit.io.wide);
}

/* ---- access modes, flip-flops ---- */

static void test_lsb_only_access(void **state)
{
	at(100);
	control(1, RW_LSB, 2, 0);
	write_count(1, RW_LSB, 0x34);
	at(101);
	assert_int_equal(inb(PIT_BASE + 1), 0x34);
	assert_int_equal(inb(PIT_BASE + 1), 0x34); /* every read is the LSB */
	at(105);
	assert_int_equal(inb(PIT_BASE + 1), 0x30);
	at(101 + 0x34);
	assert_int_equal(inb(PIT_BASE + 1), 0x34); /* period 0x34: MSB was 0 */
}

static void test_msb_only_access(void **state)
{
	at(100);
	control(1, RW_MSB, 2, 0);
	write_count(1, RW_MSB, 0x1200);
	at(101);
	assert_int_equal(inb(PIT_BASE + 1), 0x12);
	at(101 + 0x100);
	assert_int_equal(inb(PIT_BASE + 1), 0x11);
	at(100 + 0x1200);
	assert_false(out_of(1));
}

static void test_lohi_read_flip_flop_alternates(void **state)
{
	at(100);
	program(1, 0, 0x1234);
	at(101);
	assert_int_equal(inb(PIT_BASE + 1), 0x34);
	at(102); /* the MSB is read live too */
	assert_int_equal(inb(PIT_BASE + 1), 0x12);
	assert_int_equal(inb(PIT_BASE + 1), 0x33);
}

static void test_read_and_write_flip_flops_separate(void **state)
{
	/* the datasheet's interleaving: read LSB, write LSB, read MSB, write MSB */
	at(100);
	program(1, 2, 0x0400);
	at(101);
	control(1, RW_LATCH, 0, 0);
	assert_int_equal(inb(PIT_BASE + 1), 0x00);
	outb(PIT_BASE + 1, 0x22);
	assert_int_equal(inb(PIT_BASE + 1), 0x04);
	outb(PIT_BASE + 1, 0x01);
	at(101 + 0x400);
	assert_int_equal(count_of(1), 0x0122);
}

static void test_control_word_resets_flip_flops(void **state)
{
	at(100);
	program(1, 2, 0x1234);
	at(101);
	outb(PIT_BASE + 1, 0x99); /* half a count */
	assert_int_equal(inb(PIT_BASE + 1), 0x34); /* half a read */
	control(1, RW_LOHI, 2, 0);
	write_count(1, RW_LOHI, 0x0010);
	at(102);
	assert_int_equal(inb(PIT_BASE + 1), 0x10);
	assert_int_equal(inb(PIT_BASE + 1), 0x00);
}

static void test_read_during_lohi_write_sees_old_count(void **state)
{
	at(100);
	program(1, 2, 1000);
	at(200);
	outb(PIT_BASE + 1, 0xf4); /* LSB of 500 */
	assert_int_equal(inb(PIT_BASE + 1), 901 & 0xff);
	at(201);
	outb(PIT_BASE + 1, 0x01); /* MSB of 500: loaded at the next reload, 1101 */
	assert_int_equal(inb(PIT_BASE + 1), 900 >> 8);
	at(300);
	assert_int_equal(count_of(1), 801);
	at(1101);
	assert_int_equal(count_of(1), 500);
}

/* ---- latches ---- */

static void test_latch_holds_while_time_passes(void **state)
{
	at(100);
	program(1, 2, 1000);
	at(150);
	control(1, RW_LATCH, 0, 0);
	at(400);
	assert_int_equal(inb(PIT_BASE + 1), 951 & 0xff);
	at(600);
	assert_int_equal(inb(PIT_BASE + 1), 951 >> 8);
	assert_int_equal(read16(1), 1000 - 499); /* released: live again */
}

static void test_second_latch_ignored(void **state)
{
	at(100);
	program(1, 2, 1000);
	at(150);
	control(1, RW_LATCH, 0, 0);
	at(300);
	control(1, RW_LATCH, 0, 0);
	assert_int_equal(read16(1), 951);
	control(1, RW_LATCH, 0, 0); /* after the read a new latch takes */
	assert_int_equal(read16(1), 801);
}

static void test_latch_lsb_only_released_by_one_read(void **state)
{
	at(100);
	control(1, RW_LSB, 2, 0);
	write_count(1, RW_LSB, 200);
	at(111);
	control(1, RW_LATCH, 0, 0);
	at(131);
	assert_int_equal(inb(PIT_BASE + 1), 190);
	assert_int_equal(inb(PIT_BASE + 1), 170);
}

static void test_latch_does_not_disturb_counter(void **state)
{
	at(100);
	program(1, 2, 10);
	at(103);
	control(1, RW_LATCH, 0, 0);
	assert_int_equal(status_of(1), ST_OUT | RW_LOHI << 4 | 2 << 1);
	at(110);
	assert_false(out_of(1));
	at(111);
	assert_true(out_of(1));
	assert_int_equal(read16(1), 8);
	assert_int_equal(count_of(1), 10);
}

static void test_readback_count_and_status_two_channels(void **state)
{
	at(100);
	program(0, 2, 300);
	control(2, RW_LOHI, 0, 0);
	write_count(2, RW_LOHI, 500);
	at(151);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_CH(0) | RB_CH(2));
	at(400); /* both latched at 151 */
	assert_int_equal(inb(PIT_BASE + 0), ST_OUT | RW_LOHI << 4 | 2 << 1);
	assert_int_equal(read16(0), 250);
	assert_int_equal(inb(PIT_BASE + 2), RW_LOHI << 4); /* mode 0, OUT low, loaded */
	assert_int_equal(read16(2), 500); /* gate 2 low: not counting */
	assert_int_equal(read16(0), 300 - (299 % 300)); /* live again */
}

static void test_readback_status_only_three_channels(void **state)
{
	at(100);
	control(0, RW_LSB, 5, 0);
	control(1, RW_MSB, 2, CW_BCD);
	control(2, RW_LOHI, 0, 0);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(0) | RB_CH(1) | RB_CH(2));
	assert_int_equal(inb(PIT_BASE + 0), ST_OUT | ST_NULL | RW_LSB << 4 | 5 << 1);
	assert_int_equal(inb(PIT_BASE + 1), ST_OUT | ST_NULL | RW_MSB << 4 | 2 << 1 | CW_BCD);
	assert_int_equal(inb(PIT_BASE + 2), ST_NULL | RW_LOHI << 4);
	/* status reads consumed: the next ones are counts */
	write_count(1, RW_MSB, 0x1200); /* BCD 1200 */
	at(102);
	assert_int_equal(inb(PIT_BASE + 1), 0x11); /* 1199 */
}

static void test_readback_count_only(void **state)
{
	at(100);
	program(1, 2, 1000);
	at(200);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_STATUS | RB_CH(1));
	at(250);
	assert_int_equal(read16(1), 901);
}

static void test_readback_keeps_unread_latches(void **state)
{
	at(100);
	program(1, 2, 1000);
	at(150);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_STATUS | RB_CH(1)); /* count at 150 */
	at(300);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_CH(1)); /* status taken, count kept */
	control(1, RW_LATCH, 0, 0);                       /* ignored too */
	write_count(1, RW_LOHI, 20); /* null count now set, after the status latch */
	assert_int_equal(inb(PIT_BASE + 1), ST_OUT | RW_LOHI << 4 | 2 << 1);
	assert_int_equal(read16(1), 951);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(1));
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(1));
	at(301);
	assert_int_equal(inb(PIT_BASE + 1), ST_OUT | ST_NULL | RW_LOHI << 4 | 2 << 1);
	assert_int_equal(read16(1), 1000 - 200); /* one status only: now the live count */
}

static void test_status_first_whatever_latched_first(void **state)
{
	at(100);
	program(1, 4, 50);
	at(110);
	control(1, RW_LATCH, 0, 0);
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(1));
	assert_int_equal(inb(PIT_BASE + 1), ST_OUT | RW_LOHI << 4 | 4 << 1);
	assert_int_equal(read16(1), 41);
}

/* ---- BCD ---- */

static void test_bcd_counts_in_decimal(void **state)
{
	at(100);
	control(1, RW_LOHI, 2, CW_BCD);
	write_count(1, RW_LOHI, 0x1234);
	at(101);
	assert_int_equal(count_of(1), 0x1234);
	at(106);
	assert_int_equal(count_of(1), 0x1229);
	at(101 + 1233);
	assert_int_equal(count_of(1), 0x0001);
	assert_false(out_of(1));
	at(101 + 1234);
	assert_int_equal(count_of(1), 0x1234);
}

static void test_bcd_zero_is_ten_thousand(void **state)
{
	at(100);
	control(1, RW_LOHI, 2, CW_BCD);
	write_count(1, RW_LOHI, 0);
	at(101);
	assert_int_equal(count_of(1), 0x0000);
	at(102);
	assert_int_equal(count_of(1), 0x9999);
	at(101 + 9999);
	assert_false(out_of(1));
	at(101 + 10000);
	assert_true(out_of(1));
	assert_int_equal(count_of(1), 0x0000);
}

static void test_bcd_mode0_wraps_to_9999(void **state)
{
	at(100);
	control(1, RW_LOHI, 0, CW_BCD);
	write_count(1, RW_LOHI, 0x0003);
	at(104);
	assert_int_equal(count_of(1), 0);
	assert_true(out_of(1));
	at(105);
	assert_int_equal(count_of(1), 0x9999);
	at(106);
	assert_int_equal(count_of(1), 0x9998);
}

static void test_binary_zero_is_65536(void **state)
{
	at(100);
	program(1, 2, 0);
	at(101);
	assert_int_equal(count_of(1), 0);
	at(102);
	assert_int_equal(count_of(1), 0xffff);
	at(101 + 65535);
	assert_false(out_of(1));
	at(101 + 65536);
	assert_true(out_of(1));
}

/* ---- null count, control words ---- */

static void test_null_count_transitions(void **state)
{
	at(100);
	control(1, RW_LOHI, 2, 0);
	assert_true(null_of(1)); /* control word */
	at(110);
	assert_true(null_of(1));
	outb(PIT_BASE + 1, 10);
	outb(PIT_BASE + 1, 0);
	assert_true(null_of(1));
	at(111);
	assert_false(null_of(1)); /* loaded into the CE */
	at(115);
	outb(PIT_BASE + 1, 7); /* the first byte alone leaves null count alone */
	assert_false(null_of(1));
	outb(PIT_BASE + 1, 0);
	assert_true(null_of(1));
	at(120);
	assert_true(null_of(1));
	at(121); /* next reload */
	assert_false(null_of(1));
}

static void test_mode_change_stops_counter(void **state)
{
	at(100);
	program(1, 2, 100);
	at(150);
	assert_int_equal(count_of(1), 51);
	control(1, RW_LOHI, 4, 0);
	assert_true(null_of(1));
	assert_true(out_of(1));
	at(300);
	assert_int_equal(count_of(1), 51); /* stopped until a count is written */
	assert_true(null_of(1));
}

static void test_control_word_sets_initial_out(void **state)
{
	for (int mode = 0; mode < 6; mode++) {
		for (int from_low = 0; from_low < 2; from_low++) {
			setup(state);
			at(100);
			program(1, from_low ? 0 : 2, 1000); /* mode 0 mid-count: OUT low */
			at(200);
			assert_int_equal(out_of(1), !from_low);
			control(1, RW_LOHI, mode, 0);
			assert_int_equal(out_of(1), mode != 0);
			at(5000);
			assert_int_equal(out_of(1), mode != 0); /* nothing counts */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tick_conversion_exact, setup),
		cmocka_unit_test_setup(test_tick_conversion_matches_wide_math, setup),
		cmocka_unit_test_setup(test_init_state_as_bios_leaves_it, setup),
		cmocka_unit_test_setup(test_lsb_only_access, setup),
		cmocka_unit_test_setup(test_msb_only_access, setup),
		cmocka_unit_test_setup(test_lohi_read_flip_flop_alternates, setup),
		cmocka_unit_test_setup(test_read_and_write_flip_flops_separate, setup),
		cmocka_unit_test_setup(test_control_word_resets_flip_flops, setup),
		cmocka_unit_test_setup(test_read_during_lohi_write_sees_old_count, setup),
		cmocka_unit_test_setup(test_latch_holds_while_time_passes, setup),
		cmocka_unit_test_setup(test_second_latch_ignored, setup),
		cmocka_unit_test_setup(test_latch_lsb_only_released_by_one_read, setup),
		cmocka_unit_test_setup(test_latch_does_not_disturb_counter, setup),
		cmocka_unit_test_setup(test_readback_count_and_status_two_channels, setup),
		cmocka_unit_test_setup(test_readback_status_only_three_channels, setup),
		cmocka_unit_test_setup(test_readback_count_only, setup),
		cmocka_unit_test_setup(test_readback_keeps_unread_latches, setup),
		cmocka_unit_test_setup(test_status_first_whatever_latched_first, setup),
		cmocka_unit_test_setup(test_bcd_counts_in_decimal, setup),
		cmocka_unit_test_setup(test_bcd_zero_is_ten_thousand, setup),
		cmocka_unit_test_setup(test_bcd_mode0_wraps_to_9999, setup),
		cmocka_unit_test_setup(test_binary_zero_is_65536, setup),
		cmocka_unit_test_setup(test_null_count_transitions, setup),
		cmocka_unit_test_setup(test_mode_change_stops_counter, setup),
		cmocka_unit_test_setup(test_control_word_sets_initial_out, setup),
	};
	return UNIT_RUN(tests);
}
