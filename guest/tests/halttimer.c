/*
 * Oracle guest: a guest that sleeps on the timer. PIT channel 0 runs at 100 Hz (mode 2) and the
 * guest executes STI; HLT 50 times with only IRQ0 unmasked: each HLT must end with a tick (the
 * handler ran, the counter advanced) and never without one. Under microhv the guest sleeps in
 * the HLT activity state until the VMX-preemption timer reaches the PIT's next deadline.
 */
#include "lib/irq.h"

#define RATE_HZ 100
#define HALTS 50
#define IRQ_PIT 0

static volatile u32 ticks;

static void on_tick(u32 irq)
{
	ticks++;
	pic_eoi(irq);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	cpu_tables_init();
	gprintf("halttimer: start, multiboot magic 0x%08x\n", magic);
	pic_init();
	irq_register(IRQ_PIT, on_tick);
	pit_periodic(RATE_HZ);
	pic_unmask(IRQ_PIT);
	u32 wakeups = 0, idle_wakeups = 0;
	cli();
	u32 first = ticks;
	for (u32 i = 0; i < HALTS; i++) {
		u32 t = ticks;
		sti_hlt();
		cli();
		if (ticks != t)
			wakeups++;
		else
			idle_wakeups++;
	}
	u32 n = ticks - first;
	pic_mask(IRQ_PIT);
	gprintf("halttimer: %u wakeups, %u ticks\n", wakeups, n);
	gprintf("halttimer: HLTs that ended without a tick: %u, unexpected IRQs: %u\n", idle_wakeups,
		irq_unexpected());
	gprintf("halttimer: bye\n");
	guest_exit(wakeups == HALTS && n == HALTS && idle_wakeups == 0 && irq_unexpected() == 0 ? 0 : 1);
}
