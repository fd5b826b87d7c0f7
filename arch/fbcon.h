/*
 * The screen console (DESIGN.md section 5): text drawn with the built-in 8x16 font on a linear
 * framebuffer (UEFI GOP, Multiboot2 RGB), or written into VGA text memory. Pure C over a
 * memory buffer, so the host tests render into an array. The text scrolls up by a quarter of
 * the screen at a time (one line on screens under 8 rows).
 *
 * A shadow of the characters (text) and of what the screen shows (shown) lets a scroll redraw
 * only the cells that change, and never read the framebuffer: video memory is slow to read and
 * may be mapped uncached. The console wraps at the last column, scrolls at the last row,
 * handles CR, LF (which also returns to column 0), backspace and tab, and skips ANSI escape
 * sequences and UTF-8 continuation bytes (a non-ASCII character shows as one '?').
 */
#ifndef ARCH_FBCON_H
#define ARCH_FBCON_H

#include "boot_info.h"

/* Enough cells for 1920x1600 in 8x16; a larger screen uses its top-left part. */
#define FBCON_MAX_COLS 240
#define FBCON_MAX_ROWS 100
#define FBCON_TAB 8
#define FBCON_JUMP_DIV 4 /* a scroll moves the text up by rows / 4 lines (at least 1) */

enum fbcon_esc { FBCON_ESC_NONE, FBCON_ESC_START, FBCON_ESC_CSI };

struct fbcon {
	u8 *base;            /* where the framebuffer is mapped */
	u32 pitch;           /* bytes a line of pixels or of text cells */
	u32 bytes_pp;        /* 2, 3 or 4; 2 in text mode */
	bool text_mode;
	u32 fg, bg;          /* pixel values, or the attribute byte in text mode */
	u32 cols, rows;      /* characters */
	u32 cx, cy;          /* the cursor; cx == cols: wrap before the next character */
	enum fbcon_esc esc;
	char text[FBCON_MAX_ROWS * FBCON_MAX_COLS];
	char shown[FBCON_MAX_ROWS * FBCON_MAX_COLS]; /* 0: the cell was never drawn */
};

/*
 * Prepares c for the screen fb describes, mapped at base, and clears the screen. Returns 0,
 * or -1 with c unusable when the description cannot be drawn on (no address, a pixel size
 * other than 16, 24 or 32 bits, a pitch shorter than a line, smaller than one character).
 */
int fbcon_init(struct fbcon *c, const struct boot_fb *fb, void *base);
/* Draws bytes as a terminal would (see above). */
void fbcon_write(struct fbcon *c, const char *s, size_t n);
/* The character the console holds at column x, row y (' ' when blank). */
char fbcon_char_at(const struct fbcon *c, u32 x, u32 y);

#endif
