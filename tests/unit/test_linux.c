/* guest/linux.c: the bzImage loader (boot protocol, 64-bit entry), its boot_params, page
 * tables, GDT and entry state, every refusal, and Debian's real kernel when it is there.
 * This file: the sections before "page tables, GDT, entry state";
 * from there on: test_linux_entry.c.
 */
#include "linux_fixture.h"

/* ---- a good image ---- */

static void test_loads_at_pref_address(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, T_PREF);
	assert_false(boot.relocated);
	assert_int_equal(boot.entry, T_PREF + LINUX_ENTRY64_OFFSET);
	assert_int_equal(boot.kernel_size, T_PM_SIZE);
	assert_int_equal(boot.kernel_span, T_INIT_SIZE);
	assert_int_equal(boot.version, 0x020F);
	assert_int_equal(boot.boot_params, LINUX_BOOT_PARAMS);
	assert_memory_equal(ram.buf + T_PREF, img + T_SETUP_SIZE, T_PM_SIZE);
	/* Only the protected-mode bytes: the rest of init_size is the kernel's, untouched. */
	assert_int_equal(ram.buf[T_PREF + T_PM_SIZE], RAM_FILL);
	assert_int_equal(ram.buf[T_PREF - 1], RAM_FILL);
}

static void test_bytes_past_syssize_not_loaded(void **state)
{
	(void)state;
	build(1472); /* Debian's signed images carry an Authenticode signature past syssize */
	expect_ok(CMDLINE);
	assert_memory_equal(ram.buf + T_PREF, img + T_SETUP_SIZE, T_PM_SIZE);
	assert_int_equal(ram.buf[T_PREF + T_PM_SIZE], RAM_FILL);
}

static void test_relocates_when_pref_does_not_fit(void **state)
{
	(void)state;
	ram_init(20 * MIB, 20 * MIB); /* 16 MiB + 8 MiB of init_size does not fit */
	build_initrd(MIB);
	expect_ok(CMDLINE);
	assert_true(boot.relocated);
	assert_int_equal(boot.kernel_addr, T_ALIGN); /* the lowest 2 MiB-aligned address above 1 MiB */
	assert_int_equal(boot.entry, T_ALIGN + 0x200);
	assert_memory_equal(ram.buf + T_ALIGN, img + T_SETUP_SIZE, T_PM_SIZE);
	assert_true(boot.initrd_addr >= T_ALIGN + T_INIT_SIZE);
}

static void test_relocation_honours_alignment(void **state)
{
	(void)state;
	ram_init(20 * MIB, 20 * MIB);
	w32(LINUX_HDR_KERNEL_ALIGNMENT, 4 * MIB);
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, 4 * MIB);
	w32(LINUX_HDR_KERNEL_ALIGNMENT, 0x1000);
	ram_init(20 * MIB, 20 * MIB);
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, MIB);
}

static void test_pref_below_1mib_relocated(void **state)
{
	(void)state;
	w64(LINUX_HDR_PREF_ADDRESS, 0x10000);
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, T_ALIGN);
	assert_true(boot.relocated);
}

/* ---- boot_params ---- */

static void test_boot_params(void **state)
{
	(void)state;
	img[T_HDR_END - 1] = 0x77; /* the header's last byte is copied, the one after it is not */
	expect_ok(CMDLINE);
	assert_int_equal(ram.buf[LINUX_BOOT_PARAMS + T_HDR_END - 1], 0x77);
	const u64 bp = LINUX_BOOT_PARAMS;
	/* The setup header, copied from 0x1F1 to its end; the loader's fields changed. */
	for (u64 off = LINUX_HDR_START; off < T_HDR_END; off++) {
		bool loader_field = off == LINUX_HDR_TYPE_OF_LOADER || off == LINUX_HDR_LOADFLAGS ||
				    (off >= LINUX_HDR_RAMDISK_IMAGE && off < LINUX_HDR_RAMDISK_IMAGE + 8) ||
				    (off >= LINUX_HDR_HEAP_END_PTR && off < LINUX_HDR_HEAP_END_PTR + 2) ||
				    (off >= LINUX_HDR_CMD_LINE_PTR && off < LINUX_HDR_CMD_LINE_PTR + 4);
		if (!loader_field && ram.buf[bp + off] != img[off])
			fail_msg("boot_params byte 0x%llx is 0x%02x, the image has 0x%02x", (unsigned long long)off,
				 ram.buf[bp + off], img[off]);
	}
	assert_memory_equal(ram.buf + bp + LINUX_HDR_MAGIC, "HdrS", 4);
	assert_int_equal(ram.buf[bp + LINUX_HDR_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(ram.buf[bp + LINUX_HDR_LOADFLAGS], LINUX_LOADED_HIGH); /* CAN_USE_HEAP cleared */
	assert_int_equal(r16(bp + LINUX_HDR_HEAP_END_PTR), 0);
	assert_int_equal(r32(bp + LINUX_HDR_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
	assert_int_equal(r32(bp + LINUX_BP_EXT_CMD_LINE_PTR), 0);
	assert_string_equal((const char *)ram.buf + LINUX_CMDLINE_ADDR, CMDLINE);
	assert_int_equal(boot.cmdline_len, strlen(CMDLINE));
	assert_int_equal(r32(bp + LINUX_HDR_RAMDISK_IMAGE), boot.initrd_addr);
	assert_int_equal(r32(bp + LINUX_HDR_RAMDISK_SIZE), rd_size);
	assert_int_equal(r32(bp + LINUX_BP_EXT_RAMDISK_IMAGE), 0);
	assert_int_equal(r32(bp + LINUX_BP_EXT_RAMDISK_SIZE), 0);
	assert_int_equal(r64(bp + LINUX_HDR_SETUP_DATA), 0);
	/* Nothing of the boot sector, and the sentinel clear. */
	for (u64 off = 0; off < LINUX_HDR_START; off++)
		if (off != LINUX_BP_EXT_RAMDISK_IMAGE && off != LINUX_BP_ALT_MEM_K && off != LINUX_BP_E820_ENTRIES &&
		    (off < LINUX_BP_EXT_RAMDISK_IMAGE || off >= LINUX_BP_EXT_CMD_LINE_PTR + 4) &&
		    (off < LINUX_BP_ALT_MEM_K || off >= LINUX_BP_ALT_MEM_K + 4))
			assert_int_equal(ram.buf[bp + off], 0);
	assert_int_equal(ram.buf[bp + LINUX_BP_SENTINEL], 0);
	/* screen_info: no video adapter. */
	assert_int_equal(ram.buf[bp + LINUX_BP_SI_ORIG_VIDEO_ISVGA], 0);
	assert_int_equal(ram.buf[bp + LINUX_BP_SI_ORIG_VIDEO_LINES], 0);
	assert_int_equal(ram.buf[bp + LINUX_BP_SI_ORIG_VIDEO_COLS], 0);
	assert_int_equal(r32(bp + LINUX_BP_ALT_MEM_K), (RAM_DEFAULT - MIB) / 1024);
	/* Past the header: zero up to the e820 table, and after it. */
	for (u64 off = T_HDR_END; off < LINUX_BP_E820_TABLE; off++)
		assert_int_equal(ram.buf[bp + off], 0);
	for (u64 off = LINUX_BP_E820_TABLE + 4 * LINUX_E820_ENTRY_SIZE; off < LINUX_BP_SIZE; off++)
		assert_int_equal(ram.buf[bp + off], 0);
}

static void test_e820_matches_multiboot_map(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	const u64 t = LINUX_BOOT_PARAMS + LINUX_BP_E820_TABLE;
	static const struct {
		u64 addr, size;
		u32 type;
	} want[] = {
		{0, 0x9FC00, LINUX_E820_RAM},
		{0x9FC00, 0x400, LINUX_E820_RESERVED},
		{0xF0000, 0x10000, LINUX_E820_RESERVED},
		{0x100000, RAM_DEFAULT - 0x100000, LINUX_E820_RAM},
	};
	assert_int_equal(ram.buf[LINUX_BOOT_PARAMS + LINUX_BP_E820_ENTRIES], ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		u64 e = t + i * LINUX_E820_ENTRY_SIZE;
		assert_int_equal(r64(e), want[i].addr);
		assert_int_equal(r64(e + 8), want[i].size);
		assert_int_equal(r32(e + 16), want[i].type);
	}
	/* The same map the Multiboot loader gives (guest/mb1.h's landmarks). */
	assert_int_equal(want[0].size, MB1_LOW_AVAILABLE_END);
	assert_int_equal(want[2].addr, MB1_BIOS_START);
	assert_int_equal(want[3].addr, MB1_HIGH_START);
}

static void test_empty_and_max_cmdline(void **state)
{
	(void)state;
	expect_ok(NULL);
	assert_int_equal(ram.buf[LINUX_CMDLINE_ADDR], 0);
	assert_int_equal(boot.cmdline_len, 0);
	assert_int_equal(r32(LINUX_BOOT_PARAMS + LINUX_HDR_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
	/* Exactly cmdline_size bytes is allowed, then the NUL. */
	w32(LINUX_HDR_CMDLINE_SIZE, 16);
	ram_init(RAM_DEFAULT, RAM_DEFAULT);
	expect_ok("0123456789abcdef");
	assert_memory_equal(ram.buf + LINUX_CMDLINE_ADDR, "0123456789abcdef", 17);
}

/* ---- the initrd ---- */


static void assert_initrd_ok(u64 top) { assert_initrd_at(rd, rd_size, top); }

static void test_initrd_high_and_aligned(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	assert_initrd_ok(RAM_DEFAULT);
	/* As high as it goes: the highest page-aligned start. */
	assert_int_equal(boot.initrd_addr, ALIGN_DOWN(RAM_DEFAULT - rd_size, PAGE_SIZE));
	assert_true(boot.initrd_addr >= T_PREF + T_INIT_SIZE);
}

static void test_initrd_right_above_kernel(void **state)
{
	(void)state;
	ram_init(T_PREF + T_INIT_SIZE + MIB, T_PREF + T_INIT_SIZE + MIB); /* room for exactly 1 MiB above the kernel */
	build_initrd(MIB);
	expect_ok(CMDLINE);
	assert_int_equal(boot.initrd_addr, T_PREF + T_INIT_SIZE);
	build_initrd(MIB + 1); /* one byte more: the page below is the kernel's, so below it */
	ram_init(T_PREF + T_INIT_SIZE + MIB, T_PREF + T_INIT_SIZE + MIB);
	expect_ok(CMDLINE);
	assert_int_equal(boot.initrd_addr, ALIGN_DOWN(T_PREF - MIB - 1, PAGE_SIZE));
	assert_initrd_ok(T_PREF);
}

static void test_initrd_below_initrd_addr_max(void **state)
{
	(void)state;
	w32(LINUX_HDR_INITRD_ADDR_MAX, 40 * MIB - 1); /* the last byte may be at 40 MiB - 1 */
	expect_ok(CMDLINE);
	assert_initrd_ok(40 * MIB);
	assert_int_equal(boot.initrd_addr, ALIGN_DOWN(40 * MIB - rd_size, PAGE_SIZE));
}

static void test_initrd_below_kernel_when_no_room_above(void **state)
{
	(void)state;
	ram_init(26 * MIB, 26 * MIB); /* kernel [16, 24) MiB, 2 MiB above it, 15 below */
	build_initrd(3 * MIB);
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, T_PREF);
	assert_initrd_ok(T_PREF);
	assert_int_equal(boot.initrd_addr, T_PREF - 3 * MIB);
}

static void test_no_initrd(void **state)
{
	(void)state;
	assert_int_equal(linux_load(img, img_size, NULL, 0, CMDLINE, &gm, &boot, load_err, sizeof(load_err)), 0);
	assert_int_equal(boot.initrd_addr, 0);
	assert_int_equal(boot.initrd_size, 0);
	assert_int_equal(r32(LINUX_BOOT_PARAMS + LINUX_HDR_RAMDISK_IMAGE), 0);
	assert_int_equal(r32(LINUX_BOOT_PARAMS + LINUX_HDR_RAMDISK_SIZE), 0);
}

static void test_large_ram_keeps_everything_below_4gib(void **state)
{
	(void)state;
	ram_init(16 * GIB, 0);
	w32(LINUX_HDR_INITRD_ADDR_MAX, 0xFFFFFFFF);
	expect_ok(CMDLINE);
	assert_int_equal(boot.kernel_addr, T_PREF);
	assert_initrd_ok(4 * GIB);
	assert_int_equal(boot.initrd_addr, ALIGN_DOWN(4 * GIB - rd_size, PAGE_SIZE));
	assert_true(ram.hi <= 4 * GIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_loads_at_pref_address),
		T(test_bytes_past_syssize_not_loaded),
		T(test_relocates_when_pref_does_not_fit),
		T(test_relocation_honours_alignment),
		T(test_pref_below_1mib_relocated),
		T(test_boot_params),
		T(test_e820_matches_multiboot_map),
		T(test_empty_and_max_cmdline),
		T(test_initrd_high_and_aligned),
		T(test_initrd_right_above_kernel),
		T(test_initrd_below_initrd_addr_max),
		T(test_initrd_below_kernel_when_no_room_above),
		T(test_no_initrd),
		T(test_large_ram_keeps_everything_below_4gib),
#undef T
	};
	return UNIT_RUN(tests);
}
