/*
 * 16550A UART; see uart.h. Rules come from the TI PC16550D datasheet (cited by
 * table or register name); where the datasheet is silent, the behaviour follows
 * QEMU's 16550, the oracle the test guests' transcripts are compared against.
 */
#include "uart.h"

/* The PC's 1.8432 MHz crystal: the baud generator divides it by 16 x divisor (datasheet, baud generator). */
#define UART_CLOCK_HZ 1843200ULL
#define UART_SAMPLES_PER_BIT 16
/* A divisor of 0 counts through all 2^16 states of the 16-bit latch. */
#define UART_DIVISOR_WRAP 0x10000u
/* FIFO timeout: no byte in or out for 4 character times (datasheet, FIFO Interrupt Mode Operation). */
#define UART_TIMEOUT_CHARS 4
#define UART_WORD_BITS_MIN 5
/* Frame lengths are counted in half bits: 5-bit words with STB have 1.5 stop bits. */
#define HALF_BITS_START 2
#define HALF_BITS_STOP_1 2
#define HALF_BITS_STOP_1_5 3
#define HALF_BITS_STOP_2 4

static void update_irq(struct uart *u);

static bool fifo_on(const struct uart *u) { return u->fcr & UART_FCR_ENABLE; }

static bool dlab(const struct uart *u) { return u->lcr & UART_LCR_DLAB; }

static bool loopback(const struct uart *u) { return u->mcr & UART_MCR_LOOP; }

static u64 now_ns(const struct uart *u) { return u->clock.now_ns ? clock_now(&u->clock) : 0; }

static unsigned word_bits(const struct uart *u) { return UART_WORD_BITS_MIN + (u->lcr & UART_LCR_WLS_MASK); }

/* The RX FIFO trigger level, FCR bits 7:6 (datasheet, FIFO Control Register). */
static unsigned rx_trigger(const struct uart *u)
{
	switch (u->fcr & UART_FCR_TRIGGER_MASK) {
	case UART_FCR_TRIGGER_1: return 1;
	case UART_FCR_TRIGGER_4: return 4;
	case UART_FCR_TRIGGER_8: return 8;
	default: return 14;
	}
}

/* ---- time: the character timeout ---- */

/* 4 frames (start + data + parity + stop bits) at the programmed baud rate, rounded up to a ns. */
static u64 char_timeout_ns(const struct uart *u)
{
	u64 divisor = (u64)u->dlm << 8 | u->dll;
	if (divisor == 0)
		divisor = UART_DIVISOR_WRAP;
	unsigned bits = word_bits(u);
	u64 half_bits = HALF_BITS_START + 2 * bits + ((u->lcr & UART_LCR_PEN) ? 2 : 0);
	if (!(u->lcr & UART_LCR_STB))
		half_bits += HALF_BITS_STOP_1;
	else
		half_bits += bits == UART_WORD_BITS_MIN ? HALF_BITS_STOP_1_5 : HALF_BITS_STOP_2;
	u64 num = UART_TIMEOUT_CHARS * half_bits * divisor * UART_SAMPLES_PER_BIT * CLOCK_NS_PER_S;
	u64 den = 2 * UART_CLOCK_HZ;
	return (num + den - 1) / den;
}

/* The timer runs while the FIFO holds data and no timeout is latched yet (16450 mode has none). */
static bool timeout_armed(const struct uart *u)
{
	return u->clock.now_ns && fifo_on(u) && u->rx_count && !u->timeout_int;
}

u64 uart_next_deadline(const struct uart *u)
{
	if (!timeout_armed(u))
		return CLOCK_NEVER;
	u64 t = char_timeout_ns(u);
	return u->rx_activity_ns > CLOCK_NEVER - t ? CLOCK_NEVER : u->rx_activity_ns + t;
}

void uart_tick(struct uart *u)
{
	if (timeout_armed(u) && now_ns(u) >= uart_next_deadline(u)) {
		u->timeout_int = true;
		update_irq(u);
	}
}

/* ---- interrupts ---- */

/*
 * The highest-priority enabled interrupt, as IIR bits 3:0 (datasheet Table IV): line status,
 * then received data or character timeout, then THR empty, then modem status.
 */
static u8 interrupt_id(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_errors & UART_LSR_INT_ANY))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->timeout_int)
		return UART_IIR_CTI;
	/* in FIFO mode the data interrupt waits for the trigger level; the timeout covers the rest */
	if ((u->ier & UART_IER_ERBFI) && u->rx_count && (!fifo_on(u) || u->rx_count >= rx_trigger(u)))
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_ETBEI) && u->thr_int)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool uart_irq_level(const struct uart *u)
{
	/* a PC gates the INTR pin with OUT2 (IBM PC/AT serial adapter), so OUT2 = 0 floats the line low */
	return interrupt_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2);
}

/* Every change is signalled, so an edge-triggered PIC input sees each rise. */
static void update_irq(struct uart *u)
{
	bool level = uart_irq_level(u);
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	irq_set(&u->irq, u->irq_line, level);
}

void uart_set_irq(struct uart *u, const struct irq_sink *irq, unsigned line)
{
	if (u->irq_level)
		irq_set(&u->irq, u->irq_line, false);
	u->irq_level = false;
	u->irq = irq ? *irq : (struct irq_sink){0};
	u->irq_line = line;
	update_irq(u);
}

void uart_set_clock(struct uart *u, const struct dev_clock *clk)
{
	u->clock = clk ? *clk : (struct dev_clock){0};
	u->rx_activity_ns = now_ns(u); /* the new time base starts the timer afresh */
}

/* ---- receiver ---- */

/* LSR bits 4:2 belong to the byte at the top of the FIFO and show when it gets there (datasheet, LSR). */
static void reveal_top(struct uart *u)
{
	if (u->rx_count)
		u->lsr_errors |= u->rx[u->rx_head].errors;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_int = false;
	u->fifo_error = false;
}

/* Whether a byte behind the top one carries an error: what keeps LSR bit 7 set after an LSR read. */
static bool later_errors(const struct uart *u)
{
	for (unsigned i = 1; i < u->rx_count; i++)
		if (u->rx[(u->rx_head + i) % UART_FIFO_SIZE].errors)
			return true;
	return false;
}

static void overrun(struct uart *u)
{
	u->lsr_errors |= UART_LSR_OE;
	u->rx_overruns++;
}

/*
 * A byte leaves the receiver shift register. With the FIFO full it is lost; in 16450 mode it
 * replaces an unread byte in RBR (datasheet, LSR bit 1). Either way OE is set. False: a byte lost.
 */
static bool rx_push(struct uart *u, u8 byte, u8 errors)
{
	bool lost = false;
	u->rx_bytes++;
	u->rx_activity_ns = now_ns(u);
	if (!fifo_on(u)) {
		lost = u->rx_count != 0;
		u->rx[u->rx_head] = (struct uart_rx_slot){byte, errors};
		u->rx_count = 1;
		reveal_top(u);
	} else if (u->rx_count == UART_FIFO_SIZE) {
		lost = true;
	} else {
		u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = (struct uart_rx_slot){byte, errors};
		u->rx_count++;
		if (errors)
			u->fifo_error = true;
		if (u->rx_count == 1)
			reveal_top(u);
	}
	if (lost)
		overrun(u);
	update_irq(u);
	return !lost;
}

/* An RBR read: also clears a character timeout and restarts its timer (FIFO Interrupt Mode Operation). */
static u8 rx_pop(struct uart *u)
{
	if (!u->rx_count)
		return fifo_on(u) ? 0 : u->rbr; /* as QEMU: an empty FIFO reads 0, RBR keeps its byte */
	u->rbr = u->rx[u->rx_head].data;
	u->rx_head = (u8)((u->rx_head + 1) % UART_FIFO_SIZE);
	u->rx_count--;
	reveal_top(u);
	u->timeout_int = false;
	u->rx_activity_ns = now_ns(u);
	update_irq(u);
	return u->rbr;
}

bool uart_rx_ready(const struct uart *u)
{
	if (loopback(u))
		return false;
	return u->rx_count < (fifo_on(u) ? UART_FIFO_SIZE : 1);
}

bool uart_receive_with_errors(struct uart *u, u8 byte, u8 lsr_errors)
{
	uart_tick(u);
	if (loopback(u)) /* SIN is disconnected in loopback (datasheet, MCR bit 4) */
		return false;
	return rx_push(u, byte, lsr_errors & UART_LSR_CHAR_ERRORS);
}

bool uart_receive(struct uart *u, u8 byte) { return uart_receive_with_errors(u, byte, 0); }

bool uart_receive_break(struct uart *u) { return uart_receive_with_errors(u, 0, UART_LSR_BI); }

/* ---- transmitter ---- */

/*
 * THR write: it clears the THRE interrupt (Table IV), then THR empties into the shift register at
 * once, which raises THRE again. The line drops and rises in between, as QEMU's does, so an
 * edge-triggered PIC takes one THRE interrupt per byte.
 */
static void write_thr(struct uart *u, u8 byte)
{
	u->thr_int = false;
	update_irq(u);
	if (loopback(u)) {
		u->thr_int = !u->tx_busy;
		update_irq(u);
		/* the receiver assembles only the programmed word length */
		rx_push(u, (u8)(byte & ((1u << word_bits(u)) - 1)), 0);
		return;
	}
	u->tx_bytes++;
	if (u->tx)
		u->tx(u->tx_ctx, byte); /* may set tx_busy: then THR stays full, and no THRE edge is raised */
	u->thr_int = !u->tx_busy;
	update_irq(u);
}

void uart_set_tx_busy(struct uart *u, bool busy)
{
	if (busy == u->tx_busy)
		return;
	u->tx_busy = busy;
	u->thr_int = !busy; /* THR full: no THRE interrupt; THR became empty: THRE interrupt (Table IV) */
	update_irq(u);
}

bool uart_rx_irq_enabled(const struct uart *u)
{
	return (u->ier & UART_IER_ERBFI) && (u->mcr & UART_MCR_OUT2) && !loopback(u);
}

/* ---- registers ---- */

/* The modem inputs, MSR bits 7:4: a terminal attached (CTS, DSR, DCD), or the MCR outputs in loopback. */
static u8 modem_inputs(const struct uart *u)
{
	if (!loopback(u))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	u8 m = 0;
	if (u->mcr & UART_MCR_RTS)
		m |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		m |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		m |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		m |= UART_MSR_DCD;
	return m;
}

/* Delta bits latch any change of CTS, DSR, DCD; TERI only RI's trailing edge (datasheet, MSR). */
static void note_modem_change(struct uart *u, u8 before, u8 after)
{
	u8 changed = before ^ after;
	if (changed & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;
}

static void write_mcr(struct uart *u, u8 v)
{
	u8 before = modem_inputs(u);
	u->mcr = v & UART_MCR_MASK;
	note_modem_change(u, before, modem_inputs(u));
	update_irq(u);
}

/*
 * Enabling ETBEI while THR is empty raises THRE (datasheet, IIR: "THR empty" set); only a 0->1
 * change re-arms it, as QEMU and Bochs do, and disabling drops it. THR is always empty here.
 */
static void write_ier(struct uart *u, u8 v)
{
	u8 changed = (u8)((u->ier ^ v) & UART_IER_ETBEI);
	u->ier = v & UART_IER_MASK;
	if (changed)
		u->thr_int = (u->ier & UART_IER_ETBEI) && !u->tx_busy;
	update_irq(u);
}

/*
 * FCR (datasheet, FIFO Control Register): bit 0 must be 1 for the other bits to take effect;
 * changing bit 0 empties both FIFOs. Bit 5 and bit 4 are not implemented on a 16550A, so IIR
 * never shows them (Linux tells a 16750 by IIR bit 5). Clearing the TX FIFO re-arms THRE, as QEMU.
 */
static void write_fcr(struct uart *u, u8 v)
{
	bool enable = v & UART_FCR_ENABLE;
	if (enable != fifo_on(u)) {
		rx_clear(u);
		u->thr_int = !u->tx_busy;
	}
	if (!enable) {
		u->fcr = 0;
	} else {
		if (v & UART_FCR_CLEAR_RX)
			rx_clear(u);
		if (v & UART_FCR_CLEAR_TX)
			u->thr_int = !u->tx_busy; /* bytes already with the console are not taken back */
		u->fcr = v & (UART_FCR_ENABLE | UART_FCR_DMA_MODE | UART_FCR_TRIGGER_MASK);
	}
	update_irq(u);
}

/* IIR read: reading it while it names THRE is what clears that interrupt (Table IV). */
static u8 read_iir(struct uart *u)
{
	u8 id = interrupt_id(u);
	if (id == UART_IIR_THRI) {
		u->thr_int = false;
		update_irq(u);
	}
	return id | (fifo_on(u) ? UART_IIR_FIFO : 0);
}

/* LSR read clears OE, PE, FE, BI; bit 7 stays only while later bytes carry errors (datasheet, LSR). */
static u8 read_lsr(struct uart *u)
{
	u8 v = (u->tx_busy ? 0 : UART_LSR_THRE | UART_LSR_TEMT) | u->lsr_errors;
	u->rx_looks++;
	if (u->rx_count)
		v |= UART_LSR_DR;
	if (fifo_on(u) && u->fifo_error)
		v |= UART_LSR_RX_FIFO_ERROR;
	u->lsr_errors = 0;
	u->fifo_error = later_errors(u);
	update_irq(u);
	return v;
}

static u8 read_msr(struct uart *u)
{
	u8 v = modem_inputs(u) | (u->msr & UART_MSR_DELTAS);
	u->msr &= (u8)~UART_MSR_DELTAS;
	update_irq(u);
	return v;
}

/* One byte register at a time: the device is registered non-wide, so iobus splits wider accesses. */
static u32 uart_read(void *dev, u16 off, u8 size)
{
	struct uart *u = dev;
	uart_tick(u); /* a guest polling inside one exit still sees the timeout when it is due */
	switch (off) {
	case UART_REG_RBR:
		if (dlab(u))
			return u->dll;
		u->rx_looks++;
		return rx_pop(u);
	case UART_REG_IER: return dlab(u) ? u->dlm : u->ier;
	case UART_REG_IIR: return read_iir(u);
	case UART_REG_LCR: return u->lcr;
	case UART_REG_MCR: return u->mcr;
	case UART_REG_LSR: return read_lsr(u);
	case UART_REG_MSR: return read_msr(u);
	case UART_REG_SCR: return u->scr;
	}
	return 0xff;
}

static void uart_write(void *dev, u16 off, u8 size, u32 value)
{
	struct uart *u = dev;
	u8 v = (u8)value;
	uart_tick(u);
	switch (off) {
	case UART_REG_THR:
		if (dlab(u))
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case UART_REG_IER:
		if (dlab(u))
			u->dlm = v;
		else
			write_ier(u, v);
		break;
	case UART_REG_FCR: write_fcr(u, v); break;
	case UART_REG_LCR: u->lcr = v; break;
	case UART_REG_MCR: write_mcr(u, v); break;
	case UART_REG_SCR: u->scr = v; break;
	default: break; /* LSR and MSR: writes are for factory test only; ignored, as QEMU */
	}
}

/* Reset state (datasheet Table I): IER, FCR, LCR, MCR 0; IIR 0x01; LSR 0x60; MSR deltas 0. */
void uart_init(struct uart *u, u16 base, void (*tx)(void *ctx, u8 byte), void *tx_ctx)
{
	*u = (struct uart){0};
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->io = (struct io_device){"uart", base, UART_PORTS, false, u, uart_read, uart_write};
}
