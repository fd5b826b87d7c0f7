/* Platform assembly: which device sits at which ports and drives which IRQ line. */
#include "board.h"

void board_init(struct board *b, void (*tx)(void *ctx, u8 byte), void *tx_ctx, const struct dev_clock *clock)
{
	b->clock = *clock;
	iobus_init(&b->bus);
	uart_init(&b->com1, UART_COM1_BASE, tx, tx_ctx);
	debug_exit_init(&b->dbg);
	/* fixed, non-overlapping ranges: registration cannot fail */
	iobus_register(&b->bus, &b->com1.io);
	iobus_register(&b->bus, &b->dbg.io);
}

void board_tick(struct board *b) {}

u64 board_next_deadline(const struct board *b) { return CLOCK_NEVER; }

bool board_irq_pending(const struct board *b) { return false; }

int board_irq_acknowledge(struct board *b) { return -1; }

bool board_console_input(struct board *b, u8 byte) { return false; }
