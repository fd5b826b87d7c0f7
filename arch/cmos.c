/*
 * Host RTC read (Motorola MC146818A datasheet): wait for the update-in-progress bit to clear,
 * read the time registers twice until both reads agree, convert BCD/12h as register B says.
 */
#include "cmos.h"
#include "cpu.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80 /* keep NMIs masked while the index is set, as firmware does */
#define REG_SEC 0x00
#define REG_MIN 0x02
#define REG_HOUR 0x04
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_CENTURY 0x32
#define A_UIP 0x80
#define B_24H 0x02
#define B_BINARY 0x04
#define HOUR_PM 0x80
#define UIP_SPIN_LIMIT 1000000
#define SECS_PER_DAY 86400ULL

static u8 cmos(u8 reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static u8 from_bcd(u8 v) { return (u8)((v >> 4) * 10 + (v & 0xf)); }

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; era arithmetic on whole 400-year cycles). */
static u64 days_from_civil(u64 y, u64 m, u64 d)
{
	y -= m <= 2;
	u64 era = y / 400, yoe = y - era * 400;
	u64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct cmos_time { u8 sec, min, hour, day, month, year, century; };

static void read_raw(struct cmos_time *t)
{
	t->sec = cmos(REG_SEC);
	t->min = cmos(REG_MIN);
	t->hour = cmos(REG_HOUR);
	t->day = cmos(REG_DAY);
	t->month = cmos(REG_MONTH);
	t->year = cmos(REG_YEAR);
	t->century = cmos(REG_CENTURY);
}

static bool same(const struct cmos_time *a, const struct cmos_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year && a->century == b->century;
}

u64 cmos_read_epoch(void)
{
	struct cmos_time t, u;
	int tries = 0;
	do {
		for (int i = 0; i < UIP_SPIN_LIMIT && (cmos(REG_A) & A_UIP); i++)
			pause();
		read_raw(&t);
		read_raw(&u);
	} while (!same(&t, &u) && ++tries < 5);
	u8 b = cmos(REG_B);
	bool pm = !(b & B_24H) && (t.hour & HOUR_PM);
	t.hour &= (u8)~HOUR_PM;
	if (!(b & B_BINARY)) {
		t.sec = from_bcd(t.sec);
		t.min = from_bcd(t.min);
		t.hour = from_bcd(t.hour);
		t.day = from_bcd(t.day);
		t.month = from_bcd(t.month);
		t.year = from_bcd(t.year);
		t.century = from_bcd(t.century);
	}
	if (!(b & B_24H))
		t.hour = (u8)(t.hour % 12 + (pm ? 12 : 0));
	if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.min > 59 || t.sec > 59)
		return 0;
	u64 year = (t.century >= 19 && t.century <= 99 ? t.century : 20) * 100ULL + t.year;
	return days_from_civil(year, t.month, t.day) * SECS_PER_DAY + t.hour * 3600ULL + t.min * 60ULL + t.sec;
}
