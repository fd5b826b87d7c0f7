/*
 * devices/pic.c: the 8259A pair through its IO ports — the ICW sequence and its reset
 * effects, masks, IRR/ISR read-back, priority and rotation, every OCW2 command, poll,
 * special mask and special fully nested modes, AEOI, the cascade, edge vs level with
 * the ELCR, and the spurious IR7/IR15 acknowledges.
 */
#include "unit.h"

#include "devices/iobus.h"
#include "devices/pic.h"

#define M_CMD 0x20
#define M_DATA 0x21
#define S_CMD 0xa0
#define S_DATA 0xa1
#define ELCR_M 0x4d0
#define ELCR_S 0x4d1

#define ICW1_LINUX 0x11 /* edge, cascade, ICW4 needed */
#define ICW4_8086 0x01
#define ICW4_AEOI 0x03
#define M_BASE 0x20
#define S_BASE 0x28

#define OCW2_EOI 0x20
#define OCW2_SEOI(l) (0x60 | (l))
#define OCW2_ROTATE_EOI 0xa0
#define OCW2_ROTATE_AEOI_SET 0x80
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW2_SET_PRIORITY(l) (0xc0 | (l))
#define OCW2_ROTATE_SEOI(l) (0xe0 | (l))
#define OCW2_NOP 0x40
#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL 0x0c
#define OCW3_SET_SMM 0x68
#define OCW3_RESET_SMM 0x48

static struct pic_pair pic;
static struct iobus bus;

static void outb(u16 port, u8 v) { iobus_out(&bus, port, 1, v); }
static u8 inb(u16 port) { return (u8)iobus_in(&bus, port, 1); }

static u8 master_irr(void) { outb(M_CMD, OCW3_READ_IRR); return inb(M_CMD); }
static u8 master_isr(void) { outb(M_CMD, OCW3_READ_ISR); return inb(M_CMD); }
static u8 slave_irr(void) { outb(S_CMD, OCW3_READ_IRR); return inb(S_CMD); }
static u8 slave_isr(void) { outb(S_CMD, OCW3_READ_ISR); return inb(S_CMD); }

static void init_chip(u16 cmd, u8 icw1, u8 icw2, u8 icw3, u8 icw4)
{
	outb(cmd, icw1);
	outb(cmd + 1, icw2);
	if (!(icw1 & 0x02))
		outb(cmd + 1, icw3);
	if (icw1 & 0x01)
		outb(cmd + 1, icw4);
}

/* Linux's init_8259A (with 0x20/0x28 as the bases), then everything unmasked. */
static void linux_init(u8 master_icw4, u8 slave_icw4)
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

static int setup_bare(void **state)
{
	attach();
	return 0;
}

static int setup_linux(void **state)
{
	attach();
	linux_init(ICW4_8086, ICW4_8086);
	return 0;
}

static void pulse(unsigned irq)
{
	pic_set_irq(&pic, irq, true);
	pic_set_irq(&pic, irq, false);
}

/* ---- initialisation ---- */

static void test_ports_and_names(void **state)
{
	assert_int_equal(pic.io_master.base, 0x20);
	assert_int_equal(pic.io_slave.base, 0xa0);
	assert_int_equal(pic.io_elcr.base, 0x4d0);
	assert_int_equal(pic.io_master.count, 2);
	assert_int_equal(pic.io_elcr.count, 2);
	assert_false(pic.io_master.wide);
	assert_false(pic.io_slave.wide);
	assert_false(pic.io_elcr.wide);
}

static void test_no_interrupt_before_init(void **state)
{
	outb(M_DATA, 0x00);
	pic_set_irq(&pic, 3, true);
	assert_false(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 7); /* default IR7 with a zero base */
	assert_int_equal(pic.spurious, 1);
}

static void test_linux_init_vectors(void **state)
{
	pic_set_irq(&pic, 0, true);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x20);
	outb(M_CMD, OCW2_EOI);
	pic_set_irq(&pic, 8, true);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x28);
	pic_set_irq(&pic, 15, true);
	outb(S_CMD, OCW2_EOI);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x2f);
}

static void test_bios_vectors(void **state)
{
	init_chip(M_CMD, ICW1_LINUX, 0x08, 0x04, ICW4_8086);
	init_chip(S_CMD, ICW1_LINUX, 0x70, 0x02, ICW4_8086);
	pic_set_irq(&pic, 1, true);
	assert_int_equal(pic_acknowledge(&pic), 0x09);
	pic_set_irq(&pic, 14, true);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x76);
}

static void test_icw2_low_bits_ignored(void **state)
{
	init_chip(M_CMD, ICW1_LINUX, 0x47, 0x04, ICW4_8086);
	pic_set_irq(&pic, 5, true);
	assert_int_equal(pic_acknowledge(&pic), 0x45);
}

static void test_masks_after_init(void **state)
{
	outb(M_DATA, 0xfb);
	outb(S_DATA, 0xef);
	assert_int_equal(inb(M_DATA), 0xfb);
	assert_int_equal(inb(S_DATA), 0xef);
	pic_set_irq(&pic, 0, true);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 12, true);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
}

static void test_icw1_clears_imr(void **state)
{
	outb(M_DATA, 0xa5);
	outb(M_CMD, ICW1_LINUX);
	assert_int_equal(inb(M_DATA), 0x00);
}

static void test_int_low_during_init(void **state)
{
	outb(M_CMD, ICW1_LINUX);
	outb(M_DATA, M_BASE);
	pic_set_irq(&pic, 4, true); /* latched while the chip is being initialised */
	assert_false(pic_has_interrupt(&pic));
	outb(M_DATA, 0x04);
	assert_false(pic_has_interrupt(&pic));
	outb(M_DATA, ICW4_8086);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x24);
}

static void test_icw1_during_init_restarts(void **state)
{
	outb(M_CMD, ICW1_LINUX);
	outb(M_DATA, 0x08);
	outb(M_CMD, ICW1_LINUX);
	init_chip(M_CMD, ICW1_LINUX, 0x50, 0x04, ICW4_8086);
	outb(M_DATA, 0xf7); /* the sequence is over: this is OCW1 */
	assert_int_equal(inb(M_DATA), 0xf7);
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pic_acknowledge(&pic), 0x53);
}

static void test_single_mode_skips_icw3(void **state)
{
	outb(M_CMD, 0x13); /* SNGL + IC4 */
	outb(M_DATA, 0x40);
	outb(M_DATA, ICW4_8086); /* no ICW3 in single mode: this is ICW4 */
	outb(M_DATA, 0xfd);      /* so this is OCW1 */
	assert_int_equal(inb(M_DATA), 0xfd);
	pic_set_irq(&pic, 1, true);
	assert_int_equal(pic_acknowledge(&pic), 0x41);
}

static void test_single_master_does_not_cascade(void **state)
{
	init_chip(M_CMD, 0x13, 0x40, 0, ICW4_8086);
	init_chip(S_CMD, ICW1_LINUX, S_BASE, 0x02, ICW4_8086);
	pic_set_irq(&pic, 9, true);
	assert_true(pic_has_interrupt(&pic));
	/* IR2 is an ordinary input of a single master: its own vector, the slave is not acknowledged */
	assert_int_equal(pic_acknowledge(&pic), 0x42);
	assert_int_equal(slave_isr(), 0x00);
	assert_int_equal(slave_irr(), 0x02);
}

static void test_no_icw4_clears_aeoi(void **state)
{
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_AEOI);
	init_chip(M_CMD, 0x10, M_BASE, 0x04, 0); /* IC4 = 0: ICW4 functions are zero */
	outb(M_DATA, 0x00); /* OCW1, not a fourth ICW */
	assert_int_equal(inb(M_DATA), 0x00);
	pic_set_irq(&pic, 6, true);
	assert_int_equal(pic_acknowledge(&pic), 0x26);
	assert_int_equal(master_isr(), 0x40);
}

/* ---- read-back ---- */

static void test_irr_is_default_read(void **state)
{
	pic_set_irq(&pic, 5, true);
	assert_int_equal(inb(M_CMD), 0x20);
}

static void test_read_select_persists(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_set_irq(&pic, 6, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW3_READ_ISR);
	assert_int_equal(inb(M_CMD), 0x20);
	assert_int_equal(inb(M_CMD), 0x20);
	outb(M_CMD, 0x08); /* OCW3 with RR = 0: no change of selection */
	assert_int_equal(inb(M_CMD), 0x20);
	outb(M_CMD, OCW3_READ_IRR);
	assert_int_equal(inb(M_CMD), 0x40);
	assert_int_equal(inb(M_CMD), 0x40);
}

static void test_irr_shows_masked_requests(void **state)
{
	outb(M_DATA, 0xff);
	pic_set_irq(&pic, 7, true);
	pic_set_irq(&pic, 10, true);
	assert_int_equal(master_irr(), 0x84); /* IR2: the slave's INT, its IMR is open */
	assert_int_equal(slave_irr(), 0x04);
	assert_false(pic_has_interrupt(&pic));
}

/* ---- priority ---- */

static void test_priority_lowest_number_first(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_set_irq(&pic, 3, true);
	pic_set_irq(&pic, 6, true);
	assert_int_equal(pic_acknowledge(&pic), 0x23);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x25);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x26);
}

static void test_in_service_blocks_lower_and_equal(void **state)
{
	pic_set_irq(&pic, 5, true);
	assert_int_equal(pic_acknowledge(&pic), 0x25);
	pic_set_irq(&pic, 6, true);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 5, false);
	pic_set_irq(&pic, 5, true); /* a new request at the level in service waits too */
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 3, true);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x23);
	assert_int_equal(master_isr(), 0x28);
}

static void test_nested_nonspecific_eoi_order(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_EOI); /* ends the highest in service: 3 */
	assert_int_equal(master_isr(), 0x20);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(master_isr(), 0x00);
}

static void test_slave_blocks_lower_master_levels(void **state)
{
	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
	pic_set_irq(&pic, 3, true);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 1, true);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x21);
}

/* ---- cascade ---- */

static void test_cascade_delivery(void **state)
{
	pic_set_irq(&pic, 12, true);
	assert_int_equal(master_irr(), 0x04);
	assert_int_equal(slave_irr(), 0x10);
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
	assert_int_equal(master_isr(), 0x04);
	assert_int_equal(slave_isr(), 0x10);
	assert_int_equal(slave_irr(), 0x00);
}

static void test_cascade_eoi_slave_then_master(void **state)
{
	pic_set_irq(&pic, 12, true);
	pic_acknowledge(&pic);
	outb(S_CMD, OCW2_EOI);
	assert_int_equal(slave_isr(), 0x00);
	assert_int_equal(master_isr(), 0x04);
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(master_isr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
}

static void test_cascade_masked_at_master(void **state)
{
	outb(M_DATA, 0x04);
	pic_set_irq(&pic, 9, true);
	assert_false(pic_has_interrupt(&pic));
	outb(M_DATA, 0x00);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x29);
}

static void test_cascade_second_request_after_eoi(void **state)
{
	pic_set_irq(&pic, 9, true);
	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_acknowledge(&pic), 0x29);
	outb(S_CMD, OCW2_EOI);
	/* the slave requests 12 again, but the master still has IR2 in service */
	assert_false(pic_has_interrupt(&pic));
	outb(M_CMD, OCW2_EOI);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
}

static void test_special_fully_nested(void **state)
{
	linux_init(0x11, ICW4_8086); /* master SFNM */
	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
	pic_set_irq(&pic, 9, true); /* higher priority within the slave */
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x29);
	assert_int_equal(slave_isr(), 0x12);
}

static void test_no_special_fully_nested(void **state)
{
	pic_set_irq(&pic, 12, true);
	pic_acknowledge(&pic);
	pic_set_irq(&pic, 9, true);
	assert_false(pic_has_interrupt(&pic));
}

/* ---- EOI commands ---- */

static void test_specific_eoi(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_SEOI(5)); /* not the highest in service */
	assert_int_equal(master_isr(), 0x08);
}

static void test_specific_eoi_wrong_level(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_SEOI(4));
	assert_int_equal(master_isr(), 0x20);
	pic_set_irq(&pic, 6, true);
	assert_false(pic_has_interrupt(&pic));
}

static void test_nonspecific_eoi_nothing_in_service(void **state)
{
	outb(M_CMD, OCW2_EOI);
	outb(M_CMD, OCW2_ROTATE_EOI); /* nothing to rotate about: priorities unchanged */
	assert_int_equal(master_isr(), 0x00);
	pic_set_irq(&pic, 0, true);
	pic_set_irq(&pic, 7, true);
	assert_int_equal(pic_acknowledge(&pic), 0x20);
}

static void test_nop_command(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_NOP | 5);
	assert_int_equal(master_isr(), 0x20);
}

/* ---- rotation ---- */

static void test_rotate_on_nonspecific_eoi(void **state)
{
	pic_set_irq(&pic, 1, true);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(pic_acknowledge(&pic), 0x21);
	outb(M_CMD, OCW2_ROTATE_EOI); /* 1 becomes the lowest: 2 is now the highest */
	assert_int_equal(master_isr(), 0x00);
	pic_set_irq(&pic, 0, true);
	assert_int_equal(pic_acknowledge(&pic), 0x24);
	outb(M_CMD, OCW2_ROTATE_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x20);
}

static void test_round_robin(void **state)
{
	/* equal-priority devices: rotate after each service, everyone gets a turn */
	static const int expect[] = {0x23, 0x25, 0x26, 0x23, 0x25, 0x26};
	for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
		pic_set_irq(&pic, 3, true);
		pic_set_irq(&pic, 5, true);
		pic_set_irq(&pic, 6, true);
		assert_int_equal(pic_acknowledge(&pic), expect[i]);
		outb(M_CMD, OCW2_ROTATE_EOI);
		pic_set_irq(&pic, (unsigned)(expect[i] - M_BASE), false);
	}
}

static void test_set_priority(void **state)
{
	outb(M_CMD, OCW2_SET_PRIORITY(4)); /* 4 lowest, 5 highest */
	pic_set_irq(&pic, 3, true);
	pic_set_irq(&pic, 6, true);
	assert_int_equal(pic_acknowledge(&pic), 0x26);
	/* 6 in service now blocks 3, which ranks below it */
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 5, true);
	assert_int_equal(pic_acknowledge(&pic), 0x25);
}

static void test_rotated_nonspecific_eoi_ends_highest_by_rank(void **state)
{
	outb(M_CMD, OCW2_SET_PRIORITY(4));
	pic_set_irq(&pic, 3, true); /* ranks low now */
	pic_acknowledge(&pic);
	pic_set_irq(&pic, 6, true);
	pic_acknowledge(&pic);
	assert_int_equal(master_isr(), 0x48);
	outb(M_CMD, OCW2_EOI); /* the highest by rank is 6, not 3 */
	assert_int_equal(master_isr(), 0x08);
}

static void test_rotate_on_specific_eoi(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_ROTATE_SEOI(3));
	assert_int_equal(master_isr(), 0x00);
	pic_set_irq(&pic, 1, true);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(pic_acknowledge(&pic), 0x24);
}

static void test_rotate_on_specific_eoi_not_in_service(void **state)
{
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_ROTATE_SEOI(6)); /* ends nothing, still sets the priority */
	assert_int_equal(master_isr(), 0x20);
	outb(M_CMD, OCW2_SEOI(5));
	pic_set_irq(&pic, 0, true);
	pic_set_irq(&pic, 7, true);
	assert_int_equal(pic_acknowledge(&pic), 0x27);
}

/* ---- AEOI ---- */

static void test_aeoi(void **state)
{
	linux_init(ICW4_AEOI, ICW4_8086);
	pic_set_irq(&pic, 5, true);
	assert_int_equal(pic_acknowledge(&pic), 0x25);
	assert_int_equal(master_isr(), 0x00);
	pic_set_irq(&pic, 6, true); /* nothing in service blocks it */
	assert_true(pic_has_interrupt(&pic));
}

static void test_aeoi_cascade(void **state)
{
	linux_init(ICW4_AEOI, ICW4_AEOI);
	pic_set_irq(&pic, 10, true);
	assert_int_equal(pic_acknowledge(&pic), 0x2a);
	assert_int_equal(master_isr(), 0x00);
	assert_int_equal(slave_isr(), 0x00);
}

static void test_aeoi_slave_backlog_not_lost(void **state)
{
	linux_init(ICW4_8086, ICW4_AEOI);
	pic_set_irq(&pic, 9, true);
	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_acknowledge(&pic), 0x29);
	/* the slave still requests 12; the master holds it off until its EOI */
	assert_false(pic_has_interrupt(&pic));
	outb(M_CMD, OCW2_EOI);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x2c);
}

static void test_rotate_in_aeoi(void **state)
{
	linux_init(ICW4_AEOI, ICW4_8086);
	outb(M_CMD, OCW2_ROTATE_AEOI_SET);
	pic_set_irq(&pic, 1, true);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(pic_acknowledge(&pic), 0x21); /* 1 becomes the lowest */
	pic_set_irq(&pic, 0, true);
	assert_int_equal(pic_acknowledge(&pic), 0x24); /* 4 becomes the lowest: 5, 6, 7, 0 ... */
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pic_acknowledge(&pic), 0x20);
}

static void test_rotate_in_aeoi_clear(void **state)
{
	linux_init(ICW4_AEOI, ICW4_8086);
	outb(M_CMD, OCW2_ROTATE_AEOI_SET);
	outb(M_CMD, OCW2_ROTATE_AEOI_CLEAR);
	pic_set_irq(&pic, 1, true);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(pic_acknowledge(&pic), 0x21);
	pic_set_irq(&pic, 0, true);
	assert_int_equal(pic_acknowledge(&pic), 0x20); /* fixed priorities */
}

/* ---- poll ---- */

static void test_poll_word(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_set_irq(&pic, 6, true);
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_CMD), 0x83);
}

static void test_poll_acknowledges(void **state)
{
	pic_set_irq(&pic, 3, true);
	outb(M_CMD, OCW3_POLL);
	inb(M_CMD);
	assert_int_equal(master_isr(), 0x08);
	assert_int_equal(master_irr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
}

static void test_poll_nothing_pending(void **state)
{
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_CMD) & 0x80, 0);
	assert_int_equal(master_isr(), 0x00);
}

static void test_poll_is_one_shot(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_set_irq(&pic, 1, true);
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_CMD), 0x81);
	assert_int_equal(inb(M_CMD), 0x08); /* back to the IRR read */
}

static void test_poll_on_data_port(void **state)
{
	outb(M_DATA, 0x00);
	pic_set_irq(&pic, 4, true);
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_DATA), 0x84);
	assert_int_equal(inb(M_DATA), 0x00); /* the IMR again */
}

static void test_poll_overrides_read_register(void **state)
{
	pic_set_irq(&pic, 5, true);
	outb(M_CMD, OCW3_POLL | OCW3_READ_ISR);
	assert_int_equal(inb(M_CMD), 0x85);
	assert_int_equal(inb(M_CMD), 0x20); /* and the ISR selection took effect */
}

static void test_poll_cascade(void **state)
{
	pic_set_irq(&pic, 12, true);
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_CMD), 0x82);
	outb(S_CMD, OCW3_POLL);
	assert_int_equal(inb(S_CMD), 0x84);
	assert_int_equal(master_isr(), 0x04);
	assert_int_equal(slave_isr(), 0x10);
}

/* ---- special mask mode ---- */

static void test_special_mask_allows_lower(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	pic_set_irq(&pic, 5, true);
	assert_false(pic_has_interrupt(&pic));
	outb(M_DATA, 0x08);
	assert_false(pic_has_interrupt(&pic)); /* masking alone does not lift the in-service block */
	outb(M_CMD, OCW3_SET_SMM);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x25);
}

static void test_special_mask_reset(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_DATA, 0x08);
	outb(M_CMD, OCW3_SET_SMM);
	outb(M_CMD, OCW3_RESET_SMM);
	pic_set_irq(&pic, 5, true);
	assert_false(pic_has_interrupt(&pic));
}

static void test_special_mask_needs_esmm(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_DATA, 0x08);
	outb(M_CMD, 0x28); /* SMM without ESMM: no action */
	pic_set_irq(&pic, 5, true);
	assert_false(pic_has_interrupt(&pic));
}

static void test_special_mask_unmasked_in_service_still_blocks(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW3_SET_SMM); /* 3 is not masked */
	pic_set_irq(&pic, 5, true);
	assert_false(pic_has_interrupt(&pic));
}

static void test_special_mask_nonspecific_eoi_skips_masked(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_DATA, 0x08);
	outb(M_CMD, OCW3_SET_SMM);
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	assert_int_equal(master_isr(), 0x28);
	outb(M_CMD, OCW2_EOI); /* the masked 3 is not a candidate */
	assert_int_equal(master_isr(), 0x08);
}

/* ---- edge triggering ---- */

static void test_edge_latched_while_masked(void **state)
{
	outb(M_DATA, 0x10);
	pulse(4);
	assert_int_equal(master_irr(), 0x10);
	assert_false(pic_has_interrupt(&pic));
	outb(M_DATA, 0x00);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x24);
}

static void test_edge_stays_after_line_drops(void **state)
{
	pulse(6);
	assert_int_equal(master_irr(), 0x40);
	assert_int_equal(pic_acknowledge(&pic), 0x26);
	assert_int_equal(master_irr(), 0x00);
}

static void test_edge_needs_new_rise(void **state)
{
	pic_set_irq(&pic, 4, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_EOI);
	pic_set_irq(&pic, 4, true); /* still high: no edge */
	assert_int_equal(master_irr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 4, false);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(master_irr(), 0x10);
	assert_true(pic_has_interrupt(&pic));
}

static void test_edge_while_in_service_waits_for_eoi(void **state)
{
	pulse(4);
	pic_acknowledge(&pic);
	pulse(4);
	assert_int_equal(master_irr(), 0x10);
	assert_false(pic_has_interrupt(&pic));
	outb(M_CMD, OCW2_EOI);
	assert_int_equal(pic_acknowledge(&pic), 0x24);
}

static void test_irq2_is_not_a_device_line(void **state)
{
	pic_set_irq(&pic, 2, true);
	pic_set_irq(&pic, 16, true);
	assert_int_equal(master_irr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
}

static void test_irq_sink(void **state)
{
	struct irq_sink sink;
	pic_irq_sink(&pic, &sink);
	irq_set(&sink, 11, true);
	assert_int_equal(slave_irr(), 0x08);
	assert_int_equal(pic_acknowledge(&pic), 0x2b);
}

/* ---- level triggering and the ELCR ---- */

static void test_elcr_fixed_edge_bits(void **state)
{
	outb(ELCR_M, 0xff);
	outb(ELCR_S, 0xff);
	assert_int_equal(inb(ELCR_M), 0xf8); /* IRQ 0, 1, 2 stay edge */
	assert_int_equal(inb(ELCR_S), 0xde); /* IRQ 8, 13 stay edge */
	outb(ELCR_M, 0x00);
	assert_int_equal(inb(ELCR_M), 0x00);
	assert_int_equal(iobus_in(&bus, ELCR_M, 2), 0xde00);
}

static void test_elcr_survives_icw1(void **state)
{
	outb(ELCR_M, 0x20);
	outb(M_CMD, ICW1_LINUX);
	assert_int_equal(inb(ELCR_M), 0x20);
}

static void test_level_request_follows_line(void **state)
{
	outb(ELCR_M, 0x20);
	pic_set_irq(&pic, 5, true);
	assert_int_equal(master_irr(), 0x20);
	assert_true(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 5, false);
	assert_int_equal(master_irr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
}

static void test_level_not_cleared_by_ack(void **state)
{
	outb(ELCR_S, 0x08); /* IRQ11 */
	pic_set_irq(&pic, 11, true);
	assert_int_equal(pic_acknowledge(&pic), 0x2b);
	assert_int_equal(slave_irr(), 0x08);
	assert_int_equal(slave_isr(), 0x08);
	assert_false(pic_has_interrupt(&pic));
}

static void test_level_reasserts_after_eoi(void **state)
{
	outb(ELCR_M, 0x20);
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_EOI);
	assert_true(pic_has_interrupt(&pic)); /* the line is still high */
	assert_int_equal(pic_acknowledge(&pic), 0x25);
	pic_set_irq(&pic, 5, false);
	outb(M_CMD, OCW2_EOI);
	assert_false(pic_has_interrupt(&pic));
}

static void test_level_slave_reasserts_through_cascade(void **state)
{
	outb(ELCR_S, 0x08);
	pic_set_irq(&pic, 11, true);
	assert_int_equal(pic_acknowledge(&pic), 0x2b);
	outb(S_CMD, OCW2_EOI);
	outb(M_CMD, OCW2_EOI);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x2b);
}

static void test_elcr_to_level_samples_line(void **state)
{
	pic_set_irq(&pic, 7, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_EOI);
	assert_false(pic_has_interrupt(&pic)); /* edge: high line, no new edge */
	outb(ELCR_M, 0x80);
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x27);
}

static void test_elcr_cannot_make_timer_level(void **state)
{
	outb(ELCR_M, 0x01);
	pic_set_irq(&pic, 0, true);
	pic_acknowledge(&pic);
	outb(M_CMD, OCW2_EOI);
	assert_false(pic_has_interrupt(&pic)); /* still edge */
}

static void test_ltim_makes_every_input_level(void **state)
{
	init_chip(M_CMD, 0x19, M_BASE, 0x04, ICW4_8086); /* LTIM */
	pic_set_irq(&pic, 0, true);
	pic_set_irq(&pic, 0, false);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 0, true);
	assert_int_equal(pic_acknowledge(&pic), 0x20);
	outb(M_CMD, OCW2_EOI);
	assert_true(pic_has_interrupt(&pic));
}

/* ---- spurious acknowledges ---- */

static void test_spurious_irq7_level_dropped(void **state)
{
	outb(ELCR_M, 0x20);
	pic_set_irq(&pic, 5, true);
	assert_true(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 5, false); /* the request goes away before INTA */
	assert_int_equal(pic_acknowledge(&pic), 0x27);
	assert_int_equal(master_isr(), 0x00);
	assert_int_equal(pic.spurious, 1);
}

static void test_spurious_irq7_masked_before_ack(void **state)
{
	pic_set_irq(&pic, 3, true);
	assert_true(pic_has_interrupt(&pic));
	outb(M_DATA, 0x08);
	assert_int_equal(pic_acknowledge(&pic), 0x27);
	assert_int_equal(master_isr(), 0x00);
	assert_int_equal(master_irr(), 0x08); /* the request is still there for later */
}

static void test_real_irq7_sets_isr(void **state)
{
	pic_set_irq(&pic, 7, true);
	assert_int_equal(pic_acknowledge(&pic), 0x27);
	assert_int_equal(master_isr(), 0x80);
	assert_int_equal(pic.spurious, 0);
}

static void test_spurious_irq15(void **state)
{
	outb(ELCR_S, 0x80); /* IRQ15 level */
	pic_set_irq(&pic, 15, true);
	assert_true(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 15, false);
	/* the master latched the slave's INT on IR2; the slave no longer requests */
	assert_true(pic_has_interrupt(&pic));
	assert_int_equal(pic_acknowledge(&pic), 0x2f);
	assert_int_equal(master_isr(), 0x04); /* the master must still be sent an EOI */
	assert_int_equal(slave_isr(), 0x00);
	assert_int_equal(pic.spurious, 1);
}

static void test_spurious_irq15_masked_on_slave(void **state)
{
	pic_set_irq(&pic, 9, true);
	outb(S_DATA, 0x02);
	assert_int_equal(pic_acknowledge(&pic), 0x2f);
	assert_int_equal(master_isr(), 0x04);
	assert_int_equal(slave_isr(), 0x00);
	assert_int_equal(slave_irr(), 0x02);
}

/* ---- re-initialisation ---- */

static void test_reinit_mid_operation(void **state)
{
	pic_set_irq(&pic, 3, true);
	pic_set_irq(&pic, 5, true);
	pic_acknowledge(&pic);
	outb(M_DATA, 0x40);
	outb(M_CMD, OCW3_READ_ISR);
	outb(M_CMD, OCW3_SET_SMM);
	outb(M_CMD, OCW2_SET_PRIORITY(4)); /* 6 would rank above 3 */
	init_chip(M_CMD, ICW1_LINUX, 0x60, 0x04, ICW4_8086);
	assert_int_equal(inb(M_DATA), 0x00);       /* IMR cleared */
	assert_int_equal(inb(M_CMD), 0x00);        /* IRR selected, edge requests gone */
	assert_int_equal(master_isr(), 0x00);
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 3, true);                /* still high: needs a new edge */
	assert_false(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 3, false);
	pic_set_irq(&pic, 6, true);
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pic_acknowledge(&pic), 0x63); /* priorities reset: 3 before 6 */
}

static void test_reinit_clears_special_mask(void **state)
{
	outb(M_CMD, OCW3_SET_SMM);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_8086);
	pic_set_irq(&pic, 3, true);
	pic_acknowledge(&pic);
	outb(M_DATA, 0x08);
	pic_set_irq(&pic, 5, true);
	assert_false(pic_has_interrupt(&pic));
}

static void test_reinit_keeps_level_requests(void **state)
{
	outb(ELCR_M, 0x20);
	pic_set_irq(&pic, 5, true);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_8086);
	assert_int_equal(master_irr(), 0x20);
	assert_int_equal(pic_acknowledge(&pic), 0x25);
}

static void test_reinit_clears_poll(void **state)
{
	pic_set_irq(&pic, 3, true);
	outb(M_CMD, OCW3_POLL);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_8086);
	outb(M_DATA, 0x5a);
	assert_int_equal(inb(M_DATA), 0x5a); /* an IMR read, not a poll */
}

static void test_slave_reinit_drops_cascade_request(void **state)
{
	outb(M_DATA, 0x04);
	pic_set_irq(&pic, 10, true);
	init_chip(S_CMD, ICW1_LINUX, 0x70, 0x02, ICW4_8086);
	assert_int_equal(slave_irr(), 0x00);
	pic_set_irq(&pic, 10, false);
	pic_set_irq(&pic, 10, true);
	outb(M_DATA, 0x00);
	assert_int_equal(pic_acknowledge(&pic), 0x72);
}

static void test_reinit_selects_irr(void **state)
{
	outb(M_CMD, OCW3_READ_ISR);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_8086);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(inb(M_CMD), 0x10); /* IRR, without a new OCW3 */
}

static void test_reinit_clears_rotate_in_aeoi(void **state)
{
	linux_init(ICW4_AEOI, ICW4_8086);
	outb(M_CMD, OCW2_ROTATE_AEOI_SET);
	init_chip(M_CMD, ICW1_LINUX, M_BASE, 0x04, ICW4_AEOI);
	pic_set_irq(&pic, 1, true);
	pic_set_irq(&pic, 4, true);
	assert_int_equal(pic_acknowledge(&pic), 0x21);
	pic_set_irq(&pic, 0, true);
	assert_int_equal(pic_acknowledge(&pic), 0x20); /* no rotation after the re-init */
}

static void test_single_mode_ignores_old_icw3(void **state)
{
	init_chip(M_CMD, 0x13, 0x40, 0, ICW4_8086); /* was cascaded with ICW3 0x04 */
	pic_set_irq(&pic, 9, true);
	assert_int_equal(pic_acknowledge(&pic), 0x42);
	assert_int_equal(slave_isr(), 0x00);
}

static void test_poll_slave_aeoi_backlog_reaches_master(void **state)
{
	linux_init(ICW4_8086, ICW4_AEOI);
	pic_set_irq(&pic, 9, true);
	pic_set_irq(&pic, 12, true);
	outb(M_CMD, OCW3_POLL);
	assert_int_equal(inb(M_CMD), 0x82);
	assert_int_equal(master_irr() & 0x04, 0);
	outb(S_CMD, OCW3_POLL);
	assert_int_equal(inb(S_CMD), 0x81);
	/* the slave still requests 12 after its acknowledge: a new edge on the master's IR2 */
	assert_int_equal(master_irr() & 0x04, 0x04);
}

#define T(name, setup) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ports_and_names, setup_bare),
		T(test_no_interrupt_before_init, setup_bare),
		T(test_linux_init_vectors, setup_linux),
		T(test_bios_vectors, setup_bare),
		T(test_icw2_low_bits_ignored, setup_bare),
		T(test_masks_after_init, setup_linux),
		T(test_icw1_clears_imr, setup_linux),
		T(test_int_low_during_init, setup_bare),
		T(test_icw1_during_init_restarts, setup_bare),
		T(test_single_mode_skips_icw3, setup_bare),
		T(test_single_master_does_not_cascade, setup_bare),
		T(test_no_icw4_clears_aeoi, setup_bare),
		T(test_irr_is_default_read, setup_linux),
		T(test_read_select_persists, setup_linux),
		T(test_irr_shows_masked_requests, setup_linux),
		T(test_priority_lowest_number_first, setup_linux),
		T(test_in_service_blocks_lower_and_equal, setup_linux),
		T(test_nested_nonspecific_eoi_order, setup_linux),
		T(test_slave_blocks_lower_master_levels, setup_linux),
		T(test_cascade_delivery, setup_linux),
		T(test_cascade_eoi_slave_then_master, setup_linux),
		T(test_cascade_masked_at_master, setup_linux),
		T(test_cascade_second_request_after_eoi, setup_linux),
		T(test_special_fully_nested, setup_bare),
		T(test_no_special_fully_nested, setup_linux),
		T(test_specific_eoi, setup_linux),
		T(test_specific_eoi_wrong_level, setup_linux),
		T(test_nonspecific_eoi_nothing_in_service, setup_linux),
		T(test_nop_command, setup_linux),
		T(test_rotate_on_nonspecific_eoi, setup_linux),
		T(test_round_robin, setup_linux),
		T(test_set_priority, setup_linux),
		T(test_rotated_nonspecific_eoi_ends_highest_by_rank, setup_linux),
		T(test_rotate_on_specific_eoi, setup_linux),
		T(test_rotate_on_specific_eoi_not_in_service, setup_linux),
		T(test_aeoi, setup_bare),
		T(test_aeoi_cascade, setup_bare),
		T(test_aeoi_slave_backlog_not_lost, setup_bare),
		T(test_rotate_in_aeoi, setup_bare),
		T(test_rotate_in_aeoi_clear, setup_bare),
		T(test_poll_word, setup_linux),
		T(test_poll_acknowledges, setup_linux),
		T(test_poll_nothing_pending, setup_linux),
		T(test_poll_is_one_shot, setup_linux),
		T(test_poll_on_data_port, setup_linux),
		T(test_poll_overrides_read_register, setup_linux),
		T(test_poll_cascade, setup_linux),
		T(test_special_mask_allows_lower, setup_linux),
		T(test_special_mask_reset, setup_linux),
		T(test_special_mask_needs_esmm, setup_linux),
		T(test_special_mask_unmasked_in_service_still_blocks, setup_linux),
		T(test_special_mask_nonspecific_eoi_skips_masked, setup_linux),
		T(test_edge_latched_while_masked, setup_linux),
		T(test_edge_stays_after_line_drops, setup_linux),
		T(test_edge_needs_new_rise, setup_linux),
		T(test_edge_while_in_service_waits_for_eoi, setup_linux),
		T(test_irq2_is_not_a_device_line, setup_linux),
		T(test_irq_sink, setup_linux),
		T(test_elcr_fixed_edge_bits, setup_bare),
		T(test_elcr_survives_icw1, setup_linux),
		T(test_level_request_follows_line, setup_linux),
		T(test_level_not_cleared_by_ack, setup_linux),
		T(test_level_reasserts_after_eoi, setup_linux),
		T(test_level_slave_reasserts_through_cascade, setup_linux),
		T(test_elcr_to_level_samples_line, setup_linux),
		T(test_elcr_cannot_make_timer_level, setup_linux),
		T(test_ltim_makes_every_input_level, setup_bare),
		T(test_spurious_irq7_level_dropped, setup_linux),
		T(test_spurious_irq7_masked_before_ack, setup_linux),
		T(test_real_irq7_sets_isr, setup_linux),
		T(test_spurious_irq15, setup_linux),
		T(test_spurious_irq15_masked_on_slave, setup_linux),
		T(test_reinit_mid_operation, setup_linux),
		T(test_reinit_clears_special_mask, setup_linux),
		T(test_reinit_keeps_level_requests, setup_linux),
		T(test_reinit_clears_poll, setup_linux),
		T(test_slave_reinit_drops_cascade_request, setup_linux),
		T(test_reinit_selects_irr, setup_linux),
		T(test_reinit_clears_rotate_in_aeoi, setup_bare),
		T(test_single_mode_ignores_old_icw3, setup_linux),
		T(test_poll_slave_aeoi_backlog_reaches_master, setup_bare),
	};
	return UNIT_RUN(tests);
}
