/* Linux bzImage loader, boot protocol 2.12+ with the 64-bit entry; see linux.h. */
#include "../arch/le.h"
#include "linux.h"
#include "mb1.h" /* the guest-physical landmarks, so both loaders report the same memory map */
#include "../arch/printf.h"
#include "../arch/string.h"

#define FOUR_GIB (4 * GIB)

/* What the header says, once checked (boot.rst "The Real-Mode Kernel Header"). */
struct linux_hdr {
	u16 version;
	u64 hdr_end;     /* one past the header's last byte: 0x202 + the jump's offset byte */
	u64 setup_size;  /* boot sector + setup sectors: the file offset of the protected-mode kernel */
	u64 kernel_size; /* syssize * 16 */
	u64 span;        /* max(init_size, kernel_size) */
	u64 pref;
	u64 align;
	bool relocatable;
	u64 initrd_max;  /* initrd_addr_max: the highest address the initrd's last byte may have */
	u32 cmdline_size;
};

/* Where things go, decided before anything is written. */
struct linux_plan {
	u64 kernel_addr;
	u64 initrd_addr;
	size_t cmdlen;
};



/* "63 MiB" (rounded up) at 1 MiB and more, else "900 KiB" (rounded up): sizes for messages. */
static void fmt_mib(char *buf, size_t n, u64 size)
{
	if (size >= MIB)
		fmt_snprintf(buf, n, "%llu MiB", (unsigned long long)((size + MIB - 1) / MIB));
	else
		fmt_snprintf(buf, n, "%llu KiB", (unsigned long long)((size + 1023) / 1024));
}

/* A hint for the "no HdrS" refusal: what the file looks like instead. */
static const char *not_bzimage_hint(const u8 *img, u64 size)
{
	if (size >= 4 && img[0] == 0x7F && img[1] == 'E' && img[2] == 'L' && img[3] == 'F') {
		for (u64 off = 0; off + 4 <= size && off < MB1_HEADER_SEARCH; off += 4)
			if (le_rd32(img + off) == MB1_HEADER_MAGIC)
				return " (a Multiboot ELF image: boot it as a Multiboot guest)";
		return " (an ELF file: an uncompressed vmlinux? give the bzImage, e.g. /boot/vmlinuz-*)";
	}
	for (u64 off = 0; off + 4 <= size && off < MB1_HEADER_SEARCH; off += 4)
		if (le_rd32(img + off) == MB1_HEADER_MAGIC)
			return " (a Multiboot image: boot it as a Multiboot guest)";
	return "";
}

/* boot.rst "The Real-Mode Kernel Header" and "Details of Header Fields": every field the
 * 64-bit entry relies on, checked against the protocol and against the file. */
static int parse_header(const u8 *img, u64 size, struct linux_hdr *h, char *err, size_t errlen)
{
	if (size < LINUX_HDR_MAGIC + 4)
		return fmt_fail(err, errlen, "kernel image: truncated: %llu bytes cannot hold a setup header (at 0x%x-0x%x)",
			    (unsigned long long)size, LINUX_HDR_START, LINUX_HDR_END_MIN);
	if (le_rd32(img + LINUX_HDR_MAGIC) != LINUX_MAGIC)
		return fmt_fail(err, errlen, "kernel image: bad setup header (no HdrS signature at 0x%x)%s", LINUX_HDR_MAGIC,
			    not_bzimage_hint(img, size));
	u16 flag = le_rd16(img + LINUX_HDR_BOOT_FLAG);
	if (flag != LINUX_BOOT_FLAG)
		return fmt_fail(err, errlen, "kernel image: bad setup header (boot_flag 0x%04x at 0x%x, expected 0x%04x)",
			    flag, LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG);
	if (size < LINUX_HDR_VERSION + 2)
		return fmt_fail(err, errlen, "kernel image: truncated: %llu bytes end inside the setup header",
			    (unsigned long long)size);
	h->version = le_rd16(img + LINUX_HDR_VERSION);
	if (h->version < LINUX_VERSION_MIN)
		return fmt_fail(err, errlen, "kernel image: boot protocol %u.%02u is too old (need %u.%02u for the 64-bit entry)",
			    h->version >> 8, h->version & 0xFF, LINUX_VERSION_MIN >> 8, LINUX_VERSION_MIN & 0xFF);

	/* boot.rst "64-bit Boot Protocol": the header ends at 0x202 plus the byte at 0x201. */
	h->hdr_end = LINUX_HDR_MAGIC + (u64)img[LINUX_HDR_JUMP + 1];
	if (h->hdr_end < LINUX_HDR_END_MIN || h->hdr_end > LINUX_HDR_END_MAX)
		return fmt_fail(err, errlen,
			    "kernel image: bad setup header (it ends at 0x%llx by the jump at 0x200; protocol %u.%02u needs "
			    "0x%x-0x%x)",
			    (unsigned long long)h->hdr_end, h->version >> 8, h->version & 0xFF, LINUX_HDR_END_MIN,
			    LINUX_HDR_END_MAX);
	if (size < h->hdr_end)
		return fmt_fail(err, errlen, "kernel image: truncated: setup header ends at 0x%llx, file has %llu bytes",
			    (unsigned long long)h->hdr_end, (unsigned long long)size);

	unsigned sects = img[LINUX_HDR_SETUP_SECTS] ? img[LINUX_HDR_SETUP_SECTS] : LINUX_SETUP_SECTS_DEFAULT;
	h->setup_size = (u64)(sects + 1) * LINUX_SECTOR;
	if (h->setup_size > size)
		return fmt_fail(err, errlen, "kernel image: truncated: setup says %llu bytes (setup_sects %u), file has %llu",
			    (unsigned long long)h->setup_size, img[LINUX_HDR_SETUP_SECTS], (unsigned long long)size);
	h->kernel_size = (u64)le_rd32(img + LINUX_HDR_SYSSIZE) * 16;
	if (h->kernel_size == 0)
		return fmt_fail(err, errlen, "kernel image: the protected-mode kernel has zero length (syssize 0)");
	if (h->kernel_size > size - h->setup_size)
		return fmt_fail(err, errlen,
			    "kernel image: truncated: syssize says the protected-mode kernel has %llu bytes after the "
			    "%llu-byte setup, file has %llu",
			    (unsigned long long)h->kernel_size, (unsigned long long)h->setup_size,
			    (unsigned long long)(size - h->setup_size));
	if (h->kernel_size <= LINUX_ENTRY64_OFFSET)
		return fmt_fail(err, errlen, "kernel image: the %llu-byte protected-mode kernel has no 64-bit entry at +0x%x",
			    (unsigned long long)h->kernel_size, LINUX_ENTRY64_OFFSET);

	u8 loadflags = img[LINUX_HDR_LOADFLAGS];
	if (!(loadflags & LINUX_LOADED_HIGH))
		return fmt_fail(err, errlen, "kernel image: loadflags 0x%02x lacks LOADED_HIGH (a zImage; only bzImages load high)",
			    loadflags);
	u16 xlf = le_rd16(img + LINUX_HDR_XLOADFLAGS);
	if (!(xlf & LINUX_XLF_KERNEL_64))
		return fmt_fail(err, errlen,
			    "kernel image: no 64-bit entry (xloadflags 0x%04x lacks XLF_KERNEL_64: a 32-bit kernel?)", xlf);

	/* The compressed payload must lie inside what is loaded, or the kernel unpacks garbage. */
	u64 poff = le_rd32(img + LINUX_HDR_PAYLOAD_OFFSET), plen = le_rd32(img + LINUX_HDR_PAYLOAD_LENGTH);
	if (poff + plen > h->kernel_size)
		return fmt_fail(err, errlen,
			    "kernel image: payload [0x%llx, 0x%llx) lies beyond the %llu-byte protected-mode kernel",
			    (unsigned long long)poff, (unsigned long long)(poff + plen),
			    (unsigned long long)h->kernel_size);

	u64 init_size = le_rd32(img + LINUX_HDR_INIT_SIZE);
	if (init_size < h->kernel_size)
		return fmt_fail(err, errlen,
			    "kernel image: init_size 0x%llx is smaller than the protected-mode kernel (0x%llx bytes)",
			    (unsigned long long)init_size, (unsigned long long)h->kernel_size);
	h->span = init_size;
	h->pref = le_rd64(img + LINUX_HDR_PREF_ADDRESS);
	if (h->pref == 0)
		h->pref = LINUX_DEFAULT_LOAD; /* no preference: where a bzImage traditionally goes */
	h->relocatable = img[LINUX_HDR_RELOCATABLE] != 0;
	h->align = le_rd32(img + LINUX_HDR_KERNEL_ALIGNMENT);
	if (h->relocatable && (h->align < PAGE_SIZE || (h->align & (h->align - 1))))
		return fmt_fail(err, errlen, "kernel image: kernel_alignment 0x%llx is not a power of two of at least 4 KiB",
			    (unsigned long long)h->align);
	h->initrd_max = le_rd32(img + LINUX_HDR_INITRD_ADDR_MAX);
	h->cmdline_size = le_rd32(img + LINUX_HDR_CMDLINE_SIZE);
	return 0;
}

/* boot.rst "Details of Header Fields" (pref_address, relocatable_kernel, kernel_alignment):
 * pref_address when it fits; a relocatable kernel may go anywhere kernel_alignment-aligned,
 * and the lowest such place leaves the most room for the initrd above it. */
static int place_kernel(const struct linux_hdr *h, u64 ram, u64 *addr, char *err, size_t errlen)
{
	u64 top = ram < FOUR_GIB ? ram : FOUR_GIB; /* the identity map's end, and pref_address's */
	if (h->pref >= LINUX_KERNEL_MIN && h->pref <= top && h->span <= top - h->pref) {
		*addr = h->pref;
		return 0;
	}
	char need[32], have[32];
	fmt_mib(need, sizeof(need), h->span);
	fmt_mib(have, sizeof(have), ram);
	if (!h->relocatable)
		return fmt_fail(err, errlen,
			    "kernel image: needs %s at 0x%llx (not relocatable), guest RAM is %s", need,
			    (unsigned long long)h->pref, have);
	u64 a = ALIGN_UP(LINUX_KERNEL_MIN, h->align);
	if (a <= top && h->span <= top - a) {
		*addr = a;
		return 0;
	}
	return fmt_fail(err, errlen, "kernel image: needs %s at 0x%llx (or 0x%llx relocated), guest RAM is %s", need,
		    (unsigned long long)h->pref, (unsigned long long)a, have);
}

/* boot.rst "Details of Header Fields" (initrd_addr_max) and "Loading The Rest of The
 * Kernel": the initrd as high as it may go, page-aligned, above the kernel's init_size span;
 * failing that, as high as it fits between 1 MiB and the kernel. */
static int place_initrd(const struct linux_hdr *h, u64 ram, u64 kaddr, u64 isize, u64 *addr, char *err,
			size_t errlen)
{
	u64 ceiling = h->initrd_max + 1; /* initrd_addr_max names the last byte */
	if (ceiling > ram)
		ceiling = ram;
	if (ceiling > FOUR_GIB)
		ceiling = FOUR_GIB;
	u64 kend = kaddr + h->span;
	if (ceiling >= isize) {
		u64 a = ALIGN_DOWN(ceiling - isize, PAGE_SIZE);
		if (a >= kend) {
			*addr = a;
			return 0;
		}
		u64 below = kaddr < ceiling ? kaddr : ceiling;
		if (below >= isize) {
			a = ALIGN_DOWN(below - isize, PAGE_SIZE);
			if (a >= LINUX_KERNEL_MIN) {
				*addr = a;
				return 0;
			}
		}
	}
	char is[32], rs[32];
	fmt_mib(is, sizeof(is), isize);
	fmt_mib(rs, sizeof(rs), ram);
	return fmt_fail(err, errlen,
		    "initrd: %s does not fit below 0x%llx in %s of guest RAM (the kernel takes [0x%llx, 0x%llx))", is,
		    (unsigned long long)ceiling, rs, (unsigned long long)kaddr, (unsigned long long)kend);
}

static void put_e820(u8 *e, u64 addr, u64 len, u32 type)
{
	le_put64(e, addr);
	le_put64(e + 8, len);
	le_put32(e + 16, type);
}

/*
 * boot_params (zero-page.rst; boot.rst "64-bit Boot Protocol": zero the page, then copy the
 * setup header from the image at its own offsets). The zeroed page carries a few choices:
 * screen_info all zero (orig_video_isVGA = 0, orig_video_lines = orig_video_cols = 0 and
 * orig_video_mode = 0: no video adapter, so the VGA console leaves the hole alone and the
 * console is the serial port), acpi_rsdp_addr 0, no EDD, no EFI, setup_data 0, and the
 * sentinel at 0x1EF zero (the image holds 0xFF there so that a loader copying the whole
 * sector is caught; copying from 0x1F1 keeps it clear).
 */
static int write_boot_params(const struct loader_ram *gm, const u8 *img, const struct linux_hdr *h,
			     const struct linux_plan *p, u64 isize)
{
	u8 hdr[LINUX_HDR_END_MAX - LINUX_HDR_START];
	u64 n = h->hdr_end - LINUX_HDR_START;
	memcpy(hdr, img + LINUX_HDR_START, n);
#define HDR(off) (hdr + ((off) - LINUX_HDR_START)) /* the offset first: hdr + off would point past hdr */
	*HDR(LINUX_HDR_TYPE_OF_LOADER) = LINUX_TYPE_OF_LOADER;
	/* Keep LOADED_HIGH (and the kernel's own bits); no heap (the real-mode setup never
	 * runs) and KEEP_SEGMENTS clear: the kernel loads its own segments. */
	*HDR(LINUX_HDR_LOADFLAGS) &= (u8)~(LINUX_CAN_USE_HEAP | LINUX_KEEP_SEGMENTS);
	le_put16(HDR(LINUX_HDR_HEAP_END_PTR), 0);
	le_put32(HDR(LINUX_HDR_CMD_LINE_PTR), (u32)LINUX_CMDLINE_ADDR);
	le_put32(HDR(LINUX_HDR_RAMDISK_IMAGE), (u32)p->initrd_addr);
	le_put32(HDR(LINUX_HDR_RAMDISK_SIZE), (u32)isize);
	le_put64(HDR(LINUX_HDR_SETUP_DATA), 0);
#undef HDR

	u8 ext[12]; /* ext_ramdisk_image, ext_ramdisk_size, ext_cmd_line_ptr: the high halves */
	le_put32(ext, (u32)(p->initrd_addr >> 32));
	le_put32(ext + 4, (u32)(isize >> 32));
	le_put32(ext + 8, (u32)(LINUX_CMDLINE_ADDR >> 32));
	u64 ext_kib = (gm->size - MB1_HIGH_START) / 1024; /* alt_mem_k: KiB above 1 MiB, for want of e820 */
	u8 altk[4];
	le_put32(altk, ext_kib > 0xFFFFFFFFu ? 0xFFFFFFFFu : (u32)ext_kib);
	u8 e820[LINUX_E820_ENTRIES * LINUX_E820_ENTRY_SIZE];
	/* The Multiboot loader's map (guest/mb1.h), entry for entry. */
	const unsigned es = LINUX_E820_ENTRY_SIZE;
	put_e820(e820, 0, MB1_LOW_AVAILABLE_END, LINUX_E820_RAM);
	put_e820(e820 + es, MB1_LOW_AVAILABLE_END, MB1_HOLE_START - MB1_LOW_AVAILABLE_END, LINUX_E820_RESERVED);
	put_e820(e820 + 2 * es, MB1_BIOS_START, MB1_HIGH_START - MB1_BIOS_START, LINUX_E820_RESERVED);
	put_e820(e820 + 3 * es, MB1_HIGH_START, gm->size - MB1_HIGH_START, LINUX_E820_RAM);
	u8 entries = LINUX_E820_ENTRIES;

	const u64 bp = LINUX_BOOT_PARAMS;
	if (gm->fill(gm->ctx, bp, 0, LINUX_BP_SIZE) || gm->write(gm->ctx, bp + LINUX_HDR_START, hdr, n) ||
	    gm->write(gm->ctx, bp + LINUX_BP_EXT_RAMDISK_IMAGE, ext, sizeof(ext)) ||
	    gm->write(gm->ctx, bp + LINUX_BP_ALT_MEM_K, altk, sizeof(altk)) ||
	    gm->write(gm->ctx, bp + LINUX_BP_E820_ENTRIES, &entries, 1) ||
	    gm->write(gm->ctx, bp + LINUX_BP_E820_TABLE, e820, sizeof(e820)))
		return -1;
	return 0;
}

/* PML4[0] -> PDPT, PDPT[0..3] -> four PDs, each mapping 1 GiB in 2 MiB pages to itself. */
static int write_page_tables(const struct loader_ram *gm)
{
	const u64 pml4 = LINUX_PT_ADDR, pdpt = pml4 + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
	if (gm->fill(gm->ctx, pml4, 0, 2 * PAGE_SIZE))
		return -1;
	u8 e[8 * 64];
	le_put64(e, pdpt | PTE_P | PTE_RW);
	if (gm->write(gm->ctx, pml4, e, 8))
		return -1;
	for (unsigned i = 0; i < LINUX_PT_PDS; i++)
		le_put64(e + 8 * i, (pd + i * PAGE_SIZE) | PTE_P | PTE_RW);
	if (gm->write(gm->ctx, pdpt, e, 8 * LINUX_PT_PDS))
		return -1;
	const unsigned per_write = sizeof(e) / 8, total = LINUX_PT_PDS * 512;
	for (unsigned first = 0; first < total; first += per_write) {
		for (unsigned j = 0; j < per_write; j++)
			le_put64(e + 8 * j, (u64)(first + j) * (2 * MIB) | PTE_P | PTE_RW | PTE_PS);
		if (gm->write(gm->ctx, pd + 8ULL * first, e, sizeof(e)))
			return -1;
	}
	return 0;
}

/* A code or data descriptor, base 0 and limit 4 GiB (SDM Vol. 3A 3.4.5): the VMX access
 * rights (type, S, DPL, P in bits 0-7; AVL, L, D/B, G in bits 12-15) sit at bits 40-55. */
static u64 flat_desc(u32 ar)
{
	return 0xFFFFULL | (u64)(ar & 0xFF) << 40 | 0xFULL << 48 | (u64)((ar >> 12) & 0xF) << 52;
}

static const u32 linux_cs_ar = VCPU_AR_TYPE_CODE_RX_ACCESSED | VCPU_AR_S | VCPU_AR_P | VCPU_AR_L | VCPU_AR_G;
static const u32 linux_ds_ar =
	VCPU_AR_TYPE_DATA_RW_ACCESSED | VCPU_AR_S | VCPU_AR_P | VCPU_AR_DB | VCPU_AR_G;
static const u32 linux_tss_ar = VCPU_AR_TYPE_TSS64_BUSY | VCPU_AR_P;

/* The GDT of boot.rst "64-bit Boot Protocol" plus the TSS that TR names (SDM Vol. 3A 8.2.3,
 * a 16-byte system descriptor in IA-32e mode), and the TSS itself, in one page. */
static int write_gdt(const struct loader_ram *gm)
{
	u8 g[LINUX_GDT_ENTRIES * 8];
	memset(g, 0, sizeof(g));
	le_put64(g + LINUX_SEL_CS, flat_desc(linux_cs_ar));
	le_put64(g + LINUX_SEL_DS, flat_desc(linux_ds_ar));
	const u64 base = LINUX_TSS_ADDR;
	le_put64(g + LINUX_SEL_TSS, (u64)LINUX_TSS_LIMIT | (base & 0xFFFFFF) << 16 | (u64)linux_tss_ar << 40 |
					 ((base >> 24) & 0xFF) << 56);
	le_put64(g + LINUX_SEL_TSS + 8, base >> 32);
	u8 iomap[2];
	le_put16(iomap, LINUX_TSS_LIMIT + 1);
	if (gm->fill(gm->ctx, LINUX_GDT_ADDR, 0, PAGE_SIZE) || gm->write(gm->ctx, LINUX_GDT_ADDR, g, sizeof(g)) ||
	    gm->write(gm->ctx, LINUX_TSS_ADDR + LINUX_TSS_IOMAP_FIELD, iomap, sizeof(iomap)))
		return -1;
	return 0;
}

int linux_load(const void *kernel, u64 ksize, const void *initrd, u64 isize, const char *cmdline,
	       const struct loader_ram *gm, struct linux_boot *out, char *err, size_t errlen)
{
	const u8 *img = kernel;
	*out = (struct linux_boot){0};
	if (err && errlen)
		err[0] = 0;
	if (!gm || !gm->write || !gm->fill || gm->size <= LINUX_KERNEL_MIN) {
		char rs[32];
		fmt_mib(rs, sizeof(rs), gm ? gm->size : 0);
		return fmt_fail(err, errlen, "guest RAM: %s is too small for a Linux guest", rs);
	}
	if (!img || ksize == 0)
		return fmt_fail(err, errlen, "kernel image: the file is empty");
	if (!initrd)
		isize = 0;

	struct linux_hdr h = {0};
	if (parse_header(img, ksize, &h, err, errlen))
		return -1;
	struct linux_plan p = {0};
	p.cmdlen = cmdline ? strlen(cmdline) : 0;
	if (p.cmdlen > h.cmdline_size)
		return fmt_fail(err, errlen, "kernel command line: %llu bytes, the kernel takes at most %u (cmdline_size)",
			    (unsigned long long)p.cmdlen, h.cmdline_size);
	if (p.cmdlen >= LINUX_CMDLINE_AREA)
		return fmt_fail(err, errlen, "kernel command line: %llu bytes, at most %llu fit at 0x%llx",
			    (unsigned long long)p.cmdlen, (unsigned long long)(LINUX_CMDLINE_AREA - 1),
			    (unsigned long long)LINUX_CMDLINE_ADDR);
	if (place_kernel(&h, gm->size, &p.kernel_addr, err, errlen))
		return -1;
	if (isize && place_initrd(&h, gm->size, p.kernel_addr, isize, &p.initrd_addr, err, errlen))
		return -1;

	if (gm->write(gm->ctx, p.kernel_addr, img + h.setup_size, h.kernel_size))
		return fmt_fail(err, errlen, "guest RAM: writing the kernel at 0x%llx (+0x%llx) failed",
			    (unsigned long long)p.kernel_addr, (unsigned long long)h.kernel_size);
	if (isize && gm->write(gm->ctx, p.initrd_addr, initrd, isize))
		return fmt_fail(err, errlen, "guest RAM: writing the initrd at 0x%llx (+0x%llx) failed",
			    (unsigned long long)p.initrd_addr, (unsigned long long)isize);
	if ((p.cmdlen && gm->write(gm->ctx, LINUX_CMDLINE_ADDR, cmdline, p.cmdlen)) ||
	    gm->fill(gm->ctx, LINUX_CMDLINE_ADDR + p.cmdlen, 0, 1))
		return fmt_fail(err, errlen, "guest RAM: writing the command line at 0x%llx failed",
			    (unsigned long long)LINUX_CMDLINE_ADDR);
	if (write_boot_params(gm, img, &h, &p, isize))
		return fmt_fail(err, errlen, "guest RAM: writing boot_params at 0x%llx failed",
			    (unsigned long long)LINUX_BOOT_PARAMS);
	if (write_page_tables(gm))
		return fmt_fail(err, errlen, "guest RAM: writing the page tables at 0x%llx failed",
			    (unsigned long long)LINUX_PT_ADDR);
	if (write_gdt(gm))
		return fmt_fail(err, errlen, "guest RAM: writing the GDT at 0x%llx failed", (unsigned long long)LINUX_GDT_ADDR);

	out->kernel_addr = p.kernel_addr;
	out->kernel_size = h.kernel_size;
	out->kernel_span = h.span;
	out->entry = p.kernel_addr + LINUX_ENTRY64_OFFSET;
	out->boot_params = LINUX_BOOT_PARAMS;
	out->cmdline_addr = LINUX_CMDLINE_ADDR;
	out->cmdline_len = p.cmdlen;
	out->initrd_addr = p.initrd_addr;
	out->initrd_size = isize;
	out->pref_address = h.pref;
	out->version = h.version;
	out->relocated = p.kernel_addr != h.pref;
	return 0;
}

static struct vcpu_segment flat_seg(u16 sel, u32 ar)
{
	return (struct vcpu_segment){.sel = sel, .base = 0, .limit = 0xFFFFFFFFu, .ar = ar};
}

void linux_entry_state(const struct linux_boot *b, struct guest_entry_state *s)
{
	*s = (struct guest_entry_state){0};
	s->gpr[VCPU_RSI] = b->boot_params;
	s->gpr[VCPU_RSP] = LINUX_STACK_TOP;
	s->rip = b->entry;
	s->rflags = RFLAGS_FIXED1;
	s->cr0 = CR0_PE | CR0_ET | CR0_PG;
	s->cr3 = LINUX_PT_ADDR;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->dr7 = GUEST_DR7_INIT;
	for (unsigned i = 0; i < VCPU_NSEGS; i++)
		s->seg[i] = flat_seg(LINUX_SEL_DS, linux_ds_ar);
	s->seg[VCPU_CS] = flat_seg(LINUX_SEL_CS, linux_cs_ar);
	s->tr = (struct vcpu_segment){.sel = LINUX_SEL_TSS, .base = LINUX_TSS_ADDR, .limit = LINUX_TSS_LIMIT,
				      .ar = linux_tss_ar};
	s->ldtr = (struct vcpu_segment){.sel = 0, .base = 0, .limit = 0, .ar = VCPU_AR_UNUSABLE};
	s->gdtr = (struct guest_table){LINUX_GDT_ADDR, LINUX_GDT_LIMIT};
	s->idtr = (struct guest_table){0, 0};
}
