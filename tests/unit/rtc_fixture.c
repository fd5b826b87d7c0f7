/* The fixture of rtc_fixture.h; one copy, linked into each test program that includes it. */
#include "rtc_fixture.h"

u64 now_ns;
struct rtc rtc;
struct iobus bus;
u64 fake_now(void *ctx) { return now_ns; }

void start(u64 epoch)
{
	struct dev_clock clk = {NULL, fake_now};
	now_ns = 0;
	rtc_init(&rtc, &clk, epoch);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &rtc.io), 0);
}

u8 rd(u8 index)
{
	iobus_out(&bus, IDX, 1, index);
	return (u8)iobus_in(&bus, DATA, 1);
}

void wr(u8 index, u8 v)
{
	iobus_out(&bus, IDX, 1, index);
	iobus_out(&bus, DATA, 1, v);
}

void expect(struct want w)
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
