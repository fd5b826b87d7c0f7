/*
 * devices/sysport.c: port 0x61 (gate and OUT of PIT channel 2, refresh toggle, stored
 * enables) and port 0x80 (QEMU's behaviour: writes go nowhere, reads are all ones),
 * over the real devices/pit.c and a fake clock.
 */
#include "unit.h"

#include "devices/sysport.h"

#define B_GATE2 0x01
#define B_SPEAKER 0x02
#define B_REFRESH 0x10
#define B_OUT2 0x20
#define B_NMI_SOURCES 0xc0
#define PIT_CONTROL_PORT 0x43
#define CW_CH2_LOHI(mode) ((u8)(0x80 | 0x30 | (mode) << 1))
#define REFRESH_TICKS 18 /* AT refresh: 18 PIT clocks = 15.0857 us */

static u64 now_ns;
static u64 fake_now(void *ctx) { return now_ns; }
static const struct dev_clock clk = {NULL, fake_now};

static struct pit pit;
static struct sysport sp;

static int setup(void **state)
{
	now_ns = 0;
	pit_init(&pit, &clk, NULL);
	sysport_init(&sp, &pit, &clk);
	return 0;
}

static void at(u64 tick) { now_ns = pit_ticks_to_ns(tick); }

static u8 in61(void) { return (u8)sp.io_b.read(sp.io_b.dev, 0, 1); }
static void out61(u8 v) { sp.io_b.write(sp.io_b.dev, 0, 1, v); }
static u8 in80(void) { return (u8)sp.io_post.read(sp.io_post.dev, 0, 1); }
static void out80(u8 v) { sp.io_post.write(sp.io_post.dev, 0, 1, v); }
static void pit_out(u16 port, u8 v) { pit.io.write(pit.io.dev, (u16)(port - PIT_BASE), 1, v); }

static void program_ch2(int mode, u16 count)
{
	pit_out(PIT_CONTROL_PORT, CW_CH2_LOHI(mode));
	pit_out(PIT_BASE + 2, (u8)count);
	pit_out(PIT_BASE + 2, (u8)(count >> 8));
}

static bool out2(void) { return in61() & B_OUT2; }

static void test_devices_and_reset_value(void **state)
{
	assert_int_equal(sp.io_b.base, SYSPORT_B_PORT);
	assert_int_equal(sp.io_b.count, 1);
	assert_false(sp.io_b.wide);
	assert_int_equal(sp.io_post.base, SYSPORT_POST_PORT);
	assert_int_equal(sp.io_post.count, 1);
	assert_false(sp.io_post.wide);
	/* gate 2 low, speaker off; channel 2 in mode 3 with its gate low: OUT high */
	assert_int_equal(in61(), B_OUT2);
	assert_false(pit.ch[2].gate);
}

static void test_init_drops_gate2(void **state)
{
	pit_set_gate2(&pit, true);
	sysport_init(&sp, &pit, &clk);
	assert_false(pit.ch[2].gate);
	assert_int_equal(in61() & B_GATE2, 0);
}

static void test_low_nibble_stored_high_ignored(void **state)
{
	out61(0x0e);
	assert_int_equal(in61() & 0x0f, 0x0e);
	out61(0xff);
	u8 v = in61();
	assert_int_equal(v & 0x0f, 0x0f);
	assert_int_equal(v & B_NMI_SOURCES, 0); /* no IOCHK or SERR source */
	out61(0xf0);
	assert_int_equal(in61() & 0x0f, 0);
}

static void test_refresh_toggles_every_18_pit_clocks(void **state)
{
	for (u64 k = 0; k < 5 * REFRESH_TICKS; k++) {
		at(k);
		assert_int_equal((in61() & B_REFRESH) != 0, (k / REFRESH_TICKS) & 1);
	}
	/* the edge lies exactly on the 18th clock; edges are 15085 or 15086 ns apart */
	u64 edge = pit_ticks_to_ns(REFRESH_TICKS);
	assert_int_equal(edge, 15086);
	now_ns = edge - 1;
	assert_int_equal(in61() & B_REFRESH, 0);
	now_ns = edge;
	assert_int_equal(in61() & B_REFRESH, B_REFRESH);
	for (u64 i = 1; i < 1000; i++) {
		u64 d = pit_ticks_to_ns((i + 1) * REFRESH_TICKS) - pit_ticks_to_ns(i * REFRESH_TICKS);
		assert_true(d == 15085 || d == 15086);
	}
}

static void test_refresh_toggle_counts_time_not_reads(void **state)
{
	/* a delay loop counting toggles: 66 toggles in 1 ms, however often it reads */
	u8 last = in61() & B_REFRESH;
	unsigned toggles = 0;
	for (now_ns = 0; now_ns <= 1000000; now_ns += 1000) {
		for (int i = 0; i < 3; i++) { /* reading more often changes nothing */
			u8 b = in61() & B_REFRESH;
			toggles += b != last;
			last = b;
		}
	}
	assert_int_equal(toggles, pit_ns_to_ticks(1000000) / REFRESH_TICKS);
	assert_int_equal(toggles, 66);
}

static void test_refresh_after_days(void **state)
{
	u64 k = pit_ns_to_ticks(10 * 86400ULL * CLOCK_NS_PER_S);
	k -= k % (2 * REFRESH_TICKS);
	at(k - 1);
	assert_int_equal(in61() & B_REFRESH, B_REFRESH);
	at(k);
	assert_int_equal(in61() & B_REFRESH, 0);
	at(k + REFRESH_TICKS);
	assert_int_equal(in61() & B_REFRESH, B_REFRESH);
}

/* The classic TSC calibration: gate 2 on, speaker off, mode 0, poll bit 5. */
static void test_gate_bit_runs_mode0_one_shot(void **state)
{
	at(100);
	out61((in61() & ~B_SPEAKER) | B_GATE2);
	program_ch2(0, 1000);
	assert_false(out2());
	u64 start = now_ns;
	while (!out2())
		now_ns += 100;
	/* loaded on the pulse after the write, high N pulses later */
	assert_true(now_ns >= pit_ticks_to_ns(100 + 1 + 1000));
	assert_true(now_ns < pit_ticks_to_ns(100 + 1 + 1000) + 100);
	assert_true(now_ns - start > 838000);
}

static void test_gate_low_pauses_channel2(void **state)
{
	at(100);
	program_ch2(0, 50);
	at(500); /* gate 2 low since reset: loaded, not counting */
	assert_false(out2());
	out61(B_GATE2);
	at(549);
	assert_false(out2());
	out61(0);
	at(5000);
	assert_false(out2());
	out61(B_GATE2);
	at(5000 + 1);
	assert_true(out2());
}

static void test_speaker_bit_does_not_gate(void **state)
{
	at(100);
	program_ch2(0, 10);
	out61(B_SPEAKER);
	at(1000);
	assert_false(out2());
	assert_false(pit.ch[2].gate);
	assert_int_equal(in61() & (B_GATE2 | B_SPEAKER), B_SPEAKER);
}

static void test_gate_rising_edge_triggers_mode1(void **state)
{
	at(100);
	program_ch2(1, 10);
	at(200);
	assert_true(out2());
	out61(B_GATE2); /* trigger: loaded at 201 */
	assert_true(out2());
	at(201);
	assert_false(out2());
	at(210);
	assert_false(out2());
	at(211);
	assert_true(out2());
}

static void test_gate_rewrite_high_is_no_trigger(void **state)
{
	at(100);
	program_ch2(1, 10);
	out61(B_GATE2);
	at(105);
	out61(B_GATE2 | B_SPEAKER); /* gate stays high: no new edge */
	at(111);
	assert_true(out2());
	out61(0);
	out61(B_GATE2); /* a real edge retriggers */
	at(112);
	assert_false(out2());
}

static void test_speaker_square_wave_on_bit5(void **state)
{
	at(100);
	program_ch2(3, 8);
	assert_true(out2());
	out61(B_GATE2 | B_SPEAKER); /* trigger: reloaded at 101 */
	char trace[16];
	for (u64 k = 101; k <= 113; k++) {
		at(k);
		trace[k - 101] = out2() ? '1' : '0';
	}
	trace[13] = 0;
	assert_string_equal(trace, "1111000011110");
	out61(B_SPEAKER); /* gate low: OUT high at once */
	assert_true(out2());
}

static void test_mode2_gate_low_holds_out_high(void **state)
{
	at(100);
	out61(B_GATE2);
	program_ch2(2, 4);
	at(104);
	assert_false(out2());
	out61(0);
	assert_true(out2());
	at(500);
	assert_true(out2());
}

static void test_port80_reads_all_ones_and_swallows_writes(void **state)
{
	assert_int_equal(in80(), 0xff);
	out80(0x42);
	out80(0x00);
	assert_int_equal(in80(), 0xff); /* QEMU: reads never return what was written */
	assert_int_equal(sp.post_code, 0x00);
	assert_int_equal(sp.post_writes, 2);
	assert_int_equal(in61(), B_OUT2); /* nothing else moved */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_devices_and_reset_value, setup),
		cmocka_unit_test_setup(test_init_drops_gate2, setup),
		cmocka_unit_test_setup(test_low_nibble_stored_high_ignored, setup),
		cmocka_unit_test_setup(test_refresh_toggles_every_18_pit_clocks, setup),
		cmocka_unit_test_setup(test_refresh_toggle_counts_time_not_reads, setup),
		cmocka_unit_test_setup(test_refresh_after_days, setup),
		cmocka_unit_test_setup(test_gate_bit_runs_mode0_one_shot, setup),
		cmocka_unit_test_setup(test_gate_low_pauses_channel2, setup),
		cmocka_unit_test_setup(test_speaker_bit_does_not_gate, setup),
		cmocka_unit_test_setup(test_gate_rising_edge_triggers_mode1, setup),
		cmocka_unit_test_setup(test_gate_rewrite_high_is_no_trigger, setup),
		cmocka_unit_test_setup(test_speaker_square_wave_on_bit5, setup),
		cmocka_unit_test_setup(test_mode2_gate_low_holds_out_high, setup),
		cmocka_unit_test_setup(test_port80_reads_all_ones_and_swallows_writes, setup),
	};
	return UNIT_RUN(tests);
}
