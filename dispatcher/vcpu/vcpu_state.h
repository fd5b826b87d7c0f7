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
