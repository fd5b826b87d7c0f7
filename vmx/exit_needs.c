/* The per-exit read set (SDM Vol. 3C 28.2 "Recording VM-exit information"). Pure C. */
#include "exit_needs.h"
#include "../dispatcher/exit_reasons.h"
#include "../arch/x86.h"

#define VECTORING_VALID (1u << 31)
#define VECTORING_ERROR_VALID (1u << 11)
#define VECTORING_TYPE_SHIFT 8
#define VECTORING_TYPE_MASK 0x7u
/* Event types whose re-injection needs the instruction length (SDM Vol. 3C 27.6.1.3, 29.2.1). */
#define TYPE_SW_INT 4
#define TYPE_PRIV_SW_EXCEPTION 5
#define TYPE_SW_EXCEPTION 6
#define IO_QUAL_STRING (1ull << 4) /* INS/OUTS (SDM Vol. 3C 28.2.1, table 28-5) */

/* Emulated instructions move RIP past themselves and retire (RFLAGS.RF/TF): regs and length. */
#define SKIPS (VMX_NEED_INSTR_LEN | VMX_NEED_REGS)

/*
 * Why each entry is what it is (handlers in dispatcher/dispatch.c and exits_*.c):
 * - NMI exits (exception bitmap 0: only NMIs), external interrupts, interrupt and NMI windows
 *   and the preemption timer only give the loop a turn; the NMI one needs its interruption
 *   information (28.2.2) to tell an NMI.
 * - HLT and INVD skip the instruction; CPUID also reads CR4 (OSXSAVE, PKE reflected in CPUID).
 * - IO, CR access, RDMSR/WRMSR and XSETBV use the qualification (28.2.1 tables 28-3, 28-5),
 *   the instruction information (INS/OUTS, 28.2.5), CPL and the control registers; the
 *   segments the emulator uses come through vcpu_seg, read on first use at any exit.
 * - Triple faults, EPT violations, entry failures and anything unlisted stop with a full dump
 *   or need the addresses: everything.
 */
static u32 reason_needs(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		return VMX_NEED_INTR_INFO;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_PREEMPTION_TIMER:
		return 0;
	case EXIT_REASON_HLT:
	case EXIT_REASON_INVD:
		return SKIPS;
	case EXIT_REASON_CPUID:
		return SKIPS | VMX_NEED_CTRL;
	case EXIT_REASON_IO_INSTRUCTION:
		return SKIPS | VMX_NEED_QUAL | VMX_NEED_INSTR_INFO | VMX_NEED_CTRL | VMX_NEED_SEGS;
	case EXIT_REASON_CR_ACCESS:
		return SKIPS | VMX_NEED_QUAL | VMX_NEED_CTRL | VMX_NEED_SEGS;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
	case EXIT_REASON_XSETBV:
		return SKIPS | VMX_NEED_CTRL | VMX_NEED_SEGS;
	default:
		return VMX_NEED_ALL;
	}
}

u32 vmx_exit_needs(u32 reason, bool entry_failure, u32 idt_vectoring_info, bool trace)
{
	u32 need = entry_failure ? VMX_NEED_ALL : reason_needs(reason);
	if (idt_vectoring_info & VECTORING_VALID) {
		/* The interrupted event is delivered again at the next entry (28.2.4): its error
		 * code, and for software events the instruction length, go with it. */
		u32 type = (idt_vectoring_info >> VECTORING_TYPE_SHIFT) & VECTORING_TYPE_MASK;
		if (idt_vectoring_info & VECTORING_ERROR_VALID)
			need |= VMX_NEED_VECTORING_ERROR;
		if (type == TYPE_SW_INT || type == TYPE_PRIV_SW_EXCEPTION || type == TYPE_SW_EXCEPTION)
			need |= VMX_NEED_INSTR_LEN;
	}
	if (trace)
		need |= VMX_NEED_QUAL | VMX_NEED_REGS;
	return need;
}

u32 vmx_exit_needs_qual(u32 reason, u32 need, u64 qual)
{
	if (reason == EXIT_REASON_IO_INSTRUCTION && !(qual & IO_QUAL_STRING))
		need &= ~VMX_NEED_INSTR_INFO;
	return need;
}

u64 vmx_efer_at_exit(u64 efer_at_entry, u64 guest_cr0)
{
	u64 efer = efer_at_entry & ~EFER_LMA;
	if ((efer & EFER_LME) && (guest_cr0 & CR0_PG))
		efer |= EFER_LMA;
	return efer;
}
