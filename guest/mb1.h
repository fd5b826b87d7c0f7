/*
 * Multiboot1 guest loader (Multiboot Specification 0.6.96: 3.1 OS image format, 3.2 machine
 * state, 3.3 boot information format). Pure C: it touches guest memory only through the
 * struct loader_ram callbacks, so the core backs them with its (non-contiguous) RAM chunks and
 * the host tests with a malloc'd buffer.
 *
 * Guest-physical layout the loader assumes and reports in the memory map:
 *   [0, 0x9fc00)          available (holds the boot information area below)
 *   [0x9fc00, 0xa0000)    reserved (where a PC has its EBDA)
 *   [0xa0000, 0x100000)   the legacy hole: not RAM; [0xf0000, 0x100000) is listed reserved
 *   [0x100000, size)      available
 * Placement rule: every byte of the image (file bytes and bss) must lie in memory the map calls
 * available and outside the boot information area. So an image may load below 1 MiB, in
 * [0, 0x9000) or [0xa000, 0x9fc00) — as under GRUB, which also accepts any available RAM — but
 * never in the hole, the EBDA, above guest RAM or above 4 GiB.
 *
 * The boot information (the MBI, the memory map, the loader name and the command line) lives
 * in one fixed page, MB1_INFO_AREA: low, below any sane load address, and off page 0 so that a
 * guest's null-pointer writes do not corrupt it.
 */
#ifndef GUEST_MB1_H
#define GUEST_MB1_H

#include "../arch/types.h"
#include "entry_state.h"
#include "loader_ram.h" /* struct loader_ram */

/* OS image header (spec 3.1.1, 3.1.2). */
#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_HEADER_SEARCH 8192 /* the header lies wholly in the first 8192 bytes, 4-aligned */
#define MB1_HEADER_SIZE 12     /* magic, flags, checksum */
#define MB1_HEADER_AOUT_SIZE 32 /* ... + header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */
#define MB1_HF_PAGE_ALIGN (1u << 0)  /* modules page-aligned: satisfiable (we load none) */
#define MB1_HF_MEMINFO (1u << 1)     /* mem_* and mmap_* wanted: always given */
#define MB1_HF_VIDEO (1u << 2)       /* video mode table wanted: not supported */
#define MB1_HF_REQUIRED_MASK 0xFFFFu /* bits 0-15: a loader that cannot honour one must fail */
#define MB1_HF_AOUT_KLUDGE (1u << 16) /* load by the header's address fields, not as ELF */

/* Machine state at entry (spec 3.2). */
#define MB1_BOOT_MAGIC 0x2BADB002u /* in EAX */
#define MB1_SEL_CODE 0x08 /* selector values are the loader's choice; the guest loads its own GDT */
#define MB1_SEL_DATA 0x10
#define MB1_SEL_TSS 0x18
#define MB1_TSS_LIMIT 0x67 /* the smallest 32-bit TSS */

/* Boot information (spec 3.3): flags bits and byte offsets. */
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)
#define MB1_MBI_FLAGS 0
#define MB1_MBI_MEM_LOWER 4
#define MB1_MBI_MEM_UPPER 8
#define MB1_MBI_CMDLINE 16
#define MB1_MBI_MMAP_LENGTH 44
#define MB1_MBI_MMAP_ADDR 48
#define MB1_MBI_LOADER_NAME 64
#define MB1_MBI_SIZE 116 /* up to and including the framebuffer fields, all zero */
#define MB1_MMAP_ENTRY_SIZE 24 /* u32 size (= 20, not counting itself), u64 base, u64 length, u32 type */
#define MB1_MMAP_AVAILABLE 1
#define MB1_MMAP_RESERVED 2

/* Where microhv writes the boot information in guest RAM, and its layout. */
#define MB1_INFO_AREA 0x9000u
#define MB1_INFO_AREA_SIZE 0x1000u
#define MB1_INFO_MMAP_OFF 0x80u
#define MB1_INFO_NAME_OFF 0xE0u
#define MB1_INFO_CMDLINE_OFF 0x100u
#define MB1_CMDLINE_MAX (MB1_INFO_AREA_SIZE - MB1_INFO_CMDLINE_OFF - 1) /* bytes, NUL excluded */
#define MB1_MMAP_ENTRIES 4
#define MB1_LOADER_NAME "microhv"

/* Guest-physical landmarks (see the layout above). */
#define MB1_LOW_AVAILABLE_END 0x9FC00ULL
#define MB1_HOLE_START 0xA0000ULL
#define MB1_BIOS_START 0xF0000ULL
#define MB1_HIGH_START 0x100000ULL
#define MB1_RAM_MIN (2 * MIB)

struct mb1_boot {
	u32 entry;        /* guest-physical entry point (EIP) */
	u32 mbi_addr;     /* guest-physical MBI (EBX) */
	u32 load_start;   /* guest-physical span of the loaded image, bss included: [start, end) */
	u32 load_end;
	u32 header_flags; /* the Multiboot header's flags word */
	bool aout;        /* loaded by the header's address fields (flags bit 16) */
};

/*
 * Loads a Multiboot1 image into guest RAM and writes the boot information. cmdline may be
 * NULL (an empty command line). Like GRUB and QEMU, callers pass "<image name> <arguments>":
 * guests skip the first word. 0 on success; -1 with a message in err naming the problem.
 * On failure guest RAM may hold part of the image.
 */
int mb1_load(const void *img, u64 img_size, const struct loader_ram *gm, const char *cmdline,
	     struct mb1_boot *out, char *err, size_t errlen);

/*
 * The entry state of spec 3.2: EAX = MB1_BOOT_MAGIC, EBX = the MBI, flat 4 GiB 32-bit code and
 * data segments, CR0.PE = 1 with paging off, EFLAGS = 0x2 (IF = 0, VM = 0), a busy 32-bit TSS
 * in TR and an unusable LDTR as VM entry requires (SDM Vol. 3C 27.3.1.2), empty GDTR and IDTR
 * (spec: the guest must load its own before it reloads a segment or enables interrupts).
 * A20 is on by construction: microhv emulates no A20 gate, EPT maps every address as is.
 */
void mb1_entry_state(const struct mb1_boot *b, struct guest_entry_state *s);

#endif
