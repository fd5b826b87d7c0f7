/*
 * boot/multiboot2/mb2.c: the screen GRUB describes (Multiboot2 spec 3.6.12, framebuffer info,
 * with GRUB's layout: a 16-bit reserved field, so the colour info starts at byte 32) and the
 * VGA text fallback on BIOS machines, on MBIs built here.
 */
#include "unit.h"

#include <string.h>

#include "arch/string.h"
#include "boot/multiboot2/mb2.h"

/* The core's linker symbols and arch/string.c's str_copy, which the host build does not link. */
u8 __image_start[1], __image_end[1];
size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	size_t k = n < size - 1 ? n : size - 1;
	memcpy(dst, src, k);
	dst[k] = 0;
	return n;
}

static u8 mbi[512] __attribute__((aligned(8)));
static size_t mbi_len;
static struct boot_info bi;

static void put32(size_t off, u32 v) { memcpy(mbi + off, &v, 4); }
static void put64(size_t off, u64 v) { memcpy(mbi + off, &v, 8); }

static void begin(void) { memset(mbi, 0, sizeof(mbi)); mbi_len = 8; }
/* A tag of type and size; the bytes after the header are set by the caller at the offset returned. */
static size_t tag(u32 type, u32 size)
{
	size_t off = mbi_len;
	put32(off, type);
	put32(off + 4, size);
	mbi_len += (size + 7) & ~7u;
	return off;
}
static void end(void)
{
	tag(0, 8);
	put32(0, (u32)mbi_len);
	mb2_parse(mbi, sizeof(mbi), &bi);
}

static size_t fb_tag(u8 type, u32 size)
{
	size_t t = tag(8, size);
	put64(t + 8, 0xfd000000);
	put32(t + 16, 4096);
	put32(t + 20, 1024);
	put32(t + 24, 768);
	mbi[t + 28] = 32;
	mbi[t + 29] = type;
	return t;
}

static void test_rgb_framebuffer(void **state)
{
	(void)state;
	begin();
	size_t t = fb_tag(1, 38);
	memcpy(mbi + t + 32, "\x10\x08\x08\x08\x00\x08", 6);
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_RGB);
	assert_int_equal(bi.fb.base, 0xfd000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_pos, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.blue_size, 8);
}

static void test_ega_text(void **state)
{
	(void)state;
	begin();
	size_t t = fb_tag(2, 32);
	put64(t + 8, 0xb8000);
	put32(t + 16, 160);
	put32(t + 20, 80);
	put32(t + 24, 25);
	mbi[t + 28] = 16;
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_TEXT);
	assert_int_equal(bi.fb.base, 0xb8000);
	assert_int_equal(bi.fb.width, 80);
	assert_int_equal(bi.fb.height, 25);
}

static void test_no_tag_on_bios_means_vga_text(void **state)
{
	(void)state;
	begin();
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_TEXT);
	assert_int_equal(bi.fb.base, 0xb8000);
	assert_int_equal(bi.fb.width, 80);
	assert_int_equal(bi.fb.height, 25);
	assert_int_equal(bi.fb.pitch, 160);
}

static void test_no_tag_on_uefi_means_no_screen(void **state)
{
	(void)state;
	begin();
	size_t t = tag(12, 16); /* EFI 64-bit system table pointer */
	put64(t + 8, 0x7f000000);
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
}

static void test_unusable_tags_give_no_screen(void **state)
{
	(void)state;
	begin();
	fb_tag(0, 40); /* indexed colour: not drawn on */
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
	begin();
	fb_tag(1, 34); /* RGB without its six colour bytes */
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
	begin();
	tag(8, 24); /* shorter than the common part */
	end();
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rgb_framebuffer),
		cmocka_unit_test(test_ega_text),
		cmocka_unit_test(test_no_tag_on_bios_means_vga_text),
		cmocka_unit_test(test_no_tag_on_uefi_means_no_screen),
		cmocka_unit_test(test_unusable_tags_give_no_screen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
