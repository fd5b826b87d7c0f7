/* The 8259A test fixture; see pic_fixture.h. */
#include "unit.h"

#include "pic_fixture.h"

struct pic_pair pic;
struct iobus bus;

void outb(u16 port, u8 v) { iobus_out(&bus, port, 1, v); }
u8 inb(u16 port) { return (u8)iobus_in(&bus, port, 1); }

u8 master_irr(void) { outb(M_CMD, OCW3_READ_IRR); return inb(M_CMD); }
u8 master_isr(void) { outb(M_CMD, OCW3_READ_ISR); return inb(M_CMD); }
u8 slave_irr(void) { outb(S_CMD, OCW3_READ_IRR); return inb(S_CMD); }
u8 slave_isr(void) { outb(S_CMD, OCW3_READ_ISR); return inb(S_CMD); }

void init_chip(u16 cmd, u8 icw1, u8 icw2, u8 icw3, u8 icw4)
{
	outb(cmd, icw1);
	outb(cmd + 1, icw2);
	if (!(icw1 & 0x02))
		outb(cmd + 1, icw3);
	if (icw1 & 0x01)
		outb(cmd + 1, icw4);
}

void linux_init(u8 master_icw4, u8 slave_icw4)
{
	outb(M_DATA, 0xff);
	outb(S_DATA, 0xff);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, master_icw4);
	init_chip(S_CMD, ICW1_LINUX, S_BASE, 0x02, slave_icw4);
	outb(M_DATA, 0x00);
	outb(S_DATA, 0x00);
}

static void attach(void)
{
	pic_init(&pic);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &pic.io_master), 0);
	assert_int_equal(iobus_register(&bus, &pic.io_slave), 0);
	assert_int_equal(iobus_register(&bus, &pic.io_elcr), 0);
}

int setup_bare(void **state)
{
	attach();
	return 0;
}

int setup_linux(void **state)
{
	attach();
	linux_init(ICW4_8086, ICW4_8086);
	return 0;
}

void pulse(unsigned irq)
{
	pic_set_irq(&pic, irq, true);
	pic_set_irq(&pic, irq, false);
}
