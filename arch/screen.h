/*
 * The core's screen console: arch/fbcon.c over the framebuffer the loader handed over
 * (struct boot_fb), as the console's second output (con_set_screen). DESIGN.md section 5.
 */
#ifndef ARCH_SCREEN_H
#define ARCH_SCREEN_H

#include "boot_info.h"

/* Both loaders identity-map at least this much; a framebuffer beyond it is not used. */
#define SCREEN_MAPPED_TOP (4 * GIB)

/* Clears the screen and routes the console to it too: true, or false (why in *why). */
bool screen_init(const struct boot_fb *fb, const char **why);
/* Stops drawing (console=serial); what is on the screen stays. */
void screen_off(void);
/* One line for the log: "1024x768, 32 bpp at 0xfd000000" or "80x25 VGA text at 0xb8000". */
void screen_describe(const struct boot_fb *fb, char *buf, size_t size);

#endif
