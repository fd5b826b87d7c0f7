/* vmx/conlink.c over a real board (devices/) and the real output ring (arch/conq.c): the guest's
 * COM1 output reaches the wire in order through FIFO loads, backpressure holds the guest's THRE
 * clear while the ring is full and raises the THRE interrupt when it drains, and the physical
 * receiver is polled only where the polling rule of conlink.h says so (issue 11 item 5). */
#include "unit.h"

#include <string.h>

#include "arch/console.h"
#include "vmx/conlink.h"

#define RING 64
#define HIGH_WATER 48
#define FIFO_NS 1389000ULL /* 16 characters at 115200 baud */
#define COM1 0x3f8
#define WIRE_MAX 4096

static u64 now;
static u64 fake_now(void *ctx) { return now; }

static struct {
	bool empty;
	char wire[WIRE_MAX];
	size_t n;
	int input[8];
	unsigned in_head, in_count;
	unsigned getc_calls;
} phys;

static bool p_empty(void *ctx) { return phys.empty; }
static void p_tx(void *ctx, u8 b)
{
	assert_true(phys.n < WIRE_MAX);
	phys.wire[phys.n++] = (char)b;
}
static int p_getc(void *ctx)
{
	phys.getc_calls++;
	if (!phys.in_count)
		return -1;
	phys.in_count--;
	return phys.input[phys.in_head++];
}

static struct conq_port port = {0, p_empty, p_tx, 16};
static u8 ring[RING];
static struct conq q;
static struct board board;
static struct conlink link;

static void out_to_queue(const char *s, size_t n) { conq_write(&q, s, n); }

static int setup(void **state)
{
	(void)state;
	memset(&phys, 0, sizeof(phys));
	now = 1000 * CONLINK_POLL_IDLE_NS; /* well past time 0: no poll is due by accident */
	conq_init(&q, ring, RING, HIGH_WATER, 1000);
	conq_set_port(&q, &port);
	q.sync = false;
	con_set_output(out_to_queue);
	static const struct dev_clock clk = {0, fake_now};
	struct board_params bp = {0, 16 * MIB};
	board_init(&board, conlink_guest_tx, &link, &clk, &bp);
	conlink_init(&link, &q, &board, p_getc, 0, FIFO_NS);
	link.last_poll_ns = now;
	return 0;
}

static void guest_out(unsigned reg, u8 v) { iobus_out(&board.bus, (u16)(COM1 + reg), 1, v); }
static u8 guest_in(unsigned reg) { return (u8)iobus_in(&board.bus, (u16)(COM1 + reg), 1); }

static void test_output_goes_out_in_fifo_loads_in_order(void **state)
{
	(void)state;
	const char *msg = "hello from the guest, forty bytes long..";
	for (size_t i = 0; i < 40; i++)
		guest_out(UART_REG_THR, (u8)msg[i]);
	assert_int_equal(phys.n, 0);               /* nothing was sent synchronously */
	assert_int_equal(conlink_wait_ns(&link, now), FIFO_NS); /* an exit is asked for the next load */
	conlink_service(&link, now);
	assert_int_equal(phys.n, 0);               /* transmitter busy: nothing waits for it */
	phys.empty = true;
	conlink_service(&link, now);
	assert_int_equal(phys.n, 16);
	conlink_service(&link, now);
	conlink_service(&link, now);
	assert_int_equal(phys.n, 40);
	assert_memory_equal(phys.wire, msg, 40);
	assert_int_equal(conlink_wait_ns(&link, now), CLOCK_NEVER); /* idle: no exit needed */
}

static void test_backpressure_holds_thre_and_loses_nothing(void **state)
{
	(void)state;
	guest_out(UART_REG_MCR, UART_MCR_OUT2);
	guest_out(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(guest_in(UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_THRI);
	char sent[RING];
	size_t n = 0;
	while (guest_in(UART_REG_LSR) & UART_LSR_THRE) {
		assert_true(n < HIGH_WATER);
		sent[n] = (char)('a' + n % 26);
		guest_out(UART_REG_THR, (u8)sent[n]);
		n++;
	}
	assert_int_equal(n, HIGH_WATER); /* THRE went clear exactly at the high-water mark */
	assert_int_equal(guest_in(UART_REG_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), 0);
	assert_false(uart_irq_level(&board.com1)); /* no THRE interrupt while full */
	assert_int_equal(guest_in(UART_REG_IIR), UART_IIR_NO_INT | 0);
	/* a guest that writes anyway: the byte is kept */
	sent[n] = '!';
	guest_out(UART_REG_THR, (u8)sent[n++]);
	assert_int_equal(link.st.busy_episodes, 1);
	phys.empty = true;
	conlink_service(&link, now); /* 16 out: below the mark, THR "empties" */
	assert_int_equal(guest_in(UART_REG_LSR) & UART_LSR_THRE, UART_LSR_THRE);
	assert_true(uart_irq_level(&board.com1));
	assert_int_equal(guest_in(UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_THRI);
	while (conq_count(&q))
		conlink_service(&link, now);
	assert_int_equal(phys.n, n);
	assert_memory_equal(phys.wire, sent, n);
	assert_int_equal(q.dropped, 0);
}

/* No look at the receiver and no receive interrupt: polled only at exits that happen anyway,
 * at most every CONLINK_POLL_IDLE_NS, and the console never asks for an exit of its own. */
static void test_idle_guest_is_polled_slowly_and_never_woken(void **state)
{
	(void)state;
	assert_int_equal(conlink_wait_ns(&link, now), CLOCK_NEVER);
	for (int i = 0; i < 99; i++) {
		now += CONLINK_POLL_IDLE_NS / 100;
		conlink_service(&link, now);
	}
	assert_int_equal(phys.getc_calls, 0);
	now += CONLINK_POLL_IDLE_NS / 100;
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 1);
	conlink_service(&link, now + 1);
	assert_int_equal(phys.getc_calls, 1);
	assert_int_equal(conlink_wait_ns(&link, now), CLOCK_NEVER);
}

/* A guest reading LSR (polling for input): the next exit at least 1 ms later polls. */
static void test_guest_looking_is_polled_promptly(void **state)
{
	(void)state;
	phys.input[0] = 'k';
	phys.in_count = 1;
	assert_false(guest_in(UART_REG_LSR) & UART_LSR_DR);
	now += CONLINK_POLL_LOOK_NS - 1;
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 0);
	now += 1;
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 1);
	assert_true(guest_in(UART_REG_LSR) & UART_LSR_DR);
	assert_int_equal(guest_in(UART_REG_RBR), 'k');
	/* the LSR and RBR reads above were looks: one more poll, then none without a new look */
	now += CONLINK_POLL_LOOK_NS;
	conlink_service(&link, now);
	conlink_service(&link, now + CONLINK_POLL_LOOK_NS);
	assert_int_equal(phys.getc_calls, 2);
}

/* Receive interrupt on: polled every 10 ms, with a timer wake-up for it. */
static void test_rx_interrupt_gets_timed_polls(void **state)
{
	(void)state;
	guest_out(UART_REG_MCR, UART_MCR_OUT2);
	guest_out(UART_REG_IER, UART_IER_ERBFI);
	assert_int_equal(conlink_wait_ns(&link, now), CONLINK_POLL_IRQ_NS);
	now += CONLINK_POLL_IRQ_NS / 2;
	assert_int_equal(conlink_wait_ns(&link, now), CONLINK_POLL_IRQ_NS / 2);
	phys.input[0] = 'x';
	phys.in_count = 1;
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 0);
	now += CONLINK_POLL_IRQ_NS / 2;
	assert_int_equal(conlink_wait_ns(&link, now), 0);
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 1);
	assert_true(uart_irq_level(&board.com1)); /* the byte raised the data interrupt */
	assert_int_equal(link.st.input_bytes, 1);
	/* without OUT2 the interrupt cannot reach the CPU: back to slow polling */
	guest_out(UART_REG_MCR, 0);
	assert_int_equal(conlink_wait_ns(&link, now), CLOCK_NEVER);
}

/* A byte the guest's receiver cannot take is held, not lost, and no further poll reads past it. */
static void test_full_receiver_holds_the_byte(void **state)
{
	(void)state;
	phys.input[0] = '1';
	phys.input[1] = '2';
	phys.in_count = 2;
	guest_in(UART_REG_LSR); /* 16450 mode: one holding register */
	now += CONLINK_POLL_LOOK_NS;
	conlink_service(&link, now);
	now += CONLINK_POLL_LOOK_NS;
	guest_in(UART_REG_MSR);
	guest_in(UART_REG_LSR);
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 2);
	assert_int_equal(link.held, '2');
	assert_int_equal(conlink_wait_ns(&link, now), CONLINK_POLL_LOOK_NS);
	now += CONLINK_POLL_LOOK_NS;
	conlink_service(&link, now);
	assert_int_equal(phys.getc_calls, 2); /* held: no poll */
	assert_int_equal(guest_in(UART_REG_RBR), '1');
	conlink_service(&link, now);
	assert_int_equal(guest_in(UART_REG_RBR), '2');
	assert_int_equal(link.held, -1);
	assert_int_equal(board.com1.rx_overruns, 0);
}

static void test_no_link_is_harmless(void **state)
{
	(void)state;
	conlink_service(NULL, 0);
	assert_int_equal(conlink_wait_ns(NULL, 0), CLOCK_NEVER);
	conlink_attach(&link);
	assert_ptr_equal(conlink_current(), &link);
	conlink_attach(NULL);
	assert_null(conlink_current());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_output_goes_out_in_fifo_loads_in_order, setup),
		cmocka_unit_test_setup(test_backpressure_holds_thre_and_loses_nothing, setup),
		cmocka_unit_test_setup(test_idle_guest_is_polled_slowly_and_never_woken, setup),
		cmocka_unit_test_setup(test_guest_looking_is_polled_promptly, setup),
		cmocka_unit_test_setup(test_rx_interrupt_gets_timed_polls, setup),
		cmocka_unit_test_setup(test_full_receiver_holds_the_byte, setup),
		cmocka_unit_test_setup(test_no_link_is_harmless, setup),
	};
	return UNIT_RUN(tests);
}
