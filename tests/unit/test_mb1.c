/* guest/mb1.c: the Multiboot1 loader, its boot information and entry state, and every refusal.
 * This file: the sections before "entry state (spec 3.2, SDM Vol. 3C 27.3.1.2)";
 * from there on: test_mb1_refusals.c.
 */
#include "mb1_fixture.h"

/* ---- good images ---- */

static void test_elf32_loads_segments_and_zeroes_bss(void **state)
{
	(void)state;
	expect_loaded(good_elf());
	assert_int_equal(boot.entry, GOOD_ENTRY);
	assert_int_equal(boot.mbi_addr, MB1_INFO_AREA);
	assert_int_equal(boot.load_start, 0x100000);
	assert_int_equal(boot.load_end, 0x103000);
	assert_false(boot.aout);
	assert_int_equal(boot.header_flags, MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO);
	for (u64 j = 0; j < 0x300; j++)
		assert_int_equal(ram.buf[0x100000 + j], seg_byte(0, j));
	assert_int_equal(ram.buf[0x100300], RAM_FILL); /* between the segments: untouched */
	for (u64 j = 0; j < 0x80; j++)
		assert_int_equal(ram.buf[0x101000 + j], seg_byte(1, j));
	for (u64 j = 0x80; j < 0x2000; j++)
		assert_int_equal(ram.buf[0x101000 + j], 0);
	assert_int_equal(ram.buf[0x103000], RAM_FILL);
	assert_int_equal(ram.buf[0x0FFFFF - 0x60000], RAM_FILL); /* low RAM outside the MBI area */
}

static void test_elf_entry_is_translated_to_physical(void **state)
{
	(void)state;
	const struct seg s[] = {{0xC0100000, 0x200000, 0x100, 0x100}};
	expect_loaded(build_elf(32, s, 1, 0xC0100040, 0));
	assert_int_equal(boot.entry, 0x200040);
	assert_int_equal(ram.buf[0x200000], seg_byte(0, 0));
}

static void test_elf64_with_32bit_addresses_loads(void **state)
{
	(void)state;
	const struct seg s[] = {{0x100000, 0x100000, 0x200, 0x1000}};
	expect_loaded(build_elf(64, s, 1, 0x100000, MB1_HF_MEMINFO));
	assert_int_equal(boot.entry, 0x100000);
	assert_int_equal(ram.buf[0x1001ff], seg_byte(0, 0x1ff));
	assert_int_equal(ram.buf[0x100200], 0);
}

static void test_elf_below_1mib_outside_the_hole_loads(void **state)
{
	(void)state;
	/* [0x1000, 0x9000) ends where the MBI area starts; [0xA000, 0x9FC00) starts where it ends. */
	const struct seg s[] = {{0x1000, 0x1000, 0x100, 0x8000}, {0xA000, 0xA000, 0x10, 0x9FC00 - 0xA000}};
	expect_loaded(build_elf(32, s, 2, 0x1000, 0));
	assert_int_equal(boot.load_start, 0x1000);
	assert_int_equal(boot.load_end, 0x9FC00);
	assert_int_equal(ram.buf[0x9FBFF], 0);
	assert_int_equal(ram.buf[0x9FC00], RAM_FILL);
}

static void test_elf_up_to_the_end_of_ram_loads(void **state)
{
	(void)state;
	const struct seg s[] = {{0x100000, RAM_DEFAULT - 0x1000, 0x10, 0x1000}};
	expect_loaded(build_elf(32, s, 1, 0x100000, 0));
	assert_int_equal(boot.load_end, RAM_DEFAULT);
	assert_int_equal(boot.entry, RAM_DEFAULT - 0x1000);
}

static void test_optional_flag_bits_are_ignored(void **state)
{
	(void)state;
	u64 n = build_elf(32, good_segs, 2, GOOD_ENTRY, MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | (1u << 17) | (1u << 31));
	expect_loaded(n);
}

static void test_first_valid_header_wins(void **state)
{
	(void)state;
	u64 n = good_elf();
	w32(img + MB_OFF - 0x40, MB1_HEADER_MAGIC); /* magic with a bad checksum before the good one */
	w32(img + MB_OFF - 0x3C, 0);
	w32(img + MB_OFF - 0x38, 0);
	expect_loaded(n);
}

static void test_header_at_the_last_place_it_fits(void **state)
{
	(void)state;
	u64 n = good_elf();
	memset(img + MB_OFF, 0, 12);
	put_header(MB1_HEADER_SEARCH - MB1_HEADER_SIZE, 0, NULL); /* in the padding before the segments */
	expect_loaded(n > MB1_HEADER_SEARCH ? n : MB1_HEADER_SEARCH);
}

static void test_aout_kludge_loads_by_address_fields(void **state)
{
	(void)state;
	expect_loaded(good_aout());
	assert_true(boot.aout);
	assert_int_equal(boot.entry, 0x100100);
	assert_int_equal(boot.load_start, 0x100000);
	assert_int_equal(boot.load_end, 0x104000);
	assert_memory_equal(ram.buf + 0x100000, img, AOUT_FILE);
	for (u64 a = 0x100000 + AOUT_FILE; a < 0x104000; a++)
		assert_int_equal(ram.buf[a], 0);
	assert_int_equal(ram.buf[0x104000], RAM_FILL);
}

static void test_aout_header_not_at_load_addr(void **state)
{
	(void)state;
	/* load_addr below header_addr by less than the header's offset: the file is loaded from
	 * offset hoff - (header_addr - load_addr) = 0x20. */
	u64 n = build_aout(0x200040, 0x200020, 0x200400, 0, 0x200020);
	expect_loaded(n);
	assert_memory_equal(ram.buf + 0x200020, img + 0x20, 0x3E0);
	assert_int_equal(ram.buf[0x20001F], RAM_FILL);
	assert_int_equal(ram.buf[0x200400], RAM_FILL); /* bss_end 0: no bss */
	assert_int_equal(boot.load_end, 0x200400);
}

static void test_aout_zero_load_end_loads_the_rest_of_the_file(void **state)
{
	(void)state;
	u64 n = build_aout(0x100000 + AOUT_HOFF, 0x100000, 0, 0, 0x100000);
	expect_loaded(n);
	assert_int_equal(boot.load_end, 0x100000 + AOUT_FILE);
	assert_memory_equal(ram.buf + 0x100000, img, AOUT_FILE);
}

static void test_aout_kludge_wins_over_elf(void **state)
{
	(void)state;
	/* An ELF file whose header sets bit 16 is loaded by the fields, as GRUB and QEMU do: here
	 * the file's first 0x1000 bytes go to 0x300000, ELF headers and all. */
	u64 n = good_elf();
	u32 f[5] = {0x300000 + MB_OFF, 0x300000, 0x301000, 0x302000, 0x300000 + MB_OFF + 0x20};
	put_header(MB_OFF, MB1_HF_AOUT_KLUDGE, f);
	expect_loaded(n);
	assert_true(boot.aout);
	assert_int_equal(boot.entry, 0x300000 + MB_OFF + 0x20);
	assert_memory_equal(ram.buf + 0x300000, "\x7f" "ELF", 4);
	assert_int_equal(ram.buf[0x100000], RAM_FILL);
}

/* ---- boot information ---- */

static void test_mbi_fields(void **state)
{
	(void)state;
	assert_int_equal(mb1_load(img, good_elf(), &gm, "guest.elf answer=42", &boot, load_err, sizeof(load_err)), 0);
	u32 mbi = boot.mbi_addr;
	assert_int_equal(r32(mbi + MB1_MBI_FLAGS), (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
	assert_int_equal(r32(mbi + MB1_MBI_MEM_LOWER), 639);
	assert_int_equal(r32(mbi + MB1_MBI_MEM_UPPER), (RAM_DEFAULT - MIB) / 1024);
	for (u32 off = 12; off < MB1_MBI_SIZE; off += 4) /* every field we do not set is zero */
		if (off != MB1_MBI_CMDLINE && off != MB1_MBI_MMAP_LENGTH && off != MB1_MBI_MMAP_ADDR &&
		    off != MB1_MBI_LOADER_NAME)
			assert_int_equal(r32(mbi + off), 0);
	assert_string_equal((char *)ram.buf + r32(mbi + MB1_MBI_CMDLINE), "guest.elf answer=42");
	assert_string_equal((char *)ram.buf + r32(mbi + MB1_MBI_LOADER_NAME), "microhv");
	/* Everything the MBI points at lies in the information area. */
	assert_in_range(r32(mbi + MB1_MBI_CMDLINE), MB1_INFO_AREA, MB1_INFO_AREA + MB1_INFO_AREA_SIZE - 1);
	assert_in_range(r32(mbi + MB1_MBI_LOADER_NAME), MB1_INFO_AREA, MB1_INFO_AREA + MB1_INFO_AREA_SIZE - 1);
	assert_int_equal(ram.buf[MB1_INFO_AREA - 1], RAM_FILL);
	assert_int_equal(ram.buf[MB1_INFO_AREA + MB1_INFO_AREA_SIZE], RAM_FILL);
}

static void test_mbi_memory_map(void **state)
{
	(void)state;
	ram_init(256 * MIB, 256 * MIB);
	expect_loaded(good_elf());
	u32 mbi = boot.mbi_addr, len = r32(mbi + MB1_MBI_MMAP_LENGTH), at = r32(mbi + MB1_MBI_MMAP_ADDR);
	assert_int_equal(r32(mbi + MB1_MBI_MEM_UPPER), 261120);
	assert_int_equal(len, 4 * 24);
	static const u64 want[4][3] = {
		{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, 255 * MIB, 1},
	};
	u32 i = 0;
	for (u32 p = at; p < at + len; p += r32(p) + 4, i++) {
		assert_true(i < 4);
		assert_int_equal(r32(p), 20);
		assert_int_equal(r64(p + 4), want[i][0]);
		assert_int_equal(r64(p + 12), want[i][1]);
		assert_int_equal(r32(p + 20), want[i][2]);
	}
	assert_int_equal(i, 4);
}

static void test_mbi_with_large_ram(void **state)
{
	(void)state;
	ram_init(6 * GIB, 4 * MIB); /* the loader writes only below 4 MiB here */
	expect_loaded(good_elf());
	assert_int_equal(r32(MB1_INFO_AREA + MB1_MBI_MEM_UPPER), (6 * GIB - MIB) / 1024);
	u32 last = r32(MB1_INFO_AREA + MB1_MBI_MMAP_ADDR) + 3 * 24;
	assert_int_equal(r64(last + 12), 6 * GIB - MIB);
}

static void test_cmdline_null_empty_and_longest(void **state)
{
	(void)state;
	u64 n = good_elf();
	u32 at = MB1_INFO_AREA + MB1_INFO_CMDLINE_OFF;
	assert_int_equal(load(n, NULL), 0);
	assert_true(r32(MB1_INFO_AREA) & MB1_INFO_CMDLINE);
	assert_string_equal((char *)ram.buf + at, "");
	assert_int_equal(load(n, ""), 0);
	assert_string_equal((char *)ram.buf + at, "");
	static char longest[MB1_CMDLINE_MAX + 2];
	memset(longest, 'a', MB1_CMDLINE_MAX);
	longest[MB1_CMDLINE_MAX] = 0;
	assert_int_equal(load(n, longest), 0);
	assert_string_equal((char *)ram.buf + at, longest);
	assert_int_equal(at + MB1_CMDLINE_MAX + 1, MB1_INFO_AREA + MB1_INFO_AREA_SIZE);
	longest[MB1_CMDLINE_MAX] = 'a';
	longest[MB1_CMDLINE_MAX + 1] = 0;
	int calls = ram.calls;
	assert_int_equal(load(n, longest), -1);
	assert_string_equal(load_err, "guest command line: 3840 bytes, at most 3839 fit");
	assert_int_equal(ram.calls, calls);
}

static void test_a_shorter_cmdline_leaves_no_stale_bytes(void **state)
{
	(void)state;
	u64 n = good_elf();
	assert_int_equal(load(n, "a long first command line"), 0);
	assert_int_equal(load(n, "short"), 0);
	u32 at = MB1_INFO_AREA + MB1_INFO_CMDLINE_OFF;
	for (u32 i = 5; i < 40; i++)
		assert_int_equal(ram.buf[at + i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_elf32_loads_segments_and_zeroes_bss),
		T(test_elf_entry_is_translated_to_physical),
		T(test_elf64_with_32bit_addresses_loads),
		T(test_elf_below_1mib_outside_the_hole_loads),
		T(test_elf_up_to_the_end_of_ram_loads),
		T(test_optional_flag_bits_are_ignored),
		T(test_first_valid_header_wins),
		T(test_header_at_the_last_place_it_fits),
		T(test_aout_kludge_loads_by_address_fields),
		T(test_aout_header_not_at_load_addr),
		T(test_aout_zero_load_end_loads_the_rest_of_the_file),
		T(test_aout_kludge_wins_over_elf),
		T(test_mbi_fields),
		T(test_mbi_memory_map),
		T(test_mbi_with_large_ram),
		T(test_cmdline_null_empty_and_longest),
		T(test_a_shorter_cmdline_leaves_no_stale_bytes),
#undef T
	};
	return UNIT_RUN(tests);
}
