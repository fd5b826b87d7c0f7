/*
 * MC146818A real-time clock and CMOS RAM at 0x70 (index) / 0x71 (data).
 * Register map and bits: Motorola MC146818A datasheet ("Address map",
 * "Registers A-D"); the RAM above 0x0E follows the IBM PC/AT CMOS layout.
 *
 * What the guest gets:
 *  - Time and date from the platform's wall clock, read once at boot as
 *    seconds since 1970 (UTC) and advanced by the device clock: one update
 *    every second, on the second boundaries of the clock (clock 0 = epoch).
 *    BCD or binary per register B DM, 12- or 24-hour per register B 24/12;
 *    century at 0x32 in the same format (so Linux's reading with an ACPI
 *    FADT century index is right in both modes). Gregorian leap years, so
 *    2100 is not one (the chip's own divide-by-4 rule ends in 2099).
 *  - UIP (register A bit 7) rises 244 us (the datasheet's tBUC) before each
 *    update. The update itself takes no time here, so UIP falls at the
 *    second boundary with the new time already readable; a guest that
 *    waits for UIP to fall, as the datasheet says to, reads a stable time.
 *  - The time is settable the datasheet's way: SET (register B bit 7) or a
 *    stopped divider (register A DV != 010) freeze it; time writes while
 *    frozen change the frozen copy; the clock resumes from it at the next
 *    update of the running divider (SET) or 500 ms after the divider leaves
 *    reset. A time write while running changes the time at once and keeps
 *    the phase. Writes of values out of range (bad BCD, hour 24, month 13)
 *    are ignored; a day past the month's end rolls into the next month when
 *    the clock resumes. The day of week is the chip's own counter (1 =
 *    Sunday): it follows the date, a write moves it.
 *  - Register C: UF and PF are set by the updates and periodic ticks as on
 *    the chip, IRQF when an enabled flag is set; a read returns and clears
 *    them. AF is never set (alarms are stored, not matched). IRQ 8 is not
 *    driven: PIE/AIE/UIE are stored only, so a guest that sleeps on the RTC
 *    interrupt waits for ever; one that polls UIP or register C works.
 *  - Register D reads VRT (valid RAM and time). DSE (daylight saving) is
 *    stored and never applied. The index port reads 0xff (write-only on
 *    the AT); its bit 7 (NMI mask) is stored and has no effect.
 *  - CMOS RAM 0x0E..0x7F is plain storage, preset with the PC conventions
 *    (no floppy, equipment byte, memory sizes, checksum at 0x2E/0x2F).
 * Pure C.
 */
#ifndef DEVICES_RTC_H
#define DEVICES_RTC_H

#include "clock.h"
#include "iobus.h"

#define RTC_PORT 0x70
#define RTC_PORTS 2
#define RTC_CMOS_SIZE 128

/* A broken-down time in binary, 24-hour: what the time registers show. */
struct rtc_tm {
	u8 sec, min, hour; /* 0-59, 0-59, 0-23 */
	u8 wday;           /* 1-7, 1 = Sunday */
	u8 mday, mon;      /* 1-31, 1-12 */
	u16 year;          /* 0-9999: century * 100 + year register */
};

struct rtc {
	struct dev_clock clock;
	u8 index;
	bool nmi_masked; /* index port bit 7: stored, no effect here */
	/* Registers A and B, the alarms and the CMOS RAM; the time registers' slots are unused. */
	u8 cmos[RTC_CMOS_SIZE];
	/* While running: the wall clock read base_s seconds exactly at clock time base_ns. */
	i64 base_s;
	u64 base_ns;
	u8 wday_offset;     /* the day-of-week counter minus the one the date implies, mod 7 */
	struct rtc_tm held; /* the time while SET is on or the divider is stopped */
	u8 flags;           /* register C: PF, AF, UF gathered since the last read */
	u64 flags_seen_ns;  /* updates and ticks up to here are in flags */
	struct io_device io;
};

/* epoch_seconds_at_clock_zero: the wall-clock time (seconds since 1970, UTC) at clock time 0. */
void rtc_init(struct rtc *r, const struct dev_clock *clk, u64 epoch_seconds_at_clock_zero);

/*
 * The memory-size bytes from guest RAM [0, guest_ram_bytes) (PC/AT CMOS conventions):
 * 0x15/0x16 base memory in KiB (at most 640), 0x17/0x18 and its POST copy 0x30/0x31
 * extended memory in KiB above 1 MiB (at most 0xFFFF), 0x34/0x35 memory between 16 MiB
 * and 4 GiB in 64 KiB units (what a 16-bit count of 64 KiB above 16 MiB can describe),
 * then the checksum. All little-endian.
 */
void rtc_set_memory(struct rtc *r, u64 guest_ram_bytes);

/* The broken-down UTC time of s seconds since 1970 (day of week from the date). */
void rtc_tm_from_epoch(i64 s, struct rtc_tm *tm);
/* Seconds since 1970 of tm; a day past the month's end counts on into the next month. */
i64 rtc_tm_to_epoch(const struct rtc_tm *tm);

#endif
