/* arch/fbcon.c: the screen console drawn into memory buffers (glyphs, wrap, scroll, text mode). */
#include "unit.h"

#include <string.h>

#include "arch/fbcon.h"
#include "arch/font8x16.h"

/* 10 columns x 3 rows of 8x16 characters, plus 4 pixels of right margin and padding in the pitch */
#define W (10 * FONT_WIDTH + 4)
#define H (3 * FONT_HEIGHT + 5)
#define PAD 12
#define FG 0xd0d0d0u /* fbcon.c's grey on a 8:8:8 layout */

static struct fbcon con;
static u8 pix[H * (W * 4 + PAD)];

static struct boot_fb rgb32(void)
{
	return (struct boot_fb){.type = BOOT_FB_RGB, .width = W, .height = H, .pitch = W * 4 + PAD, .bpp = 32,
	                        .red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8, .blue_pos = 0, .blue_size = 8};
}

static u32 px32(u32 x, u32 y)
{
	u32 v;
	memcpy(&v, pix + y * (W * 4 + PAD) + x * 4, 4);
	return v;
}

/* Whether the 8x16 cell at column cx, row cy shows glyph ch (32-bit layout). */
static bool cell_shows(u32 cx, u32 cy, char ch)
{
	for (u32 y = 0; y < FONT_HEIGHT; y++)
		for (u32 x = 0; x < FONT_WIDTH; x++) {
			bool on = (font8x16[ch - FONT_FIRST][y] >> (7 - x)) & 1;
			if (px32(cx * FONT_WIDTH + x, cy * FONT_HEIGHT + y) != (on ? FG : 0))
				return false;
		}
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(pix, 0x55, sizeof(pix)); /* the firmware's leftovers */
	struct boot_fb fb = rgb32();
	assert_int_equal(fbcon_init(&con, &fb, pix), 0);
	return 0;
}

static void write_str(const char *s) { fbcon_write(&con, s, strlen(s)); }

static void test_init_clears_every_pixel(void **state)
{
	(void)state;
	assert_int_equal(con.cols, 10);
	assert_int_equal(con.rows, 3);
	for (u32 y = 0; y < H; y++)
		for (u32 x = 0; x < W; x++)
			assert_int_equal(px32(x, y), 0);
	/* the padding beyond the visible width is not the screen's: untouched */
	assert_int_equal(pix[W * 4], 0x55);
}

static void test_glyphs_land_in_their_cells(void **state)
{
	(void)state;
	write_str("A#");
	assert_true(cell_shows(0, 0, 'A'));
	assert_true(cell_shows(1, 0, '#'));
	assert_false(cell_shows(0, 0, 'B'));
	assert_true(cell_shows(2, 0, ' '));
	assert_int_equal(con.cx, 2);
}

static void test_wrap_at_the_last_column(void **state)
{
	(void)state;
	write_str("0123456789");
	assert_int_equal(con.cy, 0); /* the wrap waits for the next character */
	write_str("X");
	assert_true(cell_shows(9, 0, '9'));
	assert_true(cell_shows(0, 1, 'X'));
	assert_int_equal(con.cy, 1);
}

static void test_full_line_then_newline_makes_no_blank_line(void **state)
{
	(void)state;
	write_str("0123456789\r\nab");
	assert_true(cell_shows(0, 1, 'a'));
	assert_int_equal(con.cy, 1);
}

static void test_scroll_moves_lines_up(void **state)
{
	(void)state;
	write_str("one\ntwo\nthree\nfour");
	assert_int_equal(con.cy, 2);
	assert_true(cell_shows(0, 0, 't') && cell_shows(1, 0, 'w') && cell_shows(2, 0, 'o'));
	assert_true(cell_shows(0, 1, 't') && cell_shows(4, 1, 'e'));
	assert_true(cell_shows(0, 2, 'f') && cell_shows(3, 2, 'r'));
	/* what was longer on the line before is erased */
	assert_true(cell_shows(3, 0, ' '));
	assert_int_equal(fbcon_char_at(&con, 3, 0), ' ');
}

static void test_scroll_by_wrapping(void **state)
{
	(void)state;
	write_str("aaaaaaaaaabbbbbbbbbbccccccccccd");
	assert_int_equal(fbcon_char_at(&con, 0, 0), 'b');
	assert_int_equal(fbcon_char_at(&con, 0, 2), 'd');
	assert_true(cell_shows(9, 1, 'c'));
	assert_true(cell_shows(1, 2, ' '));
}

/* 8 rows: the text jumps by 2 lines, leaving the cursor on row 6 */
static void test_scroll_jumps_a_quarter(void **state)
{
	(void)state;
	static u8 t[8 * 20];
	struct boot_fb fb = {.type = BOOT_FB_TEXT, .width = 10, .height = 8, .pitch = 20, .bpp = 16};
	assert_int_equal(fbcon_init(&con, &fb, t), 0);
	fbcon_write(&con, "0\n1\n2\n3\n4\n5\n6\n7\n8", 17);
	assert_int_equal(con.cy, 6);
	assert_int_equal(fbcon_char_at(&con, 0, 0), '2');
	assert_int_equal(fbcon_char_at(&con, 0, 5), '7');
	assert_int_equal(fbcon_char_at(&con, 0, 6), '8');
	assert_int_equal(fbcon_char_at(&con, 0, 7), ' ');
	assert_int_equal(t[7 * 20], ' ');
	assert_int_equal(t[6 * 20], '8');
}

static void test_cr_backspace_tab(void **state)
{
	(void)state;
	write_str("abc\rX");
	assert_true(cell_shows(0, 0, 'X') && cell_shows(1, 0, 'b'));
	write_str("\b\bY");
	assert_true(cell_shows(0, 0, 'Y'));
	write_str("\tZ");
	assert_true(cell_shows(8, 0, 'Z'));
	write_str("\t");
	assert_int_equal(con.cx, 10); /* a tab stops at the edge */
}

static void test_escapes_and_non_ascii(void **state)
{
	(void)state;
	write_str("\x1b[1;31mR\x1b[0m\x1b" "cS\xc3\xa9T\x07");
	assert_int_equal(fbcon_char_at(&con, 0, 0), 'R');
	assert_int_equal(fbcon_char_at(&con, 1, 0), 'S');
	assert_int_equal(fbcon_char_at(&con, 2, 0), '?'); /* U+00E9 in UTF-8: one '?' */
	assert_int_equal(fbcon_char_at(&con, 3, 0), 'T');
	assert_int_equal(con.cx, 4);
}

/* A lit and an unlit pixel of glyph ch, found in the font: (*x_on, *y) and (*x_off, *y). */
static void lit_and_unlit(char ch, u32 *x_on, u32 *x_off, u32 *y)
{
	const u8 *g = font8x16[ch - FONT_FIRST];
	for (*y = 0; *y < FONT_HEIGHT && (g[*y] == 0 || g[*y] == 0xff); (*y)++)
		;
	assert_true(*y < FONT_HEIGHT);
	for (*x_on = 0; !((g[*y] >> (7 - *x_on)) & 1); (*x_on)++)
		;
	for (*x_off = 0; (g[*y] >> (7 - *x_off)) & 1; (*x_off)++)
		;
}

static void test_rgb16_and_rgb24(void **state)
{
	(void)state;
	static u8 b[2 * FONT_HEIGHT * 16 * 3];
	u32 on, off, y;
	lit_and_unlit('-', &on, &off, &y);
	struct boot_fb fb = {.type = BOOT_FB_RGB, .width = 16, .height = 2 * FONT_HEIGHT, .pitch = 16 * 3, .bpp = 24,
	                     .red_pos = 0, .red_size = 8, .green_pos = 8, .green_size = 8, .blue_pos = 16, .blue_size = 8};
	assert_int_equal(fbcon_init(&con, &fb, b), 0);
	fbcon_write(&con, "-", 1);
	assert_memory_equal(b + y * 48 + on * 3, "\xd0\xd0\xd0", 3);
	assert_memory_equal(b + y * 48 + off * 3, "\0\0\0", 3);
	/* 5:6:5 */
	fb = (struct boot_fb){.type = BOOT_FB_RGB, .width = 16, .height = FONT_HEIGHT, .pitch = 32, .bpp = 16,
	                      .red_pos = 11, .red_size = 5, .green_pos = 5, .green_size = 6, .blue_pos = 0, .blue_size = 5};
	assert_int_equal(fbcon_init(&con, &fb, b), 0);
	fbcon_write(&con, "-", 1);
	u16 v = (u16)(b[y * 32 + on * 2] | b[y * 32 + on * 2 + 1] << 8);
	assert_int_equal(v, (0xd0 >> 3) << 11 | (0xd0 >> 2) << 5 | (0xd0 >> 3));
	assert_int_equal(b[y * 32 + off * 2] | b[y * 32 + off * 2 + 1], 0);
}

static void test_vga_text_mode(void **state)
{
	(void)state;
	static u8 t[3 * 160];
	memset(t, 0xee, sizeof(t));
	struct boot_fb fb = {.type = BOOT_FB_TEXT, .width = 4, .height = 3, .pitch = 160, .bpp = 16};
	assert_int_equal(fbcon_init(&con, &fb, t), 0);
	assert_memory_equal(t, " \x07 \x07 \x07 \x07", 8);
	assert_int_equal(t[8], 0xee); /* beyond the 4 columns: untouched */
	fbcon_write(&con, "ab\ncd\nef\ngh", 11);
	assert_memory_equal(t, "c\x07" "d\x07 \x07 \x07", 8);
	assert_memory_equal(t + 160, "e\x07" "f\x07", 4);
	assert_memory_equal(t + 320, "g\x07" "h\x07 \x07", 6);
}

static void test_bad_descriptions_refused(void **state)
{
	(void)state;
	struct boot_fb fb = rgb32();
	assert_int_equal(fbcon_init(&con, &fb, NULL), -1);
	fb.bpp = 8;
	assert_int_equal(fbcon_init(&con, &fb, pix), -1);
	fb = rgb32();
	fb.pitch = W * 4 - 1;
	assert_int_equal(fbcon_init(&con, &fb, pix), -1);
	fb = rgb32();
	fb.height = FONT_HEIGHT - 1; /* not one row of characters */
	assert_int_equal(fbcon_init(&con, &fb, pix), -1);
	fb = rgb32();
	fb.type = BOOT_FB_NONE;
	assert_int_equal(fbcon_init(&con, &fb, pix), -1);
	fb = (struct boot_fb){.type = BOOT_FB_TEXT, .width = 80, .height = 25, .pitch = 159};
	assert_int_equal(fbcon_init(&con, &fb, pix), -1);
}

static void test_huge_screen_uses_top_left(void **state)
{
	(void)state;
	struct boot_fb fb = {.type = BOOT_FB_TEXT, .width = 1000, .height = 1000, .pitch = 2000, .bpp = 16};
	static u8 big[1000 * 2000];
	assert_int_equal(fbcon_init(&con, &fb, big), 0);
	assert_int_equal(con.cols, FBCON_MAX_COLS);
	assert_int_equal(con.rows, FBCON_MAX_ROWS);
	assert_int_equal(big[FBCON_MAX_COLS * 2], 0); /* column 240 is never written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_clears_every_pixel, setup),
		cmocka_unit_test_setup(test_glyphs_land_in_their_cells, setup),
		cmocka_unit_test_setup(test_wrap_at_the_last_column, setup),
		cmocka_unit_test_setup(test_full_line_then_newline_makes_no_blank_line, setup),
		cmocka_unit_test_setup(test_scroll_moves_lines_up, setup),
		cmocka_unit_test_setup(test_scroll_by_wrapping, setup),
		cmocka_unit_test_setup(test_cr_backspace_tab, setup),
		cmocka_unit_test(test_scroll_jumps_a_quarter),
		cmocka_unit_test_setup(test_escapes_and_non_ascii, setup),
		cmocka_unit_test(test_rgb16_and_rgb24),
		cmocka_unit_test(test_vga_text_mode),
		cmocka_unit_test(test_bad_descriptions_refused),
		cmocka_unit_test(test_huge_screen_uses_top_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
