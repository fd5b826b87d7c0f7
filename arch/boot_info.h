/*
 * The one structure every loader hands the core (DESIGN.md section 2).
 * Fixed size and self-contained: the core copies it before it touches the
 * memory the loader used, so no pointer inside may point elsewhere.
 */
#ifndef ARCH_BOOT_INFO_H
#define ARCH_BOOT_INFO_H

#include "types.h"

#define BOOT_INFO_MAGIC 0x6f666e4976684d6dULL /* "mMhvInfo" */
#define BOOT_INFO_VERSION 2 /* 2: the framebuffer (struct boot_fb) */
#define BOOT_MMAP_MAX 256
#define BOOT_MODULES_MAX 8
#define BOOT_CMDLINE_MAX 1024
#define BOOT_NAME_MAX 64

/* Where the core's image is linked: higher half, loaded at any 2 MiB-aligned physical base. */
#define KERNEL_VBASE 0xFFFFFFFF80000000ULL
#define KERNEL_PBASE 0x200000ULL /* the physical base GRUB uses (ELF p_paddr) */
#define KERNEL_ALIGN (2 * MIB)

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

enum boot_loader {
	BOOT_LOADER_MULTIBOOT2 = 1,
	BOOT_LOADER_UEFI = 2,
};

struct boot_mem_range {
	u64 base;
	u64 length;
	u32 type; /* enum boot_mem_type */
	u32 reserved;
};

struct boot_module {
	u64 phys;
	u64 size;
	char name[BOOT_NAME_MAX];       /* the first word of the module's string: "guest", "initrd" */
	char cmdline[BOOT_CMDLINE_MAX]; /* the rest of it: the guest's own command line */
};

enum boot_fb_type {
	BOOT_FB_NONE = 0,
	BOOT_FB_RGB = 1,  /* a linear framebuffer of pixels: UEFI GOP, Multiboot2 type 1 */
	BOOT_FB_TEXT = 2, /* VGA/EGA text mode: 2 bytes a cell, character then attribute */
};

/* The screen the loader found, for the core's screen console (arch/fbcon.h). */
struct boot_fb {
	u64 base;          /* physical address */
	u32 width, height; /* pixels, or characters for BOOT_FB_TEXT */
	u32 pitch;         /* bytes from one line (of pixels or characters) to the next */
	u8 type;           /* enum boot_fb_type */
	u8 bpp;            /* bits per pixel (16 for text) */
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	u8 reserved[7];
};

struct boot_info {
	u64 magic;
	u32 version;
	u32 loader; /* enum boot_loader */
	char loader_name[BOOT_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* hypervisor options, key=value words */
	u64 core_phys;                  /* physical address of KERNEL_PBASE's bytes */
	u64 core_size;                  /* bytes reserved for the image, bss included */
	u64 acpi_rsdp;                  /* 0 when unknown */
	u32 mmap_count;
	u32 module_count;
	struct boot_mem_range mmap[BOOT_MMAP_MAX];
	struct boot_module modules[BOOT_MODULES_MAX];
	struct boot_fb fb; /* type BOOT_FB_NONE when there is no screen the core can draw on */
};

/* ELF note by which a loader other than GRUB finds the 64-bit entry point. */
#define CORE_NOTE_NAME "microhv"
#define CORE_NOTE_ENTRY64 1 /* desc: u64 virtual address of core_entry64(struct boot_info *) */

#endif
