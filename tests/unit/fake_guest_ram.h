/*
 * Guest-physical RAM for the fake vCPU platforms (fake_vcpu, fake_interp, gmem_fixture): a
 * page-aligned buffer, at most one guest-physical range that is not RAM (a hole), and the
 * vcpu_platform gpa_ptr over them, which holds callers to the interface's promise: one page
 * at a time (a caller crossing a page fails the test); and the one page-table builder the
 * fake platforms lay out their guest paging with. A fake: it stands in for vmx/guest_ram.c.
 */
#ifndef TESTS_UNIT_FAKE_GUEST_RAM_H
#define TESTS_UNIT_FAKE_GUEST_RAM_H

#include "unit.h"

#include "arch/types.h"
#include "arch/x86.h"

struct fake_guest_ram {
	u8 *ram;
	u64 size;
	u64 hole_start, hole_end;   /* [start, end) is not RAM; empty when equal */
	void (*on_access)(u64 gpa); /* sees every gpa handed out, or NULL */
};

/* Allocates m->size bytes of zeroed RAM once (later calls zero it again); 0 or -1. */
int fake_guest_ram_alloc(struct fake_guest_ram *m);
void fake_guest_ram_free(struct fake_guest_ram *m);
/* vcpu_platform.gpa_ptr; ctx is the struct fake_guest_ram. */
void *fake_guest_ram_ptr(void *ctx, u64 gpa, u32 len);

/*
 * Guest 4-level paging in ram (SDM Vol. 3A 5.5): one PML4, PDPT and PD for linear addresses
 * below 1 GiB, every entry present, writable and user (FAKE_PTE_FLAGS); each 2-MiB slot of the
 * PD is mapped one to one, by a page table of 4-KiB pages or by one large page. Tests then
 * change single entries through fake_pte.
 */
#define FAKE_PTE_FLAGS (PTE_P | PTE_RW | PTE_US)
/* The 8-byte entry idx of the paging-structure table at guest-physical table. */
u64 *fake_pte(u8 *ram, u64 table, unsigned idx);
/* PML4[0] -> pdpt, PDPT[0] -> pd. */
void fake_paging_root(u8 *ram, u64 pml4, u64 pdpt, u64 pd);
/* PD[slot] maps linear [slot * 2 MiB, +2 MiB) to the same guest-physical addresses: through the
 * page table at pt, or with a large page when pt is 0. */
void fake_paging_map_2m(u8 *ram, u64 pd, unsigned slot, u64 pt);
/* The PTE of the 4-KiB page holding linear, under the PD at pd (its slot maps 4-KiB pages). */
u64 *fake_paging_pte_of(u8 *ram, u64 pd, u64 linear);

#endif
