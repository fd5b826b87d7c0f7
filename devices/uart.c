/* 16550A UART, first part; see uart.h. */
#include "uart.h"

enum { REG_DATA = 0, REG_IER = 1, REG_IIR_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INTERRUPT 0x01
#define IIR_FIFO_ENABLED 0xc0
#define FCR_FIFO_ENABLE 0x01
#define IER_MASK 0x0f
#define MCR_MASK 0x1f
#define MCR_LOOP 0x10
/* MSR in loopback: DCD<-OUT2, RI<-OUT1, DSR<-DTR, CTS<-RTS (PC16550D, MCR bit 4) */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static u8 modem_status(const struct uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD; /* a terminal is attached */
	u8 m = 0;
	if (u->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

static u32 uart_read(void *dev, u16 off, u8 size)
{
	struct uart *u = dev;
	switch (off) {
	case REG_DATA: return (u->lcr & LCR_DLAB) ? u->dll : 0;
	case REG_IER: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR: return IIR_NO_INTERRUPT | ((u->fcr & FCR_FIFO_ENABLE) ? IIR_FIFO_ENABLED : 0);
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return LSR_THRE | LSR_TEMT;
	case REG_MSR: return modem_status(u);
	case REG_SCR: return u->scr;
	}
	return 0xff;
}

static void uart_write(void *dev, u16 off, u8 size, u32 value)
{
	struct uart *u = dev;
	u8 v = (u8)value;
	switch (off) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
		} else if (!(u->mcr & MCR_LOOP)) { /* in loopback the byte never leaves the chip */
			u->tx_bytes++;
			if (u->tx)
				u->tx(u->tx_ctx, v);
		}
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & IER_MASK;
		break;
	case REG_IIR_FCR: u->fcr = v; break;
	case REG_LCR: u->lcr = v; break;
	case REG_MCR: u->mcr = v & MCR_MASK; break;
	case REG_SCR: u->scr = v; break;
	default: break; /* LSR and MSR are read-only here */
	}
}

void uart_init(struct uart *u, u16 base, void (*tx)(void *ctx, u8 byte), void *tx_ctx)
{
	*u = (struct uart){0};
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->io = (struct io_device){"uart", base, UART_PORTS, false, u, uart_read, uart_write};
}
