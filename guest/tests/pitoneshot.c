/*
 * Oracle guest: the 8254's one-shot mode, read-back status and access modes.
 *  - channel 0, mode 0: once the count is loaded (the counter has moved), the read-back status
 *    is OUT 0, null count 0, RW 3, mode 0, binary; latched counts never increase; when the
 *    count runs out, OUT (polled through the status) goes to 1 and stays;
 *  - channel 2 with GATE high (port 0x61 bit 0), mode 0: port 0x61 bit 5 shows its OUT, 0
 *    while counting, 1 after the terminal count;
 *  - LSB-only and MSB-only access: each read returns one byte of the counter, the low byte
 *    (a count of 200: within 1..200) or the high byte (a count of 0x1000: within 0..0x10);
 *  - BCD: the status reports it;
 *  - mode 0 on channel 0 with IRQ0 unmasked delivers exactly one interrupt.
 * Lines that start with "(datasheet) " state what the 82C54 datasheet guarantees where QEMU's
 * i8254 (the bare-QEMU oracle) does not model it: null count, GATE pausing mode 0, BCD
 * counting. The oracle comparison leaves them out; under microhv each must say "yes".
 */
#include "lib/irq.h"

#define MODE_0 0
#define MODE_2 2
#define ONESHOT_COUNT 0x8000 /* 27 ms */
#define CH2_COUNT 0x1000     /* 3.4 ms */
#define LSB_COUNT 200
#define MSB_COUNT 0x1000
#define BCD_COUNT 0x5000     /* 5000 in BCD */
#define IRQ_COUNT 11932      /* 10 ms */
#define SAMPLES 20
#define READS 16
#define DELAY_READS 10
#define WAIT_LIMIT 50000000u
#define ATTEMPTS 3
#define STATUS_LOW_BITS 0x3F
/* Expected status bytes ("Status Byte": OUT, null count, RW1 RW0, M2 M1 M0, BCD) */
#define ST_MODE0_WORD 0x30      /* RW LSB then MSB, mode 0, binary */
#define ST_MODE0_BEFORE 0x70    /* the same, OUT 0 and null count 1 before a count is loaded */
#define ST_MODE0_DONE 0xB0      /* the same, OUT 1 after the terminal count */
#define ST_MODE2_LSB 0x14       /* bits 5..0: LSB only, mode 2 */
#define ST_MODE2_MSB 0x24       /* bits 5..0: MSB only, mode 2 */
#define ST_MODE2_WORD_BCD 0x35  /* bits 5..0: LSB then MSB, mode 2, BCD */
#define IRQ_PIT 0

static u32 failures;
static volatile u32 ticks, out_high_in_handler;

static void check(bool ok)
{
	if (!ok)
		failures++;
}

static const char *yes(bool b) { return b ? "yes" : "no"; }

static void delay(u32 reads)
{
	for (u32 i = 0; i < reads; i++)
		(void)inb(POST_PORT);
}

/* Waits until the counter moves: the count written has reached the counting element. */
static void wait_loaded(u32 ch)
{
	u16 first = pit_latch(ch);
	for (u32 i = 0; i < WAIT_LIMIT && pit_latch(ch) == first; i++)
		;
}

static bool wait_status_out(u32 ch)
{
	for (u32 i = 0; i < WAIT_LIMIT; i++)
		if (pit_status(ch) & PIT_STATUS_OUT)
			return true;
	return false;
}

static bool wait_port_b_out2(void)
{
	for (u32 i = 0; i < WAIT_LIMIT; i++)
		if (inb(PORT_B) & PORT_B_OUT2)
			return true;
	return false;
}

static bool bcd_valid(u16 v)
{
	for (int i = 0; i < 16; i += 4)
		if (((v >> i) & 0xF) > 9)
			return false;
	return true;
}

struct oneshot_result {
	u8 before, st, after, later;
	bool decreasing, out;
};

static bool oneshot_measure(struct oneshot_result *r)
{
	pit_control(0, PIT_RW_WORD, MODE_0, false);
	r->before = pit_status(0); /* datasheet: OUT low at once, null count until a count is loaded */
	outb(PIT_CH0, (u8)ONESHOT_COUNT);
	outb(PIT_CH0, (u8)(ONESHOT_COUNT >> 8));
	wait_loaded(0);
	r->st = pit_status(0);
	u16 s[SAMPLES];
	for (u32 i = 0; i < SAMPLES; i++) {
		s[i] = pit_latch(0);
		delay(DELAY_READS);
	}
	r->decreasing = s[SAMPLES - 1] < s[0];
	for (u32 i = 1; i < SAMPLES; i++)
		r->decreasing = r->decreasing && s[i] <= s[i - 1];
	r->out = wait_status_out(0);
	r->after = pit_status(0);
	delay(DELAY_READS);
	r->later = pit_status(0);
	return r->st == ST_MODE0_WORD && r->decreasing && r->out && r->after == ST_MODE0_DONE &&
	       r->later == ST_MODE0_DONE;
}

/* The samples take well under the 27 ms count; should the host stall the bare run for longer
 * in between, the count has run out: measure again (a device that is wrong is wrong every time). */
static void oneshot(void)
{
	struct oneshot_result r;
	bool good = false;
	for (u32 attempt = 0; attempt < ATTEMPTS && !good; attempt++)
		good = oneshot_measure(&r);
	gprintf("(datasheet) pitoneshot: status after the mode 0 control word, before the count, 0x70 (OUT 0, null count): %s\n",
		yes(r.before == ST_MODE0_BEFORE));
	gprintf("pitoneshot: mode 0 status once counting: 0x%02x\n", r.st);
	gprintf("pitoneshot: mode 0 latched counts, %u samples: decreasing: %s\n", SAMPLES, yes(r.decreasing));
	gprintf("pitoneshot: mode 0 OUT reached 1: %s, status then 0x%02x and later 0x%02x\n", yes(r.out), r.after,
		r.later);
	check(good);
}

static bool channel2_measure(u8 b, u8 *during, u8 *after)
{
	outb(PORT_B, (u8)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	pit_program(2, PIT_RW_WORD, MODE_0, false, CH2_COUNT);
	wait_loaded(2);
	*during = inb(PORT_B) & (PORT_B_OUT2 | PORT_B_SPEAKER | PORT_B_GATE2);
	bool out = wait_port_b_out2();
	*after = inb(PORT_B) & (PORT_B_OUT2 | PORT_B_SPEAKER | PORT_B_GATE2);
	return out && *during == PORT_B_GATE2 && *after == (PORT_B_OUT2 | PORT_B_GATE2);
}

static void channel2(void)
{
	u8 b = inb(PORT_B) & 0x0F, during = 0, after = 0;
	bool good = false;
	for (u32 attempt = 0; attempt < ATTEMPTS && !good; attempt++)
		good = channel2_measure(b, &during, &after);
	gprintf("pitoneshot: channel 2 mode 0, port 0x61 bits 5, 1, 0 while counting: 0x%02x\n", during);
	gprintf("pitoneshot: channel 2 OUT reached 1: %s, port 0x61 bits 5, 1, 0 then: 0x%02x\n",
		yes(after & PORT_B_OUT2), after);
	check(good);

	/* GATE low: mode 0 loads the count but does not count ("Gate Pin Operations Summary") */
	outb(PORT_B, (u8)(b & ~(PORT_B_SPEAKER | PORT_B_GATE2)));
	pit_program(2, PIT_RW_WORD, MODE_0, false, CH2_COUNT);
	delay(DELAY_READS);
	u16 a = pit_latch(2);
	delay(10 * DELAY_READS);
	u16 c = pit_latch(2);
	gprintf("(datasheet) pitoneshot: channel 2 mode 0 with GATE low holds its count: %s\n",
		yes(a == c && a == CH2_COUNT));
	outb(PORT_B, b & ~(PORT_B_SPEAKER | PORT_B_GATE2));
}

static void access_modes(void)
{
	pit_program(0, PIT_RW_LSB, MODE_2, false, LSB_COUNT);
	wait_loaded(0);
	u8 st = pit_status(0) & STATUS_LOW_BITS;
	bool in_range = true;
	for (u32 i = 0; i < READS; i++) {
		u8 v = inb(PIT_CH0);
		in_range = in_range && v >= 1 && v <= LSB_COUNT;
	}
	outb(PIT_CONTROL, PIT_RW_LATCH); /* Counter Latch command, channel 0 */
	u8 latched = inb(PIT_CH0);
	u8 next = inb(PIT_CH0); /* the latch was one byte: this is the live counter again */
	in_range = in_range && latched >= 1 && latched <= LSB_COUNT && next >= 1 && next <= LSB_COUNT;
	gprintf("pitoneshot: LSB-only mode 2, status bits 5..0 0x%02x, %u reads within 1..%u: %s\n", st, READS + 2,
		LSB_COUNT, yes(in_range));
	check(st == ST_MODE2_LSB && in_range);

	pit_program(0, PIT_RW_MSB, MODE_2, false, MSB_COUNT); /* writes only 0x10 */
	wait_loaded(0);
	st = pit_status(0) & STATUS_LOW_BITS;
	in_range = true;
	for (u32 i = 0; i < READS; i++)
		in_range = in_range && inb(PIT_CH0) <= (MSB_COUNT >> 8);
	gprintf("pitoneshot: MSB-only mode 2, status bits 5..0 0x%02x, %u reads within 0..0x%02x: %s\n", st, READS,
		MSB_COUNT >> 8, yes(in_range));
	check(st == ST_MODE2_MSB && in_range);

	pit_program(0, PIT_RW_WORD, MODE_2, true, BCD_COUNT);
	wait_loaded(0);
	st = pit_status(0) & STATUS_LOW_BITS;
	bool digits = true, within = true;
	for (u32 i = 0; i < SAMPLES; i++) {
		u16 v = pit_latch(0);
		digits = digits && bcd_valid(v);
		within = within && v >= 1 && v <= BCD_COUNT;
		delay(DELAY_READS);
	}
	gprintf("pitoneshot: BCD mode 2, status bits 5..0 0x%02x\n", st);
	gprintf("(datasheet) pitoneshot: BCD mode 2, %u latched counts all BCD digits within 1..5000: %s\n", SAMPLES,
		yes(digits && within));
	check(st == ST_MODE2_WORD_BCD);
}

static void on_tick(u32 irq)
{
	ticks++;
	if (pit_status(0) & PIT_STATUS_OUT)
		out_high_in_handler++;
	pic_eoi(irq);
}

/* A mode 0 count on channel 0: one rising edge of OUT, one interrupt; then channel 2 (GATE
 * high) times three more such periods, in which no second interrupt may come. */
static void oneshot_irq(void)
{
	cli();
	pit_program(0, PIT_RW_WORD, MODE_0, false, IRQ_COUNT); /* OUT low: no edge until the count ends */
	pic_init();                                            /* and no request left from before */
	irq_register(IRQ_PIT, on_tick);
	pic_unmask(IRQ_PIT);
	sti();
	/* the handler reads the status itself: the main line keeps off the PIT until it has run */
	bool out = false;
	for (u32 i = 0; i < WAIT_LIMIT && !out; i++)
		out = ticks != 0;
	u8 b = inb(PORT_B) & 0x0F;
	outb(PORT_B, (u8)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	pit_program(2, PIT_RW_WORD, MODE_0, false, 3 * IRQ_COUNT);
	wait_loaded(2);
	bool waited = wait_port_b_out2();
	cli();
	pic_mask(IRQ_PIT);
	outb(PORT_B, b & ~(PORT_B_SPEAKER | PORT_B_GATE2));
	gprintf("pitoneshot: mode 0 with IRQ0 unmasked: %u interrupt(s), OUT high in the handler: %s\n", ticks,
		yes(out_high_in_handler == ticks));
	check(out && waited && ticks == 1 && out_high_in_handler == 1 && irq_unexpected() == 0);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	cpu_tables_init();
	gprintf("pitoneshot: start, multiboot magic 0x%08x\n", magic);
	pic_init(); /* everything masked: the PIT's edges stay in IRR */
	oneshot();
	channel2();
	access_modes();
	oneshot_irq();
	gprintf("pitoneshot: unexpected IRQs: %u, failures: %u\n", irq_unexpected(), failures);
	gprintf("pitoneshot: bye\n");
	guest_exit(failures ? 1 : 0);
}
