/* The screen console; see fbcon.h. */
#include "fbcon.h"
#include "font8x16.h"
#include "string.h"

#define COLOR_FG 0xd0 /* light grey on black: each of R, G and B at this level */
#define COLOR_BG 0x00
#define VGA_ATTR_GREY_ON_BLACK 0x07
#define VGA_CELL_BYTES 2
#define ASCII_ESC 0x1b
#define ASCII_DEL 0x7f
#define CSI_FINAL_MIN 0x40 /* ECMA-48 5.4: a control sequence ends with a byte 0x40-0x7e */
#define CSI_FINAL_MAX 0x7e
#define UTF8_CONT_MASK 0xc0
#define UTF8_CONT 0x80
#define NON_ASCII '?'
#define BYTE_BITS 8

static u32 channel(u32 level, u8 pos, u8 size)
{
	if (size == 0 || size > BYTE_BITS)
		return 0;
	return (level >> (BYTE_BITS - size)) << pos;
}

static u32 pixel(const struct boot_fb *fb, u32 level)
{
	return channel(level, fb->red_pos, fb->red_size) | channel(level, fb->green_pos, fb->green_size) |
	       channel(level, fb->blue_pos, fb->blue_size);
}

static void put_pixel(u8 *p, u32 bytes_pp, u32 v)
{
	for (u32 i = 0; i < bytes_pp; i++)
		p[i] = (u8)(v >> (BYTE_BITS * i));
}

static void draw_cell(struct fbcon *c, u32 x, u32 y)
{
	u32 i = y * c->cols + x;
	char ch = c->text[i];
	c->shown[i] = ch;
	if (c->text_mode) {
		u8 *cell = c->base + y * c->pitch + x * VGA_CELL_BYTES;
		cell[0] = (u8)ch;
		cell[1] = (u8)c->fg;
		return;
	}
	const u8 *glyph = font8x16[(u8)ch - FONT_FIRST];
	u8 *row = c->base + (u64)y * FONT_HEIGHT * c->pitch + (u64)x * FONT_WIDTH * c->bytes_pp;
	for (u32 gy = 0; gy < FONT_HEIGHT; gy++, row += c->pitch)
		for (u32 gx = 0; gx < FONT_WIDTH; gx++)
			put_pixel(row + gx * c->bytes_pp, c->bytes_pp, (glyph[gy] >> (FONT_WIDTH - 1 - gx)) & 1 ? c->fg : c->bg);
}

/* Draws every cell whose character differs from what the screen shows. */
static void sync_cells(struct fbcon *c)
{
	for (u32 y = 0; y < c->rows; y++)
		for (u32 x = 0; x < c->cols; x++)
			if (c->text[y * c->cols + x] != c->shown[y * c->cols + x])
				draw_cell(c, x, y);
}

/*
 * At the last row the text jumps up by a quarter of the screen (at least one line), not by one:
 * every scroll redraws the cells that change, at 128 pixel writes a character into video
 * memory that is often uncached, so a line is redrawn about 4 times, not once per row.
 */
static void new_line(struct fbcon *c)
{
	c->cx = 0;
	if (c->cy + 1 < c->rows) {
		c->cy++;
		return;
	}
	u32 jump = c->rows / FBCON_JUMP_DIV ? c->rows / FBCON_JUMP_DIV : 1;
	memmove(c->text, c->text + (size_t)jump * c->cols, (size_t)(c->rows - jump) * c->cols);
	memset(c->text + (size_t)(c->rows - jump) * c->cols, ' ', (size_t)jump * c->cols);
	c->cy = c->rows - jump;
	sync_cells(c);
}

static void put_char(struct fbcon *c, char ch)
{
	if (c->cx == c->cols)
		new_line(c);
	u32 i = c->cy * c->cols + c->cx;
	c->text[i] = ch;
	if (c->shown[i] != ch)
		draw_cell(c, c->cx, c->cy);
	c->cx++;
}

/* Returns true when ch belongs to an escape sequence (and is not drawn). */
static bool in_escape(struct fbcon *c, u8 ch)
{
	switch (c->esc) {
	case FBCON_ESC_START:
		c->esc = ch == '[' ? FBCON_ESC_CSI : FBCON_ESC_NONE;
		return true;
	case FBCON_ESC_CSI:
		if (ch >= CSI_FINAL_MIN && ch <= CSI_FINAL_MAX)
			c->esc = FBCON_ESC_NONE;
		return true;
	case FBCON_ESC_NONE: break;
	}
	if (ch != ASCII_ESC)
		return false;
	c->esc = FBCON_ESC_START;
	return true;
}

static void put_byte(struct fbcon *c, u8 ch)
{
	if (in_escape(c, ch))
		return;
	switch (ch) {
	case '\r': c->cx = 0; return;
	case '\n': new_line(c); return;
	case '\b':
		if (c->cx)
			c->cx--;
		return;
	case '\t':
		do
			put_char(c, ' ');
		while (c->cx % FBCON_TAB && c->cx < c->cols);
		return;
	default: break;
	}
	if (ch >= FONT_FIRST && ch <= FONT_LAST)
		put_char(c, (char)ch);
	else if (ch > ASCII_DEL && (ch & UTF8_CONT_MASK) != UTF8_CONT)
		put_char(c, NON_ASCII);
}

void fbcon_write(struct fbcon *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_byte(c, (u8)s[i]);
}

char fbcon_char_at(const struct fbcon *c, u32 x, u32 y)
{
	return x < c->cols && y < c->rows ? c->text[y * c->cols + x] : ' ';
}

static u32 min_u32(u32 a, u32 b) { return a < b ? a : b; }

int fbcon_init(struct fbcon *c, const struct boot_fb *fb, void *base)
{
	memset(c, 0, sizeof(*c));
	if (!base || !fb->width || !fb->height)
		return -1;
	if (fb->type == BOOT_FB_TEXT) {
		if (fb->pitch < fb->width * VGA_CELL_BYTES)
			return -1;
		c->text_mode = true;
		c->bytes_pp = VGA_CELL_BYTES;
		c->cols = fb->width;
		c->rows = fb->height;
		c->fg = VGA_ATTR_GREY_ON_BLACK;
	} else if (fb->type == BOOT_FB_RGB) {
		if (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
			return -1;
		c->bytes_pp = fb->bpp / BYTE_BITS;
		if ((u64)fb->pitch < (u64)fb->width * c->bytes_pp)
			return -1;
		c->cols = fb->width / FONT_WIDTH;
		c->rows = fb->height / FONT_HEIGHT;
		c->fg = pixel(fb, COLOR_FG);
		c->bg = pixel(fb, COLOR_BG);
	} else {
		return -1;
	}
	c->cols = min_u32(c->cols, FBCON_MAX_COLS);
	c->rows = min_u32(c->rows, FBCON_MAX_ROWS);
	if (!c->cols || !c->rows)
		return -1;
	c->base = base;
	c->pitch = fb->pitch;
	memset(c->text, ' ', sizeof(c->text));
	if (c->text_mode) {
		sync_cells(c); /* shown[] is all 0: every cell is written blank once */
		return 0;
	}
	/* every pixel to the background, the margins beyond the last whole character too */
	for (u32 y = 0; y < fb->height; y++)
		for (u32 x = 0; x < fb->width; x++)
			put_pixel(c->base + (u64)y * c->pitch + (u64)x * c->bytes_pp, c->bytes_pp, c->bg);
	memset(c->shown, ' ', sizeof(c->shown)); /* a blank is all background */
	return 0;
}
