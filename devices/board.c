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
	b->timed_mask = 0;
	for (u32 i = 0; i < b->bus.count; i++)
		if (b->bus.dev[i] == &b->pit.io || b->bus.dev[i] == &b->sys.io_b || b->bus.dev[i] == &b->com1.io ||
		    b->bus.dev[i] == &b->pic.io_master || b->bus.dev[i] == &b->pic.io_elcr) /* IRR, see below */
			b->timed_mask |= 1u << i;
	b->retick = true;
	board_tick(b);
}

/* IRQ0's request is still in the master's IRR, edge-triggered: a further rising edge of the
 * PIT's OUT would be lost ("the IRR ... stores all the interrupt levels which are requesting
 * service", one bit per input; 8259A datasheet, 231468), so its deadlines need no exit until the
 * request is acknowledged (board_irq_acknowledge) or cleared through the PIC's ports (a timed
 * device for board_tick); the next look at the PIT coalesces the rises in between. */
static bool pit_request_pending(const struct board *b)
{
	u8 bit = (u8)(1u << PIT_IRQ);
	return (b->pic.master.irr & bit) && !(b->pic.master.elcr & bit);
}

/* Ticks the timed devices when a deadline passed or the guest touched one of them since the
 * last tick (a new count, a gate, a received byte may move the deadline); otherwise nothing is
 * due and the cached deadline stands. Most exits take the early return. */
void board_tick(struct board *b)
{
	if (!b->retick && !(b->bus.touched & b->timed_mask) && clock_now(&b->clock) < b->deadline)
		return;
	b->retick = false;
	b->bus.touched = 0;
	pit_tick(&b->pit);
	uart_tick(&b->com1);
	u64 a = pit_request_pending(b) ? CLOCK_NEVER : pit_next_deadline(&b->pit), c = uart_next_deadline(&b->com1);
	b->deadline = a < c ? a : c;
}

u64 board_next_deadline(const struct board *b) { return b->deadline; }

bool board_irq_pending(const struct board *b) { return pic_has_interrupt(&b->pic); }

int board_irq_line(const struct board *b) { return pic_pending_irq(&b->pic); }

bool board_irq_in_service(const struct board *b, int line) { return pic_in_service(&b->pic, line); }

/* The INTA cycle. Rises of OUT up to now met IRQ0's pending request and are lost with it; from
 * here on they count again, so the PIT's deadline is the board's again. */
int board_irq_acknowledge(struct board *b)
{
	pit_tick(&b->pit);
	int vector = pic_acknowledge(&b->pic);
	b->retick = true;
	board_tick(b);
	return vector;
}

bool board_console_input(struct board *b, u8 byte)
{
	b->retick = true; /* a received byte starts the UART's character timeout */
	return uart_rx_ready(&b->com1) && uart_receive(&b->com1, byte);
}

