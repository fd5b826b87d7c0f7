/*
 * Oracle guest: the PIT's periodic IRQ0 taken through the guest's own IDT.
 *  - mode 2 at 1000 Hz: the guest sleeps in STI; HLT until its handler has counted 100 ticks;
 *    each handler must find IRQ0, and only IRQ0, in service (ISR = 0x0001) and sends an EOI;
 *  - IRQ0 masked with interrupts on: no tick arrives while the PIT reloads 5 times (watched
 *    through the counter, between reads of port 0x80) and until IRR has latched the request;
 *    it is delivered as soon as IRQ0 is unmasked;
 *  - a second rate, 2000 Hz, written while the counter runs: 40 ticks, and every handler reads
 *    a count within the new, shorter period.
 *  - priority through delivery (1000 Hz again, COM1's THRE interrupt as a second source on
 *    IRQ4): IRQ0 nests inside IRQ4's handler once that handler sets IF (ISR then 0x0011);
 *    IRQ4 raised inside IRQ0's handler with IF set is held off by IRQ0 in service, and is
 *    delivered once IRQ0's handler has sent its EOI and returned.
 * Tick counts are the loops' own targets (met, not timed), so nothing depends on speed.
 */
#include "lib/irq.h"

#define RATE1_HZ 1000
#define TICKS1 100
#define RATE2_HZ 2000
#define TICKS2 40
#define MASKED_PERIODS 5
#define IRQ_PIT 0
#define WAIT_LIMIT 10000000u
#define IRQ_COM1 4
#define UART_IIR 2
#define UART_IER_THRE 0x02
#define UART_MCR_DTR_RTS 0x03
#define UART_MCR_DTR_RTS_OUT2 0x0B
#define HOLD_READS 200 /* port 0x80 reads IRQ0's handler waits with IF set */
#define DELIVERY_TICKS 50

static volatile u32 ticks, isr_wrong, count_over;
static volatile u16 count_limit; /* 0: the handler does not read the counter */
enum { PRIO_OFF, PRIO_NEST, PRIO_HOLD, PRIO_HELD }; /* phases of the priority part */
static volatile u32 prio, in_irq0, in_irq4, irq4_calls, irq4_during_irq0, nested_ticks, isr_nested_wrong;

/* THR is empty: enabling its interrupt raises IRQ4 at once (OUT2 lets it through). */
static void raise_irq4(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_IER, UART_IER_THRE);
}

static void on_com1(u32 irq)
{
	irq4_calls++;
	if (in_irq0)
		irq4_during_irq0++;
	(void)inb(COM1 + UART_IIR); /* reading IIR while it names THRE clears it */
	outb(COM1 + UART_IER, 0);
	if (prio == PRIO_NEST) {
		prio = PRIO_OFF;
		in_irq4 = 1;
		u32 t = ticks;
		sti();
		for (u32 i = 0; i < WAIT_LIMIT && ticks == t; i++)
			cpu_pause();
		cli();
		nested_ticks += ticks - t;
		in_irq4 = 0;
	}
	pic_eoi(irq);
}

static void on_tick(u32 irq)
{
	u16 want = (u16)(1u << IRQ_PIT | (in_irq4 ? 1u << IRQ_COM1 : 0));
	if (pic_read_isr() != want) {
		isr_wrong++;
		if (in_irq4)
			isr_nested_wrong++;
	}
	if (prio == PRIO_HOLD) { /* IRQ4 now must wait for this handler's EOI */
		prio = PRIO_HELD;
		in_irq0 = 1;
		raise_irq4();
		sti();
		for (u32 i = 0; i < HOLD_READS; i++)
			(void)inb(POST_PORT);
		cli();
		in_irq0 = 0;
	}
	if (count_limit) {
		u16 c = pit_latch(0);
		if (c == 0 || c > count_limit)
			count_over++;
	}
	ticks++;
	pic_eoi(irq);
}

/* Sleeps until the handler has counted n more ticks; returns how many it counted. */
static u32 sleep_ticks(u32 n)
{
	cli();
	u32 start = ticks;
	while (ticks - start < n)
		sti_hlt(), cli();
	return ticks - start;
}

/* With IRQ0 masked: busy-waits, reading port 0x80, until the counter has reloaded n times. */
static u32 wait_reloads(u32 n)
{
	u32 seen = 0;
	u16 prev = pit_latch(0);
	for (u32 i = 0; i < WAIT_LIMIT && seen < n; i++) {
		(void)inb(POST_PORT);
		u16 c = pit_latch(0);
		if (c > prev) /* mode 2 counts down to 1, then reloads */
			seen++;
		prev = c;
	}
	return seen;
}

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	cpu_tables_init();
	gprintf("pitirq: start, multiboot magic 0x%08x\n", magic);
	pic_init();
	irq_register(IRQ_PIT, on_tick);
	pit_periodic(RATE1_HZ);
	pic_unmask(IRQ_PIT);
	u32 n1 = sleep_ticks(TICKS1);
	u32 wrong1 = isr_wrong;
	gprintf("pitirq: %u ticks at %u Hz\n", n1, RATE1_HZ);
	gprintf("pitirq: handlers that found ISR other than 0x0001: %u\n", wrong1);

	pic_mask(IRQ_PIT);
	u32 before = ticks;
	sti();
	u32 periods = wait_reloads(MASKED_PERIODS);
	/* The request may trail the counter: bare QEMU raises IRQ0 from a host timer, late when the
	 * host is busy. Wait for it too; it must not get through the mask either. */
	u16 irr = 0;
	for (u32 i = 0; i < WAIT_LIMIT && !irr; i++)
		irr = pic_read_irr() & 1u << IRQ_PIT;
	cli();
	u32 masked = ticks - before;
	pic_unmask(IRQ_PIT);
	before = ticks;
	sti_nop_cli();
	u32 delivered = ticks - before;
	gprintf("pitirq: IRQ0 masked for %u periods: %u ticks, IRR bit 0 %u\n", periods, masked, irr);
	gprintf("pitirq: after unmasking: the latched request delivered: %s\n", delivered >= 1 ? "yes" : "no");

	cli();
	pit_periodic(RATE2_HZ);
	count_limit = pit_count_for_hz(RATE2_HZ);
	u32 n2 = sleep_ticks(TICKS2);
	cli();
	count_limit = 0;
	gprintf("pitirq: %u ticks at %u Hz, counts above the new period: %u\n", n2, RATE2_HZ, count_over);

	/* priority through delivery */
	pit_periodic(RATE1_HZ);
	irq_register(IRQ_COM1, on_com1);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	pic_unmask(IRQ_COM1);
	prio = PRIO_NEST;
	raise_irq4(); /* IF is 0: delivered at the STI below */
	sti_nop_cli();
	u32 nest_calls = irq4_calls;
	prio = PRIO_HOLD;
	u32 t0 = ticks;
	while (irq4_calls == nest_calls && ticks - t0 < DELIVERY_TICKS) /* the next tick raises IRQ4 */
		sti_hlt(), cli();
	bool held_delivered = prio == PRIO_HELD && irq4_calls == nest_calls + 1;
	pic_mask(IRQ_COM1);
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
	gprintf("pitirq: IRQ0 nested inside IRQ4's handler once it set IF: %s, ISR there 0x0011: %s\n",
		nested_ticks >= 1 ? "yes" : "no", isr_nested_wrong == 0 ? "yes" : "no");
	gprintf("pitirq: IRQ4 raised in IRQ0's handler with IF set: held off until the EOI: %s, then delivered: %s\n",
		irq4_during_irq0 == 0 ? "yes" : "no", held_delivered ? "yes" : "no");

	pic_mask(IRQ_PIT);
	gprintf("pitirq: IRQ0 handlers that found another ISR than expected: %u, unexpected IRQs: %u\n", isr_wrong,
		irq_unexpected());
	bool good = n1 == TICKS1 && wrong1 == 0 && periods == MASKED_PERIODS && masked == 0 && irr &&
		    delivered >= 1 && n2 == TICKS2 && count_over == 0 && isr_wrong == 0 && irq_unexpected() == 0 &&
		    nested_ticks >= 1 && irq4_during_irq0 == 0 && held_delivered;
	gprintf("pitirq: bye\n");
	guest_exit(good ? 0 : 1);
}
