/* The fixture of mb1_fixture.h; one copy, linked into each test program that includes it. */
#include "mb1_fixture.h"

int setup(void **state)
{
	(void)state;
	ram_init(RAM_DEFAULT, RAM_DEFAULT);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	free(ram.buf);
	ram.buf = NULL;
	return 0;
}

u32 r32(u64 gpa) { return (u32)ram.buf[gpa] | (u32)ram.buf[gpa + 1] << 8 | (u32)ram.buf[gpa + 2] << 16 | (u32)ram.buf[gpa + 3] << 24; }

u64 r64(u64 gpa) { return r32(gpa) | (u64)r32(gpa + 4) << 32; }

u8 img[64 * 1024];
void w16(u8 *p, u64 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }

void w32(u8 *p, u64 v) { w16(p, v); w16(p + 2, v >> 16); }

void w64(u8 *p, u64 v) { w32(p, v); w32(p + 4, v >> 32); }

void put_header(u64 off, u32 flags, const u32 *aout)
{
	w32(img + off, MB1_HEADER_MAGIC);
	w32(img + off + 4, flags);
	w32(img + off + 8, (u32)(0u - MB1_HEADER_MAGIC - flags));
	for (int i = 0; aout && i < 5; i++)
		w32(img + off + 12 + 4 * i, aout[i]);
}

u8 seg_byte(unsigned i, u64 j) { return (u8)(((i + 1) * 0x11) ^ (j * 7)); }

u64 build_elf(unsigned bits, const struct seg *s, unsigned n, u64 entry, u32 mbflags)
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

const struct seg good_segs[] = {
	{0x100000, 0x100000, 0x300, 0x300},
	{0x101000, 0x101000, 0x80, 0x2000},
};
u64 good_elf(void) { return build_elf(32, good_segs, 2, GOOD_ENTRY, MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO); }

u32 aout_fields[5];
u64 build_aout(u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end, u32 entry)
{
	memset(img, 0, sizeof(img));
	for (u64 j = 0; j < AOUT_FILE; j++)
		img[j] = seg_byte(5, j);
	u32 f[5] = {header_addr, load_addr, load_end, bss_end, entry};
	memcpy(aout_fields, f, sizeof(f));
	put_header(AOUT_HOFF, MB1_HF_MEMINFO | MB1_HF_AOUT_KLUDGE, f);
	return AOUT_FILE;
}

u64 good_aout(void) { return build_aout(0x100000 + AOUT_HOFF, 0x100000, 0x100000 + AOUT_FILE, 0x104000, 0x100100); }

char load_err[200];
struct mb1_boot boot;
int load(u64 size, const char *cmdline)
{
	memset(load_err, 0, sizeof(load_err));
	return mb1_load(img, size, &gm, cmdline, &boot, load_err, sizeof(load_err));
}

void expect_refused(u64 size, const char *want)
{
	int calls = ram.calls;
	assert_int_equal(load(size, "x"), -1);
	if (!strstr(load_err, want))
		fail_msg("message '%s' does not contain '%s'", load_err, want);
	assert_int_equal(ram.calls, calls);
}

void expect_loaded(u64 size)
{
	if (load(size, "x") != 0)
		fail_msg("refused: %s", load_err);
	assert_int_equal(ram.refused, 0);
}
