/*
 * The fixture of test_rtc.c and test_rtc_registers.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in rtc_fixture.c.
 */
#ifndef TESTS_UNIT_RTC_FIXTURE_H
#define TESTS_UNIT_RTC_FIXTURE_H

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

extern u64 now_ns;
extern struct rtc rtc;
extern struct iobus bus;

u64 fake_now(void *ctx);

void start(u64 epoch);

u8 rd(u8 index);

void wr(u8 index, u8 v);

struct want {
	u8 sec, min, hour, wday, mday, mon, year, century;
};

void expect(struct want w);

#endif
