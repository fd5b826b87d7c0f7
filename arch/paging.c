/* Page-table construction for the core; see paging.h. */
#include "paging.h"
#include "boot_info.h"
#include "cpu.h"
#include "string.h"

#define ENTRIES 512
/* 4-level walk indices (SDM Vol. 3A figure 4-8) */
#define PML4_INDEX(v) (((v) >> 39) & 0x1ff)
#define PDPT_INDEX(v) (((v) >> 30) & 0x1ff)
#define PD_INDEX(v) (((v) >> 21) & 0x1ff)
#define PT_INDEX(v) (((v) >> 12) & 0x1ff)
#define PT_ALLOC_LIMIT (4 * GIB) /* the loaders identity-map at least this much */
#define CPUID_EXT_NX (1u << 20)
#define CPUID_EXT_1G (1u << 26)
#define PML5_HIGH_INDEX 511

extern u8 __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[];

static struct paging_layout layout;
static struct pmm *pt_pmm;
static u64 nx_bit;

static u64 *new_table(void)
{
	u64 pa;
	if (pmm_alloc(pt_pmm, 1, PAGE_SIZE, PT_ALLOC_LIMIT, &pa))
		return 0;
	u64 *t = (u64 *)(uintptr_t)pa;
	memset(t, 0, PAGE_SIZE);
	return t;
}

/* Returns the table that entry e of t points to, creating it. */
static u64 *next_level(u64 *t, unsigned e)
{
	if (!(t[e] & PTE_P)) {
		u64 *n = new_table();
		if (!n)
			return 0;
		t[e] = (u64)(uintptr_t)n | PTE_P | PTE_RW;
	}
	return (u64 *)(uintptr_t)(t[e] & PTE_ADDR_MASK);
}

static int map_identity(u64 *pml4, u64 top, bool gib_pages)
{
	for (u64 pa = 0; pa < top;) {
		u64 *pdpt = next_level(pml4, PML4_INDEX(pa));
		if (!pdpt)
			return -1;
		if (gib_pages) {
			pdpt[PDPT_INDEX(pa)] = pa | PTE_P | PTE_RW | PTE_PS | nx_bit;
			pa += GIB;
			continue;
		}
		u64 *pd = next_level(pdpt, PDPT_INDEX(pa));
		if (!pd)
			return -1;
		pd[PD_INDEX(pa)] = pa | PTE_P | PTE_RW | PTE_PS | nx_bit;
		pa += 2 * MIB;
	}
	return 0;
}

static int map_core_range(u64 *pml4, const u8 *start, const u8 *end, u64 flags)
{
	for (u64 va = (u64)(uintptr_t)start; va < (u64)(uintptr_t)end; va += PAGE_SIZE) {
		u64 *pdpt = next_level(pml4, PML4_INDEX(va));
		u64 *pd = pdpt ? next_level(pdpt, PDPT_INDEX(va)) : 0;
		u64 *pt = pd ? next_level(pd, PD_INDEX(va)) : 0;
		if (!pt)
			return -1;
		pt[PT_INDEX(va)] = paging_virt_to_phys((const void *)(uintptr_t)va) | PTE_P | PTE_G | flags;
	}
	return 0;
}

u64 paging_virt_to_phys(const void *v)
{
	return (u64)(uintptr_t)v - KERNEL_VBASE - KERNEL_PBASE + layout.core_phys;
}

const struct paging_layout *paging_layout(void) { return &layout; }

int paging_init(struct pmm *p, u64 core_phys, u64 phys_top)
{
	u32 a, b, c, d;
	pt_pmm = p;
	layout.core_phys = core_phys;
	layout.identity_top = ALIGN_UP(phys_top > 4 * GIB ? phys_top : 4 * GIB, GIB);
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	nx_bit = (d & CPUID_EXT_NX) ? PTE_XD : 0;
	u64 *pml4 = new_table();
	if (!pml4 || map_identity(pml4, layout.identity_top, (d & CPUID_EXT_1G) != 0))
		return -1;
	if (map_core_range(pml4, __text_start, __text_end, 0) ||
	    map_core_range(pml4, __rodata_start, __rodata_end, nx_bit) ||
	    map_core_range(pml4, __data_start, __data_end, PTE_RW | nx_bit))
		return -1;
	if (nx_bit)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	u64 *top = pml4;
	if (read_cr4() & CR4_LA57) {
		/* A firmware that runs 5-level paging hands over in it, and 64-bit code cannot leave it
		 * (SDM Vol. 3A 5.5): one PML5 whose lowest and highest entries both lead to the PML4. */
		top = new_table();
		if (!top)
			return -1;
		top[0] = top[PML5_HIGH_INDEX] = (u64)(uintptr_t)pml4 | PTE_P | PTE_RW;
	}
	write_cr3((u64)(uintptr_t)top);
	return 0;
}
