/* The core's own GDT, TSS and IDT (Intel SDM Vol. 3A 3.4.5, 8.7 and 7.14). */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include "types.h"

#define SEL_NULL 0x00
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

/* IST slots (SDM Vol. 3A 7.14.5): NMI, #DF and #MC run on their own known-good stacks. */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3

void desc_init(void);
u64 desc_gdt_base(void);
u64 desc_idt_base(void);
u64 desc_tss_base(void);
/* True when addr lies on one of the core's stacks (for safe backtraces). */
bool desc_on_core_stack(u64 addr);

#endif
