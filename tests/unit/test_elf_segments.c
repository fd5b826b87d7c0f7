/*
 * arch/elf.c, the per-segment checks: file bytes outside the file, filesz > memsz, wrapping
 * addresses, overlaps, no or too many PT_LOAD segments, the entry point, the "microhv" note and
 * malformed notes, and random corruption of good images (never a crash, never an inconsistent
 * result).
 */
#include "elf_builder.h"

static void test_segment_file_bytes_outside(void **state)
{
	(void)state;
	static struct eb e;
	build_guest32(&e);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x1f00, 0x300000, 0x300000, 0x101, 0x200); /* one byte past EOF */
	expect_reject(&e, "segment 2: file bytes [0x1f00, +0x101) lie outside the 8192-byte file");
	build_core64(&e);
	put(&e, 64 + 56 * 2 + 8, 0xFFFFFFFFFFFFFFF0ULL, 8); /* segment 2's p_offset: offset + filesz wraps */
	expect_reject(&e, "segment 2: file bytes");
	build_core64(&e);
	put(&e, 64 + 8, 0x1000000, 8); /* segment 0's offset far past the end */
	expect_reject(&e, "segment 0: file bytes");
	build_guest32(&e);
	put(&e, 52 + 4, 0xFFFFFF00u, 4); /* ELF32 p_offset near 4G */
	expect_reject(&e, "segment 0: file bytes");
}

static void test_filesz_over_memsz(void **state)
{
	(void)state;
	static struct eb e;
	build_core64(&e);
	put(&e, 64 + 56 + 40, 0x3ff, 8); /* segment 1: memsz one below filesz */
	expect_reject(&e, "segment 1: file size 0x400 exceeds memory size 0x3ff");
}

static void test_address_wrap(void **state)
{
	(void)state;
	static struct eb e;
	eb_init(&e, 64, 0xFFFFFFFFFFFFF800ULL);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x100, 0xFFFFFFFFFFFFF000ULL, 0x100000, 0x10, 0x2000); /* vaddr wraps */
	eb_fill(&e, 0x100, 0x10, 0);
	expect_reject(&e, "segment 0: address range wraps around");
	eb_init(&e, 64, 0x100000);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x100, 0x100000, 0xFFFFFFFFFFFFF000ULL, 0x10, 0x2000); /* paddr wraps */
	eb_fill(&e, 0x100, 0x10, 0);
	expect_reject(&e, "segment 0: address range wraps around");
}

static void test_overlapping_segments(void **state)
{
	(void)state;
	static struct eb e;
	build_core64(&e);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x1000, CORE_V + 0x300000, 0x204fff, 0x10, 0x10); /* last bss byte */
	expect_reject(&e, "segments 2 and 5 overlap in physical memory");
	build_core64(&e);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x1000, CORE_V + 0x300000, 0x1ff000, 0x10, 0x2000); /* covers seg 0 */
	expect_reject(&e, "segments 0 and 5 overlap in physical memory");
	build_guest32(&e);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x1000, 0x100800, 0x100800, 0x10, 0x10); /* inside seg 0 */
	expect_reject(&e, "segments 0 and 2 overlap in physical memory");
}

static void test_no_loadable_segment(void **state)
{
	(void)state;
	static struct eb e;
	eb_init(&e, 64, 0x100000);
	eb_phdr(&e, PT_GNU_STACK, 6, 0, 0, 0, 0, 0);
	eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x100, 0x100000, 0x100000, 0, 0); /* empty load: not loadable */
	expect_reject(&e, "no loadable segment");
	eb_init(&e, 32, 0x100000);
	eb_phdr(&e, 6 /* PT_PHDR */, 4, 52, 0, 0, 32, 32);
	expect_reject(&e, "no loadable segment");
}

static void test_too_many_segments(void **state)
{
	(void)state;
	static struct eb e;
	eb_init(&e, 64, 0x100000);
	for (unsigned i = 0; i <= ELF_MAX_SEGMENTS; i++)
		eb_phdr(&e, PT_LOAD, ELF_PF_R, 0x800, 0x100000 + i * 0x1000, 0x100000 + i * 0x1000, 0x10, 0x1000);
	eb_fill(&e, 0x800, 0x10, 0);
	expect_reject(&e, "more than 16 loadable segments");
	/* exactly 16 is fine */
	put(&e, E_PHNUM(&e), ELF_MAX_SEGMENTS, 2);
	struct elf_image img;
	char err[200] = "";
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(img.nseg, ELF_MAX_SEGMENTS);
	assert_int_equal(img.paddr_hi, 0x110000);
}

static void test_entry_outside_segments(void **state)
{
	(void)state;
	static struct eb e;
	build_guest32(&e);
	put(&e, E_ENTRY, 0x105000, 4); /* one past the end of the bss */
	expect_reject(&e, "entry point 0x105000 is outside every loadable segment");
	put(&e, E_ENTRY, 0xfffff, 4);
	expect_reject(&e, "entry point 0xfffff is outside every loadable segment");
	build_core64(&e);
	put(&e, E_ENTRY, 0x200010, 8); /* the physical address, not the virtual one */
	expect_reject(&e, "entry point 0x200010 is outside every loadable segment");
}

/* ---- notes ---- */

/* An image whose only note segment holds the bytes given; one load segment. */
static void build_with_notes(struct eb *e, const struct eb *notes, u64 notes_len)
{
	eb_init(e, 64, 0x100000);
	eb_phdr(e, PT_LOAD, ELF_PF_R | ELF_PF_X, 0x100, 0x100000, 0x100000, 0x100, 0x100);
	eb_phdr(e, PT_NOTE, ELF_PF_R, 0x200, 0, 0, notes_len, notes_len);
	eb_fill(e, 0x100, 0x100, 1);
	memcpy(e->b + 0x200, notes->b, notes_len);
	e->size = 0x200 + notes_len + 0x40; /* trailing bytes after the note segment */
}

static void test_note_variants(void **state)
{
	(void)state;
	static struct eb e, n;
	struct elf_image img;
	char err[200] = "";
	u64 v = 0x1122334455667788ULL;

	/* the note found after another, and only with the right name, type and size */
	memset(&n, 0, sizeof(n));
	u64 len = eb_note(&n, 0, "Xen", 4, 1, &v, 8);
	len += eb_note(&n, len, "microhv", 8, 2, &v, 8);  /* another type */
	len += eb_note(&n, len, "microh", 7, 1, &v, 8);   /* a shorter name */
	len += eb_note(&n, len, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &v, 8);
	build_with_notes(&e, &n, len);
	if (parse(&e, &img, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	assert_true(img.has_entry64_note);
	assert_int_equal(img.entry64, v);

	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, "microhv", 8, 2, &v, 8);
	len += eb_note(&n, len, "microhvx", 9, 1, &v, 8); /* a longer name */
	build_with_notes(&e, &n, len);
	assert_int_equal(parse(&e, &img, err, sizeof(err)), 0);
	assert_false(img.has_entry64_note);

	/* an empty note segment is fine */
	build_with_notes(&e, &n, 0);
	assert_int_equal(parse(&e, &img, err, sizeof(err)), 0);
	assert_false(img.has_entry64_note);
}

static void test_malformed_notes(void **state)
{
	(void)state;
	static struct eb e, n;
	u64 v = 0x1122334455667788ULL;
	u32 v32 = 0x11223344;

	/* the microhv entry note with a 4-byte descriptor: the loader must not guess */
	memset(&n, 0, sizeof(n));
	u64 len = eb_note(&n, 0, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &v32, 4);
	build_with_notes(&e, &n, len);
	expect_reject(&e, "malformed note");

	/* a descriptor size running past the segment */
	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &v, 8);
	put(&n, 4, 12, 4);
	build_with_notes(&e, &n, len);
	expect_reject(&e, "malformed note");

	/* a name size of 2^32 - 1 */
	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, "GNU", 4, 3, &v, 8);
	put(&n, 0, 0xffffffffu, 4);
	build_with_notes(&e, &n, len);
	expect_reject(&e, "malformed note");

	/* a descriptor size of 2^32 - 1 after a good note */
	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, "GNU", 4, 3, &v, 8);
	u64 second = len;
	len += eb_note(&n, len, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &v, 8);
	put(&n, second + 4, 0xffffffffu, 4);
	build_with_notes(&e, &n, len);
	expect_reject(&e, "malformed note");

	/* a segment too short for the note header it starts */
	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, "GNU", 4, 3, &v, 8);
	build_with_notes(&e, &n, len + 8);
	expect_reject(&e, "malformed note");

	/* a note segment past the end of the file */
	memset(&n, 0, sizeof(n));
	len = eb_note(&n, 0, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &v, 8);
	build_with_notes(&e, &n, len);
	put(&e, 64 + 56 + 8, 0x1000, 8); /* p_offset of the note segment */
	expect_reject(&e, "segment 1: file bytes");
}

/* Random corruption of a good image: never a crash or a read past the end (ASan), and what is
 * accepted is consistent with the file. */
static void test_random_corruption(void **state)
{
	(void)state;
	static struct eb good, e;
	u64 seed = 0x5851f42d4c957f2dULL;
	int accepted = 0;
	for (int iter = 0; iter < 20000; iter++) {
		if (iter % 2)
			build_core64(&good);
		else
			build_guest32(&good);
		e = good;
		int flips = 1 + (int)unit_below(&seed, 4);
		for (int f = 0; f < flips; f++) {
			u64 at = unit_below(&seed, 0x200); /* headers and program headers */
			e.b[at] = unit_below(&seed, 2) ? (u8)unit_rand(&seed) : e.b[at] ^ (u8)(1u << unit_below(&seed, 8));
		}
		struct elf_image img;
		char err[200] = "";
		if (parse(&e, &img, err, sizeof(err)) != 0) {
			assert_true(err[0] != 0);
			continue;
		}
		accepted++;
		assert_true(img.nseg >= 1 && img.nseg <= ELF_MAX_SEGMENTS);
		bool entry_in = false;
		for (u32 i = 0; i < img.nseg; i++) {
			const struct elf_segment *s = &img.seg[i];
			assert_true(s->offset + s->filesz >= s->offset && s->offset + s->filesz <= e.size);
			assert_true(s->filesz <= s->memsz);
			assert_true(s->paddr >= img.paddr_lo && s->paddr + s->memsz <= img.paddr_hi);
			entry_in |= img.entry >= s->vaddr && img.entry - s->vaddr < s->memsz;
			for (u32 j = 0; j < i; j++)
				assert_true(s->paddr + s->memsz <= img.seg[j].paddr ||
				            img.seg[j].paddr + img.seg[j].memsz <= s->paddr);
		}
		assert_true(entry_in);
	}
	assert_true(accepted > 100); /* flips in unused bytes keep images valid: the check saw both */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment_file_bytes_outside),
		cmocka_unit_test(test_filesz_over_memsz),
		cmocka_unit_test(test_address_wrap),
		cmocka_unit_test(test_overlapping_segments),
		cmocka_unit_test(test_no_loadable_segment),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_entry_outside_segments),
		cmocka_unit_test(test_note_variants),
		cmocka_unit_test(test_malformed_notes),
		cmocka_unit_test(test_random_corruption),
	};
	return UNIT_RUN(tests);
}
