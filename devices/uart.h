/*
 * 16550A UART (TI PC16550D datasheet; register map: table 2, IIR: table 4).
 *
 * The transmitter is instantaneous: a THR write hands the byte to the console
 * (or, in loopback, to the receiver) at once, so THR and the transmitter are
 * empty again before the guest can look -- unless the console behind it is
 * full (uart_set_tx_busy): then THRE and TEMT stay clear, as a real UART's
 * would while its line is slower than the writer, until the console has room. The receiver holds a 16-byte FIFO
 * (one holding register in 16450 mode) fed by uart_receive(); the FIFO's
 * character timeout needs a clock. The interrupt output drives one IRQ line,
 * gated by MCR.OUT2 as on a PC board. Pure C (DESIGN.md sections 2 and 4).
 */
#ifndef DEVICES_UART_H
#define DEVICES_UART_H

#include "clock.h"
#include "iobus.h"
#include "irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_PORTS 8
#define UART_FIFO_SIZE 16

/* Register offsets (datasheet table 2); DLL and DLM replace RBR/THR and IER while LCR.DLAB = 1. */
#define UART_REG_RBR 0 /* read */
#define UART_REG_THR 0 /* write */
#define UART_REG_DLL 0
#define UART_REG_IER 1
#define UART_REG_DLM 1
#define UART_REG_IIR 2 /* read */
#define UART_REG_FCR 2 /* write */
#define UART_REG_LCR 3
#define UART_REG_MCR 4
#define UART_REG_LSR 5
#define UART_REG_MSR 6
#define UART_REG_SCR 7

#define UART_IER_ERBFI 0x01 /* received data available (and FIFO timeout) */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */
#define UART_IER_MASK 0x0f  /* bits 7:4 are always 0 */

/* IIR bit 0 is 0 while an interrupt is pending; bits 3:1 name the highest-priority one. */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0e
#define UART_IIR_MSI 0x00  /* priority 4: modem status */
#define UART_IIR_THRI 0x02 /* priority 3: THR empty */
#define UART_IIR_RDI 0x04  /* priority 2: received data available */
#define UART_IIR_RLSI 0x06 /* priority 1: receiver line status */
#define UART_IIR_CTI 0x0c  /* priority 2: character timeout (FIFO mode) */
#define UART_IIR_FIFO 0xc0 /* both set while FCR0 = 1: the 16550A signature */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA_MODE 0x08
#define UART_FCR_TRIGGER_MASK 0xc0
#define UART_FCR_TRIGGER_1 0x00
#define UART_FCR_TRIGGER_4 0x40
#define UART_FCR_TRIGGER_8 0x80
#define UART_FCR_TRIGGER_14 0xc0

#define UART_LCR_WLS_MASK 0x03 /* word length - 5 */
#define UART_LCR_STB 0x04      /* 2 stop bits (1.5 with 5-bit words) */
#define UART_LCR_PEN 0x08
#define UART_LCR_EPS 0x10
#define UART_LCR_STICK 0x20
#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* on a PC: enables the IRQ line driver */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_RX_FIFO_ERROR 0x80
#define UART_LSR_CHAR_ERRORS (UART_LSR_PE | UART_LSR_FE | UART_LSR_BI) /* travel with a byte */
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_CHAR_ERRORS)

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct uart_rx_slot {
	u8 data;
	u8 errors; /* UART_LSR_CHAR_ERRORS of this byte, shown in LSR when it reaches the top */
};

struct uart {
	u8 ier, lcr, mcr, scr;
	u8 fcr;    /* FCR bits that stay programmed: enable, DMA mode, trigger level */
	u8 msr;    /* latched delta bits 3:0 (the inputs, bits 7:4, are derived from MCR) */
	u8 dll, dlm;
	u8 lsr_errors; /* latched OE, PE, FE, BI until LSR is read */
	bool fifo_error; /* LSR bit 7 */
	u8 rbr;       /* the last byte read, returned again by a read of an empty 16450 RBR */
	struct uart_rx_slot rx[UART_FIFO_SIZE];
	u8 rx_head, rx_count;
	bool thr_int;     /* THRE interrupt latched (cleared by IIR read or THR write) */
	bool timeout_int; /* character-timeout interrupt latched (cleared by an RBR read) */
	u64 rx_activity_ns; /* last byte received or read: the timeout runs from here */
	struct dev_clock clock; /* now_ns NULL: no clock, no character timeout */
	struct irq_sink irq;
	unsigned irq_line;
	bool irq_level;
	void *tx_ctx;
	void (*tx)(void *ctx, u8 byte);
	u64 tx_bytes;   /* bytes handed to tx */
	u64 rx_bytes;   /* bytes that entered the receiver (console and loopback) */
	u64 rx_overruns; /* bytes lost to overrun */
	bool tx_busy;    /* the console cannot take more: THR reads as full */
	u64 rx_looks;    /* RBR and LSR reads: the guest looking for input (the host polls on demand) */
	struct io_device io;
};

void uart_init(struct uart *u, u16 base, void (*tx)(void *ctx, u8 byte), void *tx_ctx);
/* The line the interrupt output drives (COM1: UART_COM1_IRQ); the current level is signalled. */
void uart_set_irq(struct uart *u, const struct irq_sink *irq, unsigned line);
/* Guest time for the FIFO character timeout; NULL leaves the UART untimed. */
void uart_set_clock(struct uart *u, const struct dev_clock *clk);
/* Raises what time has made due (the character timeout); call at each VM exit and at the deadline. */
void uart_tick(struct uart *u);
/* When uart_tick next has something to do; CLOCK_NEVER when nothing is timed. */
u64 uart_next_deadline(const struct uart *u);

/* Whether the receiver can take a byte now without an overrun (false in loopback: SIN is cut off). */
bool uart_rx_ready(const struct uart *u);
/* A byte from the console. False when it could not be taken: overrun (a byte is lost) or loopback. */
bool uart_receive(struct uart *u, u8 byte);
/* The same with line errors (UART_LSR_PE, _FE, _BI) seen by the physical receiver on this byte. */
bool uart_receive_with_errors(struct uart *u, u8 byte, u8 lsr_errors);
/* A break from the console: one zero byte flagged BI (datasheet, LSR bit 4). */
bool uart_receive_break(struct uart *u);

/* Backpressure from the console behind tx: while busy, LSR.THRE/TEMT read 0 and no THRE
 * interrupt is raised; the busy -> free change raises it (THR became empty, datasheet Table IV).
 * A byte written while busy is still handed to tx: nothing the guest writes is lost. */
void uart_set_tx_busy(struct uart *u, bool busy);
/* Whether the receiver's data interrupt can reach the CPU (IER.ERBFI with OUT2, not in loopback). */
bool uart_rx_irq_enabled(const struct uart *u);

/* The level the UART drives on its IRQ line (interrupt pending and OUT2 set). */
bool uart_irq_level(const struct uart *u);

#endif
