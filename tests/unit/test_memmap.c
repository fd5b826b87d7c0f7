/* arch/memmap.c: building the boot_info map, summarizing it, and printing it as "[hv] " lines. */
#include "unit.h"

#include <string.h>

#include "arch/console.h"
#include "arch/memmap.h"

static struct boot_info bi; /* 7 KiB: static, cleared by each test */

static int setup(void **state)
{
	(void)state;
	memset(&bi, 0, sizeof(bi));
	return 0;
}

static void expect_range(u32 i, u64 base, u64 length, u32 type)
{
	assert_true(i < bi.mmap_count);
	assert_int_equal(bi.mmap[i].base, base);
	assert_int_equal(bi.mmap[i].length, length);
	assert_int_equal(bi.mmap[i].type, type);
	assert_int_equal(bi.mmap[i].reserved, 0);
}

static void test_add_and_merge(void **state)
{
	(void)state;
	assert_int_equal(memmap_add(&bi, 0x0, 0x9fc00, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(&bi, 0x9fc00, 0x400, BOOT_MEM_RESERVED), 0);   /* other type: new */
	assert_int_equal(memmap_add(&bi, 0xa0000, 0x60000, BOOT_MEM_RESERVED), 0); /* adjacent, same: merged */
	assert_int_equal(memmap_add(&bi, 0x100000, 0x100000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(&bi, 0x200000, 0x100000, BOOT_MEM_USABLE), 0);  /* merged */
	assert_int_equal(memmap_add(&bi, 0x300000, 0x1000, BOOT_MEM_USABLE), 0);    /* merged again */
	assert_int_equal(memmap_add(&bi, 0x302000, 0x1000, BOOT_MEM_USABLE), 0);    /* a gap: new */
	assert_int_equal(memmap_add(&bi, 0x303000, 0x1000, BOOT_MEM_ACPI_NVS), 0);  /* adjacent, other type */
	assert_int_equal(bi.mmap_count, 5);
	expect_range(0, 0x0, 0x9fc00, BOOT_MEM_USABLE);
	expect_range(1, 0x9fc00, 0x60400, BOOT_MEM_RESERVED);
	expect_range(2, 0x100000, 0x201000, BOOT_MEM_USABLE);
	expect_range(3, 0x302000, 0x1000, BOOT_MEM_USABLE);
	expect_range(4, 0x303000, 0x1000, BOOT_MEM_ACPI_NVS);
}

static void test_merge_only_with_the_last(void **state)
{
	(void)state;
	assert_int_equal(memmap_add(&bi, 0x1000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(&bi, 0x5000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(&bi, 0x2000, 0x1000, BOOT_MEM_USABLE), 0); /* follows range 0, not the last */
	assert_int_equal(memmap_add(&bi, 0x0, 0x1000, BOOT_MEM_USABLE), 0);    /* precedes range 0: no merge */
	assert_int_equal(bi.mmap_count, 4);
	expect_range(2, 0x2000, 0x1000, BOOT_MEM_USABLE);
	expect_range(3, 0x0, 0x1000, BOOT_MEM_USABLE);
}

static void test_zero_length_ignored(void **state)
{
	(void)state;
	assert_int_equal(memmap_add(&bi, 0x1000, 0, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(memmap_add(&bi, 0x1000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(&bi, 0x4000, 0, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi.mmap_count, 1);
}

static void test_full_table(void **state)
{
	(void)state;
	for (u32 i = 0; i < BOOT_MMAP_MAX; i++) /* alternating types, so nothing merges */
		assert_int_equal(memmap_add(&bi, (u64)i * 0x1000, 0x1000, i % 2 ? BOOT_MEM_RESERVED : BOOT_MEM_USABLE),
		                 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	u64 next = (u64)BOOT_MMAP_MAX * 0x1000;
	assert_int_equal(memmap_add(&bi, next + 0x10000, 0x1000, BOOT_MEM_USABLE), -1);
	assert_int_equal(memmap_add(&bi, next, 0x1000, BOOT_MEM_USABLE), -1); /* adjacent, but other type */
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	/* a range that merges into the last entry still fits */
	assert_int_equal(memmap_add(&bi, next, 0x3000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	expect_range(BOOT_MMAP_MAX - 1, next - 0x1000, 0x4000, BOOT_MEM_RESERVED);
	assert_int_equal(bi.modules[0].phys, 0); /* nothing written past the table */
}

static void test_summarize(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		{0x100000, 0x1fef0000, BOOT_MEM_USABLE, 0},
		{0x0, 0x9fc00, BOOT_MEM_USABLE, 0},
		{0x9fc00, 0x400, BOOT_MEM_RESERVED, 0},
		{0x1fff0000, 0x10000, BOOT_MEM_ACPI_RECLAIM, 0},
		{0xfffc0000, 0x40000, BOOT_MEM_RESERVED, 0},
		{0x100000000ULL, 0x20000000, BOOT_MEM_USABLE, 0},
		{0x120000000ULL, 0x1000, BOOT_MEM_BAD, 0},
		{0x7000000, 0x1000, 99, 0}, /* unknown types count as not usable */
	};
	struct memmap_summary s;
	memset(&s, 0xa5, sizeof(s));
	memmap_summarize(map, ARRAY_SIZE(map), &s);
	assert_int_equal(s.usable_bytes, 0x1fef0000 + 0x9fc00 + 0x20000000);
	assert_int_equal(s.reserved_bytes, 0x400 + 0x10000 + 0x40000 + 0x1000 + 0x1000);
	assert_int_equal(s.usable_ranges, 3);
	assert_int_equal(s.highest_usable_end, 0x120000000ULL);
	assert_int_equal(s.highest_end, 0x120001000ULL);

	memset(&s, 0xa5, sizeof(s));
	memmap_summarize(map, 0, &s);
	assert_int_equal(s.usable_bytes, 0);
	assert_int_equal(s.reserved_bytes, 0);
	assert_int_equal(s.usable_ranges, 0);
	assert_int_equal(s.highest_usable_end, 0);
	assert_int_equal(s.highest_end, 0);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(memmap_type_name(BOOT_MEM_USABLE), "usable");
	assert_string_equal(memmap_type_name(BOOT_MEM_RESERVED), "reserved");
	assert_string_equal(memmap_type_name(BOOT_MEM_ACPI_RECLAIM), "ACPI reclaimable");
	assert_string_equal(memmap_type_name(BOOT_MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(memmap_type_name(BOOT_MEM_BAD), "bad");
	assert_string_equal(memmap_type_name(0), "unknown");
	assert_string_equal(memmap_type_name(6), "unknown");
}

static char out[4096];
static size_t out_len;

static void capture(const char *s, size_t n)
{
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

static void test_print(void **state)
{
	(void)state;
	static const struct boot_mem_range map[] = {
		{0x0, 0x9fc00, BOOT_MEM_USABLE, 0},
		{0x9fc00, 0x400, BOOT_MEM_RESERVED, 0},
		{0x100000, 0x3ff00000, BOOT_MEM_USABLE, 0},
		{0xfffc0000, 0x40000, BOOT_MEM_ACPI_NVS, 0},
	};
	con_set_output(capture);
	out_len = 0;
	con_write("guest text", 10); /* mid-line: the map must start on a line of its own */
	memmap_print(map, ARRAY_SIZE(map));
	con_set_output(NULL);
	assert_string_equal(out, "guest text\r\n"
	                         "[hv] memory map: 4 ranges, 1023 MiB usable in 2 ranges, highest usable address "
	                         "0x40000000\r\n"
	                         "[hv]   [0x0000000000000000-0x000000000009fc00) usable\r\n"
	                         "[hv]   [0x000000000009fc00-0x00000000000a0000) reserved\r\n"
	                         "[hv]   [0x0000000000100000-0x0000000040000000) usable\r\n"
	                         "[hv]   [0x00000000fffc0000-0x0000000100000000) ACPI NVS\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_and_merge, setup),
		cmocka_unit_test_setup(test_merge_only_with_the_last, setup),
		cmocka_unit_test_setup(test_zero_length_ignored, setup),
		cmocka_unit_test_setup(test_full_table, setup),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_print),
	};
	return UNIT_RUN(tests);
}
