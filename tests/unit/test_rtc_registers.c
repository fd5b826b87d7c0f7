/*
 * devices/rtc.c: registers C and D and the index port, CMOS RAM (the memory sizes and the
 * checksum), and setting the time.
 * The fixture, shared with test_rtc.c, is rtc_fixture.{h,c}.
 */
#include "rtc_fixture.h"

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
