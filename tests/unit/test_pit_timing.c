/*
 * devices/pit.c: IRQ0 edges and the deadlines the board programs the preemption timer with,
 * long uptimes, and the closed-form model against a pulse-by-pulse stepper on random
 * programs (the fixture is pit_fixture.h; the datasheet's modes: test_pit.c).
 */
#include "unit.h"

#include <stdlib.h>

#include "pit_fixture.h"

#ifndef RANDOM_RUNS
#define RANDOM_RUNS 100 /* seeds per differential test (x2 for channel 2) */
#endif

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
