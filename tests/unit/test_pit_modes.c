/*
 * devices/pit.c: the six counter modes of the Intel 82C54 datasheet (order no. 231244), pulse
 * by pulse, with gate control and new counts (the fixture is pit_fixture.h).
 */
#include "unit.h"

#include "pit_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};
	return UNIT_RUN(tests);
}
