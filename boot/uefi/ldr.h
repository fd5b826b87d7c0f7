/*
 * Internals of the UEFI loader BOOTX64.EFI, shared by its files:
 * loader.c (the steps), efisvc.c (firmware services), handover.c (placing
 * the core, page tables, ExitBootServices, the jump).
 */
#ifndef BOOT_UEFI_LDR_H
#define BOOT_UEFI_LDR_H

#include <efi.h>

#include "../../arch/boot_info.h"
#include "../../arch/elf.h"
#include "../options.h"

#define LDR_ERR_MAX 192

/* Firmware handles every file of the loader uses; valid until ExitBootServices. */
extern EFI_HANDLE ldr_image;
extern EFI_SYSTEM_TABLE *ldr_st;
extern EFI_BOOT_SERVICES *ldr_bs;

/* ---- efisvc.c ---- */

/* A short name for an EFI_STATUS, e.g. "not found" (never NULL). */
const char *efi_status_name(EFI_STATUS s);
/*
 * Bytes on the firmware console (ConOut) as they are (the console layer already sends
 * CR LF); a no-op until enabled, and to be disabled before ExitBootServices.
 */
void efi_conout(const char *s, size_t n);
void efi_conout_enable(bool on);
/* Whether the firmware console (the ConOut variable) includes a serial terminal. */
bool efi_conout_has_uart(void);

/* Pages of EfiLoaderData at any address: 0 with *phys, or -1 with err filled. */
int efi_alloc_pages(u64 pages, u64 *phys, const char *what, char *err, size_t errlen);
void efi_free_pages(u64 phys, u64 pages);

/* The root directory of the volume the loader was read from, or NULL (err filled). */
EFI_FILE_HANDLE efi_open_boot_volume(char *err, size_t errlen);

/*
 * Reads a whole file from dir into fresh EfiLoaderData pages.
 * 1 when the file does not exist, 0 with *phys and *size, -1 with err filled.
 * max_size refuses larger files (0: no limit); max_what ends the message that
 * says so ("more than the N <max_what>").
 */
int efi_read_file(EFI_FILE_HANDLE dir, const CHAR16 *name, const char *shown, u64 max_size, const char *max_what,
                  u64 *phys, u64 *size, char *err, size_t errlen);
/* CRC-32 of the bytes through the firmware (UEFI spec 2.10 section 7.5, CalculateCrc32()): 0 on failure. */
u32 efi_crc32(const void *data, u64 size);

/* The firmware memory map, read into a buffer this keeps; freed by the next call. */
struct efi_map {
	u8 *buf;
	UINTN cap;  /* bytes allocated */
	UINTN size; /* bytes GetMemoryMap filled */
	UINTN key;
	UINTN desc_size;
	u64 buf_pages;
};
/* Allocates a buffer with room for the map to grow by slack descriptors and reads the map. */
int efi_map_read(struct efi_map *m, UINTN slack, char *err, size_t errlen);
/* Reads the map again into the buffer it has (no allocation): for ExitBootServices. */
EFI_STATUS efi_map_refresh(struct efi_map *m);
/*
 * Converts the map into bi->mmap (which it clears first) without allocating;
 * returns the number of ranges dropped because bi->mmap was full and sets
 * *highest_end to the end of the highest range of any type.
 */
u32 efi_map_convert(const struct efi_map *m, struct boot_info *bi, u64 *highest_end);

/* The ACPI RSDP from the system configuration table (2.0 first, then 1.0), or 0. */
u64 efi_acpi_rsdp(void);

/* ---- gop.c ---- */

/* The GOP framebuffer of the current mode: 0 with fb filled, or -1 (err says why) and fb none. */
int efi_gop_framebuffer(struct boot_fb *fb, char *err, size_t errlen);

/* ---- handover.c ---- */

struct core_place {
	struct elf_image elf;
	u64 phys; /* where KERNEL_PBASE's bytes went: 2 MiB aligned */
	u64 size; /* bytes reserved from phys, bss included, page aligned */
};

/* Validates the embedded core and copies it to fresh 2 MiB-aligned EfiLoaderData pages. */
int ho_place_core(const void *img, u64 img_size, struct core_place *out, char *err, size_t errlen);

/*
 * Builds the page tables the core is entered with: an identity map of
 * [0, ident_end) and the core at KERNEL_VBASE + KERNEL_PBASE. 0 with *root
 * (the value for CR3), or -1 with err filled.
 */
int ho_build_page_tables(const struct core_place *core, u64 ident_end, u64 *root, char *err, size_t errlen);

/*
 * Reads the final memory map into bi, leaves boot services and enters the
 * core. Returns only when ExitBootServices failed every time (*boot_services_gone
 * then says whether the firmware may already be half shut down).
 */
void ho_exit_and_enter(struct efi_map *m, struct boot_info *bi, u64 root, u64 entry64, u64 stack_top,
                       bool *boot_services_gone, char *err, size_t errlen);

#endif
