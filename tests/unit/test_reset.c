/*
 * devices/reset.c through the IO bus: RST_CNT at 0xCF9 (Intel ICH/PCH datasheets), the
 * keyboard controller's pulse-output-port commands at 0x64 (IBM PC/AT Technical Reference)
 * on an otherwise absent controller, and port 0x92's A20 and INIT_NOW edge.
 */
#include "unit.h"

#include <string.h>

#include "devices/iobus.h"
#include "devices/reset.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define CF9 0xcf9
#define KBC_DATA 0x60
#define KBC_STATUS 0x64
#define PORT92 0x92

#define SYS_RST 0x02
#define RST_CPU 0x04
#define FULL_RST 0x08
#define KBC_PULSE_RESET 0xfe
#define A20 0x02
#define INIT_NOW 0x01

static struct reset_dev dev;
static struct iobus bus;

static void start(void)
{
	reset_init(&dev);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &dev.io_cf9), 0);
	assert_int_equal(iobus_register(&bus, &dev.io_kbc), 0);
	assert_int_equal(iobus_register(&bus, &dev.io_port92), 0);
}

static void out8(u16 port, u8 v) { iobus_out(&bus, port, 1, v); }
static u8 in8(u16 port) { return (u8)iobus_in(&bus, port, 1); }

static void test_initial_state(void **state)
{
	start();
	assert_false(dev.requested);
	assert_null(dev.how);
	assert_int_equal(in8(CF9), 0x00);
	assert_int_equal(in8(PORT92), A20); /* A20 on, as firmware leaves it */
}

static void test_cf9_without_bit2_no_reset(void **state)
{
	start();
	out8(CF9, SYS_RST);
	assert_false(dev.requested);
	assert_int_equal(in8(CF9), SYS_RST);
	out8(CF9, SYS_RST | FULL_RST);
	assert_false(dev.requested);
	assert_int_equal(in8(CF9), SYS_RST | FULL_RST);
	out8(CF9, 0xfb); /* everything but RST_CPU: reserved bits read 0 */
	assert_false(dev.requested);
	assert_int_equal(in8(CF9), SYS_RST | FULL_RST);
}

static void test_cf9_hard_reset(void **state)
{
	start();
	out8(CF9, SYS_RST | RST_CPU);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "0xcf9 hard reset");
	assert_int_equal(in8(CF9), SYS_RST); /* RST_CPU reads 0 */
}

static void test_cf9_soft_and_full_reset(void **state)
{
	start();
	out8(CF9, RST_CPU);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "0xcf9 soft reset");
	start();
	out8(CF9, FULL_RST | RST_CPU | SYS_RST);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "0xcf9 full reset");
	assert_int_equal(in8(CF9), FULL_RST | SYS_RST);
}

static void test_cf9_linux_reboot_pci(void **state)
{
	/* Linux, reboot=pci: cf9 = inb(0xcf9) & ~code; outb(cf9|2); udelay; outb(cf9|code) */
	const u8 codes[] = {0x06, 0x0e};
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		start();
		u8 cf9 = in8(CF9) & (u8)~codes[i];
		out8(CF9, cf9 | SYS_RST);
		assert_false(dev.requested);
		out8(CF9, cf9 | codes[i]);
		assert_true(dev.requested);
	}
}

static void test_cf9_only_byte_access(void **state)
{
	start();
	/* CONFIG_ADDRESS for bus 0, device 0, function 4: byte 1 has bit 2 set */
	iobus_out(&bus, PCI_CONFIG_ADDRESS, 4, 0x80000400u);
	assert_false(dev.requested);
	assert_int_equal(iobus_in(&bus, PCI_CONFIG_ADDRESS, 4), 0xffffffffu); /* no PCI */
	iobus_out(&bus, CF9, 2, 0x0606);
	assert_false(dev.requested);
	assert_int_equal(iobus_in(&bus, CF9, 2), 0xffff);
	assert_int_equal(in8(PCI_CONFIG_ADDRESS), 0xff);
	assert_int_equal(in8(0xcfa), 0xff);
	assert_int_equal(in8(CF9), 0x00);
	out8(0xcfb, 0xff);
	assert_false(dev.requested);
}

static void test_kbc_fe_resets(void **state)
{
	start();
	out8(KBC_STATUS, KBC_PULSE_RESET);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "keyboard controller reset pulse");
}

static void test_kbc_pulse_commands(void **state)
{
	/* Fxh pulses the output-port bits whose command bit is 0; bit 0 is the reset line */
	for (unsigned cmd = 0xf0; cmd <= 0xff; cmd++) {
		start();
		out8(KBC_STATUS, (u8)cmd);
		if (dev.requested != !(cmd & 1))
			fail_msg("command 0x%02x: requested=%d", cmd, dev.requested);
	}
}

static void test_kbc_other_commands_ignored(void **state)
{
	start();
	for (unsigned cmd = 0; cmd < 0xf0; cmd++)
		out8(KBC_STATUS, (u8)cmd);
	out8(KBC_STATUS, 0xff);
	out8(KBC_DATA, KBC_PULSE_RESET); /* data, not a command */
	assert_false(dev.requested);
}

static void test_kbc_absent_status(void **state)
{
	start();
	assert_int_equal(in8(KBC_STATUS), 0xff);
	out8(KBC_STATUS, 0xaa); /* self-test: no answer */
	assert_int_equal(in8(KBC_STATUS), 0xff);
	assert_int_equal(in8(KBC_DATA), 0xff); /* left unclaimed */
	assert_int_equal(bus.unclaimed_reads, 1);
}

static void test_port92_a20_read_back(void **state)
{
	start();
	out8(PORT92, 0x00);
	assert_int_equal(in8(PORT92), 0x00);
	out8(PORT92, A20);
	assert_int_equal(in8(PORT92), A20);
	out8(PORT92, 0xfc); /* reserved bits read 0 */
	assert_int_equal(in8(PORT92), 0x00);
	assert_false(dev.requested);
}

static void test_port92_reset_edge(void **state)
{
	start();
	out8(PORT92, A20 | INIT_NOW);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "port 0x92 fast reset");
	assert_int_equal(in8(PORT92), A20 | INIT_NOW);
	dev.requested = false;
	out8(PORT92, A20 | INIT_NOW); /* no 0 -> 1 transition */
	assert_false(dev.requested);
	out8(PORT92, INIT_NOW);
	assert_false(dev.requested);
	out8(PORT92, A20);
	assert_false(dev.requested);
	out8(PORT92, A20 | INIT_NOW);
	assert_true(dev.requested);
}

static void test_first_cause_kept(void **state)
{
	start();
	out8(KBC_STATUS, KBC_PULSE_RESET);
	out8(CF9, SYS_RST | RST_CPU);
	out8(PORT92, INIT_NOW);
	assert_true(dev.requested);
	assert_string_equal(dev.how, "keyboard controller reset pulse");
}

static void test_ranges(void **state)
{
	start();
	assert_int_equal(dev.io_cf9.base, 0xcf8);
	assert_int_equal(dev.io_cf9.count, 4);
	assert_true(dev.io_cf9.wide);
	assert_int_equal(dev.io_kbc.base, KBC_STATUS);
	assert_int_equal(dev.io_kbc.count, 1);
	assert_int_equal(dev.io_port92.base, PORT92);
	assert_int_equal(dev.io_port92.count, 1);
	/* 0x61 (port B) and 0xcfc (PCI data) stay free for their own devices */
	assert_int_equal(in8(0x61), 0xff);
	assert_int_equal(in8(0xcfc), 0xff);
	assert_int_equal(bus.unclaimed_reads, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_cf9_without_bit2_no_reset),
		cmocka_unit_test(test_cf9_hard_reset),
		cmocka_unit_test(test_cf9_soft_and_full_reset),
		cmocka_unit_test(test_cf9_linux_reboot_pci),
		cmocka_unit_test(test_cf9_only_byte_access),
		cmocka_unit_test(test_kbc_fe_resets),
		cmocka_unit_test(test_kbc_pulse_commands),
		cmocka_unit_test(test_kbc_other_commands_ignored),
		cmocka_unit_test(test_kbc_absent_status),
		cmocka_unit_test(test_port92_a20_read_back),
		cmocka_unit_test(test_port92_reset_edge),
		cmocka_unit_test(test_first_cause_kept),
		cmocka_unit_test(test_ranges),
	};
	return UNIT_RUN(tests);
}
