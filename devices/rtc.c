/* MC146818A RTC and CMOS RAM; see rtc.h. */
#include "rtc.h"

enum { PORT_INDEX = 0, PORT_DATA = 1 };

/* Register indexes: MC146818A address map; 0x32 is the PC/AT century byte. */
enum {
	REG_SECONDS = 0x00,
	REG_SECONDS_ALARM = 0x01,
	REG_MINUTES = 0x02,
	REG_MINUTES_ALARM = 0x03,
	REG_HOURS = 0x04,
	REG_HOURS_ALARM = 0x05,
	REG_WDAY = 0x06,
	REG_MDAY = 0x07,
	REG_MONTH = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	CMOS_CENTURY = 0x32,
};

#define INDEX_MASK 0x7f
#define INDEX_NMI_MASK 0x80 /* on the PC the index port's bit 7 gates NMI */
#define INDEX_PORT_READ 0xff /* the index port is write-only on the AT */

/* Register A */
#define A_UIP 0x80
#define A_DV_MASK 0x70
#define A_DV_32KHZ 0x20 /* DV2-0 = 010: the 32.768 kHz time base, the only one a PC's crystal runs */
#define A_RS_MASK 0x0f
#define A_WRITABLE 0x7f /* UIP is read-only */
#define A_DEFAULT (A_DV_32KHZ | 0x06) /* 1024 Hz periodic rate, as PC firmware leaves it */
/* Register B */
#define B_SET 0x80
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define B_DEFAULT B_24H
/* Register C: each flag sits at the bit of its enable in register B (PF/PIE, AF/AIE, UF/UIE). */
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define C_FLAGS (C_PF | C_AF | C_UF)
/* Register D */
#define D_VRT 0x80

#define HOUR_PM 0x80 /* 12-hour mode: bit 7 of the hours byte */
#define BCD_MAX_DIGIT 9

#define NS CLOCK_NS_PER_S
/* tBUC: UIP is high this long before an update (MC146818A, "Update cycle"). */
#define UIP_LEAD_NS 244000ULL
/* The first update comes half a second after the divider leaves reset. */
#define DIVIDER_RESTART_NS (NS / 2)
/* The periodic rates at the 32.768 kHz base: 65536 >> RS Hz; RS 1 and 2 repeat RS 8 and 9. */
#define PERIODIC_BASE_HZ 65536u
#define RS_SLOW_REPEAT 7

#define SECONDS_PER_DAY 86400
#define DAYS_PER_ERA 146097 /* 400 Gregorian years */
#define DAYS_0000_03_01_TO_1970 719468
#define EPOCH_WDAY 5 /* 1970-01-01 was a Thursday (1 = Sunday) */
#define DAYS_PER_WEEK 7
#define EPOCH_MAX 253402300799LL /* 9999-12-31 23:59:59: the last time the registers can show */

/* PC/AT CMOS RAM conventions. */
#define CMOS_FLOPPY_TYPES 0x10
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEM 0x15    /* and 0x16: KiB below 640 KiB */
#define CMOS_EXT_MEM 0x17     /* and 0x18: KiB above 1 MiB */
#define CMOS_CHECKSUM 0x2e    /* 0x2E high byte, 0x2F low byte */
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST 0x2d
#define CMOS_EXT_MEM_POST 0x30 /* and 0x31: the same count as POST found it */
#define CMOS_HIGH_MEM 0x34     /* and 0x35: 64 KiB units above 16 MiB */
#define FLOPPY_NONE 0x00
#define EQUIPMENT_FPU 0x02 /* bit 1: coprocessor present; no floppy (bit 0), display 00 (EGA/VGA) */
#define BASE_MEM_KIB 640
#define KIB 1024ULL
#define HIGH_MEM_START (16 * MIB)
#define HIGH_MEM_UNIT (64 * KIB)
#define HIGH_MEM_END (4 * GIB)
#define U16_MAX 0xffffu

static i64 floor_div(i64 a, i64 b) { return a / b - (a % b < 0); }
static i64 floor_mod(i64 a, i64 b) { return a - floor_div(a, b) * b; }

/*
 * Calendar arithmetic over 400-year eras, with years counted from 1 March so that the
 * leap day ends the year (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
 */
static i64 days_from_civil(i64 y, unsigned m, unsigned d)
{
	y -= m <= 2;
	i64 era = floor_div(y, 400);
	i64 yoe = y - era * 400;
	i64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_1970;
}

static void civil_from_days(i64 z, struct rtc_tm *tm)
{
	z += DAYS_0000_03_01_TO_1970;
	i64 era = floor_div(z, DAYS_PER_ERA);
	i64 doe = z - era * DAYS_PER_ERA;
	i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
	i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	i64 mp = (5 * doy + 2) / 153; /* 0 = March */
	tm->mday = (u8)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (u8)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (u16)(era * 400 + yoe + (tm->mon <= 2));
}

void rtc_tm_from_epoch(i64 s, struct rtc_tm *tm)
{
	i64 days = floor_div(s, SECONDS_PER_DAY);
	i64 sod = s - days * SECONDS_PER_DAY;
	tm->hour = (u8)(sod / 3600);
	tm->min = (u8)(sod / 60 % 60);
	tm->sec = (u8)(sod % 60);
	tm->wday = (u8)(floor_mod(days + EPOCH_WDAY - 1, DAYS_PER_WEEK) + 1);
	civil_from_days(days, tm);
}

i64 rtc_tm_to_epoch(const struct rtc_tm *tm)
{
	return days_from_civil(tm->year, tm->mon, tm->mday) * SECONDS_PER_DAY + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

/* A PC's crystal only keeps time with DV = 010; 11x holds the divider in reset. */
static bool is_running(const struct rtc *r) { return (r->cmos[REG_A] & A_DV_MASK) == A_DV_32KHZ; }

/* SET inhibits the updates; a stopped divider makes none. Either way the time stands still. */
static bool is_held(const struct rtc *r) { return (r->cmos[REG_B] & B_SET) || !is_running(r); }

/* Whole seconds from base_ns to now (floor, negative before it) and the nanoseconds past that. */
static i64 seconds_since_base(const struct rtc *r, u64 now, u64 *frac)
{
	if (now >= r->base_ns) {
		*frac = (now - r->base_ns) % NS;
		return (i64)((now - r->base_ns) / NS);
	}
	u64 back = r->base_ns - now, whole = (back + NS - 1) / NS;
	*frac = whole * NS - back;
	return -(i64)whole;
}

static u8 wday_plus(u8 wday, unsigned days) { return (u8)((wday - 1 + days) % DAYS_PER_WEEK + 1); }

/* The day-of-week counter is the chip's own: remember how far it is from the date's. */
static void set_wday_offset(struct rtc *r, i64 s, u8 wday)
{
	struct rtc_tm implied;
	rtc_tm_from_epoch(s, &implied);
	r->wday_offset = (u8)((wday + DAYS_PER_WEEK - implied.wday) % DAYS_PER_WEEK);
}

static void current_tm(const struct rtc *r, u64 now, struct rtc_tm *tm)
{
	if (is_held(r)) {
		*tm = r->held;
		return;
	}
	u64 frac;
	rtc_tm_from_epoch(r->base_s + seconds_since_base(r, now, &frac), tm);
	tm->wday = wday_plus(tm->wday, r->wday_offset);
}

static bool uip(const struct rtc *r, u64 now)
{
	u64 frac;
	if (is_held(r)) /* writing SET clears UIP; a stopped divider has no update coming */
		return false;
	seconds_since_base(r, now, &frac);
	return frac >= NS - UIP_LEAD_NS;
}

static u32 periodic_hz(u8 a)
{
	unsigned rs = a & A_RS_MASK;
	if (rs == 0)
		return 0;
	if (rs <= 2)
		rs += RS_SLOW_REPEAT;
	return PERIODIC_BASE_HZ >> rs;
}

static i64 periodic_ticks(i64 s, u64 frac, u32 hz) { return s * hz + (i64)(frac * hz / NS); }

/* Collect the UF and PF the chip would have set between the last look and now. */
static void gather_flags(struct rtc *r, u64 now)
{
	u64 from = r->flags_seen_ns, f0, f1;
	if (now <= from)
		return;
	r->flags_seen_ns = now;
	if (!is_running(r)) /* a stopped divider makes neither updates nor ticks */
		return;
	i64 s0 = seconds_since_base(r, from, &f0), s1 = seconds_since_base(r, now, &f1);
	if (!(r->cmos[REG_B] & B_SET) && s1 > s0)
		r->flags |= C_UF;
	u32 hz = periodic_hz(r->cmos[REG_A]);
	if (hz && periodic_ticks(s1, f1, hz) > periodic_ticks(s0, f0, hz))
		r->flags |= C_PF;
}

/* The held time runs again: it shows until the next update of the divider, then counts on. */
static void resume(struct rtc *r, u64 now)
{
	u64 frac;
	i64 s = rtc_tm_to_epoch(&r->held);
	set_wday_offset(r, s, r->held.wday);
	seconds_since_base(r, now, &frac);
	r->base_ns = now + (NS - frac);
	r->base_s = s + 1;
}

static void set_control(struct rtc *r, u64 now, u8 a, u8 b)
{
	bool was_running = is_running(r), was_held = is_held(r);
	struct rtc_tm tm;
	current_tm(r, now, &tm);
	gather_flags(r, now);
	if (!(r->cmos[REG_B] & B_SET) && (b & B_SET))
		b &= (u8)~B_UIE; /* SET going high clears UIE (MC146818A, register B) */
	r->cmos[REG_A] = a & A_WRITABLE;
	r->cmos[REG_B] = b;
	if (!was_running && is_running(r))
		r->base_ns = now + DIVIDER_RESTART_NS; /* a new phase: base_s is set by resume() */
	if (!was_held && is_held(r))
		r->held = tm;
	else if (was_held && !is_held(r))
		resume(r, now);
}

static u8 encode(const struct rtc *r, unsigned n)
{
	if (r->cmos[REG_B] & B_DM_BINARY)
		return (u8)n;
	return (u8)((n / 10) << 4 | n % 10);
}

static bool decode(const struct rtc *r, u8 v, unsigned *n)
{
	if (r->cmos[REG_B] & B_DM_BINARY) {
		*n = v;
		return true;
	}
	if ((v >> 4) > BCD_MAX_DIGIT || (v & 0x0f) > BCD_MAX_DIGIT)
		return false;
	*n = (v >> 4) * 10u + (v & 0x0f);
	return true;
}

static u8 encode_hour(const struct rtc *r, unsigned h)
{
	if (r->cmos[REG_B] & B_24H)
		return encode(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12; /* 00:xx is 12 AM, 12:xx is 12 PM */
	return (u8)(encode(r, h12) | (h >= 12 ? HOUR_PM : 0));
}

static bool decode_hour(const struct rtc *r, u8 v, u8 *hour)
{
	unsigned h;
	if (r->cmos[REG_B] & B_24H) {
		if (!decode(r, v, &h) || h > 23)
			return false;
		*hour = (u8)h;
		return true;
	}
	if (!decode(r, v & (u8)~HOUR_PM, &h) || h < 1 || h > 12)
		return false;
	*hour = (u8)(h % 12 + ((v & HOUR_PM) ? 12 : 0));
	return true;
}

static bool set_field(unsigned n, unsigned lo, unsigned hi, u8 *field)
{
	if (n < lo || n > hi)
		return false;
	*field = (u8)n;
	return true;
}

/* Applies one time-register write to tm; false (tm untouched) when the value is out of range. */
static bool decode_field(const struct rtc *r, u8 index, u8 v, struct rtc_tm *tm)
{
	unsigned n;
	if (index == REG_HOURS)
		return decode_hour(r, v, &tm->hour);
	if (!decode(r, v, &n))
		return false;
	switch (index) {
	case REG_SECONDS: return set_field(n, 0, 59, &tm->sec);
	case REG_MINUTES: return set_field(n, 0, 59, &tm->min);
	case REG_WDAY: return set_field(n, 1, 7, &tm->wday);
	case REG_MDAY: return set_field(n, 1, 31, &tm->mday);
	case REG_MONTH: return set_field(n, 1, 12, &tm->mon);
	}
	if (n > 99) /* the year within the century, or the century */
		return false;
	tm->year = (u16)(index == REG_YEAR ? tm->year / 100 * 100 + n : n * 100 + tm->year % 100);
	return true;
}

static void write_time(struct rtc *r, u64 now, u8 index, u8 v)
{
	struct rtc_tm tm;
	current_tm(r, now, &tm);
	if (!decode_field(r, index, v, &tm))
		return;
	if (is_held(r)) {
		r->held = tm;
		return;
	}
	/* Running: the written time counts on from here, on the same second boundaries. */
	u64 frac;
	i64 s = rtc_tm_to_epoch(&tm);
	r->base_s = s - seconds_since_base(r, now, &frac);
	set_wday_offset(r, s, tm.wday);
}

static u8 read_time(const struct rtc *r, u64 now, u8 index)
{
	struct rtc_tm tm;
	current_tm(r, now, &tm);
	switch (index) {
	case REG_SECONDS: return encode(r, tm.sec);
	case REG_MINUTES: return encode(r, tm.min);
	case REG_HOURS: return encode_hour(r, tm.hour);
	case REG_WDAY: return encode(r, tm.wday);
	case REG_MDAY: return encode(r, tm.mday);
	case REG_MONTH: return encode(r, tm.mon);
	case REG_YEAR: return encode(r, tm.year % 100);
	default: return encode(r, tm.year / 100 % 100); /* CMOS_CENTURY */
	}
}

static bool is_time_reg(u8 index)
{
	switch (index) {
	case REG_SECONDS: case REG_MINUTES: case REG_HOURS: case REG_WDAY: case REG_MDAY:
	case REG_MONTH: case REG_YEAR: case CMOS_CENTURY: return true;
	}
	return false;
}

static u8 read_reg(struct rtc *r, u8 index)
{
	u64 now = clock_now(&r->clock);
	if (is_time_reg(index))
		return read_time(r, now, index);
	switch (index) {
	case REG_A: return (u8)(r->cmos[REG_A] | (uip(r, now) ? A_UIP : 0));
	case REG_C: {
		gather_flags(r, now);
		u8 c = r->flags;
		if (c & r->cmos[REG_B] & C_FLAGS)
			c |= C_IRQF;
		r->flags = 0; /* reading register C clears it */
		return c;
	}
	case REG_D: return D_VRT;
	}
	return r->cmos[index];
}

static void write_reg(struct rtc *r, u8 index, u8 v)
{
	u64 now = clock_now(&r->clock);
	if (is_time_reg(index)) {
		write_time(r, now, index, v);
		return;
	}
	switch (index) {
	case REG_A: set_control(r, now, v, r->cmos[REG_B]); break;
	case REG_B: set_control(r, now, r->cmos[REG_A], v); break;
	case REG_C: case REG_D: break; /* read-only */
	default: r->cmos[index] = v; break;
	}
}

static u32 rtc_read(void *dev, u16 off, u8 size)
{
	struct rtc *r = dev;
	if (off == PORT_INDEX)
		return INDEX_PORT_READ;
	return read_reg(r, r->index);
}

static void rtc_write(void *dev, u16 off, u8 size, u32 value)
{
	struct rtc *r = dev;
	if (off == PORT_INDEX) {
		r->index = value & INDEX_MASK;
		r->nmi_masked = value & INDEX_NMI_MASK;
		return;
	}
	write_reg(r, r->index, (u8)value);
}

static void put16(struct rtc *r, u8 index, u64 v)
{
	r->cmos[index] = (u8)v;
	r->cmos[index + 1] = (u8)(v >> 8);
}

static u64 min_u64(u64 a, u64 b) { return a < b ? a : b; }

void rtc_set_memory(struct rtc *r, u64 guest_ram_bytes)
{
	u64 ext = guest_ram_bytes > MIB ? min_u64((guest_ram_bytes - MIB) / KIB, U16_MAX) : 0;
	u64 high = 0;
	if (guest_ram_bytes > HIGH_MEM_START)
		high = (min_u64(guest_ram_bytes, HIGH_MEM_END) - HIGH_MEM_START) / HIGH_MEM_UNIT;
	put16(r, CMOS_BASE_MEM, min_u64(guest_ram_bytes / KIB, BASE_MEM_KIB));
	put16(r, CMOS_EXT_MEM, ext);
	put16(r, CMOS_EXT_MEM_POST, ext);
	put16(r, CMOS_HIGH_MEM, high);
	u16 sum = 0;
	for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++)
		sum = (u16)(sum + r->cmos[i]);
	r->cmos[CMOS_CHECKSUM] = (u8)(sum >> 8);
	r->cmos[CMOS_CHECKSUM + 1] = (u8)sum;
}

void rtc_init(struct rtc *r, const struct dev_clock *clk, u64 epoch_seconds_at_clock_zero)
{
	*r = (struct rtc){0};
	r->clock = *clk;
	r->cmos[REG_A] = A_DEFAULT;
	r->cmos[REG_B] = B_DEFAULT;
	r->cmos[CMOS_FLOPPY_TYPES] = FLOPPY_NONE;
	r->cmos[CMOS_EQUIPMENT] = EQUIPMENT_FPU;
	r->base_s = epoch_seconds_at_clock_zero > EPOCH_MAX ? EPOCH_MAX : (i64)epoch_seconds_at_clock_zero;
	r->base_ns = 0;
	r->flags_seen_ns = clock_now(clk);
	rtc_set_memory(r, 0);
	r->io = (struct io_device){"rtc", RTC_PORT, RTC_PORTS, false, r, rtc_read, rtc_write};
}
