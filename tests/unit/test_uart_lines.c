/*
 * devices/uart.c through the IO bus (fixture: uart_fixture.h): overrun and line status, the THRE
 * interrupt, the IRQ line, modem status and loopback, IER masking and priority, and the reads
 * Linux's 8250 autoconfig makes of a 16550A, step by step. Expected values: TI PC16550D
 * datasheet, QEMU's 16550 where the datasheet is silent.
 */
#include "unit.h"

#include "uart_fixture.h"

/* ---- overrun and line status ---- */

static void test_fifo_overrun_17th_byte(void **state)
{
	fifo_on(UART_FCR_TRIGGER_14);
	receive_n(UART_FIFO_SIZE, 0x40);
	assert_false(uart_receive(&u, 0x99));
	assert_int_equal(u.rx_overruns, 1);
	assert_int_equal(rd(UART_REG_LSR), 0x63); /* DR OE THRE TEMT */
	assert_int_equal(rd(UART_REG_LSR), 0x61); /* the read cleared OE */
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(rd(UART_REG_RBR), 0x40 + i); /* the 17th byte was lost, not a queued one */
	assert_int_equal(rd(UART_REG_LSR), 0x60);
}

static void test_16450_overrun_2nd_byte(void **state)
{
	assert_true(uart_receive(&u, 'a'));
	assert_false(uart_rx_ready(&u));
	assert_false(uart_receive(&u, 'b'));
	assert_int_equal(rd(UART_REG_LSR), 0x63);
	assert_int_equal(rd(UART_REG_LSR), 0x61);
	/* datasheet LSR bit 1: the new byte destroys the unread one in RBR (QEMU likewise) */
	assert_int_equal(rd(UART_REG_RBR), 'b');
	assert_int_equal(rd(UART_REG_LSR), 0x60);
}

static void test_line_status_priority_over_data(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI | UART_IER_ELSI);
	fifo_on(UART_FCR_TRIGGER_1);
	receive_n(UART_FIFO_SIZE, 0);
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	uart_receive(&u, 0xee);
	assert_int_equal(rd(UART_REG_IIR), 0xc6);
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_OE, UART_LSR_OE);
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	assert_true(line());
}

static void test_line_status_needs_elsi(void **state)
{
	wr(UART_REG_IER, UART_IER_ERBFI);
	receive_n(1, 'a');
	uart_receive(&u, 'b');
	assert_int_equal(rd(UART_REG_IIR), 0x04);
	wr(UART_REG_IER, UART_IER_ELSI);
	assert_int_equal(rd(UART_REG_IIR), 0x06);
}

static void test_errors_revealed_at_fifo_top(void **state)
{
	wr(UART_REG_IER, UART_IER_ELSI);
	fifo_on(UART_FCR_TRIGGER_14);
	receive_n(1, 'a');
	assert_true(uart_receive_with_errors(&u, 'b', UART_LSR_PE));
	receive_n(1, 'c');
	/* 'b' is not on top yet: no PE, no line-status interrupt, but LSR bit 7 already says so */
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(rd(UART_REG_LSR), 0xe1);
	assert_int_equal(rd(UART_REG_RBR), 'a');
	assert_int_equal(rd(UART_REG_IIR), 0xc6);
	assert_int_equal(rd(UART_REG_LSR), 0xe5); /* PE with its byte on top, bit 7 set */
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	assert_int_equal(rd(UART_REG_LSR), 0x61); /* no later errors: bit 7 cleared by that read */
	assert_int_equal(rd(UART_REG_RBR), 'b');
	assert_int_equal(rd(UART_REG_RBR), 'c');
}

static void test_fifo_error_bit_stays_for_later_errors(void **state)
{
	fifo_on(UART_FCR_TRIGGER_14);
	uart_receive_with_errors(&u, 'a', UART_LSR_FE);
	uart_receive_with_errors(&u, 'b', UART_LSR_PE);
	assert_int_equal(rd(UART_REG_LSR), 0xe9); /* FE of 'a', bit 7 */
	assert_int_equal(rd(UART_REG_LSR), 0xe1); /* 'b' still carries an error */
	rd(UART_REG_RBR);
	assert_int_equal(rd(UART_REG_LSR), 0xe5);
	assert_int_equal(rd(UART_REG_LSR), 0x61);
}

static void test_16450_errors_immediate_no_bit7(void **state)
{
	uart_receive_with_errors(&u, 'a', UART_LSR_FE | UART_LSR_PE);
	assert_int_equal(rd(UART_REG_LSR), 0x6d);
	assert_int_equal(rd(UART_REG_LSR), 0x61);
}

static void test_break_input(void **state)
{
	wr(UART_REG_IER, UART_IER_ELSI | UART_IER_ERBFI);
	fifo_on(UART_FCR_TRIGGER_1);
	assert_true(uart_receive_break(&u));
	assert_int_equal(rd(UART_REG_IIR), 0xc6);
	assert_int_equal(rd(UART_REG_LSR), 0xf1); /* bit 7, BI, THRE, TEMT, DR */
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	assert_int_equal(rd(UART_REG_RBR), 0x00); /* a break loads one zero byte */
	assert_int_equal(rd(UART_REG_LSR), 0x60);
}

/* ---- THRE interrupt ---- */

static void test_thre_raised_when_etbei_enabled(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_true(line());
	assert_int_equal(rd(UART_REG_IIR), 0x02);
	assert_false(line()); /* the IIR read that reported THRE cleared it */
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_int_equal(rd(UART_REG_LSR), 0x60); /* THRE itself stays */
}

static void test_thre_fifo_mode_iir(void **state)
{
	fifo_on(UART_FCR_TRIGGER_1);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), 0xc2);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
	wr(UART_REG_THR, 'x');
	assert_int_equal(rd(UART_REG_IIR), 0xc2);
}

static void test_thre_rearmed_by_thr_write(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), 0x02);
	for (int i = 0; i < 3; i++) {
		wr(UART_REG_THR, (u8)('0' + i));
		assert_true(line());
		assert_int_equal(rd(UART_REG_IIR), 0x02); /* sent at once: THR empty again */
		assert_int_equal(rd(UART_REG_IIR), 0x01);
	}
	assert_int_equal(rises(), 4);
	assert_int_equal(fk.n_tx, 3);
}

static void test_thr_write_pulses_line_when_thre_pending(void **state)
{
	/* no IIR read in between: the line still falls and rises, a new edge for the PIC */
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	unsigned before = fk.n_ev;
	wr(UART_REG_THR, 'x');
	assert_int_equal(fk.n_ev, before + 2);
	assert_false(fk.ev[before].level);
	assert_true(fk.ev[before + 1].level);
	assert_int_equal(rd(UART_REG_IIR), 0x02);
}

static void test_thr_write_keeps_line_when_other_source(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	receive_n(1, 'a');
	unsigned before = fk.n_ev;
	wr(UART_REG_THR, 'x');
	assert_int_equal(fk.n_ev, before); /* RX data keeps the line high throughout */
	assert_int_equal(rd(UART_REG_IIR), 0x04);
	rd(UART_REG_RBR);
	assert_int_equal(rd(UART_REG_IIR), 0x02);
}

static void test_thre_disable_etbei(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_true(line());
	wr(UART_REG_IER, 0);
	assert_false(line());
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	wr(UART_REG_THR, 'x'); /* transmitting with ETBEI off raises nothing */
	assert_false(line());
	assert_int_equal(rd(UART_REG_IIR), 0x01);
}

static void test_thre_reenable_rearms(void **state)
{
	/* Linux's startup test for UART_BUG_THRE: IER THRI, IIR; IER 0; IER THRI, IIR again */
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR) & UART_IIR_NO_INT, 0);
	wr(UART_REG_IER, 0);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR) & UART_IIR_NO_INT, 0);
	wr(UART_REG_IER, 0);
	/* and its UART_BUG_TXEN test: IER THRI, LSR, IIR */
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_LSR) & UART_LSR_TEMT, UART_LSR_TEMT);
	assert_int_equal(rd(UART_REG_IIR) & UART_IIR_NO_INT, 0);
}

static void test_thre_same_ier_write_does_not_rearm(void **state)
{
	/* QEMU (and Bochs) re-arm on ETBEI 0->1 only */
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), 0x02);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	wr(UART_REG_IER, UART_IER_ETBEI | UART_IER_ELSI);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
}

static void test_fcr_clear_tx_rearms_thre(void **state)
{
	fifo_on(UART_FCR_TRIGGER_1);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(rd(UART_REG_IIR), 0xc2);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
	assert_int_equal(rd(UART_REG_IIR), 0xc2);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(rd(UART_REG_IIR), 0xc1);
}

/* ---- IRQ line ---- */

static void test_out2_gates_irq_line(void **state)
{
	wr(UART_REG_IER, UART_IER_ETBEI);
	wr(UART_REG_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	receive_n(1, 'a');
	assert_false(line()); /* pending, but OUT2 = 0 */
	assert_int_equal(fk.n_ev, 0);
	wr(UART_REG_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_true(line());
	assert_true(uart_irq_level(&u));
	wr(UART_REG_MCR, UART_MCR_DTR | UART_MCR_RTS);
	assert_false(line());
	assert_int_equal(rd(UART_REG_IIR), 0x04); /* the interrupt itself is still pending */
	assert_int_equal(fk.n_ev, 2);
}

static void test_set_irq_moves_line(void **state)
{
	wr(UART_REG_MCR, UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ETBEI);
	assert_true(fk.level[IRQ_LINE]);
	uart_set_irq(&u, &sink, OTHER_LINE);
	assert_false(fk.level[IRQ_LINE]);
	assert_true(fk.level[OTHER_LINE]);
	rd(UART_REG_IIR);
	assert_false(fk.level[OTHER_LINE]);
	uart_set_irq(&u, NULL, IRQ_LINE); /* unconnected: nothing signalled, no crash */
	wr(UART_REG_THR, 'x');
	assert_false(fk.level[IRQ_LINE]);
	assert_true(uart_irq_level(&u));
}

/* ---- modem status, loopback ---- */

static void test_loopback_tx_to_rx(void **state)
{
	wr(UART_REG_LCR, LCR_8N1); /* the reset LCR means 5-bit words */
	wr(UART_REG_MCR, UART_MCR_LOOP);
	wr(UART_REG_THR, 'L');
	assert_int_equal(fk.n_tx, 0);
	assert_int_equal(u.tx_bytes, 0);
	assert_int_equal(rd(UART_REG_LSR), 0x61);
	assert_int_equal(rd(UART_REG_RBR), 'L');
	wr(UART_REG_MCR, 0);
	wr(UART_REG_THR, 'O');
	assert_int_equal(fk.n_tx, 1);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
}

static void test_loopback_word_length(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP);
	wr(UART_REG_LCR, 0x02); /* 7 data bits */
	wr(UART_REG_THR, 0xff);
	assert_int_equal(rd(UART_REG_RBR), 0x7f);
	wr(UART_REG_LCR, 0x00); /* 5 data bits */
	wr(UART_REG_THR, 0xff);
	assert_int_equal(rd(UART_REG_RBR), 0x1f);
}

static void test_loopback_interrupts(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	wr(UART_REG_IER, UART_IER_ERBFI | UART_IER_ELSI);
	fifo_on(UART_FCR_TRIGGER_4);
	for (int i = 0; i < 3; i++)
		wr(UART_REG_THR, (u8)i);
	assert_false(line());
	wr(UART_REG_THR, 3);
	assert_true(line());
	assert_int_equal(rd(UART_REG_IIR), 0xc4);
	for (int i = 4; i < 17; i++)
		wr(UART_REG_THR, (u8)i);
	assert_int_equal(rd(UART_REG_IIR), 0xc6); /* the 17th looped byte overran */
}

static void test_loopback_refuses_console_input(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP);
	assert_false(uart_rx_ready(&u));
	assert_false(uart_receive(&u, 'x'));
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	wr(UART_REG_MCR, 0);
	assert_true(uart_rx_ready(&u));
}

static void test_loopback_modem_outputs_to_inputs(void **state)
{
	static const struct {
		u8 mcr, msr;
	} map[] = {
		{UART_MCR_DTR, UART_MSR_DSR},
		{UART_MCR_RTS, UART_MSR_CTS},
		{UART_MCR_OUT1, UART_MSR_RI},
		{UART_MCR_OUT2, UART_MSR_DCD},
		{UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2, 0xf0},
		{0, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		wr(UART_REG_MCR, UART_MCR_LOOP | map[i].mcr);
		assert_int_equal(rd(UART_REG_MSR) & 0xf0, map[i].msr);
	}
	/* Linux autoconfig's loop test: MCR LOOP|OUT2|RTS gives DCD|CTS */
	wr(UART_REG_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(rd(UART_REG_MSR) & 0xf0, 0x90);
}

static void test_loopback_delta_bits(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(rd(UART_REG_MSR), 0xb0); /* same inputs as the attached terminal: no delta */
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT2);
	assert_int_equal(rd(UART_REG_MSR), 0xa1); /* DCTS */
	assert_int_equal(rd(UART_REG_MSR), 0xa0); /* the read cleared it */
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(rd(UART_REG_MSR), 0x82); /* DDSR */
	wr(UART_REG_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(UART_REG_MSR), 0x08); /* DDCD */
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
	assert_int_equal(rd(UART_REG_MSR), 0x33); /* deltas accumulate until read */
}

static void test_teri_trailing_edge_only(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP);
	rd(UART_REG_MSR);
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(rd(UART_REG_MSR), 0x40); /* RI rose: no TERI */
	wr(UART_REG_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(UART_REG_MSR), 0x04); /* RI fell: TERI */
	assert_int_equal(rd(UART_REG_MSR), 0x00);
}

static void test_modem_status_interrupt(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	rd(UART_REG_MSR);
	wr(UART_REG_IER, UART_IER_EDSSI);
	assert_false(line());
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_true(line());
	assert_int_equal(rd(UART_REG_IIR), 0x00);
	assert_int_equal(rd(UART_REG_IIR), 0x00); /* an IIR read does not clear it */
	assert_int_equal(rd(UART_REG_MSR), 0x91);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_false(line());
}

static void test_leaving_loopback_restores_inputs(void **state)
{
	wr(UART_REG_MCR, UART_MCR_LOOP);
	rd(UART_REG_MSR);
	wr(UART_REG_MCR, 0);
	assert_int_equal(rd(UART_REG_MSR), 0xbb); /* CTS DSR DCD return, with their deltas */
	assert_int_equal(rd(UART_REG_MSR), 0xb0);
}

/* ---- IER masking and priority ---- */

/* Makes every source pending: overrun (line status), data, THRE, and a modem delta. */
static void all_sources_pending(void)
{
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	rd(UART_REG_MSR);
	wr(UART_REG_IER, UART_IER_ETBEI);
	wr(UART_REG_THR, 'a');
	wr(UART_REG_THR, 'b'); /* 16450 mode: overrun */
	wr(UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_DTR);
}

static void test_ier_masks_each_source(void **state)
{
	static const struct {
		u8 ier, iir;
	} only[] = {
		{UART_IER_ELSI, 0x06},
		{UART_IER_ERBFI, 0x04},
		{UART_IER_ETBEI, 0x02},
		{UART_IER_EDSSI, 0x00},
		{0, 0x01},
	};
	all_sources_pending();
	for (size_t i = 0; i < ARRAY_SIZE(only); i++) {
		wr(UART_REG_IER, only[i].ier);
		/* ETBEI enabled again re-arms THRE, so read IIR first without consuming anything else */
		assert_int_equal(rd(UART_REG_IIR), only[i].iir);
		assert_int_equal(line(), only[i].iir != 0x01 && only[i].ier != UART_IER_ETBEI);
	}
}

static void test_iir_priority_order(void **state)
{
	all_sources_pending();
	wr(UART_REG_IER, UART_IER_MASK);
	assert_int_equal(rd(UART_REG_IIR), 0x06);
	rd(UART_REG_LSR);
	assert_int_equal(rd(UART_REG_IIR), 0x04);
	rd(UART_REG_RBR);
	assert_int_equal(rd(UART_REG_IIR), 0x02);
	assert_int_equal(rd(UART_REG_IIR), 0x00);
	rd(UART_REG_MSR);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	assert_false(line());
}

/* ---- Linux 8250 autoconfig, step by step ---- */

/* size_fifo(): loopback at divisor 1, 256 bytes out, count what comes back. */
static int linux_size_fifo(void)
{
	u8 old_lcr = rd(UART_REG_LCR);
	wr(UART_REG_LCR, 0);
	u8 old_fcr = rd(UART_REG_IIR);
	u8 old_mcr = rd(UART_REG_MCR);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	wr(UART_REG_MCR, UART_MCR_LOOP);
	wr(UART_REG_LCR, LCR_CONF_MODE_A);
	u16 old_dl = (u16)(rd(UART_REG_DLL) | rd(UART_REG_DLM) << 8);
	wr(UART_REG_DLL, 1);
	wr(UART_REG_DLM, 0);
	wr(UART_REG_LCR, LCR_8N1);
	for (int i = 0; i < 256; i++)
		wr(UART_REG_THR, (u8)i);
	fk.now += 20 * MS;
	int count;
	for (count = 0; (rd(UART_REG_LSR) & UART_LSR_DR) && count < 256; count++)
		assert_int_equal(rd(UART_REG_RBR), count);
	wr(UART_REG_FCR, old_fcr);
	wr(UART_REG_MCR, old_mcr);
	wr(UART_REG_LCR, LCR_CONF_MODE_A);
	wr(UART_REG_DLL, (u8)old_dl);
	wr(UART_REG_DLM, (u8)(old_dl >> 8));
	wr(UART_REG_LCR, old_lcr);
	return count;
}

static void test_linux_autoconfig_finds_16550a(void **state)
{
	set_divisor(DIVISOR_9600, LCR_8N1);
	/* existence test: IER bits 3:0 write and read back */
	u8 scratch = rd(UART_REG_IER);
	wr(UART_REG_IER, 0);
	assert_int_equal(rd(UART_REG_IER) & 0x0f, 0);
	wr(UART_REG_IER, 0x0f);
	assert_int_equal(rd(UART_REG_IER) & 0x0f, 0x0f);
	wr(UART_REG_IER, scratch);
	u8 save_mcr = rd(UART_REG_MCR), save_lcr = rd(UART_REG_LCR);
	/* loopback test */
	wr(UART_REG_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(rd(UART_REG_MSR) & 0xf0, 0x90);
	wr(UART_REG_MCR, save_mcr);
	/* EFR (none here: the write lands in FCR) and the IIR FIFO bits */
	wr(UART_REG_LCR, LCR_CONF_MODE_B);
	wr(REG_EFR, 0);
	wr(UART_REG_LCR, 0);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(rd(UART_REG_IIR) >> 6, 3);
	/* autoconfig_16550a: no EFR under either configuration LCR (IIR reads there, not 0) */
	wr(UART_REG_LCR, LCR_CONF_MODE_A);
	assert_int_not_equal(rd(REG_EFR), 0);
	wr(UART_REG_LCR, LCR_CONF_MODE_B);
	assert_int_not_equal(rd(REG_EFR), 0);
	/* not a National SuperIO: "EXCR1" (IIR) does not follow MCR's LOOP bit */
	wr(UART_REG_LCR, 0);
	u8 st1 = rd(UART_REG_MCR);
	wr(UART_REG_LCR, LCR_NATSEMI_BANK2);
	u8 st2 = rd(REG_EFR);
	assert_int_equal((st1 ^ st2) & UART_MCR_LOOP, 0);
	wr(UART_REG_LCR, 0);
	wr(UART_REG_MCR, st1 ^ UART_MCR_LOOP);
	wr(UART_REG_LCR, LCR_NATSEMI_BANK2);
	st2 = rd(REG_EFR);
	wr(UART_REG_LCR, 0);
	wr(UART_REG_MCR, st1);
	assert_int_equal((st1 ^ st2) & UART_MCR_LOOP, 0);
	/* not a TI16750: IIR bit 5 never follows FCR bit 5 */
	wr(UART_REG_LCR, 0);
	wr(UART_REG_FCR, UART_FCR_ENABLE | FCR_64BYTE);
	st1 = (u8)(rd(UART_REG_IIR) >> 5);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	wr(UART_REG_LCR, LCR_CONF_MODE_A);
	wr(UART_REG_FCR, UART_FCR_ENABLE | FCR_64BYTE);
	st2 = (u8)(rd(UART_REG_IIR) >> 5);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	wr(UART_REG_LCR, 0);
	assert_int_equal(st1, 6);
	assert_int_equal(st2, 6);
	/* not an XScale: IER bit 6 does not stick */
	u8 iersave = rd(UART_REG_IER);
	wr(UART_REG_IER, iersave & (u8)~IER_UUE);
	assert_int_equal(rd(UART_REG_IER) & IER_UUE, 0);
	wr(UART_REG_IER, iersave | IER_UUE);
	assert_int_equal(rd(UART_REG_IER) & IER_UUE, 0);
	wr(UART_REG_IER, iersave);
	/* 16550A, not U6_16550A: a 16-byte FIFO */
	assert_int_equal(linux_size_fifo(), UART_FIFO_SIZE);
	/* restore and reset as autoconfig does */
	wr(UART_REG_LCR, save_lcr);
	wr(UART_REG_MCR, save_mcr);
	wr(UART_REG_FCR, UART_FCR_ENABLE);
	wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	wr(UART_REG_FCR, 0);
	rd(UART_REG_RBR);
	wr(UART_REG_IER, 0);
	assert_int_equal(rd(UART_REG_LCR), LCR_8N1);
	assert_int_equal(rd(UART_REG_LSR), 0x60);
	assert_int_equal(rd(UART_REG_IIR), 0x01);
	wr(UART_REG_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(UART_REG_DLL), DIVISOR_9600); /* the divisor survived size_fifo */
	assert_int_equal(fk.n_tx, 0); /* nothing reached the console */
}

static void test_linux_autoconfig_irq_probe(void **state)
{
	/* autoconfig_irq: with OUT2 and all interrupts enabled, the line must rise */
	wr(UART_REG_MCR, UART_MCR_OUT1 | UART_MCR_OUT2);
	wr(UART_REG_MCR, 0);
	wr(UART_REG_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	wr(UART_REG_IER, 0x0f);
	rd(UART_REG_LSR);
	rd(UART_REG_RBR);
	rd(UART_REG_IIR);
	rd(UART_REG_MSR);
	wr(UART_REG_THR, 0xff);
	assert_true(line());
	assert_true(rises() >= 1);
	wr(UART_REG_MCR, 0);
	wr(UART_REG_IER, 0);
	assert_false(line());
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fifo_overrun_17th_byte),
		T(test_16450_overrun_2nd_byte),
		T(test_line_status_priority_over_data),
		T(test_line_status_needs_elsi),
		T(test_errors_revealed_at_fifo_top),
		T(test_fifo_error_bit_stays_for_later_errors),
		T(test_16450_errors_immediate_no_bit7),
		T(test_break_input),
		T(test_thre_raised_when_etbei_enabled),
		T(test_thre_fifo_mode_iir),
		T(test_thre_rearmed_by_thr_write),
		T(test_thr_write_pulses_line_when_thre_pending),
		T(test_thr_write_keeps_line_when_other_source),
		T(test_thre_disable_etbei),
		T(test_thre_reenable_rearms),
		T(test_thre_same_ier_write_does_not_rearm),
		T(test_fcr_clear_tx_rearms_thre),
		T(test_out2_gates_irq_line),
		T(test_set_irq_moves_line),
		T(test_loopback_tx_to_rx),
		T(test_loopback_word_length),
		T(test_loopback_interrupts),
		T(test_loopback_refuses_console_input),
		T(test_loopback_modem_outputs_to_inputs),
		T(test_loopback_delta_bits),
		T(test_teri_trailing_edge_only),
		T(test_modem_status_interrupt),
		T(test_leaving_loopback_restores_inputs),
		T(test_ier_masks_each_source),
		T(test_iir_priority_order),
		T(test_linux_autoconfig_finds_16550a),
		T(test_linux_autoconfig_irq_probe),
	};
	return UNIT_RUN(tests);
}
