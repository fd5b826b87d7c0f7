/*
 * devices/iobus.c and devices/debug_exit.c: port ranges to devices, byte devices see wide
 * accesses one port at a time, unclaimed ports read all ones and ignore writes (DESIGN.md
 * section 4); the debug-exit device at 0xf4 keeps the first code written.
 */
#include "unit.h"

#include <string.h>

#include "devices/debug_exit.h"
#include "devices/iobus.h"

#define LOG 64

struct rec {
	int reads, writes;
	u16 off[LOG];
	u8 size[LOG];
	u32 val[LOG];
	u32 ret; /* what a read returns: ret + offset for byte reads */
};

static struct iobus bus;
static struct rec ra, rb;

static u32 rec_read(void *dev, u16 off, u8 size)
{
	struct rec *r = dev;
	r->off[r->reads] = off;
	r->size[r->reads] = size;
	r->reads++;
	return r->ret + off;
}

static void rec_write(void *dev, u16 off, u8 size, u32 value)
{
	struct rec *r = dev;
	r->off[r->writes] = off;
	r->size[r->writes] = size;
	r->val[r->writes] = value;
	r->writes++;
}

static int setup(void **state)
{
	(void)state;
	iobus_init(&bus);
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	return 0;
}

static struct io_device dev(const char *name, u16 base, u16 count, bool wide, struct rec *r)
{
	return (struct io_device){name, base, count, wide, r, rec_read, rec_write};
}

/* ---- registration ---- */

static void test_register_and_overlap(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x100, 8, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	static const struct {
		u16 base, count;
	} clash[] = {{0x100, 8}, {0xfc, 5}, {0x107, 1}, {0x104, 2}, {0xf0, 0x20}, {0x105, 0x100}};
	for (size_t i = 0; i < sizeof(clash) / sizeof(clash[0]); i++) {
		struct io_device c = dev("c", clash[i].base, clash[i].count, false, &rb);
		assert_int_equal(iobus_register(&bus, &c), -1);
	}
	assert_int_equal(bus.count, 1);
	/* adjacent on both sides is fine */
	struct io_device below = dev("below", 0xf8, 8, false, &rb), above = dev("above", 0x108, 1, false, &rb);
	assert_int_equal(iobus_register(&bus, &below), 0);
	assert_int_equal(iobus_register(&bus, &above), 0);
	assert_int_equal(bus.count, 3);
}

static void test_register_bad_ranges(void **state)
{
	(void)state;
	struct io_device empty = dev("empty", 0x100, 0, false, &ra);
	struct io_device past = dev("past", 0xfffe, 3, false, &ra);
	struct io_device last = dev("last", 0xfffe, 2, false, &ra);
	assert_int_equal(iobus_register(&bus, &empty), -1);
	assert_int_equal(iobus_register(&bus, &past), -1);
	assert_int_equal(iobus_register(&bus, &last), 0);
	assert_int_equal(iobus_in(&bus, 0xffff, 1), 1); /* offset 1 */
}

static void test_table_full(void **state)
{
	(void)state;
	static struct io_device d[IOBUS_MAX_DEVICES + 1];
	for (int i = 0; i <= IOBUS_MAX_DEVICES; i++)
		d[i] = dev("d", (u16)(0x1000 + 0x10 * i), 4, false, &ra);
	for (int i = 0; i < IOBUS_MAX_DEVICES; i++)
		assert_int_equal(iobus_register(&bus, &d[i]), 0);
	assert_int_equal(iobus_register(&bus, &d[IOBUS_MAX_DEVICES]), -1);
	assert_int_equal(bus.count, IOBUS_MAX_DEVICES);
	/* the last one registered still answers; the refused one does not */
	ra.ret = 0x40;
	assert_int_equal(iobus_in(&bus, 0x1000 + 0x10 * (IOBUS_MAX_DEVICES - 1), 1), 0x40);
	assert_int_equal(iobus_in(&bus, 0x1000 + 0x10 * IOBUS_MAX_DEVICES, 1), 0xff);
}

/* ---- byte devices ---- */

static void test_byte_device_byte_access(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x3f8, 8, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	ra.ret = 0x10;
	assert_int_equal(iobus_in(&bus, 0x3fd, 1), 0x15);
	assert_int_equal(ra.off[0], 5);
	assert_int_equal(ra.size[0], 1);
	iobus_out(&bus, 0x3f9, 1, 0x1ab); /* only the byte reaches it */
	assert_int_equal(ra.off[0], 1);
	assert_int_equal(ra.val[0], 0xab);
}

static void test_byte_device_sees_wide_read_split(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x60, 8, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	ra.ret = 0x10;
	assert_int_equal(iobus_in(&bus, 0x62, 4), 0x15141312);
	assert_int_equal(ra.reads, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ra.off[i], 2 + i);
		assert_int_equal(ra.size[i], 1);
	}
	assert_int_equal(iobus_in(&bus, 0x60, 2), 0x1110);
	assert_int_equal(ra.reads, 6);
}

static void test_byte_device_sees_wide_write_split(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x60, 8, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	iobus_out(&bus, 0x61, 4, 0xa1b2c3d4);
	assert_int_equal(ra.writes, 4);
	static const u32 want[] = {0xd4, 0xc3, 0xb2, 0xa1};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ra.off[i], 1 + i);
		assert_int_equal(ra.size[i], 1);
		assert_int_equal(ra.val[i], want[i]);
	}
}

/* A wide access that runs past a byte device: its ports answer, the rest read all ones. */
static void test_wide_access_past_byte_device(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x70, 2, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	ra.ret = 0x20;
	assert_int_equal(iobus_in(&bus, 0x71, 4), 0xffffff21);
	assert_int_equal(ra.reads, 1);
	assert_int_equal(bus.unclaimed_reads, 3);
	iobus_out(&bus, 0x71, 2, 0x5566);
	assert_int_equal(ra.writes, 1);
	assert_int_equal(ra.val[0], 0x66);
	assert_int_equal(bus.unclaimed_writes, 1);
}

/* A wide access that spans two byte devices reaches both. */
static void test_wide_access_across_two_devices(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x80, 2, false, &ra), b = dev("b", 0x82, 2, false, &rb);
	assert_int_equal(iobus_register(&bus, &a), 0);
	assert_int_equal(iobus_register(&bus, &b), 0);
	ra.ret = 0x10;
	rb.ret = 0x30;
	assert_int_equal(iobus_in(&bus, 0x81, 2), 0x3011);
	assert_int_equal(ra.reads, 1);
	assert_int_equal(rb.reads, 1);
	assert_int_equal(rb.off[0], 0);
	assert_int_equal(bus.unclaimed_reads, 0);
}

/* ---- wide devices ---- */

static void test_wide_device_sees_one_access(void **state)
{
	(void)state;
	struct io_device w = dev("w", 0xcf8, 8, true, &ra);
	assert_int_equal(iobus_register(&bus, &w), 0);
	ra.ret = 0x80001230;
	assert_int_equal(iobus_in(&bus, 0xcf8, 4), 0x80001230);
	assert_int_equal(ra.reads, 1);
	assert_int_equal(ra.size[0], 4);
	assert_int_equal(ra.off[0], 0);
	iobus_out(&bus, 0xcfc, 2, 0xabcd);
	assert_int_equal(ra.writes, 1);
	assert_int_equal(ra.off[0], 4);
	assert_int_equal(ra.size[0], 2);
	assert_int_equal(ra.val[0], 0xabcd);
}

static void test_wide_device_results_masked_to_size(void **state)
{
	(void)state;
	struct io_device w = dev("w", 0x400, 4, true, &ra);
	assert_int_equal(iobus_register(&bus, &w), 0);
	ra.ret = 0xa1b2c3d4;
	assert_int_equal(iobus_in(&bus, 0x400, 1), 0xd4);
	assert_int_equal(iobus_in(&bus, 0x400, 2), 0xc3d4);
	iobus_out(&bus, 0x400, 1, 0x12345678);
	assert_int_equal(ra.val[0], 0x78);
	iobus_out(&bus, 0x400, 2, 0x12345678);
	assert_int_equal(ra.val[1], 0x5678);
	iobus_out(&bus, 0x400, 4, 0x12345678);
	assert_int_equal(ra.val[2], 0x12345678);
}

/* ---- unclaimed ports ---- */

static void test_unclaimed_reads_all_ones_and_counts(void **state)
{
	(void)state;
	assert_int_equal(iobus_in(&bus, 0x2f8, 1), 0xff);
	assert_int_equal(bus.unclaimed_reads, 1);
	assert_int_equal(iobus_in(&bus, 0x2f8, 2), 0xffff);
	assert_int_equal(bus.unclaimed_reads, 3);
	assert_int_equal(iobus_in(&bus, 0x2f8, 4), 0xffffffff);
	assert_int_equal(bus.unclaimed_reads, 7);
	assert_int_equal(bus.unclaimed_writes, 0);
}

static void test_unclaimed_writes_ignored_and_counted(void **state)
{
	(void)state;
	struct io_device a = dev("a", 0x100, 1, false, &ra);
	assert_int_equal(iobus_register(&bus, &a), 0);
	iobus_out(&bus, 0x101, 4, 0);
	assert_int_equal(bus.unclaimed_writes, 4);
	assert_int_equal(ra.writes, 0);
}

/* A device without a read (or write) entry reads as all ones there (or ignores the write). */
static void test_write_only_device(void **state)
{
	(void)state;
	struct io_device w = {"wo", 0x500, 2, false, &ra, NULL, rec_write};
	assert_int_equal(iobus_register(&bus, &w), 0);
	assert_int_equal(iobus_in(&bus, 0x500, 2), 0xffff);
	iobus_out(&bus, 0x500, 1, 0x9);
	assert_int_equal(ra.writes, 1);
	struct io_device r = {"ro", 0x600, 2, true, &rb, rec_read, NULL};
	assert_int_equal(iobus_register(&bus, &r), 0);
	iobus_out(&bus, 0x600, 2, 0x9);
	assert_int_equal(rb.writes, 0);
}

/* ---- debug-exit ---- */

static struct debug_exit dbg;

static void test_debug_exit_keeps_first_code(void **state)
{
	(void)state;
	debug_exit_init(&dbg);
	assert_int_equal(iobus_register(&bus, &dbg.io), 0);
	assert_false(dbg.fired);
	iobus_out(&bus, DEBUG_EXIT_PORT, 4, 0x12345678);
	assert_true(dbg.fired);
	assert_int_equal(dbg.code, 0x12345678);
	iobus_out(&bus, DEBUG_EXIT_PORT, 4, 1);
	iobus_out(&bus, DEBUG_EXIT_PORT, 1, 2);
	assert_int_equal(dbg.code, 0x12345678);
}

static void test_debug_exit_byte_and_reads(void **state)
{
	(void)state;
	debug_exit_init(&dbg);
	assert_int_equal(iobus_register(&bus, &dbg.io), 0);
	assert_int_equal(iobus_in(&bus, DEBUG_EXIT_PORT, 4), 0xffffffff);
	assert_int_equal(iobus_in(&bus, DEBUG_EXIT_PORT + 3, 1), 0xff);
	assert_false(dbg.fired); /* reads do not end anything */
	iobus_out(&bus, DEBUG_EXIT_PORT, 1, 0x1ff);
	assert_true(dbg.fired);
	assert_int_equal(dbg.code, 0xff);
	/* its ports are claimed: nothing unclaimed was touched */
	assert_int_equal(bus.unclaimed_reads, 0);
	assert_int_equal(bus.unclaimed_writes, 0);
}

static void test_debug_exit_range(void **state)
{
	(void)state;
	debug_exit_init(&dbg);
	assert_int_equal(dbg.io.base, 0xf4);
	assert_int_equal(dbg.io.count, 4);
	assert_int_equal(iobus_register(&bus, &dbg.io), 0);
	iobus_out(&bus, 0xf8, 1, 1); /* past it */
	assert_false(dbg.fired);
	iobus_out(&bus, 0xf3, 1, 1);
	assert_false(dbg.fired);
	iobus_out(&bus, 0xf7, 1, 3);
	assert_true(dbg.fired);
	assert_int_equal(dbg.code, 3);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_and_overlap),
		T(test_register_bad_ranges),
		T(test_table_full),
		T(test_byte_device_byte_access),
		T(test_byte_device_sees_wide_read_split),
		T(test_byte_device_sees_wide_write_split),
		T(test_wide_access_past_byte_device),
		T(test_wide_access_across_two_devices),
		T(test_wide_device_sees_one_access),
		T(test_wide_device_results_masked_to_size),
		T(test_unclaimed_reads_all_ones_and_counts),
		T(test_unclaimed_writes_ignored_and_counted),
		T(test_write_only_device),
		T(test_debug_exit_keeps_first_code),
		T(test_debug_exit_byte_and_reads),
		T(test_debug_exit_range),
	};
	return UNIT_RUN(tests);
}
