/* Multiboot1 guest loader (Multiboot Specification 0.6.96, sections 3.1-3.3); see mb1.h. */
#include "../arch/le.h"
#include "mb1.h"
#include "../arch/elf.h"
#include "../arch/printf.h"
#include "../arch/string.h"

#define FOUR_GIB (4 * GIB)

/* One piece of the image: file bytes [off, off + filesz) to gpa, then zeroes up to memsz. */
struct mb1_plan {
	u32 nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	u64 entry;
};

/* The ranges an image may not touch besides "outside RAM" and "above 4 GiB" (mb1.h). */
static const struct {
	u64 start, end;
	const char *what;
} mb1_forbidden[] = {
	{MB1_INFO_AREA, MB1_INFO_AREA + MB1_INFO_AREA_SIZE, "the boot information area"},
	{MB1_LOW_AVAILABLE_END, MB1_HOLE_START, "reserved low memory (the EBDA)"},
	{MB1_HOLE_START, MB1_HIGH_START, "the legacy hole"},
};


/* "256 MiB", "1536 KiB" or "12345 bytes": the guest RAM size as a person would say it. */
static void fmt_ram(char *buf, size_t n, u64 size)
{
	if (size % MIB == 0)
		fmt_snprintf(buf, n, "%llu MiB", (unsigned long long)(size / MIB));
	else if (size % 1024 == 0)
		fmt_snprintf(buf, n, "%llu KiB", (unsigned long long)(size / 1024));
	else
		fmt_snprintf(buf, n, "%llu bytes", (unsigned long long)size);
}

/* Spec 3.1.1: the first 4-aligned magic in the first 8192 bytes whose checksum holds. */
static int find_header(const u8 *img, u64 size, u64 *hoff, char *err, size_t errlen)
{
	u64 limit = size < MB1_HEADER_SEARCH ? size : MB1_HEADER_SEARCH;
	bool bad_sum = false;
	u64 bad_off = 0;
	for (u64 off = 0; off + MB1_HEADER_SIZE <= limit; off += 4) {
		if (le_rd32(img + off) != MB1_HEADER_MAGIC)
			continue;
		if ((u32)(le_rd32(img + off) + le_rd32(img + off + 4) + le_rd32(img + off + 8)) == 0) {
			*hoff = off;
			return 0;
		}
		if (!bad_sum) {
			bad_sum = true;
			bad_off = off;
		}
	}
	if (bad_sum)
		return fmt_fail(err, errlen, "guest image: Multiboot header at offset 0x%llx has a bad checksum",
			    (unsigned long long)bad_off);
	return fmt_fail(err, errlen, "guest image: no Multiboot header in the first %u bytes", MB1_HEADER_SEARCH);
}

/* Spec 3.1.2: bits 0-15 are requirements; a loader that cannot meet one must refuse the image. */
static int check_flags(u32 flags, char *err, size_t errlen)
{
	u32 unmet = flags & MB1_HF_REQUIRED_MASK & ~(MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO);
	if (!unmet)
		return 0;
	unsigned bit = 0;
	while (!(unmet & (1u << bit)))
		bit++;
	if (bit == 2)
		return fmt_fail(err, errlen,
			    "guest image: Multiboot header flags bit 2 (video mode information) is not supported");
	return fmt_fail(err, errlen, "guest image: Multiboot header flags bit %u is unknown (flags 0x%x)", bit, flags);
}

/* Spec 3.1.3: the address fields of flags bit 16 say where the file's bytes go. */
static int plan_aout(const u8 *img, u64 size, u64 hoff, struct mb1_plan *p, char *err, size_t errlen)
{
	if (hoff + MB1_HEADER_AOUT_SIZE > size || hoff + MB1_HEADER_AOUT_SIZE > MB1_HEADER_SEARCH)
		return fmt_fail(err, errlen,
			    "guest image: Multiboot header at offset 0x%llx: its address fields (flags bit 16) run past %s",
			    (unsigned long long)hoff,
			    hoff + MB1_HEADER_AOUT_SIZE > size ? "the end of the file" : "the first 8192 bytes");
	const u8 *h = img + hoff;
	u64 header_addr = le_rd32(h + 12), load_addr = le_rd32(h + 16), load_end = le_rd32(h + 20);
	u64 bss_end = le_rd32(h + 24), entry = le_rd32(h + 28);
	if (header_addr < load_addr)
		return fmt_fail(err, errlen, "guest image: header_addr 0x%llx is below load_addr 0x%llx",
			    (unsigned long long)header_addr, (unsigned long long)load_addr);
	if (header_addr - load_addr > hoff)
		return fmt_fail(err, errlen,
			    "guest image: header_addr 0x%llx does not match the header's file offset 0x%llx "
			    "(load_addr 0x%llx would lie before the start of the file)",
			    (unsigned long long)header_addr, (unsigned long long)hoff, (unsigned long long)load_addr);
	u64 load_off = hoff - (header_addr - load_addr);
	if (load_end == 0) {
		load_end = load_addr + (size - load_off); /* text and data are the rest of the file */
	} else {
		if (load_end <= load_addr)
			return fmt_fail(err, errlen, "guest image: load_end_addr 0x%llx is not above load_addr 0x%llx",
				    (unsigned long long)load_end, (unsigned long long)load_addr);
		if (load_end - load_addr > size - load_off)
			return fmt_fail(err, errlen,
				    "guest image: load_end_addr 0x%llx asks for 0x%llx bytes from file offset 0x%llx "
				    "but the file has only 0x%llx (truncated?)",
				    (unsigned long long)load_end, (unsigned long long)(load_end - load_addr),
				    (unsigned long long)load_off, (unsigned long long)(size - load_off));
		if (header_addr + MB1_HEADER_AOUT_SIZE > load_end)
			return fmt_fail(err, errlen, "guest image: the header at 0x%llx lies outside the loaded text [0x%llx, 0x%llx)",
				    (unsigned long long)header_addr, (unsigned long long)load_addr,
				    (unsigned long long)load_end);
	}
	u64 mem_end = load_end;
	if (bss_end != 0) {
		if (bss_end < load_end)
			return fmt_fail(err, errlen, "guest image: bss_end_addr 0x%llx is below load_end_addr 0x%llx",
				    (unsigned long long)bss_end, (unsigned long long)load_end);
		mem_end = bss_end;
	}
	if (entry < load_addr || entry >= load_end)
		return fmt_fail(err, errlen, "guest image: entry_addr 0x%llx lies outside the loaded text [0x%llx, 0x%llx)",
			    (unsigned long long)entry, (unsigned long long)load_addr, (unsigned long long)load_end);
	p->nseg = 1;
	p->seg[0] = (struct elf_segment){.vaddr = load_addr, .paddr = load_addr, .offset = load_off,
					 .filesz = load_end - load_addr, .memsz = mem_end - load_addr};
	p->entry = entry;
	return 0;
}

/* Spec 3.1.3 without bit 16: an ELF executable, loaded by physical address (p_paddr). */
static int plan_elf(const u8 *img, u64 size, struct mb1_plan *p, char *err, size_t errlen)
{
	struct elf_image elf;
	char why[120];
	if (elf_parse(img, size, &elf, why, sizeof(why)))
		return fmt_fail(err, errlen, "guest image: %s", why);
	p->nseg = elf.nseg;
	for (u32 i = 0; i < elf.nseg; i++)
		p->seg[i] = elf.seg[i];
	/* Paging is off at entry, so the entry point is translated to its physical address, as
	 * GRUB does; elf_parse has checked that some segment's virtual range holds it. */
	for (u32 i = 0; i < elf.nseg; i++) {
		const struct elf_segment *s = &elf.seg[i];
		if (elf.entry >= s->vaddr && elf.entry - s->vaddr < s->memsz) {
			p->entry = elf.entry - s->vaddr + s->paddr;
			break;
		}
	}
	return 0;
}

static int check_placement(const struct elf_segment *s, u64 ram, char *err, size_t errlen)
{
	u64 a = s->paddr, len = s->memsz, end = a + len;
	char rs[32];
	if (end > FOUR_GIB)
		return fmt_fail(err, errlen, "guest image: segment at 0x%llx (+0x%llx) lies above 4 GiB",
			    (unsigned long long)a, (unsigned long long)len);
	if (end > ram) {
		fmt_ram(rs, sizeof(rs), ram);
		return fmt_fail(err, errlen, "guest image: segment at 0x%llx (+0x%llx) does not fit in %s of guest RAM",
			    (unsigned long long)a, (unsigned long long)len, rs);
	}
	for (size_t i = 0; i < ARRAY_SIZE(mb1_forbidden); i++)
		if (a < mb1_forbidden[i].end && mb1_forbidden[i].start < end)
			return fmt_fail(err, errlen, "guest image: segment at 0x%llx (+0x%llx) overlaps %s [0x%llx, 0x%llx)",
				    (unsigned long long)a, (unsigned long long)len, mb1_forbidden[i].what,
				    (unsigned long long)mb1_forbidden[i].start, (unsigned long long)mb1_forbidden[i].end);
	return 0;
}

static void put_mmap(u8 *e, u64 base, u64 length, u32 type)
{
	le_put32(e, MB1_MMAP_ENTRY_SIZE - 4);
	le_put64(e + 4, base);
	le_put64(e + 12, length);
	le_put32(e + 20, type);
}

/* Spec 3.3: the MBI, its memory map, the loader name and the command line, in MB1_INFO_AREA. */
static int write_info(const struct loader_ram *gm, const char *cmdline, size_t cmdlen)
{
	u8 head[MB1_INFO_CMDLINE_OFF];
	memset(head, 0, sizeof(head));
	u64 upper_kib = (gm->size - MB1_HIGH_START) / 1024;
	le_put32(head + MB1_MBI_FLAGS, MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
	le_put32(head + MB1_MBI_MEM_LOWER, (u32)(MB1_LOW_AVAILABLE_END / 1024));
	le_put32(head + MB1_MBI_MEM_UPPER, upper_kib > 0xFFFFFFFFu ? 0xFFFFFFFFu : (u32)upper_kib);
	le_put32(head + MB1_MBI_CMDLINE, MB1_INFO_AREA + MB1_INFO_CMDLINE_OFF);
	le_put32(head + MB1_MBI_MMAP_LENGTH, MB1_MMAP_ENTRIES * MB1_MMAP_ENTRY_SIZE);
	le_put32(head + MB1_MBI_MMAP_ADDR, MB1_INFO_AREA + MB1_INFO_MMAP_OFF);
	le_put32(head + MB1_MBI_LOADER_NAME, MB1_INFO_AREA + MB1_INFO_NAME_OFF);
	u8 *m = head + MB1_INFO_MMAP_OFF;
	put_mmap(m, 0, MB1_LOW_AVAILABLE_END, MB1_MMAP_AVAILABLE);
	put_mmap(m + 24, MB1_LOW_AVAILABLE_END, MB1_HOLE_START - MB1_LOW_AVAILABLE_END, MB1_MMAP_RESERVED);
	put_mmap(m + 48, MB1_BIOS_START, MB1_HIGH_START - MB1_BIOS_START, MB1_MMAP_RESERVED);
	put_mmap(m + 72, MB1_HIGH_START, gm->size - MB1_HIGH_START, MB1_MMAP_AVAILABLE);
	memcpy(head + MB1_INFO_NAME_OFF, MB1_LOADER_NAME, sizeof(MB1_LOADER_NAME));
	if (gm->fill(gm->ctx, MB1_INFO_AREA, 0, MB1_INFO_AREA_SIZE) ||
	    gm->write(gm->ctx, MB1_INFO_AREA, head, sizeof(head)) ||
	    (cmdlen && gm->write(gm->ctx, MB1_INFO_AREA + MB1_INFO_CMDLINE_OFF, cmdline, cmdlen)))
		return -1;
	return 0;
}

int mb1_load(const void *image, u64 size, const struct loader_ram *gm, const char *cmdline,
	     struct mb1_boot *out, char *err, size_t errlen)
{
	const u8 *img = image;
	char rs[32];
	*out = (struct mb1_boot){0};
	if (err && errlen)
		err[0] = 0;
	if (!gm || !gm->write || !gm->fill || gm->size < MB1_RAM_MIN) {
		fmt_ram(rs, sizeof(rs), gm ? gm->size : 0);
		return fmt_fail(err, errlen, "guest RAM: %s is too small for a Multiboot guest (at least 2 MiB)", rs);
	}
	size_t cmdlen = cmdline ? strlen(cmdline) : 0;
	if (cmdlen > MB1_CMDLINE_MAX)
		return fmt_fail(err, errlen, "guest command line: %llu bytes, at most %u fit",
			    (unsigned long long)cmdlen, MB1_CMDLINE_MAX);
	if (!img || size == 0)
		return fmt_fail(err, errlen, "guest image: the file is empty");

	u64 hoff = 0;
	if (find_header(img, size, &hoff, err, errlen))
		return -1;
	u32 flags = le_rd32(img + hoff + 4);
	if (check_flags(flags, err, errlen))
		return -1;
	struct mb1_plan plan = {0};
	if ((flags & MB1_HF_AOUT_KLUDGE) ? plan_aout(img, size, hoff, &plan, err, errlen)
					 : plan_elf(img, size, &plan, err, errlen))
		return -1;

	/* Check every segment before writing any, so a refused image leaves RAM as it was. */
	u64 lo = ~0ULL, hi = 0;
	for (u32 i = 0; i < plan.nseg; i++) {
		const struct elf_segment *s = &plan.seg[i];
		if (check_placement(s, gm->size, err, errlen))
			return -1;
		if (s->paddr < lo)
			lo = s->paddr;
		if (s->paddr + s->memsz > hi)
			hi = s->paddr + s->memsz;
	}
	for (u32 i = 0; i < plan.nseg; i++) {
		const struct elf_segment *s = &plan.seg[i];
		if ((s->filesz && gm->write(gm->ctx, s->paddr, img + s->offset, s->filesz)) ||
		    (s->memsz > s->filesz && gm->fill(gm->ctx, s->paddr + s->filesz, 0, s->memsz - s->filesz)))
			return fmt_fail(err, errlen, "guest image: writing the segment at 0x%llx (+0x%llx) into guest RAM failed",
				    (unsigned long long)s->paddr, (unsigned long long)s->memsz);
	}
	if (write_info(gm, cmdline, cmdlen))
		return fmt_fail(err, errlen, "guest RAM: writing the boot information at 0x%x failed", MB1_INFO_AREA);

	out->entry = (u32)plan.entry;
	out->mbi_addr = MB1_INFO_AREA;
	out->load_start = (u32)lo;
	out->load_end = (u32)hi;
	out->header_flags = flags;
	out->aout = (flags & MB1_HF_AOUT_KLUDGE) != 0;
	return 0;
}

static struct vcpu_segment flat(u16 sel, u32 type)
{
	return (struct vcpu_segment){
		.sel = sel, .base = 0, .limit = 0xFFFFFFFFu,
		.ar = type | VCPU_AR_S | VCPU_AR_P | VCPU_AR_DB | VCPU_AR_G,
	};
}

void mb1_entry_state(const struct mb1_boot *b, struct guest_entry_state *s)
{
	*s = (struct guest_entry_state){0};
	s->gpr[VCPU_RAX] = MB1_BOOT_MAGIC;
	s->gpr[VCPU_RBX] = b->mbi_addr;
	s->rip = b->entry;
	s->rflags = RFLAGS_FIXED1;
	s->cr0 = CR0_PE | CR0_ET;
	s->dr7 = GUEST_DR7_INIT;
	for (unsigned i = 0; i < VCPU_NSEGS; i++)
		s->seg[i] = flat(MB1_SEL_DATA, VCPU_AR_TYPE_DATA_RW_ACCESSED);
	s->seg[VCPU_CS] = flat(MB1_SEL_CODE, VCPU_AR_TYPE_CODE_RX_ACCESSED);
	/* VM entry wants a present busy TSS in TR and accepts an unusable LDTR, whatever the guest
	 * will do with them (SDM Vol. 3C 27.3.1.2); the guest loads its own before a task switch. */
	s->tr = (struct vcpu_segment){.sel = MB1_SEL_TSS, .base = 0, .limit = MB1_TSS_LIMIT,
				      .ar = VCPU_AR_TYPE_TSS32_BUSY | VCPU_AR_P};
	s->ldtr = (struct vcpu_segment){.sel = 0, .base = 0, .limit = 0, .ar = VCPU_AR_UNUSABLE};
	s->gdtr = (struct guest_table){0, 0};
	s->idtr = (struct guest_table){0, 0};
}
