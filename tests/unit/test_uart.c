/*
 * devices/uart.c through the IO bus, with a fake clock, an IRQ sink that records every level
 * change, and a TX buffer. Expected values: TI PC16550D datasheet (reset table, register
 * descriptions, interrupt table), QEMU's 16550 where the datasheet is silent, and the reads
 * Linux's 8250 autoconfig makes of a 16550A.
 */
#include "unit.h"

#include <string.h>

#include "devices/iobus.h"
#include "devices/uart.h"

#define COM1 UART_COM1_BASE
#define IRQ_LINE UART_COM1_IRQ
#define OTHER_LINE 3
#define MAX_EVENTS 1024
#define NS_PER_S 1000000000ULL
#define MS 1000000ULL

#define LCR_8N1 0x03
#define LCR_7E2 (0x02 | UART_LCR_STB | UART_LCR_PEN | UART_LCR_EPS)
#define LCR_5N15 (0x00 | UART_LCR_STB)
#define DIVISOR_115200 1
#define DIVISOR_9600 12
/* Linux's LCR values for its configuration-mode probes (not registers of a 16550A) */
#define LCR_CONF_MODE_A 0x80
#define LCR_CONF_MODE_B 0xbf
#define LCR_NATSEMI_BANK2 0xe0
#define IER_UUE 0x40 /* XScale's unit-enable bit */
#define FCR_64BYTE 0x20 /* TI16750's 64-byte FIFO bit */
#define REG_EFR 2

struct irq_event {
	unsigned line;
	bool level;
};

static struct {
	u64 now;
	struct irq_event ev[MAX_EVENTS];
	unsigned n_ev;
	bool level[16];
	u8 tx[4096];
	unsigned n_tx;
} fk;

static struct uart u;
static struct iobus bus;

static u64 fake_now(void *ctx) { return fk.now; }

/* The UART promises to signal changes only: each event must flip the line. */
static void fake_irq(void *ctx, unsigned line, bool level)
{
	assert_true(line < 16);
	assert_int_not_equal(fk.level[line], level);
	fk.level[line] = level;
	assert_true(fk.n_ev < MAX_EVENTS);
	fk.ev[fk.n_ev++] = (struct irq_event){line, level};
}

static void fake_tx(void *ctx, u8 byte)
{
	assert_true(fk.n_tx < sizeof(fk.tx));
	fk.tx[fk.n_tx++] = byte;
}

static const struct irq_sink sink = {0, fake_irq};
static const struct dev_clock clk = {0, fake_now};

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	fk.now = 1000 * MS;
	uart_init(&u, COM1, fake_tx, 0);
	uart_set_irq(&u, &sink, IRQ_LINE);
	uart_set_clock(&u, &clk);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &u.io), 0);
	return 0;
}

static u8 rd(u16 reg) { return (u8)iobus_in(&bus, (u16)(COM1 + reg), 1); }
static void wr(u16 reg, u8 v) { iobus_out(&bus, (u16)(COM1 + reg), 1, v); }
static bool line(void) { return fk.level[IRQ_LINE]; }
static unsigned rises(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fk.n_ev; i++)
		n += fk.ev[i].line == IRQ_LINE && fk.ev[i].level;
	return n;
}

static void set_divisor(u16 d, u8 lcr)
{
	wr(UART_REG_LCR, UART_LCR_DLAB);
	wr(UART_REG_DLL, (u8)(d & 0xff));
	wr(UART_REG_DLM, (u8)(d >> 8));
	wr(UART_REG_LCR, lcr);
}

static void fifo_on(u8 trigger) { wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | trigger); }

static void receive_n(unsigned n, u8 first)
{
	for (unsigned i = 0; i < n; i++)
		assert_true(uart_receive(&u, (u8)(first + i)));
}

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
