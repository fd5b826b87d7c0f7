/*
 * Linux bzImage guest loader: the x86 boot protocol (Documentation/arch/x86/boot.rst, cited
 * below as "boot.rst <section>") with the 64-bit entry. Pure C: it touches guest memory only
 * through the struct loader_ram callbacks, like the Multiboot loader (guest/mb1.h).
 *
 * What it does (boot.rst "64-bit Boot Protocol"): validates the real-mode kernel header,
 * loads the protected-mode kernel at pref_address (or relocates it), fills a boot_params
 * ("zero page", Documentation/arch/x86/zero-page.rst) with a copy of the setup header, the
 * command line, the initrd and an e820 map, builds identity page tables and a GDT, and
 * describes the long-mode vCPU state that enters the kernel at its load address + 0x200.
 * The real-mode setup code (the first (setup_sects + 1) * 512 bytes) never runs.
 *
 * Guest-physical layout (all of it RAM in the e820 map, which is the Multiboot loader's):
 *   0x00000-0x00fff   untouched (real-mode IVT/BDA on a PC; nothing here, left zero)
 *   0x01000-0x01fff   GDT (LINUX_GDT_ADDR) and the 64-bit TSS that TR names (LINUX_TSS_ADDR)
 *   0x02000-0x06fff   free; the initial stack grows down from LINUX_STACK_TOP = 0x7000
 *   0x07000-0x07fff   boot_params, the zero page (LINUX_BOOT_PARAMS; RSI at entry)
 *   0x08000-0x08fff   free
 *   0x09000-0x0efff   page tables: PML4 0x9000, PDPT 0xa000, four PDs 0xb000-0xefff
 *                     mapping [0, 4 GiB) to itself in 2 MiB pages (LINUX_PT_ADDR)
 *   0x0f000-0x1ffff   free
 *   0x20000-0x2ffff   the kernel command line, NUL-terminated (LINUX_CMDLINE_ADDR)
 *   0x30000-0x9fbff   free (the kernel later puts its real-mode trampoline below 1 MiB)
 *   0x9fc00-0xfffff   reserved / the legacy hole, as in guest/mb1.h
 *   0x100000-...      the protected-mode kernel at pref_address (16 MiB for Debian's), its
 *                     init_size bytes of room, then the initrd as high as it may go
 * Everything the 64-bit entry needs mapped (the kernel's init_size span, boot_params, the
 * command line, the initrd) lies below 4 GiB, inside the identity map.
 */
#ifndef GUEST_LINUX_H
#define GUEST_LINUX_H

#include "../arch/types.h"
#include "entry_state.h"
#include "loader_ram.h"

/* boot.rst "The Real-Mode Kernel Header": offsets in the file, and in boot_params, where the
 * header sits at the same offsets. */
#define LINUX_HDR_START 0x1F1      /* setup_sects: the first byte of struct setup_header */
#define LINUX_HDR_SETUP_SECTS 0x1F1 /* u8: 512-byte sectors of setup after the boot sector; 0 means 4 */
#define LINUX_HDR_SYSSIZE 0x1F4    /* u32: protected-mode kernel size in 16-byte paragraphs */
#define LINUX_HDR_BOOT_FLAG 0x1FE  /* u16: 0xAA55 */
#define LINUX_HDR_JUMP 0x200       /* u8 0xEB, then the u8 offset that also ends the header */
#define LINUX_HDR_MAGIC 0x202      /* "HdrS" */
#define LINUX_HDR_VERSION 0x206    /* u16: boot protocol, major << 8 | minor */
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS 0x211
#define LINUX_HDR_RAMDISK_IMAGE 0x218
#define LINUX_HDR_RAMDISK_SIZE 0x21C
#define LINUX_HDR_HEAP_END_PTR 0x224
#define LINUX_HDR_CMD_LINE_PTR 0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22C /* u32: highest address the initrd's last byte may have */
#define LINUX_HDR_KERNEL_ALIGNMENT 0x230
#define LINUX_HDR_RELOCATABLE 0x234
#define LINUX_HDR_XLOADFLAGS 0x236
#define LINUX_HDR_CMDLINE_SIZE 0x238 /* u32: longest command line, the NUL not counted */
#define LINUX_HDR_PAYLOAD_OFFSET 0x248
#define LINUX_HDR_PAYLOAD_LENGTH 0x24C
#define LINUX_HDR_SETUP_DATA 0x250
#define LINUX_HDR_PREF_ADDRESS 0x258
#define LINUX_HDR_INIT_SIZE 0x260
#define LINUX_HDR_END_MIN 0x268 /* the fields above, through handover_offset (2.11), must exist */
#define LINUX_HDR_END_MAX 0x290 /* boot_params' setup_header ends where edd_mbr_sig_buffer starts */

#define LINUX_BOOT_FLAG 0xAA55
#define LINUX_MAGIC 0x53726448u /* "HdrS" read little-endian */
#define LINUX_VERSION_MIN 0x020C /* 2.12: xloadflags, and with it XLF_KERNEL_64 */
#define LINUX_SETUP_SECTS_DEFAULT 4
#define LINUX_SECTOR 512
#define LINUX_ENTRY64_OFFSET 0x200 /* boot.rst "64-bit Boot Protocol": load address + 0x200 */
#define LINUX_LOADED_HIGH (1u << 0)  /* loadflags: protected-mode code loads at 0x100000 and up */
#define LINUX_KEEP_SEGMENTS (1u << 6)
#define LINUX_CAN_USE_HEAP (1u << 7)
#define LINUX_XLF_KERNEL_64 (1u << 0) /* xloadflags: has the 64-bit entry at +0x200 */
#define LINUX_TYPE_OF_LOADER 0xFF     /* boot.rst "Details of Header Fields": "undefined" */
#define LINUX_DEFAULT_LOAD 0x100000ULL /* code32_start's traditional value: the 1 MiB mark */

/* boot_params fields outside the setup header (zero-page.rst). */
#define LINUX_BP_SIZE 0x1000
#define LINUX_BP_SCREEN_INFO 0x000      /* struct screen_info, 0x40 bytes */
#define LINUX_BP_SI_ORIG_VIDEO_COLS 0x007 /* u8 */
#define LINUX_BP_SI_ORIG_VIDEO_LINES 0x00E /* u8 */
#define LINUX_BP_SI_ORIG_VIDEO_ISVGA 0x00F /* u8 */
#define LINUX_BP_EXT_RAMDISK_IMAGE 0x0C0
#define LINUX_BP_EXT_RAMDISK_SIZE 0x0C4
#define LINUX_BP_EXT_CMD_LINE_PTR 0x0C8
#define LINUX_BP_ALT_MEM_K 0x1E0
#define LINUX_BP_E820_ENTRIES 0x1E8
#define LINUX_BP_SENTINEL 0x1EF
#define LINUX_BP_E820_TABLE 0x2D0
#define LINUX_E820_MAX 128
#define LINUX_E820_ENTRY_SIZE 20 /* u64 addr, u64 size, u32 type, packed */
#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ENTRIES 4

/* The loader's guest-physical layout (see the table above). */
#define LINUX_GDT_ADDR 0x1000ULL
#define LINUX_TSS_ADDR 0x1080ULL
#define LINUX_TSS_LIMIT 0x67 /* a 64-bit TSS is 104 bytes */
#define LINUX_TSS_IOMAP_FIELD 0x66 /* u16: offset of the I/O bitmap; set past the limit: none */
#define LINUX_STACK_TOP 0x7000ULL
#define LINUX_BOOT_PARAMS 0x7000ULL
#define LINUX_PT_ADDR 0x9000ULL /* PML4; the PDPT and the PDs follow, one page each */
#define LINUX_PT_PDS 4          /* 4 x 1 GiB of 2 MiB pages */
#define LINUX_PT_SIZE ((2 + LINUX_PT_PDS) * PAGE_SIZE)
#define LINUX_IDMAP_END (LINUX_PT_PDS * GIB)
#define LINUX_CMDLINE_ADDR 0x20000ULL
#define LINUX_CMDLINE_AREA 0x10000ULL
#define LINUX_KERNEL_MIN 0x100000ULL /* nothing of the kernel below 1 MiB */

/* GDT (boot.rst "64-bit Boot Protocol": __BOOT_CS and __BOOT_DS, flat, at these selectors). */
#define LINUX_SEL_CS 0x10
#define LINUX_SEL_DS 0x18
#define LINUX_SEL_TSS 0x20 /* a 16-byte system descriptor: slots 4 and 5 */
#define LINUX_GDT_ENTRIES 6
#define LINUX_GDT_LIMIT (LINUX_GDT_ENTRIES * 8 - 1)


struct linux_boot {
	u64 kernel_addr;  /* guest-physical load address of the protected-mode kernel */
	u64 kernel_size;  /* bytes loaded there from the file: syssize * 16 */
	u64 kernel_span;  /* bytes the kernel owns from kernel_addr: max(init_size, kernel_size) */
	u64 entry;        /* kernel_addr + 0x200 */
	u64 boot_params;  /* LINUX_BOOT_PARAMS: RSI at entry */
	u64 cmdline_addr; /* LINUX_CMDLINE_ADDR */
	u64 cmdline_len;  /* bytes, the NUL not counted */
	u64 initrd_addr;  /* 0 with initrd_size 0 when there is none */
	u64 initrd_size;
	u64 pref_address; /* the header's, for the report */
	u16 version;      /* boot protocol, major << 8 | minor */
	bool relocated;   /* loaded elsewhere than pref_address */
};

/*
 * Loads a bzImage and its initrd (initrd may be NULL or isize 0: none) into guest RAM and
 * writes boot_params, the command line (NULL: empty), the page tables and the GDT. Every
 * check runs before the first write, so a refused image leaves guest RAM as it was. 0 on
 * success; -1 with a message in err naming the problem.
 */
int linux_load(const void *kernel, u64 ksize, const void *initrd, u64 isize, const char *cmdline,
	       const struct loader_ram *gm, struct linux_boot *out, char *err, size_t errlen);

/*
 * The state of boot.rst "64-bit Boot Protocol": long mode with paging (CR0.PG|PE, CR4.PAE,
 * EFER.LME|LMA, CR3 = the identity map), the GDT loaded, CS = __BOOT_CS (L = 1, D = 0),
 * DS/ES/SS (and FS/GS) = __BOOT_DS, interrupts off (RFLAGS = 2), RSI = boot_params,
 * RIP = load address + 0x200. The protocol asks for no stack; RSP still points at a free
 * page below boot_params so that a push before the kernel's own stack set-up lands in RAM
 * nobody uses. TR names a busy 64-bit TSS described in the GDT and LDTR is unusable, as VM
 * entry requires (SDM Vol. 3C 27.3.1.2); the IDTR is empty (the kernel loads its own first).
 */
void linux_entry_state(const struct linux_boot *b, struct guest_entry_state *s);

#endif
