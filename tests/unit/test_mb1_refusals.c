/*
 * guest/mb1.c: the entry state (Multiboot spec 3.2, SDM Vol. 3C 27.3.1.2) and every refusal of
 * a bad image.
 * The fixture, shared with test_mb1.c, is mb1_fixture.{h,c}.
 */
#include "mb1_fixture.h"

/* ---- entry state (spec 3.2, SDM Vol. 3C 27.3.1.2) ---- */

static void test_entry_state(void **state)
{
	(void)state;
	expect_loaded(good_elf());
	struct guest_entry_state s;
	memset(&s, 0xA5, sizeof(s));
	mb1_entry_state(&boot, &s);
	assert_int_equal(s.gpr[VCPU_RAX], 0x2BADB002);
	assert_int_equal(s.gpr[VCPU_RBX], MB1_INFO_AREA);
	for (int r = 0; r < VCPU_NREGS; r++)
		if (r != VCPU_RAX && r != VCPU_RBX)
			assert_int_equal(s.gpr[r], 0);
	assert_int_equal(s.rip, GOOD_ENTRY);
	assert_int_equal(s.rflags, 0x2); /* IF = 0, VM = 0, only the fixed bit */
	assert_int_equal(s.cr0 & 0x80000001u, 0x1); /* PE = 1, PG = 0 */
	assert_int_equal(s.cr0, 0x11);
	assert_int_equal(s.cr3, 0);
	assert_int_equal(s.cr4, 0);
	assert_int_equal(s.efer, 0);
	assert_int_equal(s.dr7, 0x400);
	const struct vcpu_segment *cs = &s.seg[VCPU_CS];
	assert_int_equal(cs->base, 0);
	assert_int_equal(cs->limit, 0xFFFFFFFFu);
	assert_int_equal(cs->ar, 0xC09B); /* G, D, P, S, execute/read accessed */
	assert_int_equal(cs->sel & 3, 0);
	for (int i = 0; i < VCPU_NSEGS; i++) {
		if (i == VCPU_CS)
			continue;
		assert_int_equal(s.seg[i].base, 0);
		assert_int_equal(s.seg[i].limit, 0xFFFFFFFFu);
		assert_int_equal(s.seg[i].ar, 0xC093); /* G, B, P, S, read/write accessed */
		assert_int_equal(s.seg[i].sel & 3, cs->sel & 3); /* SS.RPL = CS.RPL */
	}
	assert_int_equal(s.tr.ar, 0x8B); /* present busy 32-bit TSS, S = 0 */
	assert_int_equal(s.tr.sel & 4, 0); /* TI = 0 */
	assert_true(s.tr.limit >= 0x67);
	assert_int_equal(s.ldtr.ar & VCPU_AR_UNUSABLE, VCPU_AR_UNUSABLE);
	assert_int_equal(s.gdtr.limit >> 16, 0);
	assert_int_equal(s.idtr.limit >> 16, 0);
}

/* ---- refusals ---- */

static void test_empty_file(void **state)
{
	(void)state;
	expect_refused(0, "guest image: the file is empty");
	assert_int_equal(mb1_load(NULL, 100, &gm, "", &boot, load_err, sizeof(load_err)), -1);
	assert_string_equal(load_err, "guest image: the file is empty");
}

static void test_no_header(void **state)
{
	(void)state;
	u64 n = good_elf();
	memset(img + MB_OFF, 0, 12);
	expect_refused(n, "guest image: no Multiboot header in the first 8192 bytes");
	expect_refused(11, "guest image: no Multiboot header in the first 8192 bytes");
}

static void test_header_beyond_8192(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	put_header(MB1_HEADER_SEARCH, 0, NULL);
	expect_refused(MB1_HEADER_SEARCH + 0x100, "no Multiboot header in the first 8192 bytes");
	memset(img, 0, sizeof(img));
	put_header(MB1_HEADER_SEARCH - 8, 0, NULL); /* starts inside, ends outside */
	expect_refused(MB1_HEADER_SEARCH + 0x100, "no Multiboot header in the first 8192 bytes");
}

static void test_unaligned_header(void **state)
{
	(void)state;
	u64 n = good_elf();
	memset(img + MB_OFF, 0, 12);
	put_header(MB_OFF + 2, 0, NULL);
	expect_refused(n, "no Multiboot header");
}

static void test_header_in_a_truncated_file(void **state)
{
	(void)state;
	good_elf();
	expect_refused(MB_OFF + 8, "no Multiboot header");
}

static void test_bad_checksum(void **state)
{
	(void)state;
	u64 n = good_elf();
	w32(img + MB_OFF + 8, 0x12345678);
	expect_refused(n, "guest image: Multiboot header at offset 0x100 has a bad checksum");
}

static void test_unsupported_flag_bits(void **state)
{
	(void)state;
	u64 n = build_elf(32, good_segs, 2, GOOD_ENTRY, MB1_HF_MEMINFO | MB1_HF_VIDEO);
	expect_refused(n, "guest image: Multiboot header flags bit 2 (video mode information) is not supported");
	for (unsigned bit = 3; bit < 16; bit++) {
		put_header(MB_OFF, MB1_HF_MEMINFO | (1u << bit) | (1u << 15), NULL);
		char want[80];
		snprintf(want, sizeof(want), "flags bit %u is unknown", bit);
		expect_refused(n, want);
	}
}

static void test_not_elf_without_aout_kludge(void **state)
{
	(void)state;
	u64 n = good_aout();
	put_header(AOUT_HOFF, MB1_HF_MEMINFO, NULL);
	expect_refused(n, "guest image: not an ELF file (bad magic)");
}

static void test_elf_errors_are_named(void **state)
{
	(void)state;
	u64 n = good_elf();
	expect_refused(n - 1, "guest image: segment 1: file bytes [0x3000, +0x80) lie outside the");
	w32(img + 28, 0x100000); /* e_phoff */
	expect_refused(n, "guest image: program headers lie outside the file");
	n = good_elf();
	w16(img + 16, 3); /* ET_DYN */
	expect_refused(n, "guest image: not an executable ELF file");
	n = build_elf(32, good_segs, 2, 0x500000, 0);
	expect_refused(n, "entry point 0x500000 is outside every loadable segment");
}

static void test_elf_segment_beyond_ram(void **state)
{
	(void)state;
	const struct seg s[] = {{0x100000, 0x100000, 0x10, 0x10}, {0x1000000, RAM_DEFAULT - 0x800, 0x10, 0x1000}};
	expect_refused(build_elf(32, s, 2, 0x100000, 0),
		       "guest image: segment at 0xfff800 (+0x1000) does not fit in 16 MiB of guest RAM");
	ram_init(256 * MIB, 1 * MIB);
	const struct seg big[] = {{0x100000, 0x100000, 0x10, 256 * MIB}};
	expect_refused(build_elf(32, big, 1, 0x100000, 0),
		       "guest image: segment at 0x100000 (+0x10000000) does not fit in 256 MiB of guest RAM");
	ram_init(5 * MIB / 2, 1 * MIB);
	expect_refused(build_elf(32, big, 1, 0x100000, 0), "does not fit in 2560 KiB of guest RAM");
}

static void test_elf64_segment_above_4gib(void **state)
{
	(void)state;
	ram_init(8 * GIB, 1 * MIB);
	const struct seg s[] = {{0x100000000ULL, 0x100000000ULL, 0x10, 0x10}};
	expect_refused(build_elf(64, s, 1, 0x100000000ULL, 0),
		       "guest image: segment at 0x100000000 (+0x10) lies above 4 GiB");
	const struct seg straddle[] = {{0xFFFFF000, 0xFFFFF000, 0x10, 0x2000}};
	expect_refused(build_elf(64, straddle, 1, 0xFFFFF000, 0), "lies above 4 GiB");
}

static void test_elf_segment_in_the_hole(void **state)
{
	(void)state;
	const struct seg in[] = {{0xA0000, 0xA0000, 0x10, 0x10}};
	expect_refused(build_elf(32, in, 1, 0xA0000, 0),
		       "guest image: segment at 0xa0000 (+0x10) overlaps the legacy hole [0xa0000, 0x100000)");
	const struct seg across[] = {{0xFF000, 0xFF000, 0x10, 0x2000}};
	expect_refused(build_elf(32, across, 1, 0xFF000, 0), "overlaps the legacy hole");
	const struct seg over[] = {{0x90000, 0x90000, 0x10, 0x80000}};
	expect_refused(build_elf(32, over, 1, 0x90000, 0), "overlaps reserved low memory (the EBDA) [0x9fc00, 0xa0000)");
	const struct seg ebda[] = {{0x9FC00, 0x9FC00, 0x10, 0x10}};
	expect_refused(build_elf(32, ebda, 1, 0x9FC00, 0), "overlaps reserved low memory");
}

static void test_elf_segment_over_the_mbi_area(void **state)
{
	(void)state;
	const struct seg a[] = {{0x8000, 0x8000, 0x10, 0x1001}};
	expect_refused(build_elf(32, a, 1, 0x8000, 0),
		       "guest image: segment at 0x8000 (+0x1001) overlaps the boot information area [0x9000, 0xa000)");
	const struct seg b[] = {{0x9FFF, 0x9FFF, 0x1, 0x1}};
	expect_refused(build_elf(32, b, 1, 0x9FFF, 0), "overlaps the boot information area");
	/* a second segment at fault: nothing of the first is written either */
	const struct seg c[] = {{0x100000, 0x100000, 0x10, 0x10}, {0x9800, 0x9800, 0x10, 0x10}};
	expect_refused(build_elf(32, c, 2, 0x100000, 0), "overlaps the boot information area");
	assert_int_equal(ram.buf[0x100000], RAM_FILL);
}

static void test_aout_inconsistent_fields(void **state)
{
	(void)state;
	u64 n = build_aout(0x100040, 0x100000, 0xFFF00, 0, 0x100000);
	expect_refused(n, "guest image: load_end_addr 0xfff00 is not above load_addr 0x100000");
	n = build_aout(0x100040, 0x100000, 0x100000, 0, 0x100000);
	expect_refused(n, "load_end_addr 0x100000 is not above load_addr 0x100000");
	n = build_aout(0x100040, 0x100080, 0x101000, 0, 0x100080);
	expect_refused(n, "guest image: header_addr 0x100040 is below load_addr 0x100080");
	n = build_aout(0x110040, 0x100000, 0x111000, 0, 0x100000); /* header claims 0x10040 into the file */
	expect_refused(n, "guest image: header_addr 0x110040 does not match the header's file offset 0x40");
	n = build_aout(0x100040, 0x100000, 0x101000, 0, 0x101000);
	expect_refused(n, "guest image: entry_addr 0x101000 lies outside the loaded text [0x100000, 0x101000)");
	n = build_aout(0x100040, 0x100000, 0x101000, 0, 0xFFFFF);
	expect_refused(n, "entry_addr 0xfffff lies outside the loaded text");
	n = build_aout(0x100040, 0x100000, 0x101000, 0x100800, 0x100000);
	expect_refused(n, "guest image: bss_end_addr 0x100800 is below load_end_addr 0x101000");
	n = build_aout(0x100040, 0x100000, 0x100050, 0, 0x100000);
	expect_refused(n, "guest image: the header at 0x100040 lies outside the loaded text [0x100000, 0x100050)");
}

static void test_aout_truncated_file(void **state)
{
	(void)state;
	u64 n = build_aout(0x100040, 0x100000, 0x100000 + AOUT_FILE + 1, 0, 0x100000);
	expect_refused(n, "guest image: load_end_addr 0x101801 asks for 0x1801 bytes from file offset 0x0 "
			  "but the file has only 0x1800 (truncated?)");
	good_aout();
	expect_refused(AOUT_HOFF + 20, "its address fields (flags bit 16) run past the end of the file");
}

static void test_aout_fields_past_8192(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	u32 f[5] = {0x100000 + 8176, 0x100000, 0, 0, 0x100000};
	put_header(8176, MB1_HF_AOUT_KLUDGE, f);
	expect_refused(0x4000, "its address fields (flags bit 16) run past the first 8192 bytes");
}

static void test_aout_placement_is_checked(void **state)
{
	(void)state;
	u64 n = build_aout(0xA0040, 0xA0000, 0, 0, 0xA0000);
	expect_refused(n, "guest image: segment at 0xa0000 (+0x1800) overlaps the legacy hole");
	n = build_aout(0x100040, 0x100000, 0, RAM_DEFAULT + 1, 0x100000);
	expect_refused(n, "does not fit in 16 MiB of guest RAM");
	n = build_aout(0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000); /* the file runs past 4 GiB */
	expect_refused(n, "lies above 4 GiB");
}

static void test_ram_too_small(void **state)
{
	(void)state;
	u64 n = good_elf();
	ram_init(MIB, MIB);
	expect_refused(n, "guest RAM: 1 MiB is too small for a Multiboot guest (at least 2 MiB)");
	assert_int_equal(mb1_load(img, n, NULL, "", &boot, load_err, sizeof(load_err)), -1);
}

static void test_write_failures_are_reported(void **state)
{
	(void)state;
	u64 n = good_elf();
	ram.fail_at = 1;
	assert_int_equal(load(n, "x"), -1);
	assert_string_equal(load_err, "guest image: writing the segment at 0x100000 (+0x300) into guest RAM failed");
	ram.calls = 0;
	ram.fail_at = 4; /* text, data, bss, then the MBI area's fill */
	assert_int_equal(load(n, "x"), -1);
	assert_string_equal(load_err, "guest RAM: writing the boot information at 0x9000 failed");
}

static void test_short_error_buffer(void **state)
{
	(void)state;
	char small[8];
	assert_int_equal(mb1_load(img, 0, &gm, "", &boot, small, sizeof(small)), -1);
	assert_string_equal(small, "guest i");
	assert_int_equal(mb1_load(img, 0, &gm, "", &boot, NULL, 0), -1);
}

/* Random corruption of good images: never a crash (ASan), never a write the placement rules
 * forbid (the RAM callbacks count refusals), and on success a consistent result. */
static void test_mutated_images(void **state)
{
	(void)state;
	uint64_t seed = 0x6d6231u;
	for (int round = 0; round < 4000; round++) {
		u64 n = round & 1 ? good_aout() : good_elf();
		int flips = 1 + (int)unit_below(&seed, 8);
		for (int f = 0; f < flips; f++) {
			u64 at = unit_below(&seed, 4) == 0 ? unit_below(&seed, n) /* anywhere */
							   : (round & 1 ? AOUT_HOFF : 0) + unit_below(&seed, 0x60);
			img[at] = (u8)unit_rand(&seed);
		}
		/* sometimes fix the checksum, with honourable flags, so the loader gets further */
		if (unit_below(&seed, 2)) {
			u64 h = round & 1 ? AOUT_HOFF : MB_OFF;
			u32 fl = (u32)img[h + 4] | (u32)img[h + 5] << 8 | (u32)img[h + 6] << 16 | (u32)img[h + 7] << 24;
			fl &= MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | (round & 1 ? MB1_HF_AOUT_KLUDGE : 0);
			w32(img + h, MB1_HEADER_MAGIC);
			w32(img + h + 4, fl);
			w32(img + h + 8, (u32)(0u - MB1_HEADER_MAGIC - fl));
		}
		u64 size = unit_below(&seed, 8) == 0 ? unit_below(&seed, n + 1) : n;
		int rc = load(size, "m");
		assert_int_equal(ram.refused, 0);
		if (rc == 0) {
			assert_true(boot.entry >= boot.load_start && boot.entry < boot.load_end);
			assert_true(boot.load_end <= RAM_DEFAULT);
			assert_int_equal(r32(MB1_INFO_AREA), 0x245);
		} else {
			assert_true(strncmp(load_err, "guest image: ", 13) == 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_entry_state),
		T(test_empty_file),
		T(test_no_header),
		T(test_header_beyond_8192),
		T(test_unaligned_header),
		T(test_header_in_a_truncated_file),
		T(test_bad_checksum),
		T(test_unsupported_flag_bits),
		T(test_not_elf_without_aout_kludge),
		T(test_elf_errors_are_named),
		T(test_elf_segment_beyond_ram),
		T(test_elf64_segment_above_4gib),
		T(test_elf_segment_in_the_hole),
		T(test_elf_segment_over_the_mbi_area),
		T(test_aout_inconsistent_fields),
		T(test_aout_truncated_file),
		T(test_aout_fields_past_8192),
		T(test_aout_placement_is_checked),
		T(test_ram_too_small),
		T(test_write_failures_are_reported),
		T(test_short_error_buffer),
		T(test_mutated_images),
#undef T
	};
	return UNIT_RUN(tests);
}
