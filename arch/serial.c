/* Polled 16550 driver for the hypervisor's own console (register layout: PC16550D datasheet). */
#include "serial.h"
#include "cpu.h"

enum {
	UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCR = 7,
};
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_CLOCK 115200
/* Bounded wait for THRE: a missing or wedged UART must never hang the core. */
#define UART_SPIN_LIMIT 200000

static bool uart_ok[8];

static unsigned slot(u16 base) { return (base >> 8) & 7; }

bool serial_present(u16 base)
{
	outb(base + UART_SCR, 0x5a);
	if (inb(base + UART_SCR) != 0x5a)
		return false;
	outb(base + UART_SCR, 0xa5);
	return inb(base + UART_SCR) == 0xa5;
}

void serial_init(u16 base)
{
	u16 div = UART_CLOCK / SERIAL_BAUD;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, UART_LCR_DLAB);
	outb(base + UART_DLL, div & 0xff);
	outb(base + UART_DLM, div >> 8);
	outb(base + UART_LCR, UART_LCR_8N1);
	outb(base + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(base + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	uart_ok[slot(base)] = serial_present(base);
}

void serial_putc(u16 base, char c)
{
	if (!uart_ok[slot(base)])
		return;
	for (int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & UART_LSR_THRE)
			break;
		pause();
	}
	outb(base + UART_THR, (u8)c);
}

void serial_flush(u16 base)
{
	if (!uart_ok[slot(base)])
		return;
	for (int i = 0; i < UART_SPIN_LIMIT && !(inb(base + UART_LSR) & UART_LSR_TEMT); i++)
		pause();
}

int serial_getc(u16 base)
{
	if (!uart_ok[slot(base)] || !(inb(base + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(base + UART_THR);
}
