/* The runtime's GDT and IDT and the C side of the interrupt stubs (isr.asm); see irq.h. */
#include "irq.h"

#define IDT_ENTRIES 256
#define EXCEPTION_VECTORS 32
#define PIC_IRQS 16
#define GATE_INTERRUPT32 0x8E /* present, DPL 0, 32-bit interrupt gate: IF is cleared on entry */
#define UART_MCR_DTR_RTS 0x03

/* What isr_common leaves on the stack, lowest address first. */
struct isr_frame {
	u32 edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax; /* PUSHAD */
	u32 vector, error;
	u32 eip, cs, eflags; /* pushed by the processor (same privilege: no SS:ESP) */
};

struct __attribute__((packed)) table_ptr {
	u16 limit;
	u32 base;
};

struct idt_gate {
	u16 offset_lo, selector;
	u8 zero, type;
	u16 offset_hi;
};

/* Null, flat 4 GiB ring-0 code (execute/read) and data (read/write), 32-bit, 4 KiB granular. */
static const u64 gdt[] __attribute__((aligned(8))) = {
	0,
	0x00CF9A000000FFFFull,
	0x00CF92000000FFFFull,
};
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(8)));
static irq_handler_fn handlers[PIC_IRQS];
static volatile u32 unexpected;

extern const u32 isr_stubs[EXCEPTION_VECTORS + PIC_IRQS];
void isr_dispatch(struct isr_frame *f);

static void set_gate(u32 vector, u32 handler)
{
	idt[vector] = (struct idt_gate){(u16)handler, GDT_CODE_SEL, 0, GATE_INTERRUPT32, (u16)(handler >> 16)};
}

void cpu_tables_init(void)
{
	static const struct table_ptr gdtr = {sizeof(gdt) - 1, (u32)(uintptr_t)gdt};
	cli();
	__asm__ volatile("lgdt %0\n\t"
	                 "ljmp %1, $1f\n"
	                 "1:\n\t"
	                 "movw %2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "movw %%ax, %%ss"
	                 : : "m"(gdtr), "i"(GDT_CODE_SEL), "i"(GDT_DATA_SEL) : "eax", "memory");
	for (u32 v = 0; v < EXCEPTION_VECTORS; v++)
		set_gate(v, isr_stubs[v]);
	for (u32 i = 0; i < PIC_IRQS; i++)
		set_gate(PIC1_VECTOR + i, isr_stubs[EXCEPTION_VECTORS + i]);
	static struct table_ptr idtr;
	idtr = (struct table_ptr){sizeof(idt) - 1, (u32)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

void irq_register(u32 irq, irq_handler_fn fn)
{
	if (irq < PIC_IRQS)
		handlers[irq] = fn;
}

u32 irq_unexpected(void) { return unexpected; }

/* An exception in a test guest is a bug: say which and stop. The UART may be in loopback or
 * have interrupts on (uartirq); the report must reach the console. */
static __attribute__((noreturn)) void exception(const struct isr_frame *f)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
	gprintf("exception: vector %u, error code 0x%x, at eip 0x%08x\n", f->vector, f->error, f->eip);
	guest_exit(EXCEPTION_EXIT_CODE);
}

void isr_dispatch(struct isr_frame *f)
{
	if (f->vector < EXCEPTION_VECTORS)
		exception(f);
	u32 irq = f->vector - PIC1_VECTOR;
	if (irq < PIC_IRQS && handlers[irq]) {
		handlers[irq](irq);
		return;
	}
	/* No handler: count it; a spurious IR7/IR15 (ISR bit clear) takes no EOI on its chip. */
	unexpected++;
	u16 isr = pic_read_isr();
	if (irq >= 8 && (isr & (1u << irq)))
		outb(PIC2_CMD, OCW2_EOI);
	if (irq >= 8 || (isr & (1u << irq)))
		outb(PIC1_CMD, OCW2_EOI);
}
