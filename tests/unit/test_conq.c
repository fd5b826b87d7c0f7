/* arch/conq.c and arch/memlog.c: the console's output ring (order, wrap, full, flush, a port
 * that never empties) and the in-memory log (wrap, order of what it keeps). */
#include "unit.h"

#include <string.h>

#include "arch/conq.h"
#include "arch/memlog.h"

#define RING 64
#define WIRE_MAX 4096

/* A transmitter whose FIFO empties only when the test says so, recording every byte. */
struct fake_port {
	bool empty;
	bool never_empty; /* a wedged UART */
	unsigned polls;
	unsigned since_empty; /* bytes written since the FIFO was last empty */
	unsigned max_load;
	char wire[WIRE_MAX];
	size_t n;
};

static bool fp_empty(void *ctx)
{
	struct fake_port *f = ctx;
	f->polls++;
	if (f->never_empty)
		return false;
	if (f->empty)
		f->since_empty = 0;
	return f->empty;
}

static void fp_tx(void *ctx, u8 b)
{
	struct fake_port *f = ctx;
	assert_true(f->n < WIRE_MAX);
	f->wire[f->n++] = (char)b;
	if (++f->since_empty > f->max_load)
		f->max_load = f->since_empty;
}

static struct fake_port fp;
static struct conq_port ops = {&fp, fp_empty, fp_tx, 16};
static u8 buf[RING];
static struct conq q;

static int setup(void **state)
{
	(void)state;
	memset(&fp, 0, sizeof(fp));
	conq_init(&q, buf, RING, RING - 8, 100);
	conq_set_port(&q, &ops);
	q.sync = false;
	return 0;
}

static void test_drain_sends_a_fifo_load_only_when_empty(void **state)
{
	(void)state;
	conq_write(&q, "0123456789abcdefghij", 20);
	assert_int_equal(conq_count(&q), 20);
	assert_int_equal(fp.n, 0); /* async: nothing sent by a write */
	assert_int_equal(conq_drain(&q), 0); /* transmitter busy: return at once, one poll */
	assert_int_equal(fp.polls, 1);
	fp.empty = true;
	assert_int_equal(conq_drain(&q), 16);
	assert_int_equal(conq_drain(&q), 4);
	assert_int_equal(conq_drain(&q), 0);
	assert_int_equal(fp.n, 20);
	assert_memory_equal(fp.wire, "0123456789abcdefghij", 20);
	assert_true(fp.max_load <= 16);
	assert_int_equal(q.sent, 20);
}

/* Many writes and drains across the ring's end: every byte once, in order. */
static void test_order_across_wrap(void **state)
{
	(void)state;
	char want[WIRE_MAX];
	size_t wn = 0;
	uint64_t seed = 7;
	fp.empty = true;
	for (int round = 0; round < 200; round++) {
		size_t n = unit_rand(&seed) % 40;
		char chunk[40];
		for (size_t i = 0; i < n; i++)
			chunk[i] = (char)('A' + (wn + i) % 26);
		if (wn + n > sizeof(want) - 64)
			break;
		memcpy(want + wn, chunk, n);
		wn += n;
		conq_write(&q, chunk, n);
		assert_true(conq_count(&q) <= RING);
		if (unit_rand(&seed) % 3)
			conq_drain(&q);
	}
	conq_flush(&q);
	assert_int_equal(fp.n, wn);
	assert_memory_equal(fp.wire, want, wn);
	assert_true(q.head > RING); /* it did wrap */
	assert_int_equal(q.dropped, 0);
}

static void test_busy_at_high_water(void **state)
{
	(void)state;
	char s[RING];
	memset(s, 'x', sizeof(s));
	conq_write(&q, s, RING - 9);
	assert_false(conq_busy(&q));
	conq_write(&q, s, 1);
	assert_true(conq_busy(&q));
	fp.empty = true;
	conq_drain(&q);
	assert_false(conq_busy(&q));
}

/* A full ring makes room by a synchronous FIFO load: nothing lost, nothing reordered. */
static void test_full_ring_waits_instead_of_dropping(void **state)
{
	(void)state;
	fp.empty = true;
	char s[RING + 10];
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = (char)i;
	conq_write(&q, s, sizeof(s));
	assert_int_equal(q.full_waits, 1);
	assert_int_equal(fp.n, 16);
	conq_flush(&q);
	assert_int_equal(fp.n, sizeof(s));
	assert_memory_equal(fp.wire, s, sizeof(s));
	assert_int_equal(q.dropped, 0);
}

static void test_sync_mode_flushes_each_write(void **state)
{
	(void)state;
	fp.empty = true;
	q.sync = true;
	conq_write(&q, "hello", 5);
	assert_int_equal(conq_count(&q), 0);
	assert_int_equal(fp.n, 5);
}

/* A UART that never shows THRE: the flush gives up after its spin limit and the port is
 * treated as gone from then on (bounded, no hang), the bytes counted as dropped. */
static void test_wedged_port_is_bounded(void **state)
{
	(void)state;
	fp.never_empty = true;
	conq_write(&q, "abc", 3);
	conq_flush(&q);
	assert_true(q.stalled);
	assert_int_equal(fp.polls, 100);
	assert_int_equal(q.dropped, 3);
	conq_write(&q, "def", 3);
	conq_flush(&q);
	assert_int_equal(fp.polls, 100); /* not polled again */
	assert_int_equal(q.dropped, 6);
}

static void test_no_port_drops_and_counts(void **state)
{
	(void)state;
	conq_set_port(&q, NULL);
	conq_write(&q, "abc", 3);
	assert_int_equal(conq_drain(&q), 0);
	assert_int_equal(q.dropped, 3);
	assert_int_equal(conq_count(&q), 0);
}

static void test_memlog_keeps_the_last_bytes(void **state)
{
	(void)state;
	static struct memlog m;
	memset(&m, 0xee, sizeof(m));
	memlog_init(&m, 0x1234000);
	assert_int_equal(m.magic, MEMLOG_MAGIC);
	assert_memory_equal(&m.magic, "mhvLOG01", 8);
	assert_int_equal(m.self, 0x1234000);
	static char out[MEMLOG_SIZE];
	memlog_write(&m, "first line\n", 11);
	assert_int_equal(memlog_read(&m, out, sizeof(out)), 11);
	assert_memory_equal(out, "first line\n", 11);
	/* past the size: the oldest bytes go, the newest MEMLOG_SIZE stay in order */
	static char big[MEMLOG_SIZE + 100];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	memlog_write(&m, big, sizeof(big));
	assert_int_equal(m.written, 11 + sizeof(big));
	assert_int_equal(memlog_read(&m, out, sizeof(out)), MEMLOG_SIZE);
	assert_memory_equal(out, big + 100, MEMLOG_SIZE);
	char tail[8];
	assert_int_equal(memlog_read(&m, tail, sizeof(tail)), 8);
	assert_memory_equal(tail, big + sizeof(big) - 8, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_drain_sends_a_fifo_load_only_when_empty, setup),
		cmocka_unit_test_setup(test_order_across_wrap, setup),
		cmocka_unit_test_setup(test_busy_at_high_water, setup),
		cmocka_unit_test_setup(test_full_ring_waits_instead_of_dropping, setup),
		cmocka_unit_test_setup(test_sync_mode_flushes_each_write, setup),
		cmocka_unit_test_setup(test_wedged_port_is_bounded, setup),
		cmocka_unit_test_setup(test_no_port_drops_and_counts, setup),
		cmocka_unit_test(test_memlog_keeps_the_last_bytes),
	};
	return UNIT_RUN(tests);
}
