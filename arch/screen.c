/* The core's screen console; see screen.h. */
#include "screen.h"
#include "console.h"
#include "fbcon.h"
#include "printf.h"

static struct fbcon screen;

static void screen_out(const char *s, size_t n) { fbcon_write(&screen, s, n); }

bool screen_init(const struct boot_fb *fb, const char **why)
{
	*why = 0;
	if (fb->type == BOOT_FB_NONE) {
		*why = "the loader found no screen";
		return false;
	}
	u64 lines = fb->height;
	if (fb->base == 0 || fb->base >= SCREEN_MAPPED_TOP || lines * fb->pitch > SCREEN_MAPPED_TOP - fb->base) {
		*why = "the framebuffer lies beyond the first 4 GiB";
		return false;
	}
	if (fbcon_init(&screen, fb, (void *)(uintptr_t)fb->base)) {
		*why = "its pixel format or geometry is not supported";
		return false;
	}
	con_set_screen(screen_out);
	return true;
}

void screen_off(void) { con_set_screen(0); }

void screen_describe(const struct boot_fb *fb, char *buf, size_t size)
{
	if (fb->type == BOOT_FB_TEXT)
		fmt_snprintf(buf, size, "%ux%u VGA text at 0x%llx", fb->width, fb->height, (unsigned long long)fb->base);
	else
		fmt_snprintf(buf, size, "%ux%u, %u bpp at 0x%llx", fb->width, fb->height, fb->bpp,
		             (unsigned long long)fb->base);
}
