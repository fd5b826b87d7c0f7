/*
 * Shared by test_pit.c and test_pit_timing.c: a devices/pit.c instance on a fake clock moved by
 * hand in whole CLK pulses and a fake IRQ sink that records level changes, and the port
 * helpers the tests program it with (Intel 82C54 datasheet, order no. 231244).
 * Convention: a count written at pulse W is loaded into the CE at pulse W+1.
 */
#ifndef TESTS_UNIT_PIT_FIXTURE_H
#define TESTS_UNIT_PIT_FIXTURE_H

#include "devices/pit.h"

#define CW_CH(c) ((u8)((c) << 6))
#define CW_READ_BACK 0xc0
#define RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_LOHI 3
#define CW_BCD 0x01
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
#define RB_CH(c) ((u8)(0x02 << (c)))
#define ST_OUT 0x80
#define ST_NULL 0x40
#define PIT_CONTROL_PORT 0x43
#define HZ_1000_COUNT 1193 /* 1193182 / 1000, rounded down */
#define NS_PER_DAY (86400ULL * CLOCK_NS_PER_S)

extern u64 now_ns;

struct irq_rec {
	unsigned changes, rises, falls, wrong_line;
	bool level;
};
extern struct irq_rec rec;

extern struct pit pit;

/* cmocka setup: the clock at 0, a fresh record, pit_init. */
int setup(void **state);
/* Forgets the recorded changes, keeping the line's level. */
void clear_rec(void);
/* Moves the fake clock to the instant of CLK pulse k. */
void at(u64 k);
void outb(u16 port, u8 v);
u8 inb(u16 port);
void control(int ch, int rw, int mode, u8 bcd);
void write_count(int ch, int rw, u16 v);
/* Control word (LSB then MSB, binary) and a count. */
void program(int ch, int mode, u16 count);
u16 read16(int ch);
/* Counter latch command, then both bytes. */
u16 count_of(int ch);
u8 status_of(int ch);
bool out_of(int ch);
bool null_of(int ch);
/* OUT of channel ch sampled at pulses from..to, as a string of 0/1. */
void out_trace(int ch, u64 from, u64 to, char *buf);

#endif
