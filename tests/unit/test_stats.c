/*
 * dispatcher/stats.c: the periodic line at its guest-time deadline (never early, once per
 * late poll), Ctrl-A s on the console (and every other byte reaching the guest in order),
 * root-mode TSC per reason, per-port figures, top blocks, and the version-2 fields of the JSON line. The line's JSON
 * validity is test_dispatch's business; here its fields are read with sscanf.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "fake_vcpu.h"
#include "dispatcher/dispatch.h"

#define S(n) ((u64)(n) * 1000000000ULL)

static int lines(const char *what)
{
	int n = 0;
	for (const char *p = fake_console(); (p = strstr(p, what)); p++)
		n++;
	return n;
}

static int setup_interval(void **state, u32 seconds)
{
	int rc = fake_setup(state);
	stats_init(&fk.d.sctl, seconds);
	return rc;
}
static int setup_2s(void **state) { return setup_interval(state, 2); }
static int setup_off(void **state) { return setup_interval(state, 0); }

static void test_periodic_at_deadlines(void **state)
{
	stats_poll(&fk.d, S(10), 100, 100); /* the first poll starts the period: nothing yet */
	assert_int_equal(lines("[hv] stats {"), 0);
	stats_poll(&fk.d, S(11), 200, 200);
	assert_false(stats_poll(&fk.d, S(12) - 1, 300, 300)); /* 1 ns early */
	assert_int_equal(lines("[hv] stats {"), 0);
	assert_true(stats_poll(&fk.d, S(12), 400, 400));
	assert_int_equal(lines("[hv] stats {\"version\":2,\"kind\":\"periodic\",\"seq\":0,\"guest_ns\":12000000000,"
	                       "\"host_tsc\":400,\"guest_tsc\":400,"), 1);
	assert_int_equal(lines("[hv] exit statistics"), 0); /* periodic: the JSON line only */
	stats_poll(&fk.d, S(13), 500, 500);
	assert_int_equal(lines("[hv] stats {"), 1);
	stats_poll(&fk.d, S(21), 600, 600); /* four periods late: one line, next deadline 22 s */
	assert_int_equal(lines("[hv] stats {"), 2);
	assert_int_equal(lines("\"seq\":1,\"guest_ns\":21000000000,"), 1);
	stats_poll(&fk.d, S(22) - 1, 700, 700);
	assert_int_equal(lines("[hv] stats {"), 2);
	stats_poll(&fk.d, S(22), 800, 800);
	assert_int_equal(lines("[hv] stats {"), 3);
}

static void test_no_interval_no_lines(void **state)
{
	for (u64 t = 0; t < 100; t++)
		stats_poll(&fk.d, S(t), t, t);
	assert_int_equal(lines("[hv] stats {"), 0);
	dispatch_print_stats(&fk.d);
	assert_int_equal(lines("[hv] stats {\"version\":2,\"kind\":\"final\",\"seq\":0,\"guest_ns\":99000000000,"), 1);
	assert_int_equal(lines("[hv] exit statistics"), 1);
}

struct typed {
	const char *bytes;
	size_t len, at;
};

static int typed_getc(void *ctx)
{
	struct typed *t = ctx;
	return t->at < t->len ? (unsigned char)t->bytes[t->at++] : -1;
}

/* What the guest receives from bytes typed on the console, polling once per loop as run.c does
 * (a poll that hands nothing on is a loop with no input). */
static size_t guest_gets(struct console_keys *k, const char *bytes, size_t len, char *out)
{
	struct typed t = {bytes, len, 0};
	size_t n = 0;
	for (int polls = 0; polls < 100; polls++) {
		int c = console_keys_next(k, typed_getc, &t);
		if (c >= 0)
			out[n++] = (char)c;
	}
	return n;
}

static void test_ctrl_a_s_requests_stats(void **state)
{
	char got[32];
	size_t n = guest_gets(&fk.d.sctl.keys, "ab\001sc", 5, got);
	assert_int_equal(n, 3);
	assert_memory_equal(got, "abc", 3);
	assert_true(fk.d.sctl.keys.requested);
	assert_true(stats_poll(&fk.d, S(1), 42, 42));
	assert_false(fk.d.sctl.keys.requested);
	assert_int_equal(lines("[hv] exit statistics"), 1); /* a request prints the table too */
	assert_int_equal(lines("\"kind\":\"request\",\"seq\":0,"), 1);
	stats_poll(&fk.d, S(2), 43, 43);
	assert_int_equal(lines("[hv] stats {"), 1); /* answered once */
}

static void test_other_bytes_pass_unchanged(void **state)
{
	char got[32];
	/* Ctrl-A Ctrl-A: one Ctrl-A; Ctrl-A x: both, in order; a lone Ctrl-A at the end is held */
	size_t n = guest_gets(&fk.d.sctl.keys, "\001\001x\001yS\001", 7, got);
	assert_int_equal(n, 5);
	assert_memory_equal(got, "\001x\001yS", 5);
	assert_false(fk.d.sctl.keys.requested);
	assert_true(fk.d.sctl.keys.armed);
	n = guest_gets(&fk.d.sctl.keys, "s", 1, got); /* ... and an s typed later completes it */
	assert_int_equal(n, 0);
	assert_true(fk.d.sctl.keys.requested);
}

static void test_root_tsc_per_reason(void **state)
{
	fk.d.stats.by_reason[EXIT_REASON_CPUID] = 2;
	fk.d.stats.by_reason[EXIT_REASON_HLT] = 1;
	stats_add_root_tsc(&fk.d, EXIT_REASON_CPUID, 100);
	stats_add_root_tsc(&fk.d, EXIT_REASON_CPUID, 60);
	stats_add_root_tsc(&fk.d, EXIT_REASON_HLT, 7);
	stats_add_root_tsc(&fk.d, 0xffff, 5); /* no such reason: in the total only */
	assert_int_equal(fk.d.stats.root_tsc, 172);
	dispatch_print_stats(&fk.d);
	assert_int_equal(lines("\"reason_tsc\":{\"CPUID\":160,\"HLT\":7}"), 1);
	assert_int_equal(lines("\"by_reason\":{\"CPUID\":2,\"HLT\":1}"), 1);
	/* the table: root TSC per exit of each reason */
	const char *row = strstr(fake_console(), "  CPUID ");
	assert_non_null(row);
	unsigned long long count, per;
	assert_int_equal(sscanf(row, "  CPUID %llu %llu", &count, &per), 2);
	assert_int_equal(count, 2);
	assert_int_equal(per, 80);
}

static void test_ports_busiest_first_and_json(void **state)
{
	struct port_table *t = &fk.d.stats.ports;
	ports_access(t, 0x3f8, false, false);
	ports_access(t, 0x3f8, true, true);
	ports_access(t, 0x3fd, true, false);
	for (int i = 0; i < 5; i++)
		ports_access(t, 0x80, false, true);
	ports_exit(t, 0x3f8);
	ports_exit(t, 0x80);
	const struct port_count *top[2];
	assert_int_equal(ports_busiest(t, top, 2), 2); /* three ports, the two busiest */
	assert_int_equal(top[0]->port, 0x80);
	assert_int_equal(top[1]->port, 0x3f8);
	dispatch_print_stats(&fk.d);
	assert_int_equal(lines("\"ports\":[{\"port\":\"0x80\",\"in\":0,\"out\":5,\"exits\":1,\"in_blocks\":5},"
	                       "{\"port\":\"0x3f8\",\"in\":1,\"out\":1,\"exits\":1,\"in_blocks\":1},"
	                       "{\"port\":\"0x3fd\",\"in\":1,\"out\":0,\"exits\":0,\"in_blocks\":0}],\"top_blocks\":[]}"), 1);
	assert_int_equal(lines("[hv]   port 0x80: 0 in, 5 out, 1 exits, 5 in blocks"), 1);
}

static void test_ports_table_full(void **state)
{
	struct port_table *t = &fk.d.stats.ports;
	for (u32 p = 0; p < PORT_TABLE_SIZE + 6; p++)
		ports_access(t, (u16)(0x1000 + p), true, false);
	for (u32 p = 0; p < PORT_TABLE_SIZE; p++) /* the first ones keep their own counts */
		assert_int_equal(ports_slot(t, (u16)(0x1000 + p))->in, 1);
	assert_int_equal(t->other.in, 6);
	assert_ptr_equal(ports_slot(t, 0x1000 + PORT_TABLE_SIZE), &t->other);
	const struct port_count *top[PORTS_SHOWN];
	assert_int_equal(ports_busiest(t, top, PORTS_SHOWN), PORTS_SHOWN);
	dispatch_print_stats(&fk.d);
	assert_int_equal(lines("{\"port\":\"other\",\"in\":6,\"out\":0,\"exits\":0,\"in_blocks\":0}]"), 1);
}

static void test_trace_ring_fills_and_flushes(void **state)
{
	struct tio_rec mem[4];
	struct trace_io *t = &fk.d.tio;
	tio_init(t, mem, 4);
	for (u32 i = 0; i < 4; i++)
		tio_record(t, 0x10 * i, 0x100000 + i, 0x3f8, 1, i & 1 ? TIO_IN : 0);
	assert_int_equal(lines("[hv] tio "), 0); /* nothing printed while the ring has room */
	tio_record(t, 0x40, 0x100004, 0x80, 2, TIO_BLOCK); /* full: the four go out first */
	assert_int_equal(lines("[hv] tio "), 4);
	assert_int_equal(t->flushes, 1);
	assert_int_equal(lines("[hv] tio 10 100001 3f8 1ix\r\n"), 1);
	dispatch_print_stats(&fk.d); /* the end of the run: the rest, before the statistics */
	assert_int_equal(lines("[hv] tio "), 5);
	assert_non_null(strstr(fake_console(), "[hv] tio 40 100004 80 2ob\r\n[hv] exit statistics"));
	tio_init(t, NULL, 4); /* no ring: tracing off, nothing recorded */
	tio_record(t, 1, 2, 3, 1, 0);
	assert_int_equal(t->n, 0);
}

static void test_top_blocks_most_hits_first(void **state)
{
	struct block_top *t = &fk.d.blockio.top;
	struct block_top_entry *a = btop_entry(t, 0x100062), *b = btop_entry(t, 0x100185);
	assert_non_null(a);
	assert_ptr_equal(btop_entry(t, 0x100062), a);
	assert_non_null(btop_entry(t, 0x200000)); /* never ran: left out */
	*a = (struct block_top_entry){0x100062, true, 3, 10, 9, 1, 0, 0, 0};
	*b = (struct block_top_entry){0x100185, true, 7, 4, 2, 1, 1, 1, 0};
	t->last = b; /* the exit that just ran block b: its root-mode time is b's */
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 400);
	assert_null(t->last);
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 50); /* no block ran: nobody's */
	assert_int_equal(b->root_tsc, 400);
	dispatch_print_stats(&fk.d);
	assert_int_equal(lines("\"top_blocks\":[{\"rip\":\"0x100062\",\"io\":3,\"runs\":10,\"hits\":9,\"misses\":1,"
	                       "\"mismatches\":0,\"early_ends\":0,\"tsc_per_run\":0},{\"rip\":\"0x100185\",\"io\":7,"
	                       "\"runs\":4,\"hits\":2,\"misses\":1,\"mismatches\":1,\"early_ends\":1,\"tsc_per_run\":100}]}"), 1);
	assert_int_equal(lines("[hv]   block 0x100185: 7 IO, 4 runs, 2 hits, 1 misses, 1 mismatches, 1 early ends, 100 root TSC"), 1);
	for (u64 r = 0; r < 2 * BLOCK_TOP_ENTRIES; r++) /* full: the rest not counted, no crash */
		btop_entry(t, 0x300000 + 16 * r);
	assert_true(t->uncounted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_periodic_at_deadlines, setup_2s, fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_interval_no_lines, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_a_s_requests_stats, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_other_bytes_pass_unchanged, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_root_tsc_per_reason, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ports_busiest_first_and_json, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ports_table_full, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_trace_ring_fills_and_flushes, setup_off, fake_teardown),
		cmocka_unit_test_setup_teardown(test_top_blocks_most_hits_first, setup_off, fake_teardown),
	};
	return UNIT_RUN(tests);
}
