/*
 * devices/uart.c's backpressure hook (uart_set_tx_busy, issue 11 item 5) and the receiver-interest
 * signals the host console polls by (rx_looks, uart_rx_irq_enabled), through the IO bus
 * (fixture: uart_fake.h). While the console behind the UART is full, THR reads as full: LSR.THRE
 * and TEMT are 0 and no THRE interrupt is raised; when it drains, THR "empties" and the THRE
 * interrupt is raised as for any THR-empty event (PC16550D datasheet, LSR bits 5-6, Table IV).
 */
#include "unit.h"

#include "uart_fixture.h"

static void test_busy_clears_thre_and_temt(void **state)
{
	assert_int_equal(rd(UART_REG_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	uart_set_tx_busy(&u, true);
	assert_int_equal(rd(UART_REG_LSR), 0);
	uart_set_tx_busy(&u, false);
	assert_int_equal(rd(UART_REG_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_byte_written_while_busy_is_kept(void **state)
{
	uart_set_tx_busy(&u, true);
	wr(UART_REG_THR, 'a');
	wr(UART_REG_THR, 'b');
	assert_int_equal(fk.n_tx, 2);
	assert_memory_equal(fk.tx, "ab", 2);
}

static void test_no_thre_interrupt_while_busy_one_on_release(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), UART_IIR_THRI);
	uart_set_tx_busy(&u, true);
	unsigned before = rises();
	wr(UART_REG_THR, 'x');
	assert_false(line());
	assert_int_equal(rises(), before);
	assert_int_equal(rd(UART_REG_IIR), UART_IIR_NO_INT);
	uart_set_tx_busy(&u, false);
	assert_true(line());
	assert_int_equal(rises(), before + 1);
	assert_int_equal(rd(UART_REG_IIR), UART_IIR_THRI);
	assert_false(line());
}

static void test_busy_drops_a_pending_thre_interrupt(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_true(line());
	uart_set_tx_busy(&u, true);
	assert_false(line());
	assert_int_equal(rd(UART_REG_IIR), UART_IIR_NO_INT);
}

static void test_etbei_enabled_while_busy_waits_for_release(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	uart_set_tx_busy(&u, true);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_false(line());
	fifo_on(UART_FCR_TRIGGER_1);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX); /* the console keeps its bytes */
	assert_false(line());
	uart_set_tx_busy(&u, false);
	assert_true(line());
}

/* The console turning busy from inside its tx callback (the host's queue reached its mark): the
 * write that filled it raises no THRE edge an edge-triggered PIC could latch. */
static struct uart *self;
static void tx_fills(void *ctx, u8 byte)
{
	fk.tx[fk.n_tx++] = byte;
	uart_set_tx_busy(self, true);
}

static void test_busy_from_inside_tx_raises_no_edge(void **state)
{
	self = &u;
	u.tx = tx_fills;
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), UART_IIR_THRI);
	unsigned before = rises();
	wr(UART_REG_THR, 'z');
	assert_int_equal(rises(), before);
	assert_false(line());
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_THRE, 0);
	assert_int_equal(fk.n_tx, 1);
}

static void test_rx_looks_count_rbr_and_lsr_reads(void **state)
{
	u64 n = u.rx_looks;
	rd(UART_REG_LSR);
	rd(UART_REG_RBR);
	assert_int_equal(u.rx_looks, n + 2);
	rd(UART_REG_IER);
	rd(UART_REG_IIR);
	rd(UART_REG_MSR);
	rd(UART_REG_SCR);
	wr(UART_REG_LCR, UART_LCR_DLAB);
	rd(UART_REG_DLL); /* the divisor latch, not the receiver */
	assert_int_equal(u.rx_looks, n + 2);
}

static void test_rx_irq_enabled_needs_erbfi_out2_and_no_loopback(void **state)
{
	assert_false(uart_rx_irq_enabled(&u));
	wr(UART_REG_IER, UART_IER_ERBFI);
	assert_false(uart_rx_irq_enabled(&u)); /* OUT2 off: the line driver is off */
	wr(UART_REG_MCR, UART_MCR_OUT2);
	assert_true(uart_rx_irq_enabled(&u));
	wr(UART_REG_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_false(uart_rx_irq_enabled(&u)); /* the receiver hears only the transmitter */
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_false(uart_rx_irq_enabled(&u));
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_busy_clears_thre_and_temt),
		T(test_byte_written_while_busy_is_kept),
		T(test_no_thre_interrupt_while_busy_one_on_release),
		T(test_busy_drops_a_pending_thre_interrupt),
		T(test_etbei_enabled_while_busy_waits_for_release),
		T(test_busy_from_inside_tx_raises_no_edge),
		T(test_rx_looks_count_rbr_and_lsr_reads),
		T(test_rx_irq_enabled_needs_erbfi_out2_and_no_loopback),
	};
	return UNIT_RUN(tests);
}
