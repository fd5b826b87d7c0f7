/*
 * The emulated platform the guest sees (DESIGN.md section 4): the IO bus and
 * its devices, their IRQ lines into the PIC pair, and their deadlines. The
 * vCPU side (vmx/) talks to the board only through the functions below. Pure C.
 */
#ifndef DEVICES_BOARD_H
#define DEVICES_BOARD_H

#include "clock.h"
#include "debug_exit.h"
#include "iobus.h"
#include "pic.h"
#include "pit.h"
#include "reset.h"
#include "rtc.h"
#include "sysport.h"
#include "uart.h"

struct board {
	struct iobus bus;
	struct dev_clock clock;
	struct pic_pair pic;
	struct irq_sink irq;
	struct pit pit;
	struct sysport sys;
	struct uart com1;
	struct debug_exit dbg;
	struct rtc rtc;
	struct reset_dev reset;
	u64 deadline;   /* the devices' next deadline, as of the last tick */
	u32 timed_mask; /* iobus touched bits of the devices that keep time (PIT, port 0x61, UART) */
	bool retick;    /* something other than a port access changed a timed device */
};

/* tx receives every byte the guest transmits on COM1; clock is the guest's time. */
struct board_params {
	u64 wall_clock_epoch; /* seconds since 1970 at clock time 0, for the RTC */
	u64 guest_ram;        /* bytes, for the CMOS memory-size fields */
};

void board_init(struct board *b, void (*tx)(void *ctx, u8 byte), void *tx_ctx, const struct dev_clock *clock,
                const struct board_params *params);
/* Time passed: devices raise what is due. Called at every VM exit. */
void board_tick(struct board *b);
/* The next time a device needs a tick (CLOCK_NEVER: none). */
u64 board_next_deadline(const struct board *b);
/* The PIC's INT output, and the INTA cycle that returns the vector. */
bool board_irq_pending(const struct board *b);
int board_irq_acknowledge(struct board *b);
/* The IRQ line (0..15) board_irq_acknowledge would take now, -1 for none. */
int board_irq_line(const struct board *b);
/* Whether IRQ line `line` is in service at the PIC (its handler has not sent the EOI). */
bool board_irq_in_service(const struct board *b, int line);
/* A byte typed on the physical console, for the guest's COM1; false when it cannot take it now. */
bool board_console_input(struct board *b, u8 byte);

/* The guest asked for a reset (0xCF9, the keyboard controller, port 0x92): its run is over. */
static inline bool board_reset_requested(const struct board *b, const char **how)
{
	if (b->reset.requested && how)
		*how = b->reset.how;
	return b->reset.requested;
}

#endif
