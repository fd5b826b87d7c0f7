/*
 * devices/rtc.c through the IO bus with a fake clock: the time registers for fixed epochs
 * (BCD, binary, 12/24 hour, century), UIP's 244 us window, the calendar across minute to
 * century boundaries, register A-D semantics, setting the time, and the CMOS RAM with the
 * PC memory-size bytes. Register indexes and bits from the MC146818A datasheet; the expected
 * dates from Python's calendar.timegm, and gmtime_r as the oracle for the date arithmetic.
 * This file: the sections before "registers C and D, the index port";
 * from there on: test_rtc_registers.c.
 */
#include "rtc_fixture.h"

/* ---- time registers ---- */

static void test_bcd_time(void **state)
{
	start(T_2023_11_14_221320);
	expect((struct want){0x20, 0x13, 0x22, TUESDAY, 0x14, 0x11, 0x23, 0x20});
}

static void test_binary_time(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_B, B_24H | B_DM);
	expect((struct want){20, 13, 22, TUESDAY, 14, 11, 23, 20});
}

static void test_defaults(void **state)
{
	start(T_2023_11_14_221320);
	assert_int_equal(rd(REG_A), A_NORMAL);
	assert_int_equal(rd(REG_B), B_24H);
	assert_int_equal(rd(REG_C), 0);
	assert_int_equal(rd(REG_D), 0x80);
}

static void test_12h_pm_bcd_and_binary(void **state)
{
	start(T_2023_11_14_221320); /* 22:13 = 10 PM */
	wr(REG_B, 0);
	assert_int_equal(rd(HOUR), 0x80 | 0x10);
	wr(REG_B, B_DM);
	assert_int_equal(rd(HOUR), 0x80 | 10);
	assert_int_equal(rd(MIN), 13); /* the other registers do not change with 12/24 */
}

static void test_12h_midnight_and_noon(void **state)
{
	start(T_2024_06_15_000000);
	wr(REG_B, 0);
	assert_int_equal(rd(HOUR), 0x12); /* 00:00 is 12 AM */
	now_ns = 3600 * NS;
	assert_int_equal(rd(HOUR), 0x01);
	start(T_2024_06_15_120000);
	wr(REG_B, 0);
	assert_int_equal(rd(HOUR), 0x80 | 0x12); /* 12:00 is 12 PM */
	now_ns = 3600 * NS;
	assert_int_equal(rd(HOUR), 0x80 | 0x01);
	now_ns = 11 * 3600 * NS;
	assert_int_equal(rd(HOUR), 0x80 | 0x11);
}

static void test_century(void **state)
{
	start(T_1999_12_31_235959);
	expect((struct want){0x59, 0x59, 0x23, FRIDAY, 0x31, 0x12, 0x99, 0x19});
	now_ns = NS;
	expect((struct want){0x00, 0x00, 0x00, SATURDAY, 0x01, 0x01, 0x00, 0x20});
	wr(REG_B, B_24H | B_DM);
	assert_int_equal(rd(CENTURY), 20);
}

/* ---- UIP ---- */

static void test_uip_window(void **state)
{
	start(T_2023_11_14_221320);
	for (u64 s = 0; s < 3; s++) {
		u64 next = (s + 1) * NS;
		now_ns = s * NS;
		assert_int_equal(rd(REG_A) & A_UIP, 0);
		now_ns = next - UIP_NS - 1;
		assert_int_equal(rd(REG_A) & A_UIP, 0);
		now_ns = next - UIP_NS;
		assert_int_equal(rd(REG_A), A_UIP | A_NORMAL);
		now_ns = next - 1;
		assert_int_equal(rd(REG_A) & A_UIP, A_UIP);
		now_ns = next;
		assert_int_equal(rd(REG_A) & A_UIP, 0);
	}
}

static void test_uip_fall_shows_new_second(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = NS - 100 * US;
	assert_int_equal(rd(REG_A) & A_UIP, A_UIP);
	assert_int_equal(rd(SEC), 0x20);
	while (rd(REG_A) & A_UIP) /* what a guest does: wait for UIP to fall, then read */
		now_ns += 10 * US;
	assert_int_equal(rd(SEC), 0x21);
}

static void test_uip_clear_while_set(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_B, B_24H | B_SET);
	now_ns = NS - 1;
	assert_int_equal(rd(REG_A) & A_UIP, 0);
	wr(REG_A, A_DIV_RESET);
	wr(REG_B, B_24H);
	assert_int_equal(rd(REG_A) & A_UIP, 0); /* divider stopped: no update coming */
}

static void test_uip_read_only(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_A, A_UIP | A_NORMAL);
	assert_int_equal(rd(REG_A), A_NORMAL);
	wr(REG_A, 0x2f);
	assert_int_equal(rd(REG_A), 0x2f);
}

/* ---- the calendar moving ---- */

static void test_advance_minute_hour_day(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 39 * NS; /* 22:13:59 */
	assert_int_equal(rd(SEC), 0x59);
	assert_int_equal(rd(MIN), 0x13);
	now_ns = 40 * NS;
	assert_int_equal(rd(SEC), 0x00);
	assert_int_equal(rd(MIN), 0x14);
	now_ns = (1 * 3600 + 46 * 60 + 40 - 1) * NS; /* 23:59:59 */
	expect((struct want){0x59, 0x59, 0x23, TUESDAY, 0x14, 0x11, 0x23, 0x20});
	now_ns += NS;
	expect((struct want){0x00, 0x00, 0x00, WEDNESDAY, 0x15, 0x11, 0x23, 0x20});
}

static void test_advance_hour(void **state)
{
	start(T_2024_03_09_125959);
	assert_int_equal(rd(HOUR), 0x12);
	now_ns = NS;
	assert_int_equal(rd(HOUR), 0x13);
	assert_int_equal(rd(MIN), 0x00);
	assert_int_equal(rd(SEC), 0x00);
}

static void test_month_ends(void **state)
{
	start(T_2024_01_31_235959);
	now_ns = NS;
	assert_int_equal(rd(MDAY), 0x01);
	assert_int_equal(rd(MON), 0x02);
	start(T_2024_04_30_235959);
	now_ns = NS;
	assert_int_equal(rd(MDAY), 0x01);
	assert_int_equal(rd(MON), 0x05);
}

static void test_leap_day_2024(void **state)
{
	start(T_2024_02_28_235959);
	now_ns = NS;
	expect((struct want){0x00, 0x00, 0x00, THURSDAY, 0x29, 0x02, 0x24, 0x20});
	now_ns = (86400 + 1) * NS;
	expect((struct want){0x00, 0x00, 0x00, FRIDAY, 0x01, 0x03, 0x24, 0x20});
}

static void test_no_leap_day_2023(void **state)
{
	start(T_2023_02_28_235959);
	now_ns = NS;
	assert_int_equal(rd(MDAY), 0x01);
	assert_int_equal(rd(MON), 0x03);
}

static void test_century_leap_rules(void **state)
{
	start(T_2000_02_28_235959); /* divisible by 400: leap */
	now_ns = NS;
	assert_int_equal(rd(MDAY), 0x29);
	start(T_2100_02_28_235959); /* divisible by 100 only: not */
	now_ns = NS;
	assert_int_equal(rd(MDAY), 0x01);
	assert_int_equal(rd(MON), 0x03);
	assert_int_equal(rd(CENTURY), 0x21);
}

static void test_new_year_and_century(void **state)
{
	start(T_2099_12_31_235959);
	expect((struct want){0x59, 0x59, 0x23, THURSDAY, 0x31, 0x12, 0x99, 0x20});
	now_ns = NS;
	expect((struct want){0x00, 0x00, 0x00, FRIDAY, 0x01, 0x01, 0x00, 0x21});
}

static void test_day_of_week_week_wrap(void **state)
{
	start(T_2024_03_16_235959);
	assert_int_equal(rd(WDAY), SATURDAY);
	now_ns = NS;
	assert_int_equal(rd(WDAY), SUNDAY);
	now_ns = (1 + 86400) * NS;
	assert_int_equal(rd(WDAY), MONDAY);
	start(0);
	assert_int_equal(rd(WDAY), THURSDAY); /* 1970-01-01 */
}

static void test_long_run(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 400ULL * 86400 * NS; /* 400 days on: 2024-12-18 22:13:20, a Wednesday */
	expect((struct want){0x20, 0x13, 0x22, WEDNESDAY, 0x18, 0x12, 0x24, 0x20});
}

static void test_date_arithmetic_against_gmtime(void **state)
{
	uint64_t seed = 0xC0FFEE;
	for (int i = 0; i < 20000; i++) {
		i64 s = (i64)unit_below(&seed, T_9999_12_31_235959 - T_0000_01_01 + 1) + T_0000_01_01;
		if (i < 4)
			s = (i64[]){0, 951868800, 4107542400LL, (i64)T_9999_12_31_235959}[i];
		time_t t = (time_t)s;
		struct tm g;
		struct rtc_tm m;
		assert_non_null(gmtime_r(&t, &g));
		rtc_tm_from_epoch(s, &m);
		assert_int_equal(m.year, g.tm_year + 1900);
		assert_int_equal(m.mon, g.tm_mon + 1);
		assert_int_equal(m.mday, g.tm_mday);
		assert_int_equal(m.hour, g.tm_hour);
		assert_int_equal(m.min, g.tm_min);
		assert_int_equal(m.sec, g.tm_sec);
		assert_int_equal(m.wday, g.tm_wday + 1);
		assert_int_equal(rtc_tm_to_epoch(&m), s);
	}
}

static void test_epoch_clamped(void **state)
{
	start(UINT64_MAX);
	expect((struct want){0x59, 0x59, 0x23, FRIDAY, 0x31, 0x12, 0x99, 0x99});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_time),
		cmocka_unit_test(test_binary_time),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_12h_pm_bcd_and_binary),
		cmocka_unit_test(test_12h_midnight_and_noon),
		cmocka_unit_test(test_century),
		cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_uip_fall_shows_new_second),
		cmocka_unit_test(test_uip_clear_while_set),
		cmocka_unit_test(test_uip_read_only),
		cmocka_unit_test(test_advance_minute_hour_day),
		cmocka_unit_test(test_advance_hour),
		cmocka_unit_test(test_month_ends),
		cmocka_unit_test(test_leap_day_2024),
		cmocka_unit_test(test_no_leap_day_2023),
		cmocka_unit_test(test_century_leap_rules),
		cmocka_unit_test(test_new_year_and_century),
		cmocka_unit_test(test_day_of_week_week_wrap),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_date_arithmetic_against_gmtime),
		cmocka_unit_test(test_epoch_clamped),
	};
	return UNIT_RUN(tests);
}
