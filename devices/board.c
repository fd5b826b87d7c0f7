/* Platform assembly: which device sits at which ports. */
#include "board.h"

void board_init(struct board *b, void (*tx)(void *ctx, u8 byte), void *tx_ctx)
{
	iobus_init(&b->bus);
	uart_init(&b->com1, UART_COM1_BASE, tx, tx_ctx);
	debug_exit_init(&b->dbg);
	/* fixed, non-overlapping ranges: registration cannot fail */
	iobus_register(&b->bus, &b->com1.io);
	iobus_register(&b->bus, &b->dbg.io);
}
