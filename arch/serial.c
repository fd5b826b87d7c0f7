/* Polled 16550 driver for the hypervisor's own console (register layout: PC16550D datasheet). */
#include "serial.h"
#include "cpu.h"

enum {
	UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_FCR = 2, UART_IIR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_IIR_FIFO_ENABLED 0xc0 /* both set: a 16550A with working FIFOs */
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_MCR_LOOP 0x10
#define UART_MCR_LOOP_PROBE 0x1a  /* loopback, RTS and OUT2: MSR then shows CTS and DCD */
#define UART_MSR_INPUTS 0xf0
#define UART_MSR_LOOP_EXPECT 0x90 /* CTS (from RTS) and DCD (from OUT2) */
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_CLOCK 115200 /* the 1.8432 MHz crystal / 16 */
#define SCRATCH_A 0x5a
#define SCRATCH_B 0xa5
/* Bounded wait for THRE: a missing or wedged UART must never hang the core. */
#define UART_SPIN_LIMIT 200000

static u8 reg_in(const struct serial_port *p, unsigned reg)
{
	u64 a = p->base + ((u64)reg << p->reg_shift);
	if (p->space == SERIAL_SPACE_IO)
		return inb((u16)a);
	if (p->reg_width == 4)
		return (u8) * (volatile u32 *)(uintptr_t)a;
	return *(volatile u8 *)(uintptr_t)a;
}

static void reg_out(const struct serial_port *p, unsigned reg, u8 v)
{
	u64 a = p->base + ((u64)reg << p->reg_shift);
	if (p->space == SERIAL_SPACE_IO)
		outb((u16)a, v);
	else if (p->reg_width == 4)
		*(volatile u32 *)(uintptr_t)a = v;
	else
		*(volatile u8 *)(uintptr_t)a = v;
}

static bool scratch_ok(const struct serial_port *p)
{
	reg_out(p, UART_SCR, SCRATCH_A);
	if (reg_in(p, UART_SCR) != SCRATCH_A)
		return false;
	reg_out(p, UART_SCR, SCRATCH_B);
	return reg_in(p, UART_SCR) == SCRATCH_B;
}

/* In loopback the modem inputs follow the outputs (datasheet, MCR bit 4): floating bus lines
 * or a device that is not a 16550 fail this. */
static bool loopback_ok(const struct serial_port *p)
{
	reg_out(p, UART_MCR, UART_MCR_LOOP_PROBE);
	bool ok = (reg_in(p, UART_MSR) & UART_MSR_INPUTS) == UART_MSR_LOOP_EXPECT;
	reg_out(p, UART_MCR, UART_MCR_DTR_RTS_OUT2);
	return ok;
}

bool serial_port_init(struct serial_port *p)
{
	p->present = false;
	if (!scratch_ok(p) || !loopback_ok(p))
		return false;
	reg_out(p, UART_IER, 0);
	if (p->baud) {
		u16 div = (u16)(UART_CLOCK / p->baud ? UART_CLOCK / p->baud : 1);
		reg_out(p, UART_LCR, UART_LCR_DLAB);
		reg_out(p, UART_DLL, div & 0xff);
		reg_out(p, UART_DLM, div >> 8);
	}
	reg_out(p, UART_LCR, UART_LCR_8N1);
	reg_out(p, UART_FCR, UART_FCR_ENABLE_CLEAR);
	reg_out(p, UART_MCR, UART_MCR_DTR_RTS_OUT2);
	bool fifo = (reg_in(p, UART_IIR) & UART_IIR_FIFO_ENABLED) == UART_IIR_FIFO_ENABLED;
	p->fifo_depth = fifo ? SERIAL_FIFO_DEPTH : 1;
	p->present = true;
	return true;
}

bool serial_port_tx_empty(const struct serial_port *p) { return (reg_in(p, UART_LSR) & UART_LSR_THRE) != 0; }

void serial_port_tx(const struct serial_port *p, u8 byte) { reg_out(p, UART_THR, byte); }

int serial_port_rx(const struct serial_port *p)
{
	if (!p->present || !(reg_in(p, UART_LSR) & UART_LSR_DR))
		return -1;
	return reg_in(p, UART_THR);
}

/* ---- the legacy-IO shorthand ---- */

static struct serial_port legacy[8];

static struct serial_port *io_port(u16 base)
{
	struct serial_port *p = &legacy[(base >> 8) & 7];
	p->space = SERIAL_SPACE_IO;
	p->base = base;
	return p;
}

bool serial_present(u16 base) { return scratch_ok(io_port(base)); }

void serial_init(u16 base)
{
	struct serial_port *p = io_port(base);
	p->baud = SERIAL_BAUD;
	serial_port_init(p);
}

void serial_putc(u16 base, char c)
{
	struct serial_port *p = io_port(base);
	if (!p->present)
		return;
	for (int i = 0; i < UART_SPIN_LIMIT && !serial_port_tx_empty(p); i++)
		pause();
	serial_port_tx(p, (u8)c);
}

void serial_port_wait_idle(const struct serial_port *p)
{
	if (!p->present)
		return;
	for (int i = 0; i < UART_SPIN_LIMIT && !(reg_in(p, UART_LSR) & UART_LSR_TEMT); i++)
		pause();
}

void serial_flush(u16 base) { serial_port_wait_idle(io_port(base)); }

int serial_getc(u16 base) { return serial_port_rx(io_port(base)); }
