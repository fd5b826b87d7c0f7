/*
 * Console guest (microhv-only, not an oracle: it waits for typed input): shows that bytes typed
 * on the physical console reach the guest's COM1 receiver with interrupts. It prints a prompt,
 * takes received-data interrupts on IRQ4 (PC16550D: IER bit 0, IIR 0x4 or the character timeout
 * 0xC), echoes each line back as "echo: got '<line>'", and ends with code 0 after the line
 * "quit" (or after 8 lines).
 */
#include "lib/irq.h"

#define UART_BASE 0x3f8
#define UART_RBR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_DR 0x01
#define IER_RDI 0x01
#define IIR_NO_INT 0x01
#define MCR_DTR_RTS_OUT2 0x0b
#define UART_IRQ 4
#define LINE_MAX 64
#define LINES_MAX 8

static volatile char line[LINE_MAX];
static volatile u32 len;
static volatile u32 ready; /* a whole line is in `line` */
static volatile u32 irqs;

static void uart_irq(u32 irq)
{
	irqs++;
	while (!(inb(UART_BASE + UART_IIR) & IIR_NO_INT)) {
		while (inb(UART_BASE + UART_LSR) & UART_LSR_DR) {
			char c = (char)inb(UART_BASE + UART_RBR);
			if (ready)
				continue; /* the main line has not taken the last line yet: drop */
			if (c == '\r' || c == '\n') {
				if (len)
					ready = 1;
			} else if (len < LINE_MAX - 1) {
				line[len++] = c;
			}
		}
	}
	pic_eoi(irq);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	cpu_tables_init();
	pic_init();
	irq_register(UART_IRQ, uart_irq);
	outb(UART_BASE + UART_MCR, MCR_DTR_RTS_OUT2);
	outb(UART_BASE + UART_IER, IER_RDI);
	pic_unmask(UART_IRQ);
	for (u32 n = 0; n < LINES_MAX; n++) {
		gprintf("echo: ready, type a line\n");
		while (!ready)
			sti_hlt();
		cli();
		char copy[LINE_MAX];
		u32 k = len;
		for (u32 i = 0; i < k; i++)
			copy[i] = line[i];
		copy[k] = 0;
		len = 0;
		ready = 0;
		gprintf("echo: got '%s' (%u bytes, %s IRQ4)\n", copy, k, irqs ? "with" : "without");
		if (k == 4 && copy[0] == 'q' && copy[1] == 'u' && copy[2] == 'i' && copy[3] == 't')
			break;
	}
	gprintf("echo: bye\n");
	guest_exit(0);
}
