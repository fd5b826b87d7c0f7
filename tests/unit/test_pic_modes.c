/*
 * devices/pic.c: the 8259A pair through its IO ports (fixture: pic_fixture.h) — AEOI, poll,
 * special mask and special fully nested modes, edge vs level triggering with the ELCR, the
 * spurious IR7/IR15 acknowledges, and re-initialisation.
 */
#include "unit.h"

#include "pic_fixture.h"

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
