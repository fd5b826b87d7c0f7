/* 8259A pair helpers; see irq.h. Section names cite the Intel 8259A datasheet. */
#include "irq.h"

#define ICW3_MASTER_HAS_SLAVE_ON_IR2 (1u << PIC_CASCADE_IRQ)
#define ICW3_SLAVE_ID PIC_CASCADE_IRQ
#define ALL_MASKED 0xFFFFu

/* "Initialization Command Words": ICW1 starts the sequence on each chip; ICW2 the vector base,
 * ICW3 the cascade wiring, ICW4 8086 mode (normal EOI). ICW1 clears IMR: mask afterwards. */
void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC1_VECTOR);
	outb(PIC2_DATA, PIC2_VECTOR);
	outb(PIC1_DATA, ICW3_MASTER_HAS_SLAVE_ON_IR2);
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	pic_set_mask(ALL_MASKED);
}

void pic_set_mask(u16 mask)
{
	outb(PIC1_DATA, (u8)mask);
	outb(PIC2_DATA, (u8)(mask >> 8));
}

u16 pic_get_mask(void) { return (u16)(inb(PIC1_DATA) | inb(PIC2_DATA) << 8); }

void pic_mask(u32 irq) { pic_set_mask((u16)(pic_get_mask() | 1u << irq)); }

void pic_unmask(u32 irq)
{
	u16 m = (u16)(pic_get_mask() & ~(1u << irq));
	if (irq >= 8)
		m &= (u16)~(1u << PIC_CASCADE_IRQ);
	pic_set_mask(m);
}

/* "Reading the 8259A Status": OCW3 selects IRR or ISR for the following reads of the command port. */
static u16 read_reg(u8 ocw3)
{
	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	return (u16)(inb(PIC1_CMD) | inb(PIC2_CMD) << 8);
}

u16 pic_read_irr(void) { return read_reg(OCW3_READ_IRR); }
u16 pic_read_isr(void) { return read_reg(OCW3_READ_ISR); }

/* "Poll Command": the next read is the poll word and acts as the interrupt acknowledge. */
u8 pic_poll(u16 cmd_port)
{
	outb(cmd_port, OCW3_POLL);
	return inb(cmd_port);
}

void pic_eoi(u32 irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

void pic_eoi_specific(u32 irq)
{
	if (irq >= 8) {
		outb(PIC2_CMD, (u8)(OCW2_SPECIFIC_EOI | (irq - 8)));
		outb(PIC1_CMD, OCW2_SPECIFIC_EOI | PIC_CASCADE_IRQ);
		return;
	}
	outb(PIC1_CMD, (u8)(OCW2_SPECIFIC_EOI | irq));
}
