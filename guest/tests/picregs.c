/*
 * Oracle guest: the 8259A pair's registers read back through the ports, with the CPU's
 * interrupts off throughout (the PIC only collects requests; nothing is delivered):
 *  - IMR after initialisation (ICW1 clears it) and for several written masks;
 *  - IRR and ISR through OCW3 with nothing pending (the PIT is first made quiet: mode 0 with
 *    the longest count keeps IRQ0 low for 55 ms, far longer than the reads take);
 *  - a request latched in IRR by the PIT (mode 2, a short period) while IRQ0 is masked, then
 *    the poll word once it is unmasked (bit 7 set, level 0), ISR after the poll acknowledged
 *    it, after a non-specific EOI and, for a second poll, after a specific EOI;
 *  - priority: with IRQ0 in service a pending IRQ4 (the UART's THRE interrupt) is held off,
 *    and the poll finds nothing; after the EOI it is IRQ4's turn.
 * Every value printed is a register state the datasheet defines; no timing is printed.
 */
#include "lib/irq.h"

#define QUIET_COUNT 0xFFFF /* mode 0: OUT low for 55 ms */
#define SHORT_COUNT 200    /* mode 2: a rising edge on IRQ0 every 168 us */
#define WAIT_LIMIT 1000000 /* reads before giving up on a request that never comes */
#define ATTEMPTS 3
#define PIT_MODE_0 0
#define PIT_MODE_2 2
#define IRQ_PIT 0
#define IRQ_COM1 4
#define UART_IER_THRE 0x02
#define UART_MCR_OUT2 0x08
#define UART_MCR_DTR_RTS 0x03

static u32 failures;

static void expect(const char *what, u32 got, u32 want)
{
	gprintf("picregs: %s 0x%02x\n", what, got);
	if (got != want) {
		gprintf("picregs: ^ expected 0x%02x\n", want);
		failures++;
	}
}

/* Polls IRR until all of bits are set; returns whether they came. */
static bool wait_irr(u16 bits)
{
	for (u32 i = 0; i < WAIT_LIMIT; i++)
		if ((pic_read_irr() & bits) == bits)
			return true;
	return false;
}

struct quiet {
	u8 imr1, imr2, first1, first2, again;
	u16 irr, isr;
};

/* Initialises the pair with IRQ0 held low and reads its state at once; true if all is zero. */
static bool quiet_state(struct quiet *q)
{
	pit_program(0, PIT_RW_WORD, PIT_MODE_0, false, QUIET_COUNT);
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC1_VECTOR);
	outb(PIC2_DATA, PIC2_VECTOR);
	outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	q->imr1 = inb(PIC1_DATA);
	q->imr2 = inb(PIC2_DATA);
	q->first1 = inb(PIC1_CMD); /* IRR is selected after ICW1 */
	q->first2 = inb(PIC2_CMD);
	q->irr = pic_read_irr();
	q->isr = pic_read_isr();
	q->again = inb(PIC1_CMD); /* OCW3's choice (ISR) stays for later reads */
	return !(q->imr1 | q->imr2 | q->first1 | q->first2 | q->again | q->irr | q->isr);
}

static void check_mask(const char *chip, u16 port, u8 v)
{
	outb(port, v);
	u8 got = inb(port);
	gprintf("picregs: %s IMR after writing 0x%02x: 0x%02x\n", chip, v, got);
	if (got != v)
		failures++;
}

static void masks(void)
{
	static const u8 master[] = {0xFF, 0x00, 0xA5, 0x5A, 0xFB};
	static const u8 slave[] = {0xFF, 0x00, 0x3C, 0xC3};
	for (u32 i = 0; i < sizeof(master); i++)
		check_mask("master", PIC1_DATA, master[i]);
	for (u32 i = 0; i < sizeof(slave); i++)
		check_mask("slave", PIC2_DATA, slave[i]);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	cpu_tables_init();
	gprintf("picregs: start, multiboot magic 0x%08x\n", magic);

	/* Quiet first: IRQ0 low, no UART interrupt, then a fresh initialisation (clears IRR). The
	 * reads take microseconds; should the host stall the bare run for 55 ms in between, the
	 * PIT's edge shows in IRR: try again (a device that is wrong is wrong every time). */
	struct quiet q;
	for (u32 attempt = 0; attempt < ATTEMPTS && !quiet_state(&q); attempt++)
		;
	expect("master IMR after init:", q.imr1, 0x00);
	expect("slave IMR after init:", q.imr2, 0x00);
	expect("master command port after init (IRR):", q.first1, 0x00);
	expect("slave command port after init (IRR):", q.first2, 0x00);
	expect("master IRR, nothing pending:", q.irr & 0xFF, 0x00);
	expect("slave IRR, nothing pending:", q.irr >> 8, 0x00);
	expect("master ISR, nothing in service:", q.isr & 0xFF, 0x00);
	expect("slave ISR, nothing in service:", q.isr >> 8, 0x00);
	expect("master command port read again (ISR):", q.again, 0x00);
	masks();

	/* A request without CPU interrupts: IF stays 0; the PIT latches IRQ0 in IRR, masked. */
	pic_set_mask(0xFFFF);
	pit_program(0, PIT_RW_WORD, PIT_MODE_2, false, SHORT_COUNT);
	bool came = wait_irr(1u << IRQ_PIT);
	expect("IRR bit 0 with IRQ0 masked:", pic_read_irr() & 1, 1);
	expect("master ISR before any acknowledge:", pic_read_isr() & 0xFF, 0x00);
	if (!came)
		failures++;
	pic_unmask(IRQ_PIT);
	u8 poll = pic_poll(PIC1_CMD);
	u8 isr_after_poll = (u8)pic_read_isr();
	outb(PIC1_CMD, OCW2_EOI);
	u8 isr_after_eoi = (u8)pic_read_isr();
	expect("poll word with IRQ0 unmasked:", poll, POLL_INT | IRQ_PIT);
	expect("master ISR after the poll:", isr_after_poll, 0x01);
	expect("master ISR after a non-specific EOI:", isr_after_eoi, 0x00);
	wait_irr(1u << IRQ_PIT);
	poll = pic_poll(PIC1_CMD);
	isr_after_poll = (u8)pic_read_isr();
	outb(PIC1_CMD, OCW2_SPECIFIC_EOI | 3); /* another level: IRQ0 stays in service */
	u8 isr_wrong_eoi = (u8)pic_read_isr();
	outb(PIC1_CMD, OCW2_SPECIFIC_EOI | IRQ_PIT);
	isr_after_eoi = (u8)pic_read_isr();
	expect("second poll word:", poll, POLL_INT | IRQ_PIT);
	expect("master ISR after the second poll:", isr_after_poll, 0x01);
	expect("master ISR after a specific EOI for level 3:", isr_wrong_eoi, 0x01);
	expect("master ISR after a specific EOI for level 0:", isr_after_eoi, 0x00);

	/* Priority: IRQ0 in service holds off IRQ4; masking IRQ0 afterwards keeps the PIT's next
	 * edges out of the way. */
	pic_set_mask((u16)~((1u << IRQ_PIT) | (1u << IRQ_COM1)));
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
	outb(COM1 + UART_IER, UART_IER_THRE); /* THR is empty: THRE interrupt at once */
	came = wait_irr((1u << IRQ_PIT) | (1u << IRQ_COM1));
	u8 irr_both = (u8)(pic_read_irr() & ((1u << IRQ_PIT) | (1u << IRQ_COM1)));
	u8 poll1 = pic_poll(PIC1_CMD);
	pic_mask(IRQ_PIT);
	u8 poll2 = pic_poll(PIC1_CMD);
	u8 isr1 = (u8)pic_read_isr();
	outb(PIC1_CMD, OCW2_SPECIFIC_EOI | IRQ_PIT);
	u8 poll3 = pic_poll(PIC1_CMD);
	u8 isr2 = (u8)pic_read_isr();
	outb(PIC1_CMD, OCW2_EOI);
	u8 isr3 = (u8)pic_read_isr();
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
	pic_set_mask(0xFFFF);
	if (!came)
		failures++;
	expect("IRR bits 0 and 4, both requested:", irr_both, 0x11);
	expect("poll word, IRQ0 before IRQ4:", poll1, POLL_INT | IRQ_PIT);
	expect("poll word bit 7, IRQ4 held off by IRQ0 in service:", poll2 & POLL_INT, 0);
	expect("master ISR with IRQ0 in service:", isr1, 0x01);
	expect("poll word after IRQ0's EOI:", poll3, POLL_INT | IRQ_COM1);
	expect("master ISR with IRQ4 in service:", isr2, 0x10);
	expect("master ISR after a non-specific EOI:", isr3, 0x00);

	pit_program(0, PIT_RW_WORD, PIT_MODE_0, false, QUIET_COUNT);
	gprintf("picregs: %u failures\n", failures);
	gprintf("picregs: bye\n");
	guest_exit(failures ? 1 : 0);
}
