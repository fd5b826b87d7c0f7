/* Multiboot2 boot information parsing (Multiboot2 specification 3.6 "Boot information format"). */
#include "../../arch/le.h"
#include "mb2.h"
#include "../../arch/memmap.h"
#include "../../arch/string.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8 /* spec 3.6.12 "Framebuffer info" */
#define MB2_TAG_EFI32 11      /* an EFI system table: the firmware is UEFI, with no VGA text mode */
#define MB2_TAG_EFI64 12
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2
#define MB2_FB_MIN_SIZE 32    /* up to framebuffer_type and reserved; GRUB's layout (u16 reserved) */
#define MB2_FB_RGB_SIZE 38    /* and the six bytes of RGB field positions and sizes */
#define VGA_TEXT_BASE 0xb8000 /* the BIOS's 80x25 colour text mode, when GRUB says nothing */
#define VGA_TEXT_COLS 80
#define VGA_TEXT_ROWS 25
#define VGA_TEXT_BPP 16
#define MB2_TAG_ACPI_OLD 14 /* a copy of the ACPI 1.0 RSDP (Multiboot2 spec 3.6.15) */
#define MB2_TAG_ACPI_NEW 15 /* a copy of the ACPI 2.0+ RSDP (3.6.16) */
#define MB2_TAG_HEADER 8
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_ACPI 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BAD 5
#define MB2_MAX_SIZE (1 * MIB) /* a larger MBI is not believed */


static u32 mem_type(u32 t)
{
	switch (t) {
	case MB2_MEM_AVAILABLE: return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI: return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS: return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BAD: return BOOT_MEM_BAD;
	default: return BOOT_MEM_RESERVED;
	}
}

/* Copies a NUL-terminated string that must end inside [s, s+max). */
static void copy_str(char *dst, size_t dsize, const u8 *s, u64 max)
{
	u64 n = 0;
	while (n < max && s[n])
		n++;
	if (n >= dsize)
		n = dsize - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* GRUB may put the kernel's path first on the command line; it is not an option. */
static const char *skip_path_word(const char *s)
{
	while (*s == ' ')
		s++;
	if (*s != '/')
		return s;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

static void parse_mmap(struct boot_info *bi, const u8 *tag, u32 size)
{
	if (size < 16)
		return;
	u32 esize = le_rd32(tag + 8);
	if (esize < 24)
		return;
	for (u32 off = 16; off + 24 <= size; off += esize)
		memmap_add(bi, le_rd64(tag + off), le_rd64(tag + off + 8), mem_type(le_rd32(tag + off + 16)));
}

static void parse_module(struct boot_info *bi, const u8 *tag, u32 size)
{
	if (size < 16 || bi->module_count >= BOOT_MODULES_MAX)
		return;
	u32 start = le_rd32(tag + 8), end = le_rd32(tag + 12);
	if (end < start)
		return;
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->phys = start;
	m->size = end - start;
	char raw[BOOT_CMDLINE_MAX];
	copy_str(raw, sizeof(raw), tag + 16, size - 16);
	const char *s = skip_path_word(raw)[0] ? skip_path_word(raw) : raw;
	size_t n = 0;
	while (s[n] && s[n] != ' ' && n < sizeof(m->name) - 1)
		n++;
	memcpy(m->name, s, n);
	m->name[n] = 0;
	while (s[n] && s[n] != ' ')
		n++;
	while (s[n] == ' ')
		n++;
	str_copy(m->cmdline, s + n, sizeof(m->cmdline));
}

/* The screen GRUB set up: RGB pixels or EGA text; an indexed-colour mode is not used. */
static void parse_framebuffer(struct boot_info *bi, const u8 *tag, u32 size)
{
	if (size < MB2_FB_MIN_SIZE)
		return;
	struct boot_fb fb = {
		.base = le_rd64(tag + 8),
		.pitch = le_rd32(tag + 16),
		.width = le_rd32(tag + 20),
		.height = le_rd32(tag + 24),
		.bpp = tag[28],
	};
	if (tag[29] == MB2_FB_EGA_TEXT) {
		fb.type = BOOT_FB_TEXT;
	} else if (tag[29] == MB2_FB_RGB && size >= MB2_FB_RGB_SIZE) {
		fb.type = BOOT_FB_RGB;
		fb.red_pos = tag[32];
		fb.red_size = tag[33];
		fb.green_pos = tag[34];
		fb.green_size = tag[35];
		fb.blue_pos = tag[36];
		fb.blue_size = tag[37];
	} else {
		return;
	}
	bi->fb = fb;
}

/* No framebuffer tag on a BIOS machine: the VGA text mode GRUB leaves behind. */
static void vga_text_fallback(struct boot_info *bi)
{
	bi->fb = (struct boot_fb){.type = BOOT_FB_TEXT, .base = VGA_TEXT_BASE, .width = VGA_TEXT_COLS,
	                          .height = VGA_TEXT_ROWS, .pitch = VGA_TEXT_COLS * VGA_TEXT_BPP / 8, .bpp = VGA_TEXT_BPP};
}

struct boot_info *mb2_parse(const void *mbi, u64 mbi_max, struct boot_info *bi)
{
	const u8 *base = mbi;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->loader = BOOT_LOADER_MULTIBOOT2;
	str_copy(bi->loader_name, "multiboot2", sizeof(bi->loader_name));
	bi->core_phys = KERNEL_PBASE;
	u32 total = le_rd32(base);
	if (total > mbi_max)
		total = (u32)mbi_max;
	bool efi = false, fb_tag = false;
	for (u32 off = 8; off + 8 <= total;) {
		const u8 *tag = base + off;
		u32 type = le_rd32(tag), size = le_rd32(tag + 4);
		if (type == MB2_TAG_END || size < 8 || size > total - off)
			break;
		switch (type) {
		case MB2_TAG_CMDLINE: {
			char raw[BOOT_CMDLINE_MAX];
			copy_str(raw, sizeof(raw), tag + 8, size - 8);
			str_copy(bi->cmdline, skip_path_word(raw), sizeof(bi->cmdline));
			break;
		}
		case MB2_TAG_MODULE: parse_module(bi, tag, size); break;
		case MB2_TAG_MMAP: parse_mmap(bi, tag, size); break;
		case MB2_TAG_FRAMEBUFFER:
			fb_tag = true;
			parse_framebuffer(bi, tag, size);
			break;
		case MB2_TAG_EFI32:
		case MB2_TAG_EFI64: efi = true; break;
		/* GRUB hands a copy, not the address: the core reads it in place, before it reuses the
		 * loader's memory (boot/main.c); a 2.0 copy wins over a 1.0 one */
		case MB2_TAG_ACPI_NEW: bi->acpi_rsdp = (u64)(uintptr_t)(tag + MB2_TAG_HEADER); break;
		case MB2_TAG_ACPI_OLD:
			if (!bi->acpi_rsdp)
				bi->acpi_rsdp = (u64)(uintptr_t)(tag + MB2_TAG_HEADER);
			break;
		default: break;
		}
		off += (size + 7) & ~7u;
	}
	if (!fb_tag && !efi)
		vga_text_fallback(bi);
	return bi;
}

extern u8 __image_start[], __image_end[];

struct boot_info *mb2_to_boot_info(u32 mbi_phys)
{
	static struct boot_info bi;
	mb2_parse((const void *)(uintptr_t)mbi_phys, MB2_MAX_SIZE, &bi);
	bi.core_size = (u64)(__image_end - __image_start);
	return &bi;
}
