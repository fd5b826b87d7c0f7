/*
 * What the run loop reads from the VMCS at a VM exit: only the exit-information fields the
 * SDM defines for that exit (Vol. 3C 28.2.1-28.2.5), and only the guest-state groups the
 * dispatcher's handler for that reason looks at. Everything else keeps its value from an
 * earlier exit and is not looked at. Reasons not listed here read everything. Pure C:
 * tests/unit/test_exit_needs.c checks the table.
 */
#ifndef VMX_EXIT_NEEDS_H
#define VMX_EXIT_NEEDS_H

#include "../arch/types.h"

/* Exit-information fields (besides the exit reason and IDT-vectoring information, always read). */
#define VMX_NEED_QUAL (1u << 0)
#define VMX_NEED_INSTR_LEN (1u << 1)
#define VMX_NEED_INSTR_INFO (1u << 2)
#define VMX_NEED_LINEAR (1u << 3)
#define VMX_NEED_PHYS (1u << 4)
#define VMX_NEED_INTR_INFO (1u << 5)
#define VMX_NEED_VECTORING_ERROR (1u << 6)
/* Guest-state groups of struct vcpu. */
#define VMX_NEED_REGS (1u << 7) /* RIP, RFLAGS, RSP */
#define VMX_NEED_CTRL (1u << 8) /* CR0, CR3, CR4 (read shadows applied), EFER, DR7 (and DR0-DR3) */
#define VMX_NEED_SEGS (1u << 9) /* the CPL (SS.DPL); segments themselves are read on use (vcpu_seg) */
#define VMX_NEED_EXIT_ALL                                                                               \
	(VMX_NEED_QUAL | VMX_NEED_INSTR_LEN | VMX_NEED_INSTR_INFO | VMX_NEED_LINEAR | VMX_NEED_PHYS | \
	 VMX_NEED_INTR_INFO | VMX_NEED_VECTORING_ERROR)
#define VMX_NEED_STATE_ALL (VMX_NEED_REGS | VMX_NEED_CTRL | VMX_NEED_SEGS)
#define VMX_NEED_ALL (VMX_NEED_EXIT_ALL | VMX_NEED_STATE_ALL)

/*
 * The fields to read for an exit with this basic reason, entry-failure bit and IDT-vectoring
 * information; trace adds what the exit trace prints (RIP and the qualification).
 */
u32 vmx_exit_needs(u32 reason, bool entry_failure, u32 idt_vectoring_info, bool trace);

/*
 * The read set once the exit qualification is known: an IO exit of IN or OUT (qualification
 * bit 4 clear) drops the instruction information, which the processor defines for INS and OUTS
 * only (SDM Vol. 3C 28.2.5) and which KVM does not shadow (a VMREAD of it is an exit to L0).
 */
u32 vmx_exit_needs_qual(u32 reason, u32 need, u64 qual);

/*
 * The guest's EFER as the exit saved it ("save IA32_EFER", SDM Vol. 3C 28.3.1), computed
 * instead of read (KVM does not shadow GUEST_IA32_EFER): from EFER as the entry loaded it and
 * the guest's CR0 (the processor's, not the read shadow) at the exit. Only LMA can differ: a
 * WRMSR to EFER always exits (dispatcher/msr.c passes it through nowhere), while LMA follows
 * CR0.PG, which the guest owns under unrestricted guest: the processor sets LMA when paging
 * is enabled with LME = 1 and clears it when paging is disabled (Vol. 3A 10.8.5, 10.8.5.4),
 * and VM entry requires LMA = LME whenever CR0.PG = 1 (Vol. 3C 27.3.1.1), so LMA = LME & PG.
 */
u64 vmx_efer_at_exit(u64 efer_at_entry, u64 guest_cr0);

#endif
