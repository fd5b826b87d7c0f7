/* Platform assembly: which device sits at which ports and drives which IRQ line. */
#include "board.h"

void board_init(struct board *b, void (*tx)(void *ctx, u8 byte), void *tx_ctx, const struct dev_clock *clock,
                const struct board_params *params)
{
	b->clock = *clock;
	iobus_init(&b->bus);
	pic_init(&b->pic);
	pic_irq_sink(&b->pic, &b->irq);
	pit_init(&b->pit, &b->clock, &b->irq);
	sysport_init(&b->sys, &b->pit, &b->clock);
	uart_init(&b->com1, UART_COM1_BASE, tx, tx_ctx);
	uart_set_irq(&b->com1, &b->irq, UART_COM1_IRQ);
	uart_set_clock(&b->com1, &b->clock);
	debug_exit_init(&b->dbg);
	rtc_init(&b->rtc, &b->clock, params->wall_clock_epoch);
	rtc_set_memory(&b->rtc, params->guest_ram);
	reset_init(&b->reset);
	/* fixed, non-overlapping ranges: registration cannot fail */
	const struct io_device *devs[] = {
		&b->pic.io_master, &b->pic.io_slave, &b->pic.io_elcr, &b->pit.io, &b->sys.io_b,
		&b->sys.io_post,   &b->com1.io,      &b->dbg.io,       &b->rtc.io,     &b->reset.io_cf9,
		&b->reset.io_kbc,  &b->reset.io_port92,
	};
	for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		iobus_register(&b->bus, devs[i]);
}

void board_tick(struct board *b)
{
	pit_tick(&b->pit);
	uart_tick(&b->com1);
}

u64 board_next_deadline(const struct board *b)
{
	u64 a = pit_next_deadline(&b->pit), c = uart_next_deadline(&b->com1);
	return a < c ? a : c;
}

bool board_irq_pending(const struct board *b) { return pic_has_interrupt(&b->pic); }

int board_irq_acknowledge(struct board *b) { return pic_acknowledge(&b->pic); }

bool board_console_input(struct board *b, u8 byte) { return uart_rx_ready(&b->com1) && uart_receive(&b->com1, byte); }

