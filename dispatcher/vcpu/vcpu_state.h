/*
 * The vCPU state a guest starts in: what a guest loader (guest/) asks of the processor at the
 * guest's first instruction; vmx/ copies it into the VMCS guest-state area. It lives here, below
 * both, so that vmx/ may include it (DESIGN.md section 2: dependencies point down).
 * Values are architectural: vmx/ still applies IA32_VMX_CR0/CR4_FIXED0/1 (CR0.NE, CR4.VMXE)
 * behind read shadows, so the guest reads back exactly what is written here.
 */
#ifndef DISPATCHER_VCPU_STATE_H
#define DISPATCHER_VCPU_STATE_H

#include "vcpu.h"

/* Segment access rights in the VMX format (SDM Vol. 3C 25.4.1, table 25-2). */
#define GUEST_AR_TYPE_DATA_RW_ACCESSED 0x3u /* read/write data, accessed */
#define GUEST_AR_TYPE_CODE_RX_ACCESSED 0xBu /* execute/read code, accessed */
#define GUEST_AR_TYPE_TSS32_BUSY 0xBu       /* system type 11: busy 32-bit TSS */
#define GUEST_AR_S (1u << 4)                /* descriptor type: code or data, not system */
#define GUEST_AR_DPL_SHIFT 5
#define GUEST_AR_P (1u << 7)
#define GUEST_AR_DB (1u << 14) /* default operation size 32 bits */
#define GUEST_AR_G (1u << 15)  /* limit in 4 KiB units */
#define GUEST_AR_UNUSABLE (1u << 16)

#define GUEST_CR0_PE (1ULL << 0)
#define GUEST_CR0_ET (1ULL << 4) /* hard-wired to 1 since the i486 */
#define GUEST_RFLAGS_FIXED1 (1ULL << 1) /* reserved, always 1 (SDM Vol. 1 3.4.3) */
#define GUEST_DR7_INIT 0x400ULL         /* DR7 after reset (SDM Vol. 3B 18.2.4) */

struct guest_table {
	u64 base;
	u32 limit;
};

struct guest_entry_state {
	u64 gpr[VCPU_NREGS]; /* enum vcpu_reg order */
	u64 rip, rflags;
	u64 cr0, cr3, cr4, efer, dr7;
	struct vcpu_segment seg[VCPU_NSEGS]; /* enum vcpu_seg order: ES CS SS DS FS GS */
	struct vcpu_segment tr, ldtr;
	struct guest_table gdtr, idtr;
};

#endif
