/*
 * The core's own page tables (Intel SDM Vol. 3A 4.5 "4-level paging"):
 * all physical memory identity-mapped in the lower half (the hypervisor
 * reaches guest RAM, VMCS and EPT pages by physical address), and the core
 * image in the higher half with W^X permissions.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include "pmm.h"

struct paging_layout {
	u64 core_phys;     /* physical address of KERNEL_PBASE's bytes */
	u64 identity_top;  /* identity map covers [0, identity_top) */
};

/* Builds the tables from pmm pages and loads CR3; 0 on success, -1 when out of memory. */
int paging_init(struct pmm *p, u64 core_phys, u64 phys_top);
/* Physical address of a core symbol. */
u64 paging_virt_to_phys(const void *v);
const struct paging_layout *paging_layout(void);

#endif
