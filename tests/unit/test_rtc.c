/*
 * devices/rtc.c through the IO bus with a fake clock: the time registers for fixed epochs
 * (BCD, binary, 12/24 hour, century), UIP's 244 us window, the calendar across minute to
 * century boundaries, register A-D semantics, setting the time, and the CMOS RAM with the
 * PC memory-size bytes. Register indexes and bits from the MC146818A datasheet; the expected
 * dates from Python's calendar.timegm, and gmtime_r as the oracle for the date arithmetic.
 */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "devices/iobus.h"
#include "devices/rtc.h"

#define IDX 0x70
#define DATA 0x71

#define SEC 0x00
#define SEC_ALARM 0x01
#define MIN 0x02
#define MIN_ALARM 0x03
#define HOUR 0x04
#define HOUR_ALARM 0x05
#define WDAY 0x06
#define MDAY 0x07
#define MON 0x08
#define YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define CENTURY 0x32

#define A_UIP 0x80
#define A_DIV_RESET 0x70
#define A_NORMAL 0x26
#define B_SET 0x80
#define B_PIE 0x40
#define B_UIE 0x10
#define B_DM 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

#define NS 1000000000ULL
#define MS 1000000ULL
#define US 1000ULL
#define UIP_NS (244 * US)

#define SUNDAY 1
#define MONDAY 2
#define TUESDAY 3
#define WEDNESDAY 4
#define THURSDAY 5
#define FRIDAY 6
#define SATURDAY 7

/* Epochs (UTC), from calendar.timegm. */
#define T_2023_11_14_221320 1700000000ULL /* a Tuesday */
#define T_1999_12_31_235959 946684799ULL
#define T_2024_02_28_235959 1709164799ULL
#define T_2023_02_28_235959 1677628799ULL
#define T_2100_02_28_235959 4107542399ULL
#define T_2000_02_28_235959 951782399ULL
#define T_2099_12_31_235959 4102444799ULL
#define T_2024_01_31_235959 1706745599ULL
#define T_2024_04_30_235959 1714521599ULL
#define T_2024_03_09_125959 1709989199ULL /* a Saturday */
#define T_2024_06_15_000000 1718409600ULL
#define T_2024_06_15_120000 1718452800ULL
#define T_2024_03_16_235959 1710633599ULL /* a Saturday */
#define T_9999_12_31_235959 253402300799ULL
#define T_0000_01_01 (-62167219200LL)

static u64 now_ns;
static struct rtc rtc;
static struct iobus bus;

static u64 fake_now(void *ctx) { return now_ns; }

static void start(u64 epoch)
{
	struct dev_clock clk = {NULL, fake_now};
	now_ns = 0;
	rtc_init(&rtc, &clk, epoch);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &rtc.io), 0);
}

static u8 rd(u8 index)
{
	iobus_out(&bus, IDX, 1, index);
	return (u8)iobus_in(&bus, DATA, 1);
}

static void wr(u8 index, u8 v)
{
	iobus_out(&bus, IDX, 1, index);
	iobus_out(&bus, DATA, 1, v);
}

struct want {
	u8 sec, min, hour, wday, mday, mon, year, century;
};

static void expect(struct want w)
{
	assert_int_equal(rd(SEC), w.sec);
	assert_int_equal(rd(MIN), w.min);
	assert_int_equal(rd(HOUR), w.hour);
	assert_int_equal(rd(WDAY), w.wday);
	assert_int_equal(rd(MDAY), w.mday);
	assert_int_equal(rd(MON), w.mon);
	assert_int_equal(rd(YEAR), w.year);
	assert_int_equal(rd(CENTURY), w.century);
}

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

/* ---- registers C and D, the index port ---- */

static void test_reg_c_update_flag_read_clears(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_A, 0x20); /* no periodic rate: only UF */
	now_ns = NS / 2;
	assert_int_equal(rd(REG_C), 0);
	now_ns = NS;
	assert_int_equal(rd(REG_C), C_UF);
	assert_int_equal(rd(REG_C), 0);
	now_ns = 5 * NS + 1;
	assert_int_equal(rd(REG_C), C_UF);
	assert_int_equal(rd(REG_C), 0);
}

static void test_reg_c_periodic_flag(void **state)
{
	start(T_2023_11_14_221320); /* RS = 6: 1024 Hz, 976.5625 us */
	now_ns = 976 * US;
	assert_int_equal(rd(REG_C), 0);
	now_ns = 977 * US;
	assert_int_equal(rd(REG_C), C_PF);
	assert_int_equal(rd(REG_C), 0);
	wr(REG_A, 0x2f); /* RS = 15: 2 Hz */
	now_ns = 977 * US + 400 * MS;
	assert_int_equal(rd(REG_C), 0);
	now_ns = 500 * MS;
	assert_int_equal(rd(REG_C), C_PF);
}

/* First periodic tick after writing RS at a second boundary, for each rate. */
static void test_reg_c_periodic_rates(void **state)
{
	static const struct {
		u8 rs;
		u64 period_ns; /* rounded up to the next ns */
	} rates[] = {
		{1, 3906250}, {2, 7812500}, {3, 122071}, {4, 244141}, {6, 976563}, {8, 3906250},
		{9, 7812500}, {13, 125000000}, {15, 500000000},
	};
	for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
		start(T_2023_11_14_221320);
		wr(REG_A, (u8)(0x20 | rates[i].rs));
		now_ns = rates[i].period_ns - 1;
		assert_int_equal(rd(REG_C), 0);
		now_ns = rates[i].period_ns;
		if (rd(REG_C) != C_PF)
			fail_msg("RS %u: no PF after %llu ns", rates[i].rs, (unsigned long long)rates[i].period_ns);
	}
}

static void test_reg_c_irqf_needs_enable(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_A, 0x20);
	wr(REG_B, B_24H | B_UIE);
	now_ns = NS;
	assert_int_equal(rd(REG_C), C_IRQF | C_UF);
	wr(REG_A, A_NORMAL);
	wr(REG_B, B_24H | B_PIE);
	now_ns = 2 * NS + 1; /* UF without UIE does not set IRQF; PF with PIE does */
	assert_int_equal(rd(REG_C), C_IRQF | C_PF | C_UF);
	wr(REG_B, B_24H);
	now_ns = 3 * NS + 1;
	assert_int_equal(rd(REG_C), C_PF | C_UF);
}

static void test_reg_c_read_only_and_no_alarm(void **state)
{
	start(T_2023_11_14_221320);
	wr(SEC_ALARM, 0xc0);
	wr(MIN_ALARM, 0xc0);
	wr(HOUR_ALARM, 0xc0); /* every second, were alarms matched */
	wr(REG_C, 0xff);
	now_ns = 3 * NS;
	assert_int_equal(rd(REG_C) & C_AF, 0);
}

static void test_reg_c_quiet_while_held(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_B, B_24H | B_SET); /* SET: no updates, the divider still ticks */
	now_ns = 2 * NS;
	assert_int_equal(rd(REG_C), C_PF);
	wr(REG_A, A_DIV_RESET); /* divider in reset: no ticks either */
	now_ns = 4 * NS;
	assert_int_equal(rd(REG_C), 0);
}

static void test_reg_d_vrt(void **state)
{
	start(T_2023_11_14_221320);
	assert_int_equal(rd(REG_D), 0x80);
	wr(REG_D, 0x00);
	assert_int_equal(rd(REG_D), 0x80);
}

static void test_index_nmi_bit_ignored(void **state)
{
	start(T_2023_11_14_221320);
	iobus_out(&bus, IDX, 1, 0x80 | MIN);
	assert_true(rtc.nmi_masked);
	assert_int_equal(iobus_in(&bus, DATA, 1), 0x13);
	iobus_out(&bus, IDX, 1, 0x80 | 0x40);
	iobus_out(&bus, DATA, 1, 0x5a);
	assert_int_equal(rd(0x40), 0x5a);
	assert_false(rtc.nmi_masked);
	assert_int_equal(iobus_in(&bus, IDX, 1), 0xff); /* write-only */
}

static void test_index_stays(void **state)
{
	start(T_2023_11_14_221320);
	iobus_out(&bus, IDX, 1, 0x50);
	iobus_out(&bus, DATA, 1, 0x11);
	iobus_out(&bus, DATA, 1, 0x22); /* no auto-increment */
	assert_int_equal(iobus_in(&bus, DATA, 1), 0x22);
	assert_int_equal(rd(0x51), 0);
	/* a word read at the index port: 0xff from 0x70, the data byte from 0x71 */
	iobus_out(&bus, IDX, 1, 0x50);
	assert_int_equal(iobus_in(&bus, IDX, 2), 0x22ff);
}

/* ---- CMOS RAM ---- */

static void test_cmos_ram_storage(void **state)
{
	start(T_2023_11_14_221320);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			wr((u8)i, (u8)(i * 7 + 1));
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			assert_int_equal(rd((u8)i), (u8)(i * 7 + 1));
	assert_int_equal(rd(SEC), 0x20); /* the clock is untouched */
}

static void test_unknown_index_stored(void **state)
{
	start(T_2023_11_14_221320);
	wr(0x7f, 0xa5);
	wr(0x0e, 0x3c);
	assert_int_equal(rd(0x7f), 0xa5);
	assert_int_equal(rd(0x0e), 0x3c);
	assert_int_equal(rd(0x7e), 0x00);
}

static void test_alarms_stored(void **state)
{
	start(T_2023_11_14_221320);
	wr(SEC_ALARM, 0x30);
	wr(MIN_ALARM, 0xc0);
	wr(HOUR_ALARM, 0x92);
	assert_int_equal(rd(SEC_ALARM), 0x30);
	assert_int_equal(rd(MIN_ALARM), 0xc0);
	assert_int_equal(rd(HOUR_ALARM), 0x92);
	assert_int_equal(rd(SEC), 0x20);
}

static unsigned rd16(u8 index) { return rd(index) | (unsigned)rd((u8)(index + 1)) << 8; }

static void expect_checksum(void)
{
	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += rd((u8)i);
	assert_int_equal(rd(0x2e), (sum >> 8) & 0xff);
	assert_int_equal(rd(0x2f), sum & 0xff);
}

static void test_pc_conventions(void **state)
{
	start(T_2023_11_14_221320);
	assert_int_equal(rd(0x10), 0x00); /* no floppy */
	assert_int_equal(rd(0x14), 0x02); /* equipment: FPU, no floppy, EGA/VGA */
	expect_checksum();
}

static void test_memory_256m(void **state)
{
	start(T_2023_11_14_221320);
	rtc_set_memory(&rtc, 256 * MIB);
	assert_int_equal(rd16(0x15), 640);
	assert_int_equal(rd16(0x17), 0xffff); /* 261120 KiB does not fit */
	assert_int_equal(rd16(0x30), 0xffff);
	assert_int_equal(rd16(0x34), (256 - 16) * 16);
	expect_checksum();
}

static void test_memory_32m(void **state)
{
	start(T_2023_11_14_221320);
	rtc_set_memory(&rtc, 32 * MIB);
	assert_int_equal(rd16(0x15), 640);
	assert_int_equal(rd16(0x17), 31 * 1024);
	assert_int_equal(rd16(0x30), 31 * 1024);
	assert_int_equal(rd16(0x34), 16 * 16);
	expect_checksum();
}

static void test_memory_4g_and_beyond(void **state)
{
	start(T_2023_11_14_221320);
	rtc_set_memory(&rtc, 4 * GIB);
	assert_int_equal(rd16(0x17), 0xffff);
	assert_int_equal(rd16(0x30), 0xffff);
	assert_int_equal(rd16(0x34), 0xff00); /* 16 MiB .. 4 GiB */
	expect_checksum();
	rtc_set_memory(&rtc, 5 * GIB); /* only what lies below 4 GiB */
	assert_int_equal(rd16(0x34), 0xff00);
	rtc_set_memory(&rtc, 64 * GIB);
	assert_int_equal(rd16(0x34), 0xff00);
	assert_int_equal(rd16(0x15), 640);
}

static void test_memory_small(void **state)
{
	start(T_2023_11_14_221320);
	rtc_set_memory(&rtc, 512 * 1024);
	assert_int_equal(rd16(0x15), 512);
	assert_int_equal(rd16(0x17), 0);
	assert_int_equal(rd16(0x34), 0);
	rtc_set_memory(&rtc, 16 * MIB);
	assert_int_equal(rd16(0x17), 15 * 1024);
	assert_int_equal(rd16(0x34), 0);
	expect_checksum();
}

/* ---- setting the time ---- */

static void test_set_freezes_and_clears_uie(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 300 * MS;
	wr(REG_B, B_24H | B_UIE);
	wr(REG_B, B_24H | B_UIE | B_SET);
	assert_int_equal(rd(REG_B), B_24H | B_SET);
	now_ns = 5 * NS;
	assert_int_equal(rd(SEC), 0x20);
	wr(REG_B, B_24H);
	assert_int_equal(rd(SEC), 0x20); /* until the divider's next update ... */
	now_ns = 6 * NS;
	assert_int_equal(rd(SEC), 0x21); /* ... on the old second boundaries */
}

static void test_set_and_write_time(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 250 * MS;
	wr(REG_B, B_24H | B_SET);
	wr(SEC, 0x58);
	wr(MIN, 0x59);
	wr(HOUR, 0x23);
	wr(MDAY, 0x31);
	wr(MON, 0x12);
	wr(YEAR, 0x99);
	wr(CENTURY, 0x20);
	now_ns = 3 * NS + 500 * MS;
	assert_int_equal(rd(SEC), 0x58); /* frozen as written */
	wr(REG_B, B_24H);
	now_ns = 4 * NS - 1;
	assert_int_equal(rd(SEC), 0x58);
	now_ns = 5 * NS;
	/* the day of week was not written: the chip's counter went on from Tuesday at midnight */
	expect((struct want){0x00, 0x00, 0x00, WEDNESDAY, 0x01, 0x01, 0x00, 0x21});
}

static void test_linux_style_set_with_divider_reset(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 700 * MS;
	wr(REG_B, B_24H | B_SET);
	wr(REG_A, A_DIV_RESET);
	wr(SEC, 0x10);
	wr(MIN, 0x20);
	wr(HOUR, 0x08);
	wr(MDAY, 0x01);
	wr(MON, 0x07);
	wr(YEAR, 0x24);
	wr(REG_B, B_24H);
	now_ns = 2 * NS;
	assert_int_equal(rd(SEC), 0x10); /* still held by the divider */
	wr(REG_A, A_NORMAL);
	now_ns = 2 * NS + 500 * MS - 1;
	assert_int_equal(rd(SEC), 0x10);
	now_ns = 2 * NS + 500 * MS - UIP_NS;
	assert_int_equal(rd(REG_A) & A_UIP, A_UIP);
	now_ns = 2 * NS + 500 * MS;
	/* Linux does not write the day of week: the counter keeps its own value, as on the chip */
	expect((struct want){0x11, 0x20, 0x08, TUESDAY, 0x01, 0x07, 0x24, 0x20});
	now_ns += 86400 * NS;
	assert_int_equal(rd(WDAY), WEDNESDAY);
	assert_int_equal(rd(MDAY), 0x02);
}

static void test_write_while_running_keeps_phase(void **state)
{
	start(T_2023_11_14_221320);
	now_ns = 10 * NS + 300 * MS; /* 22:13:30 */
	wr(MIN, 0x45);
	assert_int_equal(rd(MIN), 0x45);
	assert_int_equal(rd(SEC), 0x30);
	now_ns = 11 * NS - 1;
	assert_int_equal(rd(SEC), 0x30);
	now_ns = 11 * NS;
	assert_int_equal(rd(SEC), 0x31);
	assert_int_equal(rd(MIN), 0x45);
	assert_int_equal(rd(HOUR), 0x22);
}

static void test_invalid_writes_ignored(void **state)
{
	start(T_2023_11_14_221320);
	wr(SEC, 0x5a);  /* not BCD */
	wr(MIN, 0xa1);  /* not BCD either */
	wr(SEC, 0x60);  /* 60 s */
	wr(HOUR, 0x24); /* 24 h */
	wr(MON, 0x13);
	wr(MON, 0x00);
	wr(MDAY, 0x32);
	wr(WDAY, 0x08);
	wr(WDAY, 0x00);
	expect((struct want){0x20, 0x13, 0x22, TUESDAY, 0x14, 0x11, 0x23, 0x20});
	wr(REG_B, B_24H | B_DM);
	wr(YEAR, 100);
	wr(CENTURY, 100);
	wr(SEC, 60);
	expect((struct want){20, 13, 22, TUESDAY, 14, 11, 23, 20});
}

static void test_12h_hour_write(void **state)
{
	start(T_2023_11_14_221320);
	wr(REG_B, 0);
	wr(HOUR, 0x80 | 0x11); /* 11 PM */
	wr(REG_B, B_24H);
	assert_int_equal(rd(HOUR), 0x23);
	wr(REG_B, 0);
	wr(HOUR, 0x12); /* 12 AM */
	wr(REG_B, B_24H);
	assert_int_equal(rd(HOUR), 0x00);
	wr(REG_B, 0);
	wr(HOUR, 0x00); /* no hour 0 in 12-hour mode */
	wr(HOUR, 0x80 | 0x13);
	wr(REG_B, B_24H);
	assert_int_equal(rd(HOUR), 0x00);
}

static void test_wday_counter(void **state)
{
	start(T_2024_03_16_235959); /* Saturday */
	wr(WDAY, 0x03);
	assert_int_equal(rd(WDAY), 3);
	now_ns = NS; /* midnight: the counter counts on from what was written */
	assert_int_equal(rd(WDAY), 4);
	now_ns = (NS + 4 * 86400 * NS);
	assert_int_equal(rd(WDAY), 1);
	assert_int_equal(rd(MDAY), 0x21);
}

static void test_day_past_month_end_rolls(void **state)
{
	start(T_2023_02_28_235959);
	wr(REG_B, B_24H | B_SET);
	wr(MDAY, 0x31);
	assert_int_equal(rd(MDAY), 0x31); /* held as written */
	wr(REG_B, B_24H);
	assert_int_equal(rd(MDAY), 0x03); /* Feb 31 2023 counts on as Mar 3 */
	assert_int_equal(rd(MON), 0x03);
}

static void test_century_write(void **state)
{
	start(T_2023_11_14_221320);
	wr(CENTURY, 0x21);
	assert_int_equal(rd(CENTURY), 0x21);
	assert_int_equal(rd(YEAR), 0x23);
	assert_int_equal(rd(WDAY), TUESDAY); /* the counter keeps its value */
	wr(YEAR, 0x00);
	assert_int_equal(rd(CENTURY), 0x21);
	assert_int_equal(rd(YEAR), 0x00);
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
		cmocka_unit_test(test_reg_c_update_flag_read_clears),
		cmocka_unit_test(test_reg_c_periodic_flag),
		cmocka_unit_test(test_reg_c_periodic_rates),
		cmocka_unit_test(test_reg_c_irqf_needs_enable),
		cmocka_unit_test(test_reg_c_read_only_and_no_alarm),
		cmocka_unit_test(test_reg_c_quiet_while_held),
		cmocka_unit_test(test_reg_d_vrt),
		cmocka_unit_test(test_index_nmi_bit_ignored),
		cmocka_unit_test(test_index_stays),
		cmocka_unit_test(test_cmos_ram_storage),
		cmocka_unit_test(test_unknown_index_stored),
		cmocka_unit_test(test_alarms_stored),
		cmocka_unit_test(test_pc_conventions),
		cmocka_unit_test(test_memory_256m),
		cmocka_unit_test(test_memory_32m),
		cmocka_unit_test(test_memory_4g_and_beyond),
		cmocka_unit_test(test_memory_small),
		cmocka_unit_test(test_set_freezes_and_clears_uie),
		cmocka_unit_test(test_set_and_write_time),
		cmocka_unit_test(test_linux_style_set_with_divider_reset),
		cmocka_unit_test(test_write_while_running_keeps_phase),
		cmocka_unit_test(test_invalid_writes_ignored),
		cmocka_unit_test(test_12h_hour_write),
		cmocka_unit_test(test_wday_counter),
		cmocka_unit_test(test_day_past_month_end_rolls),
		cmocka_unit_test(test_century_write),
	};
	return UNIT_RUN(tests);
}
