/*
 * COM1 as a faithful 16550 needs it: the line format is programmed before the first byte (a
 * 16550 sends 5-bit words until LCR is set), the FIFO is on (without it back-to-back THR
 * writes are lost), and each byte waits for LSR.THRE.
 */
#include "guest.h"

#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR 0x07 /* enable, clear receive and transmit FIFOs */
#define MCR_DTR_RTS 0x03
#define DIVISOR_115200 1

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, DIVISOR_115200 & 0xFF);
	outb(COM1 + UART_DLM, DIVISOR_115200 >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

static void put_raw(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}

void uart_putc(char c)
{
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void uart_flush(void)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_TEMT))
		;
}
