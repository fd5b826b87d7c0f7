/*
 * devices/pic.c: the 8259A pair through its IO ports (fixture: pic_fixture.h) — the ICW
 * sequence and its reset effects, masks, IRR/ISR read-back, priority, the cascade, every OCW2
 * EOI command and rotation. AEOI, poll, special mask mode, edge vs level with the ELCR,
 * spurious acknowledges and re-initialisation: test_pic_modes.c.
 */
#include "unit.h"

#include "pic_fixture.h"

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
	};
	return UNIT_RUN(tests);
}
