/* The emulated platform the guest sees: the IO bus and its devices. Pure C. */
#ifndef DEVICES_BOARD_H
#define DEVICES_BOARD_H

#include "debug_exit.h"
#include "iobus.h"
#include "uart.h"

struct board {
	struct iobus bus;
	struct uart com1;
	struct debug_exit dbg;
};

/* tx receives every byte the guest transmits on COM1. */
void board_init(struct board *b, void (*tx)(void *ctx, u8 byte), void *tx_ctx);

#endif
