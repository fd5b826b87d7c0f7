/* The fake guest RAM of fake_guest_ram.h. */
#include "fake_guest_ram.h"

#include <stdlib.h>
#include <string.h>

int fake_guest_ram_alloc(struct fake_guest_ram *m)
{
	if (!m->ram)
		m->ram = aligned_alloc(PAGE_SIZE, m->size);
	if (!m->ram)
		return -1;
	memset(m->ram, 0, m->size);
	return 0;
}

void fake_guest_ram_free(struct fake_guest_ram *m)
{
	free(m->ram);
	m->ram = NULL;
}

void *fake_guest_ram_ptr(void *ctx, u64 gpa, u32 len)
{
	struct fake_guest_ram *m = ctx;
	assert_true(len > 0);
	assert_true((gpa & (PAGE_SIZE - 1)) + len <= PAGE_SIZE);
	if (gpa >= m->size || gpa + len > m->size)
		return NULL;
	if (gpa < m->hole_end && gpa + len > m->hole_start)
		return NULL;
	if (m->on_access)
		m->on_access(gpa);
	return m->ram + gpa;
}

#define PT_ENTRIES 512
#define LARGE_PAGE_SHIFT 21
#define PT_ADDR_MASK 0x000ffffffffff000ULL

u64 *fake_pte(u8 *ram, u64 table, unsigned idx) { return (u64 *)(ram + table + idx * 8); }

void fake_paging_root(u8 *ram, u64 pml4, u64 pdpt, u64 pd)
{
	*fake_pte(ram, pml4, 0) = pdpt | FAKE_PTE_FLAGS;
	*fake_pte(ram, pdpt, 0) = pd | FAKE_PTE_FLAGS;
}

void fake_paging_map_2m(u8 *ram, u64 pd, unsigned slot, u64 pt)
{
	u64 base = (u64)slot << LARGE_PAGE_SHIFT;
	if (!pt) {
		*fake_pte(ram, pd, slot) = base | FAKE_PTE_FLAGS | PTE_PS;
		return;
	}
	*fake_pte(ram, pd, slot) = pt | FAKE_PTE_FLAGS;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		*fake_pte(ram, pt, i) = (base + ((u64)i << 12)) | FAKE_PTE_FLAGS;
}

u64 *fake_paging_pte_of(u8 *ram, u64 pd, u64 linear)
{
	u64 pde = *fake_pte(ram, pd, (unsigned)(linear >> LARGE_PAGE_SHIFT) % PT_ENTRIES);
	assert_false(pde & PTE_PS);
	return fake_pte(ram, pde & PT_ADDR_MASK, (unsigned)(linear >> 12) % PT_ENTRIES);
}
