/* guest/mb1.c: the Multiboot1 loader, its boot information and entry state, and every refusal. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "arch/elf.h"
#include "arch/string.h"
#include "guest/mb1.h"

/* ---- guest RAM for the tests: a malloc'd buffer behind the guest_mem callbacks ---- */

#define RAM_FILL 0xCC /* what RAM holds before the load: shows which bytes the loader wrote */

struct ram {
	u8 *buf;
	u64 backed; /* bytes of buf; may be less than size when a test expects no write */
	u64 size;   /* guest RAM size the loader is told */
	int calls, fail_at, refused;
};

static bool ram_ok(const struct ram *r, u64 gpa, u64 len)
{
	u64 end = gpa + len;
	if (end < gpa || end > r->size)
		return false;
	return !(gpa < MB1_HIGH_START && end > MB1_HOLE_START);
}

static int ram_write(void *ctx, u64 gpa, const void *src, u64 len)
{
	struct ram *r = ctx;
	if (++r->calls == r->fail_at)
		return -1;
	if (!ram_ok(r, gpa, len)) {
		r->refused++;
		return -1;
	}
	assert_true(gpa + len <= r->backed);
	memcpy(r->buf + gpa, src, len);
	return 0;
}

static int ram_fill(void *ctx, u64 gpa, u8 byte, u64 len)
{
	struct ram *r = ctx;
	if (++r->calls == r->fail_at)
		return -1;
	if (!ram_ok(r, gpa, len)) {
		r->refused++;
		return -1;
	}
	assert_true(gpa + len <= r->backed);
	memset(r->buf + gpa, byte, len);
	return 0;
}

#define RAM_DEFAULT (16 * MIB)
static struct ram ram;
static struct guest_mem gm;

static void ram_init(u64 size, u64 backed)
{
	free(ram.buf);
	ram = (struct ram){.buf = malloc(backed), .backed = backed, .size = size};
	assert_non_null(ram.buf);
	memset(ram.buf, RAM_FILL, backed);
	gm = (struct guest_mem){.ctx = &ram, .write = ram_write, .fill = ram_fill, .size = size};
}

static int setup(void **state)
{
	(void)state;
	ram_init(RAM_DEFAULT, RAM_DEFAULT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram.buf);
	ram.buf = NULL;
	return 0;
}

static u32 r32(u64 gpa) { return (u32)ram.buf[gpa] | (u32)ram.buf[gpa + 1] << 8 | (u32)ram.buf[gpa + 2] << 16 | (u32)ram.buf[gpa + 3] << 24; }
static u64 r64(u64 gpa) { return r32(gpa) | (u64)r32(gpa + 4) << 32; }

/* ---- image builders ---- */

static u8 img[64 * 1024];

static void w16(u8 *p, u64 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }
static void w32(u8 *p, u64 v) { w16(p, v); w16(p + 2, v >> 16); }
static void w64(u8 *p, u64 v) { w32(p, v); w32(p + 4, v >> 32); }

/* Writes a Multiboot header at off; with aout, the five address fields too. */
static void put_header(u64 off, u32 flags, const u32 *aout)
{
	w32(img + off, MB1_HEADER_MAGIC);
	w32(img + off + 4, flags);
	w32(img + off + 8, (u32)(0u - MB1_HEADER_MAGIC - flags));
	for (int i = 0; aout && i < 5; i++)
		w32(img + off + 12 + 4 * i, aout[i]);
}

struct seg {
	u64 vaddr, paddr, filesz, memsz;
};

#define SEG_FILE_BASE 0x2000 /* segment i's file bytes start at SEG_FILE_BASE + i * 0x1000 */
#define MB_OFF 0x100         /* where the ELF images carry their Multiboot header */

static u8 seg_byte(unsigned i, u64 j) { return (u8)(((i + 1) * 0x11) ^ (j * 7)); }

/* An ELF32 or ELF64 executable with PT_LOAD segments and a Multiboot header; returns its size. */
static u64 build_elf(unsigned bits, const struct seg *s, unsigned n, u64 entry, u32 mbflags)
{
	memset(img, 0, sizeof(img));
	bool b64 = bits == 64;
	unsigned ehsize = b64 ? 64 : 52, phsize = b64 ? 56 : 32;
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = b64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	w16(img + 16, 2);
	w16(img + 18, b64 ? ELF_MACHINE_X86_64 : ELF_MACHINE_386);
	w32(img + 20, 1);
	if (b64) {
		w64(img + 24, entry);
		w64(img + 32, ehsize);
		w16(img + 52, ehsize);
		w16(img + 54, phsize);
		w16(img + 56, n);
	} else {
		w32(img + 24, entry);
		w32(img + 28, ehsize);
		w16(img + 40, ehsize);
		w16(img + 42, phsize);
		w16(img + 44, n);
	}
	u64 size = SEG_FILE_BASE;
	for (unsigned i = 0; i < n; i++) {
		u8 *ph = img + ehsize + i * phsize;
		u64 off = SEG_FILE_BASE + i * 0x1000;
		assert_true(s[i].filesz <= 0x1000);
		w32(ph, 1); /* PT_LOAD */
		if (b64) {
			w32(ph + 4, 7);
			w64(ph + 8, off);
			w64(ph + 16, s[i].vaddr);
			w64(ph + 24, s[i].paddr);
			w64(ph + 32, s[i].filesz);
			w64(ph + 40, s[i].memsz);
		} else {
			w32(ph + 4, off);
			w32(ph + 8, s[i].vaddr);
			w32(ph + 12, s[i].paddr);
			w32(ph + 16, s[i].filesz);
			w32(ph + 20, s[i].memsz);
			w32(ph + 24, 7);
		}
		for (u64 j = 0; j < s[i].filesz; j++)
			img[off + j] = seg_byte(i, j);
		size = off + s[i].filesz;
	}
	put_header(MB_OFF, mbflags, NULL);
	return size;
}

/* A two-segment ELF32 at 1 MiB: text (0x300 bytes) and data (0x80 bytes + 0x1f80 of bss). */
static const struct seg good_segs[] = {
	{0x100000, 0x100000, 0x300, 0x300},
	{0x101000, 0x101000, 0x80, 0x2000},
};
#define GOOD_ENTRY 0x100010

static u64 good_elf(void) { return build_elf(32, good_segs, 2, GOOD_ENTRY, MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO); }

/* A flat (non-ELF) a.out-kludge image: header at hoff, loaded at 0x100000 with bss to 0x104000. */
#define AOUT_HOFF 0x40
#define AOUT_FILE 0x1800
static u32 aout_fields[5];
static u64 build_aout(u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end, u32 entry)
{
	memset(img, 0, sizeof(img));
	for (u64 j = 0; j < AOUT_FILE; j++)
		img[j] = seg_byte(5, j);
	u32 f[5] = {header_addr, load_addr, load_end, bss_end, entry};
	memcpy(aout_fields, f, sizeof(f));
	put_header(AOUT_HOFF, MB1_HF_MEMINFO | MB1_HF_AOUT_KLUDGE, f);
	return AOUT_FILE;
}
static u64 good_aout(void) { return build_aout(0x100000 + AOUT_HOFF, 0x100000, 0x100000 + AOUT_FILE, 0x104000, 0x100100); }

/* ---- running the loader ---- */

static char err[200];
static struct mb1_boot boot;

static int load(u64 size, const char *cmdline)
{
	memset(err, 0, sizeof(err));
	return mb1_load(img, size, &gm, cmdline, &boot, err, sizeof(err));
}

/* The image is refused with a message containing want, and guest RAM was not touched. */
static void expect_refused(u64 size, const char *want)
{
	int calls = ram.calls;
	assert_int_equal(load(size, "x"), -1);
	if (!strstr(err, want))
		fail_msg("message '%s' does not contain '%s'", err, want);
	assert_int_equal(ram.calls, calls);
}

static void expect_loaded(u64 size)
{
	if (load(size, "x") != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(ram.refused, 0);
}

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
	assert_int_equal(mb1_load(img, good_elf(), &gm, "guest.elf answer=42", &boot, err, sizeof(err)), 0);
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
	assert_string_equal(err, "guest command line: 3840 bytes, at most 3839 fit");
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
	assert_int_equal(s.ldtr.ar & GUEST_AR_UNUSABLE, GUEST_AR_UNUSABLE);
	assert_int_equal(s.gdtr.limit >> 16, 0);
	assert_int_equal(s.idtr.limit >> 16, 0);
}

/* ---- refusals ---- */

static void test_empty_file(void **state)
{
	(void)state;
	expect_refused(0, "guest image: the file is empty");
	assert_int_equal(mb1_load(NULL, 100, &gm, "", &boot, err, sizeof(err)), -1);
	assert_string_equal(err, "guest image: the file is empty");
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
	assert_int_equal(mb1_load(img, n, NULL, "", &boot, err, sizeof(err)), -1);
}

static void test_write_failures_are_reported(void **state)
{
	(void)state;
	u64 n = good_elf();
	ram.fail_at = 1;
	assert_int_equal(load(n, "x"), -1);
	assert_string_equal(err, "guest image: writing the segment at 0x100000 (+0x300) into guest RAM failed");
	ram.calls = 0;
	ram.fail_at = 4; /* text, data, bss, then the MBI area's fill */
	assert_int_equal(load(n, "x"), -1);
	assert_string_equal(err, "guest RAM: writing the boot information at 0x9000 failed");
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
			assert_true(strncmp(err, "guest image: ", 13) == 0);
		}
	}
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
