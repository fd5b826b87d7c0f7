/*
 * 16550A UART at 0x3F8 (register map: TI PC16550D datasheet, table 2).
 * First part: every register reads and writes as the datasheet says, the
 * transmitter hands each byte to the console at once (so THR is always empty);
 * the receive path, FIFOs with trigger levels and interrupts come with the
 * devices issue. Pure C.
 */
#ifndef DEVICES_UART_H
#define DEVICES_UART_H

#include "iobus.h"

#define UART_COM1_BASE 0x3f8
#define UART_PORTS 8

struct uart {
	u8 ier, lcr, mcr, scr, fcr, msr;
	u8 dll, dlm;
	void *tx_ctx;
	void (*tx)(void *ctx, u8 byte);
	u64 tx_bytes;
	struct io_device io;
};

void uart_init(struct uart *u, u16 base, void (*tx)(void *ctx, u8 byte), void *tx_ctx);

#endif
