/*
 * devices/uart.c through the IO bus (fixture: uart_fixture.h): reset values, registers and DLAB,
 * FIFO control, receive interrupts and trigger levels, the character timeout. Overrun, line
 * status, THRE, the IRQ line, modem status, IER priority and Linux's autoconfig:
 * test_uart_lines.c. Expected values: TI PC16550D datasheet (reset table, register
 * descriptions, interrupt table), and QEMU's 16550 where the datasheet is silent.
 */
#include "unit.h"

#include "uart_fixture.h"

/* ---- reset, registers, DLAB ---- */

static void test_reset_values(void **state)
{
	assert_int_equal(rd(UART_REG_IER), 0x00);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_int_equal(rd(UART_REG_LCR), 0x00);
	assert_int_equal(rd(UART_REG_MCR), 0x00);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	/* no loopback: a terminal is attached, CTS DSR DCD asserted, no deltas */
	assert_int_equal(rd(UART_REG_MSR), 0xb0);
	assert_int_equal(rd(UART_REG_SCR), 0x00);
	assert_false(line());
	assert_int_equal(fk.n_ev, 0);
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER);
	assert_true(uart_rx_ready(&u));
}

static void test_dlab_selects_divisor_latch(void **state)
{
	wr(UART_REG_IER, 0x05);
	wr(UART_REG_LCR, UART_LCR_DLAB);
	wr(UART_REG_DLL, 0x0c);
	wr(UART_REG_DLM, 0xa5);
	assert_int_equal(rd(UART_REG_DLL), 0x0c);
	assert_int_equal(rd(UART_REG_DLM), 0xa5);
	assert_int_equal(fk.n_tx, 0); /* a DLL write is no THR write */
	wr(UART_REG_LCR, LCR_8N1);
	assert_int_equal(rd(UART_REG_IER), 0x05); /* IER untouched by the DLM write */
	assert_int_equal(rd(UART_REG_RBR), 0x00); /* RBR, not DLL */
	wr(UART_REG_LCR, UART_LCR_DLAB | LCR_8N1);
	assert_int_equal(rd(UART_REG_DLL), 0x0c); /* the latch survives DLAB = 0 */
	assert_int_equal(rd(UART_REG_DLM), 0xa5);
}

static void test_dlab_leaves_other_registers(void **state)
{
	wr(UART_REG_LCR, UART_LCR_DLAB);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	wr(UART_REG_SCR, 0x5a);
	wr(UART_REG_MCR, UART_MCR_DTR);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(rd(UART_REG_SCR), 0x5a);
	assert_int_equal(rd(UART_REG_MCR), UART_MCR_DTR);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	assert_int_equal(rd(UART_REG_LCR), UART_LCR_DLAB);
}

static void test_lcr_reads_back_every_value(void **state)
{
	for (unsigned v = 0; v < 256; v++) {
		wr(UART_REG_LCR, (u8)v);
		assert_int_equal(rd(UART_REG_LCR), v);
	}
}

static void test_ier_and_mcr_implement_low_bits_only(void **state)
{
	wr(UART_REG_IER, 0xff);
	assert_int_equal(rd(UART_REG_IER), UART_IER_MASK);
	wr(UART_REG_MCR, 0xff);
	assert_int_equal(rd(UART_REG_MCR), UART_MCR_MASK);
	wr(UART_REG_MCR, 0xe0);
	assert_int_equal(rd(UART_REG_MCR), 0x00);
}

static void test_scratch_register(void **state)
{
	/* Linux autoconfig_8250: 0xa5 then 0x5a read back means a scratch register (16450 and up) */
	u8 saved = rd(UART_REG_SCR);
	wr(UART_REG_SCR, 0xa5);
	assert_int_equal(rd(UART_REG_SCR), 0xa5);
	wr(UART_REG_SCR, 0x5a);
	assert_int_equal(rd(UART_REG_SCR), 0x5a);
	wr(UART_REG_SCR, saved);
	assert_int_equal(rd(UART_REG_SCR), saved);
	assert_int_equal(fk.n_ev, 0);
}

static void test_lsr_msr_writes_ignored(void **state)
{
	wr(UART_REG_LSR, 0x1f);
	wr(UART_REG_MSR, 0x0f);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	assert_int_equal(rd(UART_REG_MSR), 0xb0);
}

static void test_thr_write_transmits_at_once(void **state)
{
	const char *s = "hi\r\n";
	for (const char *p = s; *p; p++) {
		wr(UART_REG_THR, (u8)*p);
		assert_int_equal(rd(UART_REG_LSR), 0x60); /* THR and the transmitter empty again */
	}
	assert_int_equal(fk.n_tx, 4);
	assert_memory_equal(fk.tx, s, 4);
	assert_int_equal(u.tx_bytes, 4);
	wr(UART_REG_LCR, 0x00); /* 5-bit words: the console still gets the whole byte, as on QEMU */
	wr(UART_REG_THR, 0xff);
	assert_int_equal(fk.tx[4], 0xff);
}

static void test_wide_access_splits_into_bytes(void **state)
{
	iobus_out(&bus, COM1 + UART_REG_THR, 2, 0x0341); /* THR <- 'A', IER <- 0x03 */
	assert_int_equal(fk.n_tx, 1);
	assert_int_equal(fk.tx[0], 'A');
	assert_int_equal(rd(UART_REG_IER), 0x03);
	assert_int_equal(iobus_in(&bus, COM1 + UART_REG_LSR, 2), 0xb060); /* LSR, then MSR */
	assert_int_equal(iobus_in(&bus, COM1 + UART_REG_SCR, 1), 0x00);
	assert_int_equal(iobus_in(&bus, COM1 + UART_PORTS, 1), 0xff); /* past the UART: unclaimed */
}

/* ---- FIFO control ---- */

static void test_fifo_enable_iir_signature(void **state)
{
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(rd(UART_REG_IIR) >> 6, 3); /* Linux: 3 means 16550A */
	wr(UART_REG_FCR, 0x00);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
}

static void test_fcr_bits_not_in_iir(void **state)
{
	/* Linux tells a TI16750 by IIR bit 5 after FCR bit 5; a 16550A never shows it */
	wr(UART_REG_FCR, UART_FCR_ENABLE | FCR_64BYTE | UART_FCR_DMA_MODE | UART_FCR_TRIGGER_14);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	wr(UART_REG_LCR, UART_LCR_DLAB);
	wr(UART_REG_FCR, UART_FCR_ENABLE | FCR_64BYTE);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
}

static void test_fcr_dma_mode_stored(void **state)
{
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_DMA_MODE | UART_FCR_TRIGGER_8);
	assert_int_equal(u.fcr, UART_FCR_ENABLE | UART_FCR_DMA_MODE | UART_FCR_TRIGGER_8);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(u.fcr, UART_FCR_ENABLE);
}

static void test_fcr_clear_rx(void **state)
{
	fifo_on(UART_FCR_TRIGGER_1);
	receive_n(3, 'a');
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_DR, UART_LSR_DR);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER);
	receive_n(1, 'z');
	assert_int_equal(rd(UART_REG_RBR), 'z'); /* the cleared bytes are gone, not behind it */
}

static void test_fifo_mode_change_empties_receiver(void **state)
{
	fifo_on(UART_FCR_TRIGGER_1);
	receive_n(5, 'a');
	wr(UART_REG_FCR, 0x00); /* FIFO -> 16450 mode */
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_DR, 0);
	receive_n(1, 'x');
	wr(UART_REG_FCR, UART_FCR_ENABLE); /* 16450 -> FIFO mode, no clear bit */
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_DR, 0);
}

static void test_fcr_without_enable_programs_nothing(void **state)
{
	/* datasheet: FCR0 must be 1 for the other bits to be written; RBR keeps its byte */
	receive_n(1, 'q');
	wr(UART_REG_FCR, UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_int_equal(rd(UART_REG_LSR), 0x61);
	assert_int_equal(rd(UART_REG_RBR), 'q');
}

static void test_rbr_when_empty(void **state)
{
	receive_n(1, 'k');
	assert_int_equal(rd(UART_REG_RBR), 'k');
	assert_int_equal(rd(UART_REG_RBR), 'k'); /* 16450 RBR keeps its last byte */
	fifo_on(UART_FCR_TRIGGER_1);
	assert_int_equal(rd(UART_REG_RBR), 0x00); /* empty FIFO reads 0, as QEMU */
}

static void test_rx_fifo_order_and_rx_ready(void **state)
{
	fifo_on(UART_FCR_TRIGGER_14);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++) {
		assert_true(uart_rx_ready(&u));
		assert_true(uart_receive(&u, (u8)(0x30 + i)));
	}
	assert_false(uart_rx_ready(&u));
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++) {
		assert_int_equal(rd(UART_REG_LSR) & UART_LSR_DR, UART_LSR_DR);
		assert_int_equal(rd(UART_REG_RBR), 0x30 + i);
		assert_true(uart_rx_ready(&u));
	}
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	wr(UART_REG_FCR, 0x00);
	assert_true(uart_receive(&u, 1));
	assert_false(uart_rx_ready(&u)); /* 16450 mode: one holding register */
}

/* ---- receive interrupts and trigger levels ---- */

static void check_trigger(u8 fcr_trigger, unsigned level)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(fcr_trigger);
	receive_n(level - 1, 'a');
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_false(line());
	receive_n(1, 'A');
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	assert_true(line());
	assert_int_equal(rises(), 1);
	rd(UART_REG_RBR); /* one below the level again: the data interrupt goes away */
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_false(line());
}

static void test_trigger_level_1(void **state) { check_trigger(UART_FCR_TRIGGER_1, 1); }
static void test_trigger_level_4(void **state) { check_trigger(UART_FCR_TRIGGER_4, 4); }
static void test_trigger_level_8(void **state) { check_trigger(UART_FCR_TRIGGER_8, 8); }
static void test_trigger_level_14(void **state) { check_trigger(UART_FCR_TRIGGER_14, 14); }

static void test_16450_mode_data_interrupt(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI);
	receive_n(1, 'x');
	assert_int_equal(rd(UART_REG_IIR), 0x04);
	assert_true(line());
	assert_int_equal(rd(UART_REG_LSR), 0x61);
	assert_int_equal(rd(UART_REG_RBR), 'x');
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_false(line());
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER); /* no timeout in 16450 mode */
}

/* ---- character timeout ---- */

/* 4 frames of start + data + parity + stop bits at `baud`, rounded up to a nanosecond */
static u64 timeout_ns(unsigned half_bits_per_char, unsigned baud)
{
	u64 num = 4ULL * half_bits_per_char * NS_PER_S, den = 2ULL * baud;
	return (num + den - 1) / den;
}

static void check_timeout(u64 expect)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_14);
	u64 t0 = fk.now;
	receive_n(3, 'a');
	assert_int_equal(uart_next_deadline(&u), t0 + expect);
	fk.now = t0 + expect - 1;
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_false(line());
	fk.now = t0 + expect;
	uart_tick(&u);
	assert_true(line());
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER); /* latched: nothing more to time */
}

static void test_timeout_115200_8n1(void **state)
{
	set_divisor(DIVISOR_115200, LCR_8N1);
	unsigned bits = 1 + 8 + 0 + 1; /* start, 8 data, no parity, 1 stop */
	check_timeout(timeout_ns(2 * bits, 115200));
	assert_int_equal(timeout_ns(2 * bits, 115200), 347223);
}

static void test_timeout_9600_7e2(void **state)
{
	set_divisor(DIVISOR_9600, LCR_7E2);
	unsigned bits = 1 + 7 + 1 + 2; /* start, 7 data, parity, 2 stop */
	check_timeout(timeout_ns(2 * bits, 9600));
	assert_int_equal(timeout_ns(2 * bits, 9600), 4583334);
}

static void test_timeout_5_bit_one_and_half_stop(void **state)
{
	set_divisor(DIVISOR_115200, LCR_5N15);
	unsigned half_bits = 2 * (1 + 5) + 3; /* start, 5 data, 1.5 stop */
	check_timeout(timeout_ns(half_bits, 115200));
}

static void test_timeout_restarted_by_receive(void **state)
{
	set_divisor(DIVISOR_115200, LCR_8N1);
	u64 t = timeout_ns(20, 115200);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_14);
	receive_n(1, 'a');
	fk.now += t - 10;
	receive_n(1, 'b');
	fk.now += 10; /* the first deadline passes: no timeout, a byte came since */
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(uart_next_deadline(&u), fk.now - 10 + t);
	fk.now = uart_next_deadline(&u);
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
}

static void test_timeout_cleared_by_rbr_read_then_rearmed(void **state)
{
	set_divisor(DIVISOR_115200, LCR_8N1);
	u64 t = timeout_ns(20, 115200);
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_4);
	receive_n(2, 'a');
	fk.now += t;
	uart_tick(&u);
	assert_true(line());
	receive_n(1, 'c'); /* a new byte does not clear a latched timeout */
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
	assert_int_equal(rd(UART_REG_RBR), 'a');
	assert_false(line());
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(uart_next_deadline(&u), fk.now + t); /* the read restarts the timer */
	fk.now += t;
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
	assert_int_equal(rises(), 2);
	rd(UART_REG_RBR);
	rd(UART_REG_RBR);
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER); /* empty */
}

static void test_timeout_seen_without_tick(void **state)
{
	/* a guest polling IIR inside one VM exit still sees the timeout once it is due */
	set_divisor(DIVISOR_115200, LCR_8N1);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_8);
	receive_n(1, 'a');
	fk.now = uart_next_deadline(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
}

static void test_timeout_needs_erbfi(void **state)
{
	set_divisor(DIVISOR_115200, LCR_8N1);
	wr(UART_REG_MCR, UART_MCR_OUT2);
	fifo_on(UART_FCR_TRIGGER_8);
	receive_n(1, 'a');
	fk.now = uart_next_deadline(&u);
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_false(line());
	wr(UART_REG_IER, UART_IER_ERBFI);
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
	assert_true(line());
}

static void test_timeout_at_or_above_trigger_level(void **state)
{
	/* datasheet and QEMU: the timeout needs only data in the FIFO; it reads as 0xC, not 0x4 */
	set_divisor(DIVISOR_115200, LCR_8N1);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_1);
	receive_n(2, 'a');
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	fk.now = uart_next_deadline(&u);
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xcc);
	rd(UART_REG_RBR);
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
}

static void test_no_clock_no_deadline(void **state)
{
	uart_set_clock(&u, NULL);
	wr(UART_REG_IER, UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_8);
	receive_n(1, 'a');
	assert_int_equal(uart_next_deadline(&u), CLOCK_NEVER);
	fk.now += NS_PER_S;
	uart_tick(&u);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_dlab_selects_divisor_latch),
		T(test_dlab_leaves_other_registers),
		T(test_lcr_reads_back_every_value),
		T(test_ier_and_mcr_implement_low_bits_only),
		T(test_scratch_register),
		T(test_lsr_msr_writes_ignored),
		T(test_thr_write_transmits_at_once),
		T(test_wide_access_splits_into_bytes),
		T(test_fifo_enable_iir_signature),
		T(test_fcr_bits_not_in_iir),
		T(test_fcr_dma_mode_stored),
		T(test_fcr_clear_rx),
		T(test_fifo_mode_change_empties_receiver),
		T(test_fcr_without_enable_programs_nothing),
		T(test_rbr_when_empty),
		T(test_rx_fifo_order_and_rx_ready),
		T(test_trigger_level_1),
		T(test_trigger_level_4),
		T(test_trigger_level_8),
		T(test_trigger_level_14),
		T(test_16450_mode_data_interrupt),
		T(test_timeout_115200_8n1),
		T(test_timeout_9600_7e2),
		T(test_timeout_5_bit_one_and_half_stop),
		T(test_timeout_restarted_by_receive),
		T(test_timeout_cleared_by_rbr_read_then_rearmed),
		T(test_timeout_seen_without_tick),
		T(test_timeout_needs_erbfi),
		T(test_timeout_at_or_above_trigger_level),
		T(test_no_clock_no_deadline),
	};
	return UNIT_RUN(tests);
}
