/*
 * devices/pit.c against the Intel 82C54 datasheet (order no. 231244), with a fake clock
 * moved by hand in whole CLK pulses and a fake IRQ sink that records level changes.
 * Convention: a count written at pulse W is loaded into the CE at pulse W+1.
 */
#include "unit.h"

#include <stdlib.h>

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
#ifndef RANDOM_RUNS
#define RANDOM_RUNS 100 /* seeds per differential test (x2 for channel 2) */
#endif

static u64 now_ns;
static u64 fake_now(void *ctx) { return now_ns; }
static const struct dev_clock clk = {NULL, fake_now};

static struct irq_rec {
	unsigned changes, rises, falls, wrong_line;
	bool level;
} rec;

static void fake_irq(void *ctx, unsigned irq, bool level)
{
	if (irq != PIT_IRQ)
		rec.wrong_line++;
	if (level && !rec.level)
		rec.rises++;
	if (!level && rec.level)
		rec.falls++;
	rec.changes++;
	rec.level = level;
}
static const struct irq_sink sink = {NULL, fake_irq};

static struct pit pit;

static int setup(void **state)
{
	now_ns = 0;
	rec = (struct irq_rec){0};
	pit_init(&pit, &clk, &sink);
	return 0;
}

static void clear_rec(void)
{
	bool level = rec.level;
	rec = (struct irq_rec){0};
	rec.level = level;
}

/* Move the fake clock to the instant of CLK pulse k. */
static void at(u64 k) { now_ns = pit_ticks_to_ns(k); }

static void outb(u16 port, u8 v) { pit.io.write(pit.io.dev, (u16)(port - PIT_BASE), 1, v); }
static u8 inb(u16 port) { return (u8)pit.io.read(pit.io.dev, (u16)(port - PIT_BASE), 1); }

static void control(int ch, int rw, int mode, u8 bcd)
{
	outb(PIT_CONTROL_PORT, (u8)(CW_CH(ch) | rw << 4 | mode << 1 | bcd));
}

static void write_count(int ch, int rw, u16 v)
{
	if (rw != RW_MSB)
		outb((u16)(PIT_BASE + ch), (u8)v);
	if (rw != RW_LSB)
		outb((u16)(PIT_BASE + ch), (u8)(v >> 8));
}

/* Control word (LSB then MSB, binary) and a count. */
static void program(int ch, int mode, u16 count)
{
	control(ch, RW_LOHI, mode, 0);
	write_count(ch, RW_LOHI, count);
}

static u16 read16(int ch)
{
	u8 lo = inb((u16)(PIT_BASE + ch));
	return (u16)(lo | inb((u16)(PIT_BASE + ch)) << 8);
}

/* Counter latch command, then both bytes. */
static u16 count_of(int ch)
{
	control(ch, RW_LATCH, 0, 0);
	return read16(ch);
}

static u8 status_of(int ch)
{
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(ch));
	return inb((u16)(PIT_BASE + ch));
}

static bool out_of(int ch) { return status_of(ch) & ST_OUT; }
static bool null_of(int ch) { return status_of(ch) & ST_NULL; }

/* OUT of channel ch sampled at pulses from..to, as a string of 0/1. */
static void out_trace(int ch, u64 from, u64 to, char *buf)
{
	for (u64 k = from; k <= to; k++) {
		at(k);
		*buf++ = out_of(ch) ? '1' : '0';
	}
	*buf = 0;
}

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

/* ---- modes ---- */

static void test_mode0_out_low_until_terminal_count(void **state)
{
	char trace[32];
	at(100);
	program(1, 0, 10);
	assert_false(out_of(1));
	out_trace(1, 100, 113, trace);
	/* OUT goes high N+1 pulses after the count is written, and stays high */
	assert_string_equal(trace, "00000000000111");
}

static void test_mode0_counts_down_and_wraps(void **state)
{
	at(100);
	program(1, 0, 10);
	at(101);
	assert_int_equal(count_of(1), 10);
	at(104);
	assert_int_equal(count_of(1), 7);
	at(111);
	assert_int_equal(count_of(1), 0);
	at(112);
	assert_int_equal(count_of(1), 0xffff); /* keeps counting past terminal count */
	assert_true(out_of(1));
}

static void test_mode0_new_count_restarts(void **state)
{
	at(100);
	program(1, 0, 10);
	at(120); /* terminal count passed: OUT high */
	assert_true(out_of(1));
	write_count(1, RW_LOHI, 5);
	assert_false(out_of(1)); /* a new count sets OUT low at once */
	at(121);
	assert_int_equal(count_of(1), 5);
	at(125);
	assert_false(out_of(1));
	at(126);
	assert_true(out_of(1));
}

static void test_mode0_first_byte_stops_counting(void **state)
{
	at(100);
	program(1, 0, 1000);
	at(200);
	assert_int_equal(count_of(1), 901);
	outb(PIT_BASE + 1, 0x20); /* LSB of a new count */
	at(400);
	assert_int_equal(count_of(1), 901); /* counting disabled */
	assert_false(out_of(1));
	outb(PIT_BASE + 1, 0x00); /* MSB: count 0x0020 loaded on the next pulse */
	at(401);
	assert_int_equal(count_of(1), 0x20);
	at(401 + 0x20);
	assert_true(out_of(1));
}

static void test_mode0_gate_low_pauses(void **state)
{
	at(90);
	pit_set_gate2(&pit, true);
	at(100);
	program(2, 0, 10);
	at(105);
	assert_int_equal(count_of(2), 6);
	pit_set_gate2(&pit, false);
	at(150);
	assert_int_equal(count_of(2), 6);
	assert_false(out_of(2));
	pit_set_gate2(&pit, true);
	at(155);
	assert_int_equal(count_of(2), 1);
	assert_false(out_of(2));
	at(156);
	assert_true(out_of(2));
}

static void test_mode0_written_with_gate_low_waits(void **state)
{
	at(100);
	program(2, 0, 10); /* channel 2's gate is low after init */
	at(101);
	assert_false(null_of(2)); /* loaded, though not counting */
	at(300);
	assert_int_equal(count_of(2), 10);
	pit_set_gate2(&pit, true);
	at(309);
	assert_int_equal(count_of(2), 1);
	at(310);
	assert_true(out_of(2));
}

static void test_mode1_waits_for_gate_trigger(void **state)
{
	at(100);
	program(2, 1, 4);
	at(200);
	assert_true(out_of(2));
	assert_true(null_of(2)); /* not loaded without a trigger */
	pit_set_gate2(&pit, true); /* trigger at 200: loaded at 201 */
	assert_true(null_of(2));
	assert_true(out_of(2));
	at(201);
	assert_false(null_of(2));
	assert_int_equal(count_of(2), 4);
	char trace[16];
	out_trace(2, 201, 206, trace);
	assert_string_equal(trace, "000011");
	assert_int_equal(count_of(2), 0xffff);
}

static void test_mode1_retrigger_extends_pulse(void **state)
{
	at(100);
	program(2, 1, 4);
	pit_set_gate2(&pit, true); /* loaded at 101, would end at 105 */
	at(103);
	pit_set_gate2(&pit, false);
	pit_set_gate2(&pit, true); /* retrigger: reloaded at 104 */
	at(105);
	assert_false(out_of(2));
	at(107);
	assert_false(out_of(2));
	at(108);
	assert_true(out_of(2));
}

static void test_mode1_new_count_waits_for_next_trigger(void **state)
{
	at(100);
	program(2, 1, 4);
	pit_set_gate2(&pit, true); /* one-shot from 101 to 105 */
	at(102);
	write_count(2, RW_LOHI, 10);
	assert_true(null_of(2));
	at(105);
	assert_true(out_of(2)); /* the one-shot under way kept its length */
	pit_set_gate2(&pit, false);
	at(110);
	pit_set_gate2(&pit, true);
	at(120);
	assert_false(out_of(2));
	at(121);
	assert_true(out_of(2));
}

static void test_mode1_on_channel0_never_triggers(void **state)
{
	at(100);
	program(0, 1, 4); /* channel 0's gate is tied high: no rising edge ever */
	at(10000);
	assert_true(out_of(0));
	assert_true(null_of(0));
	assert_true(pit_next_deadline(&pit) == CLOCK_NEVER);
}

static void test_mode2_one_pulse_low_per_period(void **state)
{
	char trace[32];
	at(100);
	program(1, 2, 5);
	out_trace(1, 100, 116, trace);
	/* low N pulses after the write, for one pulse, every N */
	assert_string_equal(trace, "11111011110111101");
}

static void test_mode2_count_values(void **state)
{
	static const u16 want[] = {5, 4, 3, 2, 1, 5, 4};
	at(100);
	program(1, 2, 5);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		at(101 + i);
		assert_int_equal(count_of(1), want[i]);
	}
}

static void test_mode2_new_count_at_next_reload(void **state)
{
	at(100);
	program(1, 2, 10); /* reloads at 111, 121, ... */
	at(105);
	write_count(1, RW_LOHI, 4);
	at(110);
	assert_false(out_of(1)); /* the present period is not affected */
	assert_int_equal(count_of(1), 1);
	at(111);
	assert_int_equal(count_of(1), 4);
	char trace[16];
	out_trace(1, 111, 119, trace);
	assert_string_equal(trace, "111011101");
}

static void test_mode2_gate_low_forces_out_high(void **state)
{
	at(90);
	pit_set_gate2(&pit, true);
	at(100);
	program(2, 2, 10);
	at(110);
	assert_false(out_of(2)); /* the low pulse */
	pit_set_gate2(&pit, false);
	assert_true(out_of(2));
	at(104 + 100);
	assert_true(out_of(2));
	assert_int_equal(count_of(2), 1); /* stopped where it was */
	pit_set_gate2(&pit, true); /* rising edge: reloaded on the next pulse */
	at(205);
	assert_int_equal(count_of(2), 10);
	at(213);
	assert_true(out_of(2));
	at(214);
	assert_false(out_of(2));
	at(215);
	assert_true(out_of(2));
}

static void test_mode3_even_square_wave(void **state)
{
	static const u16 want[] = {6, 4, 2, 6, 4, 2, 6};
	static const bool high[] = {1, 1, 1, 0, 0, 0, 1};
	char trace[16];
	at(100);
	program(1, 3, 6);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		at(101 + i);
		assert_int_equal(count_of(1), want[i]);
		assert_int_equal(out_of(1), high[i]);
	}
	out_trace(1, 108, 119, trace);
	assert_string_equal(trace, "110001110001");
}

static void test_mode3_odd_high_longer(void **state)
{
	static const u16 want[] = {4, 2, 0, 4, 2, 4};
	char trace[16];
	at(100);
	program(1, 3, 5);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		at(101 + i);
		assert_int_equal(count_of(1), want[i]);
	}
	/* high (N+1)/2, low (N-1)/2 */
	out_trace(1, 107, 116, trace);
	assert_string_equal(trace, "1100111001");
}

static void test_mode3_new_count_at_half_cycle_end(void **state)
{
	char trace[16];
	at(100);
	program(1, 3, 10); /* high 101..105, low 106..110 */
	out_trace(1, 101, 103, trace);
	assert_string_equal(trace, "111");
	write_count(1, RW_LOHI, 6);
	assert_true(null_of(1));
	at(105);
	assert_true(null_of(1));
	at(106); /* the low half begins with the new count */
	assert_false(null_of(1));
	assert_int_equal(count_of(1), 6);
	out_trace(1, 106, 115, trace);
	assert_string_equal(trace, "0001110001");
}

static void test_mode3_gate_low_high_and_reload(void **state)
{
	at(90);
	pit_set_gate2(&pit, true);
	at(100);
	program(2, 3, 8);
	at(106);
	assert_false(out_of(2));
	pit_set_gate2(&pit, false);
	assert_true(out_of(2));
	at(150);
	assert_true(out_of(2));
	pit_set_gate2(&pit, true);
	at(151);
	assert_int_equal(count_of(2), 8);
	assert_true(out_of(2));
	at(155);
	assert_false(out_of(2));
}

static void test_mode4_software_strobe(void **state)
{
	char trace[16];
	at(100);
	program(1, 4, 4);
	out_trace(1, 100, 104, trace);
	assert_string_equal(trace, "11111");
	at(105); /* low N+1 pulses after the write, for one pulse */
	assert_false(out_of(1));
	assert_int_equal(count_of(1), 0);
	at(106);
	assert_true(out_of(1));
	assert_int_equal(count_of(1), 0xffff);
	at(106 + 65536);
	assert_true(out_of(1)); /* no second strobe after the wrap */
}

static void test_mode4_new_count_reloads(void **state)
{
	at(100);
	program(1, 4, 100);
	at(150);
	write_count(1, RW_LOHI, 3);
	at(151);
	assert_int_equal(count_of(1), 3);
	at(154);
	assert_false(out_of(1));
	at(155);
	assert_true(out_of(1));
}

static void test_mode4_gate_low_pauses(void **state)
{
	at(90);
	pit_set_gate2(&pit, true);
	at(100);
	program(2, 4, 10);
	at(103);
	pit_set_gate2(&pit, false);
	at(500);
	assert_int_equal(count_of(2), 8);
	assert_true(out_of(2));
	pit_set_gate2(&pit, true);
	at(507);
	assert_true(out_of(2));
	at(508);
	assert_false(out_of(2));
	at(509);
	assert_true(out_of(2));
}

static void test_mode5_hardware_strobe(void **state)
{
	char trace[16];
	at(100);
	program(2, 5, 4);
	at(200);
	assert_true(out_of(2));
	pit_set_gate2(&pit, true); /* loaded at 201 */
	out_trace(2, 200, 207, trace);
	assert_string_equal(trace, "11111011");
}

static void test_mode5_retrigger_restarts(void **state)
{
	at(100);
	program(2, 5, 4);
	pit_set_gate2(&pit, true); /* strobe due at 105 */
	at(103);
	pit_set_gate2(&pit, false);
	pit_set_gate2(&pit, true); /* reloaded at 104: strobe at 108 */
	at(105);
	assert_true(out_of(2));
	at(108);
	assert_false(out_of(2));
	at(109);
	assert_true(out_of(2));
}

static void test_modes_6_7_alias_2_3(void **state)
{
	char trace[16];
	at(100);
	program(1, 6, 5);
	assert_int_equal(status_of(1) & 0x0e, 6 << 1); /* status reports M2..M0 as written */
	out_trace(1, 101, 106, trace);
	assert_string_equal(trace, "111101");
	at(200);
	program(1, 7, 4);
	out_trace(1, 201, 205, trace);
	assert_string_equal(trace, "11001");
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

/* ---- IRQ0 and deadlines ---- */

static void test_irq0_1000hz_exact_edges_ticked_often(void **state)
{
	program(0, 2, HZ_1000_COUNT); /* at t = 0: loaded at pulse 1 */
	clear_rec();
	for (u64 t = 100000; t <= CLOCK_NS_PER_S; t += 100000) {
		now_ns = t;
		pit_tick(&pit);
	}
	assert_int_equal(rec.rises, 1000);
	assert_int_equal(pit.missed_ticks, 0);
	assert_int_equal(rec.wrong_line, 0);
	assert_true(rec.level);
}

static void test_irq0_1000hz_at_deadlines(void **state)
{
	program(0, 2, HZ_1000_COUNT);
	clear_rec();
	unsigned k = 0;
	for (;;) {
		u64 d = pit_next_deadline(&pit);
		if (d > CLOCK_NS_PER_S)
			break;
		k++;
		assert_true(d == pit_ticks_to_ns(1 + (u64)k * HZ_1000_COUNT));
		now_ns = d - 1;
		pit_tick(&pit);
		assert_int_equal(rec.rises, k - 1); /* not a nanosecond early */
		now_ns = d;
		pit_tick(&pit);
		assert_int_equal(rec.rises, k);
	}
	assert_int_equal(k, 1000);
	assert_int_equal(pit.missed_ticks, 0);
}

static void test_irq0_missed_ticks_when_ticked_rarely(void **state)
{
	program(0, 2, HZ_1000_COUNT);
	clear_rec();
	for (u64 t = 10000000; t <= CLOCK_NS_PER_S; t += 10000000) {
		now_ns = t;
		pit_tick(&pit);
	}
	assert_int_equal(rec.rises, 100); /* one edge per look, no burst */
	assert_int_equal(pit.missed_ticks, 900);
	assert_int_equal(pit.irq_edges, 100);
}

static void test_irq0_square_wave_follows_out(void **state)
{
	program(0, 3, HZ_1000_COUNT);
	clear_rec();
	for (u64 t = 50000; t <= CLOCK_NS_PER_S; t += 50000) {
		now_ns = t;
		pit_tick(&pit);
	}
	assert_int_equal(rec.rises, 1000);
	assert_int_equal(rec.falls, 1000);
	assert_int_equal(pit.missed_ticks, 0);
}

static void test_irq0_mode0_one_edge_then_no_deadline(void **state)
{
	at(100);
	program(0, 0, 50);
	assert_false(rec.level); /* the control word dropped OUT */
	clear_rec();
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(151));
	at(150);
	pit_tick(&pit);
	assert_int_equal(rec.rises, 0);
	at(151);
	pit_tick(&pit);
	assert_int_equal(rec.rises, 1);
	assert_true(pit_next_deadline(&pit) == CLOCK_NEVER);
	at(1000000);
	pit_tick(&pit);
	assert_int_equal(rec.rises, 1);
	assert_int_equal(rec.changes, 1);
}

static void test_deadline_values_per_mode(void **state)
{
	at(100);
	control(0, RW_LOHI, 0, 0);
	assert_true(pit_next_deadline(&pit) == CLOCK_NEVER); /* no count yet */
	write_count(0, RW_LOHI, 20);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(121));
	program(0, 4, 20);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(122)); /* end of the strobe */
	program(0, 3, 20);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(121));
	program(0, 2, 20);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(121));
	at(125);
	pit_tick(&pit);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(141));
	program(0, 5, 20);
	assert_true(pit_next_deadline(&pit) == CLOCK_NEVER);
}

static void test_deadline_stays_until_ticked(void **state)
{
	at(100);
	program(0, 2, 10);
	at(1000); /* many periods, no tick: the first one not delivered is due */
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(111));
	assert_true(pit_next_deadline(&pit) < now_ns);
	pit_tick(&pit);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(1001));
}

static void test_deadline_across_pending_reload(void **state)
{
	at(100);
	program(0, 2, 100); /* rises at 201, 301, ... */
	at(150);
	write_count(0, RW_LOHI, 10); /* takes over at 201 */
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(201));
	clear_rec();
	at(201);
	pit_tick(&pit);
	assert_int_equal(rec.rises, 1);
	assert_true(pit_next_deadline(&pit) == pit_ticks_to_ns(211));
	at(241);
	pit_tick(&pit);
	assert_int_equal(rec.rises, 2);
	assert_int_equal(pit.missed_ticks, 3);
}

static void test_edges_counted_across_pending_reload(void **state)
{
	at(100);
	program(0, 2, 100);
	at(150);
	write_count(0, RW_LOHI, 10);
	clear_rec();
	at(500); /* rise at 201 (old period), then 211 .. 491 every 10: 1 + 29 */
	pit_tick(&pit);
	assert_int_equal(rec.rises, 1);
	assert_int_equal(pit.missed_ticks, 29);
}

static void test_control_word_raises_irq0_at_once(void **state)
{
	at(100);
	program(0, 0, 1000);
	clear_rec();
	at(200);
	control(0, RW_LOHI, 2, 0); /* mode 2's initial OUT is high: an edge the PIC sees */
	assert_int_equal(rec.rises, 1);
	assert_true(rec.level);
}

static void test_long_uptime_1000hz_after_30_days(void **state)
{
	u64 base = 30 * NS_PER_DAY;
	now_ns = base;
	u64 w = pit_ns_to_ticks(base);
	program(0, 2, HZ_1000_COUNT);
	clear_rec();
	u64 missed0 = pit.missed_ticks;
	assert_int_equal(missed0, w / 65536 - 1); /* the 18.2 Hz reset run, nobody looking */
	for (u64 t = base + 100000; t <= base + CLOCK_NS_PER_S; t += 100000) {
		now_ns = t;
		pit_tick(&pit);
	}
	u64 end = pit_ns_to_ticks(base + CLOCK_NS_PER_S);
	assert_int_equal(rec.rises, (end - (w + 1)) / HZ_1000_COUNT);
	assert_int_equal(pit.missed_ticks, missed0);
	assert_int_equal(count_of(0), HZ_1000_COUNT - (end - (w + 1)) % HZ_1000_COUNT);
	u64 d = pit_next_deadline(&pit);
	assert_true(d > now_ns && d - now_ns <= CLOCK_NS_PER_S / 1000 + 1);
	assert_int_equal(pit_ns_to_ticks(d - 1) + 1, pit_ns_to_ticks(d));
}

static void test_long_uptime_days_without_tick(void **state)
{
	now_ns = NS_PER_DAY;
	u64 w = pit_ns_to_ticks(now_ns);
	program(0, 2, HZ_1000_COUNT);
	clear_rec();
	u64 missed0 = pit.missed_ticks;
	now_ns = 4 * NS_PER_DAY + 12345;
	u64 t = pit_ns_to_ticks(now_ns);
	pit_tick(&pit);
	u64 edges = (t - (w + 1)) / HZ_1000_COUNT;
	assert_true(edges > 259000000ULL); /* about 3 days at 1 kHz */
	assert_int_equal(rec.rises, 1);
	assert_int_equal(pit.missed_ticks - missed0, edges - 1);
	assert_int_equal(count_of(0), HZ_1000_COUNT - (t - (w + 1)) % HZ_1000_COUNT);
}

static void test_channel2_out_helper(void **state)
{
	at(100);
	pit_set_gate2(&pit, true);
	program(2, 0, 5);
	at(105);
	assert_false(pit_channel2_out(&pit));
	at(106);
	assert_true(pit_channel2_out(&pit));
}

/* ---- differential: the closed-form model against a pulse-by-pulse stepper ---- */

/*
 * One counter stepped one CLK pulse at a time, written from the datasheet's mode
 * descriptions: the CE is loaded on the pulse after a count write (modes 0 and 4, the
 * first count in modes 2 and 3) or after a GATE trigger (modes 1, 2, 3, 5); modes 2 and 3
 * reload the CR at the end of each period or half-cycle.
 */
struct ref {
	int mode;
	bool bcd, gate, out, null_count, cr_valid, loaded, load_next, trigger, strobed;
	bool odd;      /* mode 3: the count in the CE is odd */
	bool disabled; /* mode 0: the first byte of a two-byte count stops counting */
	u32 cr, ce;
	u64 rises;
};

static u32 ref_mod(const struct ref *r) { return r->bcd ? 10000 : 65536; }

static void ref_set_out(struct ref *r, bool out)
{
	if (out && !r->out)
		r->rises++;
	r->out = out;
}

static void ref_control(struct ref *r, int mode, bool bcd)
{
	if (r->loaded)
		r->ce %= ref_mod(r); /* the CE keeps what it showed */
	r->mode = mode > 5 ? mode - 4 : mode;
	r->bcd = bcd;
	ref_set_out(r, r->mode != 0);
	r->null_count = true;
	r->cr_valid = r->loaded = r->load_next = r->trigger = r->disabled = false;
}

static void ref_first_byte(struct ref *r)
{
	if (r->mode != 0)
		return;
	r->disabled = true;
	r->load_next = false;
	ref_set_out(r, false);
}

static void ref_write(struct ref *r, u32 n)
{
	r->cr = n;
	r->cr_valid = r->null_count = true;
	r->disabled = false;
	if (r->mode == 0)
		ref_set_out(r, false);
	if (r->mode == 0 || r->mode == 4 || ((r->mode == 2 || r->mode == 3) && !r->loaded))
		r->load_next = true;
}

static void ref_gate(struct ref *r, bool level)
{
	bool triggered = r->mode == 1 || r->mode == 2 || r->mode == 3 || r->mode == 5;
	if (level && !r->gate && triggered && r->cr_valid)
		r->trigger = true;
	if (!level && (r->mode == 2 || r->mode == 3))
		ref_set_out(r, true);
	r->gate = level;
}

static void ref_pulse(struct ref *r)
{
	u32 m = ref_mod(r);
	if (r->load_next || r->trigger) {
		r->load_next = r->trigger = false;
		r->loaded = true;
		r->null_count = r->strobed = false;
		r->ce = r->mode == 3 ? r->cr & ~1u : r->cr;
		r->odd = r->cr & 1;
		if (r->mode == 1)
			ref_set_out(r, false);
		else if (r->mode != 0)
			ref_set_out(r, true);
		return;
	}
	if (!r->loaded || r->disabled || (!r->gate && r->mode != 1 && r->mode != 5))
		return;
	switch (r->mode) {
	case 0:
	case 1:
		r->ce = (r->ce + m - 1) % m;
		if (r->ce == 0)
			ref_set_out(r, true);
		break;
	case 2:
		if (r->ce == 1) {
			r->ce = r->cr;
			r->null_count = false;
			ref_set_out(r, true);
		} else if (--r->ce == 1) {
			ref_set_out(r, false);
		}
		break;
	case 3:
		/* by twos; an odd count's high half runs on to 0 (N-1 loaded, (N+1)/2 pulses) */
		if (r->ce == ((r->out && r->odd) ? 0u : 2u)) {
			ref_set_out(r, !r->out);
			r->ce = r->cr & ~1u;
			r->odd = r->cr & 1;
			r->null_count = false;
		} else {
			r->ce -= 2;
		}
		break;
	default:
		r->ce = (r->ce + m - 1) % m;
		ref_set_out(r, !(r->ce == 0 && !r->strobed));
		if (r->ce == 0)
			r->strobed = true;
		break;
	}
}

static u16 to_bcd(u32 v) { return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10); }

static u16 raw_count(const struct ref *r, u32 n) { return r->bcd ? to_bcd(n % 10000) : (u16)n; }

static void compare(const struct ref *r, int ch, u64 k)
{
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_CH(ch));
	u8 st = inb((u16)(PIT_BASE + ch));
	u16 ce = read16(ch);
	if (((st & ST_OUT) != 0) != r->out || ((st & ST_NULL) != 0) != r->null_count ||
	    ce != raw_count(r, r->ce % ref_mod(r))) {
		print_error("pulse %llu ch %d mode %d: status %02x ce %04x; stepper out %d null %d ce %04x\n",
			    (unsigned long long)k, ch, r->mode, st, ce, r->out, r->null_count,
			    raw_count(r, r->ce % ref_mod(r)));
		fail();
	}
	assert_int_equal(st & 0x3f, RW_LOHI << 4 | (st & 0x0e) | r->bcd);
}

/* A count for the stepper's present mode: mostly short, sometimes 0 (the largest). */
static u32 random_count(const struct ref *r, u64 *seed)
{
	u32 m = ref_mod(r), n;
	switch (unit_below(seed, 8)) {
	case 0: n = m; break;
	case 1: n = 2 + (u32)unit_below(seed, m - 2); break;
	default: n = 1 + (u32)unit_below(seed, 40); break;
	}
	if (n == 1 && (r->mode == 2 || r->mode == 3))
		n = 2; /* count 1 is illegal in modes 2 and 3 */
	return n;
}

static bool trace_ops;
#define TRACE(...) do { if (trace_ops) printf(__VA_ARGS__); } while (0)

static void random_run(int ch, u64 seed)
{
	struct ref r = {0};
	u64 k = 0;
	bool half = false; /* LSB written, MSB due */
	u32 half_n = 0;
	TRACE("run ch %d seed %llx\n", ch, (unsigned long long)seed);
	r.gate = ch != 2;
	ref_control(&r, ch == 0 ? 2 : 3, false); /* the reset state */
	ref_write(&r, 65536);
	for (int step = 0; step < 300; step++) {
		u64 op = unit_below(&seed, 100);
		if (op < 8) {
			int mode = (int)unit_below(&seed, 8);
			bool bcd = unit_below(&seed, 5) == 0;
			TRACE("%llu: control mode %d bcd %d\n", (unsigned long long)k, mode, bcd);
			control(ch, RW_LOHI, mode, bcd);
			ref_control(&r, mode, bcd);
			half = false;
		} else if (op < 30 && half) {
			TRACE("%llu: MSB of %u\n", (unsigned long long)k, half_n);
			outb((u16)(PIT_BASE + ch), (u8)(raw_count(&r, half_n % ref_mod(&r)) >> 8));
			ref_write(&r, half_n);
			half = false;
		} else if (op < 24) {
			half_n = random_count(&r, &seed);
			TRACE("%llu: LSB of %u\n", (unsigned long long)k, half_n);
			outb((u16)(PIT_BASE + ch), (u8)raw_count(&r, half_n % ref_mod(&r)));
			ref_first_byte(&r);
			half = true;
		} else if (op < 30) {
			u32 n = random_count(&r, &seed);
			TRACE("%llu: count %u\n", (unsigned long long)k, n);
			write_count(ch, RW_LOHI, raw_count(&r, n % ref_mod(&r)));
			ref_write(&r, n);
		} else if (op < 42 && ch == 2) {
			TRACE("%llu: gate %d\n", (unsigned long long)k, !r.gate);
			pit_set_gate2(&pit, !r.gate);
			ref_gate(&r, !r.gate);
		} else {
			for (u64 i = unit_below(&seed, 30) + 1; i; i--) {
				at(++k);
				ref_pulse(&r);
				TRACE("  %llu: out %d null %d ce %u\n", (unsigned long long)k, r.out, r.null_count, r.ce);
				compare(&r, ch, k);
			}
		}
	}
}

static void test_random_channel2_against_stepper(void **state)
{
	for (u64 seed = 1; seed <= 2 * RANDOM_RUNS; seed++) {
		setup(state);
		random_run(2, seed * 0x9e3779b97f4a7c15ULL);
	}
}

static void test_random_channel1_against_stepper(void **state)
{
	for (u64 seed = 1; seed <= RANDOM_RUNS; seed++) {
		setup(state);
		random_run(1, seed * 0xd1b54a32d192ed03ULL);
	}
}

/* IRQ0: every rise of OUT is either driven or counted missed, ticked densely or not. */
static void test_random_irq0_edges_against_stepper(void **state)
{
	for (u64 run = 1; run <= RANDOM_RUNS; run++) {
		u64 seed = run * 0x94d049bb133111ebULL;
		bool dense = run % 2;
		setup(state);
		clear_rec();
		struct ref r = {0};
		r.gate = true;
		ref_control(&r, 2, false);
		ref_write(&r, 65536);
		r.rises = 0;
		u64 k = 0;
		for (int step = 0; step < 200; step++) {
			u64 op = unit_below(&seed, 100);
			if (op < 10) {
				int mode = (int)unit_below(&seed, 8);
				control(0, RW_LOHI, mode, 0);
				ref_control(&r, mode, false);
			} else if (op < 35) {
				u32 n = random_count(&r, &seed);
				write_count(0, RW_LOHI, (u16)n);
				ref_write(&r, n);
			} else {
				for (u64 i = unit_below(&seed, dense ? 40 : 4000) + 1; i; i--) {
					ref_pulse(&r);
					at(++k);
					if (dense)
						pit_tick(&pit);
				}
				pit_tick(&pit);
			}
			assert_int_equal(rec.rises + pit.missed_ticks, r.rises);
			assert_int_equal(rec.level, r.out);
			if (dense)
				assert_int_equal(pit.missed_ticks, 0);
		}
	}
}

int main(void)
{
	trace_ops = getenv("PIT_TRACE") != NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tick_conversion_exact, setup),
		cmocka_unit_test_setup(test_tick_conversion_matches_wide_math, setup),
		cmocka_unit_test_setup(test_init_state_as_bios_leaves_it, setup),
		cmocka_unit_test_setup(test_mode0_out_low_until_terminal_count, setup),
		cmocka_unit_test_setup(test_mode0_counts_down_and_wraps, setup),
		cmocka_unit_test_setup(test_mode0_new_count_restarts, setup),
		cmocka_unit_test_setup(test_mode0_first_byte_stops_counting, setup),
		cmocka_unit_test_setup(test_mode0_gate_low_pauses, setup),
		cmocka_unit_test_setup(test_mode0_written_with_gate_low_waits, setup),
		cmocka_unit_test_setup(test_mode1_waits_for_gate_trigger, setup),
		cmocka_unit_test_setup(test_mode1_retrigger_extends_pulse, setup),
		cmocka_unit_test_setup(test_mode1_new_count_waits_for_next_trigger, setup),
		cmocka_unit_test_setup(test_mode1_on_channel0_never_triggers, setup),
		cmocka_unit_test_setup(test_mode2_one_pulse_low_per_period, setup),
		cmocka_unit_test_setup(test_mode2_count_values, setup),
		cmocka_unit_test_setup(test_mode2_new_count_at_next_reload, setup),
		cmocka_unit_test_setup(test_mode2_gate_low_forces_out_high, setup),
		cmocka_unit_test_setup(test_mode3_even_square_wave, setup),
		cmocka_unit_test_setup(test_mode3_odd_high_longer, setup),
		cmocka_unit_test_setup(test_mode3_new_count_at_half_cycle_end, setup),
		cmocka_unit_test_setup(test_mode3_gate_low_high_and_reload, setup),
		cmocka_unit_test_setup(test_mode4_software_strobe, setup),
		cmocka_unit_test_setup(test_mode4_new_count_reloads, setup),
		cmocka_unit_test_setup(test_mode4_gate_low_pauses, setup),
		cmocka_unit_test_setup(test_mode5_hardware_strobe, setup),
		cmocka_unit_test_setup(test_mode5_retrigger_restarts, setup),
		cmocka_unit_test_setup(test_modes_6_7_alias_2_3, setup),
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
		cmocka_unit_test_setup(test_irq0_1000hz_exact_edges_ticked_often, setup),
		cmocka_unit_test_setup(test_irq0_1000hz_at_deadlines, setup),
		cmocka_unit_test_setup(test_irq0_missed_ticks_when_ticked_rarely, setup),
		cmocka_unit_test_setup(test_irq0_square_wave_follows_out, setup),
		cmocka_unit_test_setup(test_irq0_mode0_one_edge_then_no_deadline, setup),
		cmocka_unit_test_setup(test_deadline_values_per_mode, setup),
		cmocka_unit_test_setup(test_deadline_stays_until_ticked, setup),
		cmocka_unit_test_setup(test_deadline_across_pending_reload, setup),
		cmocka_unit_test_setup(test_edges_counted_across_pending_reload, setup),
		cmocka_unit_test_setup(test_control_word_raises_irq0_at_once, setup),
		cmocka_unit_test_setup(test_long_uptime_1000hz_after_30_days, setup),
		cmocka_unit_test_setup(test_long_uptime_days_without_tick, setup),
		cmocka_unit_test_setup(test_channel2_out_helper, setup),
		cmocka_unit_test_setup(test_random_channel2_against_stepper, setup),
		cmocka_unit_test_setup(test_random_channel1_against_stepper, setup),
		cmocka_unit_test_setup(test_random_irq0_edges_against_stepper, setup),
	};
	return UNIT_RUN(tests);
}
