/*
 * Placing the core, its page tables, ExitBootServices and the jump.
 * Paging structures: Intel SDM Vol. 3A 4.5 "4-level paging and 5-level paging".
 */
#include "ldr.h"
#include "../../arch/console.h"
#include "../../arch/cpu.h"
#include "../../arch/printf.h"
#include "../../arch/string.h"

#define FAIL(...)                                     \
	do {                                              \
		fmt_snprintf(err, errlen, __VA_ARGS__);       \
		return -1;                                    \
	} while (0)

#define PTE_TABLE (PTE_P | PTE_RW)
#define PT_ENTRIES 512
#define PML4_SPAN (512 * GIB)
#define IDENT_MIN (4 * GIB)           /* below 4 GiB: the local APIC, IO APIC, HPET, flash */
#define IDENT_MAX (256 * PML4_SPAN)   /* the lower canonical half of 4-level paging */
#define CPUID_EXT_MAX 0x80000000u
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_PAGE1GB (1u << 26)
#define CPUID_ADDR_SIZES 0x80000008u
#define PHYS_BITS_DEFAULT 36          /* SDM Vol. 2A CPUID: when leaf 80000008H is absent */
/* The core's window: KERNEL_VBASE + KERNEL_PBASE is PML4 511, PDPT 510, PD entry 1 onward. */
#define CORE_PD_FIRST ((KERNEL_PBASE >> 21) & 511)
#define CORE_MAX_SIZE ((PT_ENTRIES - CORE_PD_FIRST) * KERNEL_ALIGN)

/* boot/uefi/jump.S: cli, CR3 = root, RSP = stack_top, RDI = bi, jump to entry. */
__attribute__((noreturn)) void ho_jump(u64 root, u64 entry, u64 bi, u64 stack_top);

static int check_layout(const struct elf_image *e, char *err, size_t errlen)
{
	bool entry_ok = false;
	for (u32 i = 0; i < e->nseg; i++) {
		const struct elf_segment *s = &e->seg[i];
		bool high = s->vaddr == s->paddr + KERNEL_VBASE;
		/* vaddr == paddr: the Multiboot2 entry code, which runs before paging and not here */
		if (!high && s->vaddr != s->paddr)
			FAIL("embedded core: segment %u at virtual 0x%llx is linked neither at its physical address "
			     "0x%llx nor at KERNEL_VBASE + it", i, (unsigned long long)s->vaddr,
			     (unsigned long long)s->paddr);
		if (high && e->entry64 >= s->vaddr && e->entry64 - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		FAIL("embedded core: 64-bit entry 0x%llx lies in no higher-half segment",
		     (unsigned long long)e->entry64);
	return 0;
}

int ho_place_core(const void *img, u64 img_size, struct core_place *out, char *err, size_t errlen)
{
	struct elf_image *e = &out->elf;
	char why[LDR_ERR_MAX];
	if (elf_parse(img, img_size, e, why, sizeof(why)))
		FAIL("embedded core (%llu bytes): %s", (unsigned long long)img_size, why);
	if (e->bits != 64 || e->machine != ELF_MACHINE_X86_64)
		FAIL("embedded core: ELF%u for machine %u, not x86-64 ELF64", e->bits, e->machine);
	if (!e->has_entry64_note)
		FAIL("embedded core: no \"%s\" note of type %d with the 64-bit entry", CORE_NOTE_NAME,
		     CORE_NOTE_ENTRY64);
	if (e->paddr_lo < KERNEL_PBASE)
		FAIL("embedded core: a segment starts at physical 0x%llx, below 0x%llx",
		     (unsigned long long)e->paddr_lo, (unsigned long long)KERNEL_PBASE);
	if (e->paddr_hi - KERNEL_PBASE > CORE_MAX_SIZE)
		FAIL("embedded core: spans %llu KiB, more than the %llu KiB the loader maps",
		     (unsigned long long)((e->paddr_hi - KERNEL_PBASE) / 1024),
		     (unsigned long long)(CORE_MAX_SIZE / 1024));
	if (check_layout(e, err, errlen))
		return -1;

	u64 size = ALIGN_UP(e->paddr_hi - KERNEL_PBASE, PAGE_SIZE);
	u64 pages = (ALIGN_UP(size, KERNEL_ALIGN) + KERNEL_ALIGN) / PAGE_SIZE, got;
	if (efi_alloc_pages(pages, &got, "the core", err, errlen))
		return -1;
	u64 base = ALIGN_UP(got, KERNEL_ALIGN), end = got + pages * PAGE_SIZE;
	/* give back the alignment slack before and after the image */
	efi_free_pages(got, (base - got) / PAGE_SIZE);
	efi_free_pages(base + size, (end - base - size) / PAGE_SIZE);

	u8 *dst = (u8 *)(uintptr_t)base;
	const u8 *src = img;
	memset(dst, 0, size);
	for (u32 i = 0; i < e->nseg; i++) {
		const struct elf_segment *s = &e->seg[i];
		memcpy(dst + (s->paddr - KERNEL_PBASE), src + s->offset, s->filesz); /* the rest stays 0: bss */
	}
	out->phys = base;
	out->size = size;
	return 0;
}

static u64 *table(u64 phys) { return (u64 *)(uintptr_t)phys; }

int ho_build_page_tables(const struct core_place *core, u64 ident_end, u64 *root, char *err, size_t errlen)
{
	u32 a, b, c, d, max_ext;
	cpuid(CPUID_EXT_MAX, 0, &max_ext, &b, &c, &d);
	bool gib_pages = false;
	unsigned phys_bits = PHYS_BITS_DEFAULT;
	if (max_ext >= CPUID_EXT_FEATURES) {
		cpuid(CPUID_EXT_FEATURES, 0, &a, &b, &c, &d);
		gib_pages = d & CPUID_EXT_EDX_PAGE1GB;
	}
	if (max_ext >= CPUID_ADDR_SIZES) {
		cpuid(CPUID_ADDR_SIZES, 0, &a, &b, &c, &d);
		phys_bits = a & 0xff;
	}
	bool la57 = read_cr4() & CR4_LA57;
	u64 limit = phys_bits < 48 ? 1ULL << phys_bits : IDENT_MAX;
	if (ident_end > limit)
		ident_end = limit; /* nothing real lies above the CPU's physical address width */
	if (ident_end < IDENT_MIN)
		ident_end = IDENT_MIN;
	ident_end = ALIGN_UP(ident_end, GIB);

	u64 gibs = ident_end / GIB, n_pdpt = (gibs + PT_ENTRIES - 1) / PT_ENTRIES;
	u64 n_pd = gib_pages ? 0 : gibs;
	u64 pages = (la57 ? 1 : 0) + 1 + n_pdpt + n_pd + 2, phys;
	if (efi_alloc_pages(pages, &phys, "the page tables", err, errlen))
		return -1;
	memset(table(phys), 0, pages * PAGE_SIZE);

	u64 next = phys, pml5 = 0;
	if (la57) {
		pml5 = next;
		next += PAGE_SIZE;
	}
	u64 pml4 = next, pdpt0 = pml4 + PAGE_SIZE, pd0 = pdpt0 + n_pdpt * PAGE_SIZE;
	u64 hi_pdpt = pd0 + n_pd * PAGE_SIZE, hi_pd = hi_pdpt + PAGE_SIZE;

	for (u64 i = 0; i < n_pdpt; i++)
		table(pml4)[i] = (pdpt0 + i * PAGE_SIZE) | PTE_TABLE;
	for (u64 g = 0; g < gibs; g++) {
		u64 *pdpte = &table(pdpt0)[g];
		if (gib_pages) {
			*pdpte = g * GIB | PTE_TABLE | PTE_PS;
			continue;
		}
		u64 pd = pd0 + g * PAGE_SIZE;
		*pdpte = pd | PTE_TABLE;
		for (u64 j = 0; j < PT_ENTRIES; j++)
			table(pd)[j] = (g * GIB + j * KERNEL_ALIGN) | PTE_TABLE | PTE_PS;
	}

	/* the core: KERNEL_VBASE + KERNEL_PBASE + off -> core->phys + off, 2 MiB at a time */
	table(pml4)[PT_ENTRIES - 1] = hi_pdpt | PTE_TABLE;
	table(hi_pdpt)[(KERNEL_VBASE >> 30) & 511] = hi_pd | PTE_TABLE;
	for (u64 off = 0; off < core->size; off += KERNEL_ALIGN)
		table(hi_pd)[CORE_PD_FIRST + off / KERNEL_ALIGN] = (core->phys + off) | PTE_TABLE | PTE_PS;

	if (la57) { /* both halves of the 57-bit space lead to the one PML4 */
		table(pml5)[0] = pml4 | PTE_TABLE;
		table(pml5)[PT_ENTRIES - 1] = pml4 | PTE_TABLE;
	}
	*root = la57 ? pml5 : pml4;
	con_log("page tables at 0x%llx (%llu KiB): identity map of %llu GiB in %s pages%s, core at 0x%llx\n",
	        (unsigned long long)phys, (unsigned long long)(pages * PAGE_SIZE / 1024), (unsigned long long)gibs,
	        gib_pages ? "1 GiB" : "2 MiB", la57 ? ", 5-level" : "",
	        (unsigned long long)(KERNEL_VBASE + KERNEL_PBASE));
	return 0;
}

void ho_exit_and_enter(struct efi_map *m, struct boot_info *bi, u64 root, u64 entry64, u64 stack_top,
                       bool *boot_services_gone, char *err, size_t errlen)
{
	enum { ATTEMPTS = 3 };
	*boot_services_gone = false;
	for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
		/* between GetMemoryMap and ExitBootServices: no allocation, no firmware call */
		EFI_STATUS st = efi_map_refresh(m);
		if (EFI_ERROR(st)) {
			fmt_snprintf(err, errlen, "GetMemoryMap for ExitBootServices failed: %s", efi_status_name(st));
			return;
		}
		u64 highest;
		u32 dropped = efi_map_convert(m, bi, &highest);
		st = ldr_bs->ExitBootServices(ldr_image, m->key);
		if (st == EFI_SUCCESS) {
			cli(); /* no firmware handler is left to take an interrupt */
			/* the serial port is ours now; the firmware's services are not */
			con_log("boot services exited (attempt %d): %u memory ranges%s; entering the core at 0x%llx\n",
			        attempt, bi->mmap_count, dropped ? " (table full, some dropped)" : "",
			        (unsigned long long)entry64);
			ho_jump(root, entry64, (u64)(uintptr_t)bi, stack_top);
		}
		/* UEFI spec 7.4: after a failed call only GetMemoryMap and ExitBootServices are safe */
		*boot_services_gone = true;
		if (st != EFI_INVALID_PARAMETER) {
			fmt_snprintf(err, errlen, "ExitBootServices failed: %s", efi_status_name(st));
			return;
		}
	}
	fmt_snprintf(err, errlen, "ExitBootServices refused the memory map key %d times", ATTEMPTS);
}
