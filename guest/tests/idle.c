/*
 * Benchmark guest (not an oracle): PIT channel 0 at 100 Hz, IRQ0 counted by the guest's
 * handler until 200 ticks, waiting in STI; HLT — or, with the argument "spin", spinning on
 * PAUSE with interrupts on. scripts/bench_idle.sh runs both under microhv and compares the
 * hypervisor's root-mode time per tick: a halted guest should cost the host no busy loop.
 */
#include "lib/irq.h"

#define RATE_HZ 100
#define TICKS 200
#define IRQ_PIT 0

static volatile u32 ticks;

static void on_tick(u32 irq)
{
	ticks++;
	pic_eoi(irq);
}

void guest_main(u32 magic, u32 mbi)
{
	cpu_tables_init();
	bool spin = guest_first_arg_is(magic, mbi, "spin");
	gprintf("idle: start, %s on %u ticks at %u Hz\n", spin ? "spinning" : "halting", TICKS, RATE_HZ);
	pic_init();
	irq_register(IRQ_PIT, on_tick);
	pit_periodic(RATE_HZ);
	pic_unmask(IRQ_PIT);
	cli();
	if (spin) {
		sti();
		while (ticks < TICKS)
			cpu_pause();
		cli();
	} else {
		while (ticks < TICKS)
			sti_hlt(), cli();
	}
	pic_mask(IRQ_PIT);
	gprintf("idle: %u ticks\n", ticks);
	guest_exit(0);
}
