/*
 * VT-x capability decoding from the capability MSRs (Intel SDM Vol. 3D
 * Appendix A). Pure C: the unit tests feed it the MSR values read on the
 * Bochs CPU models (shared/data/bochs-vmx-caps.txt).
 */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include "../arch/types.h"

#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490

/* IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7 "Enabling and entering VMX operation") */
#define FEATURE_CONTROL_LOCK (1ULL << 0)
#define FEATURE_CONTROL_VMX_IN_SMX (1ULL << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_SMX (1u << 6)
#define CPUID_1_EDX_APIC (1u << 9)

struct cpu_ident {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	u32 signature; /* CPUID.1:EAX: stepping, model, family, type and their extensions */
	bool vmx; /* CPUID.1:ECX.VMX[bit 5] */
	bool apic; /* CPUID.1:EDX.APIC[bit 9]: the LAPIC timer can stand in for the preemption timer */
};

/* The raw MSR values; absent MSRs read as 0. */
struct vmx_msrs {
	u64 feature_control;
	u64 basic, pinbased, procbased, exit, entry, misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 procbased2, ept_vpid_cap;
	u64 true_pinbased, true_procbased, true_exit, true_entry;
};

struct vmx_caps {
	u32 revision;
	u32 vmcs_size;
	bool true_ctls; /* IA32_VMX_BASIC bit 55 */
	bool fc_locked, fc_vmx_outside_smx;
	bool io_bitmaps, msr_bitmaps, secondary;
	bool ept, ept_4level, ept_wb, ept_2m, ept_1g;
	bool unrestricted, vpid, invvpid;
	bool preemption_timer;
	u32 preemption_timer_shift; /* the timer counts every 2^shift TSC ticks */
	bool preemption_timer_broken; /* the CPU is on the errata list (vmx_preemption_timer_broken) */
	bool hlt_state;               /* IA32_VMX_MISC bit 6: the HLT activity state */
	bool lma_stored;              /* IA32_VMX_MISC bit 5: exits store EFER.LMA in "IA-32e mode guest" */
	bool invept, invept_single, invept_all;
	bool invvpid_single, invvpid_all;
	bool virtual_nmis, nmi_window; /* pin bit 5, primary bit 22 may be 1 */
	bool user_wait_pause;          /* secondary bit 26 may be 1 */
};

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c);
/*
 * Why VT-x cannot be used at all, or NULL: no VMX in CPUID, or
 * IA32_FEATURE_CONTROL locked with VMX outside SMX off.
 */
const char *vmx_unavailable_reason(const struct cpu_ident *id, const struct vmx_caps *c);
/* The first feature microhv requires that the CPU lacks, or NULL. The VMX-preemption timer is
 * not required: without it the host's LAPIC timer stands in (vmx/timer.h), and one on the
 * errata list is used with a short slice. */
const char *vmx_missing_feature(const struct vmx_caps *c);
/*
 * Whether the CPU with this CPUID.1:EAX signature is one whose VMX-preemption timer does not
 * count at the rate IA32_VMX_MISC states (Intel specification updates; the list KVM keeps).
 */
bool vmx_preemption_timer_broken(u32 signature);

#endif
