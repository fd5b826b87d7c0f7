/*
 * arch/elf.c, the whole-file checks: good ELF32 and ELF64 images parsed field by field, then
 * truncation at every length, and a bad identification, type, machine or program header table
 * each rejected with its own message. Segment and note checks: test_elf_segments.c.
 */
#include "elf_builder.h"

/* ---- good images ---- */

static void test_good_elf64(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	build_core64(&e);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.bits, 64);
	assert_int_equal(img.machine, ELF_MACHINE_X86_64);
	assert_int_equal(img.entry, CORE_V + 0x200010);
	assert_int_equal(img.nseg, 3);
	assert_int_equal(img.seg[0].vaddr, CORE_V + 0x200000);
	assert_int_equal(img.seg[0].paddr, 0x200000);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x800);
	assert_int_equal(img.seg[0].memsz, 0x800);
	assert_int_equal(img.seg[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(img.seg[1].flags, ELF_PF_R);
	assert_int_equal(img.seg[2].vaddr, CORE_V + 0x202000);
	assert_int_equal(img.seg[2].offset, 0x1c00);
	assert_int_equal(img.seg[2].filesz, 0x200);
	assert_int_equal(img.seg[2].memsz, 0x3000);
	assert_int_equal(img.seg[2].flags, ELF_PF_R | ELF_PF_W);
	assert_int_equal(img.paddr_lo, 0x200000);
	assert_int_equal(img.paddr_hi, 0x205000);
	assert_true(img.has_entry64_note);
	assert_int_equal(img.entry64, ENTRY64);
}

static void test_good_elf32(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	build_guest32(&e);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.bits, 32);
	assert_int_equal(img.machine, ELF_MACHINE_386);
	assert_int_equal(img.entry, 0x10000c);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].paddr, 0x100000);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].filesz, 0x1000);
	assert_int_equal(img.seg[0].memsz, 0x5000);
	assert_int_equal(img.seg[0].flags, ELF_PF_R | ELF_PF_W | ELF_PF_X);
	assert_int_equal(img.paddr_lo, 0x100000);
	assert_int_equal(img.paddr_hi, 0x105000);
	assert_false(img.has_entry64_note);
}

/* A 32-bit image reads 4-byte fields: bytes above them must not leak into the values. */
static void test_elf32_high_addresses(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	eb_init(&e, 32, 0xfffff000);
	eb_phdr(&e, PT_LOAD, ELF_PF_R | ELF_PF_X, 0x100, 0xffff0000, 0xffff0000, 0x20, 0x10000); /* ends at 4G */
	eb_fill(&e, 0x100, 0x20, 1);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.entry, 0xfffff000);
	assert_int_equal(img.seg[0].vaddr, 0xffff0000);
	assert_int_equal(img.paddr_hi, 0x100000000ULL);
}

static void test_segments_touching_are_fine(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	eb_init(&e, 64, 0x100000);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x200, 0x100000, 0x100000, 0x100, 0x1000);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x300, 0x101000, 0x101000, 0x100, 0x1000); /* starts where 0 ends */
	eb_fill(&e, 0x200, 0x200, 7);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.paddr_hi, 0x102000);
}

static void test_entry_at_segment_start(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	build_guest32(&e);
	put(&e, E_ENTRY, 0x100000, 4);
	assert_int_equal(parse(&e, &img, err, sizeof(err)), 0);
	put(&e, E_ENTRY, 0x104fff, 4); /* the last byte of the bss */
	assert_int_equal(parse(&e, &img, err, sizeof(err)), 0);
}

/* ---- malformed images ---- */

static void test_truncated_anywhere(void **state)
{
	(void)state;
	static struct eb e;
	build_core64(&e);
	for (u64 size = 0; size < e.size; size++) {
		struct elf_image img;
		char err[200] = "";
		if (parse_sized(&e, size, &img, err, sizeof(err)) != -1)
			fail_msg("ELF64 accepted when cut to %llu of %llu bytes", (unsigned long long)size,
			         (unsigned long long)e.size);
		assert_true(err[0] != 0);
	}
	build_guest32(&e);
	for (u64 size = 0; size < e.size; size++) {
		struct elf_image img;
		char err[200] = "";
		if (parse_sized(&e, size, &img, err, sizeof(err)) != -1)
			fail_msg("ELF32 accepted when cut to %llu of %llu bytes", (unsigned long long)size,
			         (unsigned long long)e.size);
	}
}

static void test_truncated_header(void **state)
{
	(void)state;
	static struct eb e;
	build_core64(&e);
	expect_reject_sized(&e, 0, "file too small for an ELF header");
	expect_reject_sized(&e, 15, "file too small for an ELF header");
	expect_reject_sized(&e, 16, "file too small for an ELF64 header");
	expect_reject_sized(&e, 63, "file too small for an ELF64 header");
	build_guest32(&e);
	expect_reject_sized(&e, 51, "file too small for an ELF32 header");
	struct elf_image img;
	char err[100];
	assert_int_equal(elf_parse(NULL, 100, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too small"));
}

static void test_bad_ident(void **state)
{
	(void)state;
	static struct eb e;
	for (int i = 0; i < 4; i++) {
		build_core64(&e);
		e.b[i] ^= 0x20;
		expect_reject(&e, "bad magic");
	}
	build_core64(&e);
	e.b[4] = 0;
	expect_reject(&e, "unknown ELF class 0");
	e.b[4] = 3;
	expect_reject(&e, "unknown ELF class 3");
	build_core64(&e);
	e.b[5] = 2;
	expect_reject(&e, "not a little-endian ELF file");
	e.b[5] = 0;
	expect_reject(&e, "not a little-endian ELF file");
	build_core64(&e);
	e.b[6] = 0;
	expect_reject(&e, "unknown ELF version 0");
	e.b[6] = 2;
	expect_reject(&e, "unknown ELF version 2");
}

static void test_bad_type_and_machine(void **state)
{
	(void)state;
	static struct eb e;
	const u16 types[] = {0, 1, 3, 4, 0xfe00};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		build_core64(&e);
		put(&e, 16, types[i], 2);
		char want[64];
		snprintf(want, sizeof(want), "not an executable ELF file (e_type %u)", types[i]);
		expect_reject(&e, want);
	}
	const u16 machines[] = {0, 40 /* ARM */, 183 /* AArch64 */, 62 + 256};
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		build_guest32(&e);
		put(&e, 18, machines[i], 2);
		char want[64];
		snprintf(want, sizeof(want), "ELF machine %u is not x86", machines[i]);
		expect_reject(&e, want);
	}
}

static void test_bad_program_header_table(void **state)
{
	(void)state;
	static struct eb e;
	build_core64(&e);
	put(&e, E_PHENTSIZE(&e), 55, 2);
	expect_reject(&e, "program header entry size 55 is smaller than 56");
	build_guest32(&e);
	put(&e, E_PHENTSIZE(&e), 31, 2);
	expect_reject(&e, "program header entry size 31 is smaller than 32");
	build_core64(&e);
	put(&e, E_PHNUM(&e), 0, 2);
	expect_reject(&e, "program header count 0 is not in 1..");
	put(&e, E_PHNUM(&e), 65, 2);
	expect_reject(&e, "program header count 65 is not in 1..");
	put(&e, E_PHNUM(&e), 0xffff, 2);
	expect_reject(&e, "program header count 65535 is not in 1..");
	build_core64(&e);
	put(&e, 32, e.size, 8); /* e_phoff at the end of the file */
	expect_reject(&e, "program headers lie outside the file");
	put(&e, 32, e.size - 5 * 56 + 1, 8); /* the last entry one byte short */
	expect_reject(&e, "program headers lie outside the file");
	put(&e, 32, 0xFFFFFFFFFFFFFFF0ULL, 8); /* phoff + table size wraps */
	expect_reject(&e, "program headers lie outside the file");
	build_guest32(&e);
	put(&e, 28, 0xFFFFFFF0u, 4);
	expect_reject(&e, "program headers lie outside the file");
}

/* Larger entries than the minimum are allowed: the parser must step by e_phentsize. */
static void test_large_phentsize(void **state)
{
	(void)state;
	static struct eb e;
	struct elf_image img;
	char err[200] = "";
	eb_init(&e, 64, 0x100000);
	put(&e, E_PHENTSIZE(&e), 64, 2);
	/* two entries by hand, 64 bytes apart */
	struct eb tmp;
	eb_init(&tmp, 64, 0);
	eb_phdr(&tmp, PT_NOTE, 0, 0, 0, 0, 0, 0);
	eb_phdr(&tmp, PT_LOAD, ELF_PF_R | ELF_PF_X, 0x200, 0x100000, 0x100000, 0x10, 0x10);
	memcpy(e.b + 64, tmp.b + 64, 56);        /* an empty note */
	memcpy(e.b + 64 + 64, tmp.b + 120, 56);   /* the load segment */
	put(&e, E_PHNUM(&e), 2, 2);
	eb_fill(&e, 0x200, 0x10, 9);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].paddr, 0x100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_elf64),
		cmocka_unit_test(test_good_elf32),
		cmocka_unit_test(test_elf32_high_addresses),
		cmocka_unit_test(test_segments_touching_are_fine),
		cmocka_unit_test(test_entry_at_segment_start),
		cmocka_unit_test(test_truncated_anywhere),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_bad_ident),
		cmocka_unit_test(test_bad_type_and_machine),
		cmocka_unit_test(test_bad_program_header_table),
		cmocka_unit_test(test_large_phentsize),
	};
	return UNIT_RUN(tests);
}
