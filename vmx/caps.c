/* Decoding of the VMX capability MSRs; bit positions from Intel SDM Vol. 3D Appendix A. */
#include "caps.h"

#define BASIC_REVISION_MASK 0x7fffffffULL
#define BASIC_VMCS_SIZE_SHIFT 32
#define BASIC_VMCS_SIZE_MASK 0x1fffULL
#define BASIC_TRUE_CTLS (1ULL << 55)
#define PIN_PREEMPTION_TIMER (1u << 6)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define EPTCAP_WALK4 (1ULL << 6)
#define EPTCAP_WB (1ULL << 14)
#define EPTCAP_2M (1ULL << 16)
#define EPTCAP_1G (1ULL << 17)
#define EPTCAP_INVVPID (1ULL << 32)
#define MISC_TIMER_RATE_MASK 0x1fULL
#define MISC_LMA_STORED (1ULL << 5)
#define MISC_HLT_STATE (1ULL << 6)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC2_USER_WAIT_PAUSE (1u << 26)
#define EPTCAP_INVEPT (1ULL << 20)
#define EPTCAP_INVEPT_SINGLE (1ULL << 25)
#define EPTCAP_INVEPT_ALL (1ULL << 26)
#define EPTCAP_INVVPID_SINGLE (1ULL << 41)
#define EPTCAP_INVVPID_ALL (1ULL << 42)
/* CPUID.1:EAX bits 15:14 and 31:28 are reserved: compared without them. */
#define SIGNATURE_RESERVED ((0x3U << 14) | (0xfU << 28))

/* A.3-A.5: bits 63:32 of a control MSR say which controls may be 1. */
static u32 allowed1(u64 msr) { return (u32)(msr >> 32); }

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c)
{
	*c = (struct vmx_caps){0};
	c->revision = (u32)(m->basic & BASIC_REVISION_MASK);
	c->vmcs_size = (u32)((m->basic >> BASIC_VMCS_SIZE_SHIFT) & BASIC_VMCS_SIZE_MASK);
	c->true_ctls = (m->basic & BASIC_TRUE_CTLS) != 0;
	c->fc_locked = (m->feature_control & FEATURE_CONTROL_LOCK) != 0;
	c->fc_vmx_outside_smx = (m->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX) != 0;
	u64 pin = c->true_ctls ? m->true_pinbased : m->pinbased;
	u64 proc = c->true_ctls ? m->true_procbased : m->procbased;
	c->preemption_timer = (allowed1(pin) & PIN_PREEMPTION_TIMER) != 0;
	c->virtual_nmis = (allowed1(pin) & PIN_VIRTUAL_NMIS) != 0;
	c->nmi_window = (allowed1(proc) & PROC_NMI_WINDOW) != 0;
	c->io_bitmaps = (allowed1(proc) & PROC_IO_BITMAPS) != 0;
	c->msr_bitmaps = (allowed1(proc) & PROC_MSR_BITMAPS) != 0;
	c->secondary = (allowed1(proc) & PROC_SECONDARY) != 0;
	if (c->secondary) { /* A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only then */
		u32 p2 = allowed1(m->procbased2);
		c->ept = (p2 & PROC2_EPT) != 0;
		c->vpid = (p2 & PROC2_VPID) != 0;
		c->unrestricted = (p2 & PROC2_UNRESTRICTED) != 0;
		c->user_wait_pause = (p2 & PROC2_USER_WAIT_PAUSE) != 0;
	}
	if (c->ept || c->vpid) { /* A.10: IA32_VMX_EPT_VPID_CAP exists only then */
		c->ept_4level = c->ept && (m->ept_vpid_cap & EPTCAP_WALK4);
		c->ept_wb = c->ept && (m->ept_vpid_cap & EPTCAP_WB);
		c->ept_2m = c->ept && (m->ept_vpid_cap & EPTCAP_2M);
		c->ept_1g = c->ept && (m->ept_vpid_cap & EPTCAP_1G);
		c->invvpid = c->vpid && (m->ept_vpid_cap & EPTCAP_INVVPID);
		c->invept = c->ept && (m->ept_vpid_cap & EPTCAP_INVEPT);
		c->invept_single = c->invept && (m->ept_vpid_cap & EPTCAP_INVEPT_SINGLE);
		c->invept_all = c->invept && (m->ept_vpid_cap & EPTCAP_INVEPT_ALL);
		c->invvpid_single = c->invvpid && (m->ept_vpid_cap & EPTCAP_INVVPID_SINGLE);
		c->invvpid_all = c->invvpid && (m->ept_vpid_cap & EPTCAP_INVVPID_ALL);
	}
	/* A.6: the activity states beyond "active" and the LMA bit of VM exits are optional. */
	c->preemption_timer_shift = (u32)(m->misc & MISC_TIMER_RATE_MASK);
	c->lma_stored = (m->misc & MISC_LMA_STORED) != 0;
	c->hlt_state = (m->misc & MISC_HLT_STATE) != 0;
}

const char *vmx_unavailable_reason(const struct cpu_ident *id, const struct vmx_caps *c)
{
	if (!id->vmx)
		return "CPUID.1:ECX.VMX is 0 (the processor has no VMX)";
	if (c->fc_locked && !c->fc_vmx_outside_smx)
		return "IA32_FEATURE_CONTROL is locked with VMX outside SMX disabled (enable VT-x in the firmware setup)";
	return 0;
}

const char *vmx_missing_feature(const struct vmx_caps *c)
{
	if (!c->io_bitmaps)
		return "IO bitmaps";
	if (!c->msr_bitmaps)
		return "MSR bitmaps";
	if (!c->secondary)
		return "secondary processor-based controls";
	if (!c->ept)
		return "EPT";
	if (!c->ept_4level)
		return "EPT 4-level page walk";
	if (!c->ept_wb)
		return "EPT write-back memory type";
	if (!c->unrestricted)
		return "unrestricted guest";
	return 0;
}

/*
 * CPUID.1:EAX signatures whose VMX-preemption timer is broken (it does not count down at the
 * rate IA32_VMX_MISC[4:0] gives): Nehalem and Westmere parts named in Intel's specification
 * updates (errata BA86, AAX65, AAT59, AAU65, AAO95, AAN92, AAP86, AAM126, AAJ124, AAK139) and
 * the Xeon E3-1220 V2. The same list as KVM's and VirtualBox's.
 */
static const u32 broken_timer_signatures[] = {
	0x000206E6, /* Xeon 7500, stepping D0 */
	0x00020652, /* Xeon L3406; Core i7-600/i5-500/i5-400/i3-300 mobile; i5-600/i3-500, Pentium G6950: C2 */
	0x00020655, /* Core i5-600/i3-500 desktop, Pentium G6950: K0 */
	0x000106E5, /* Xeon 3400; Core i7-800/i5-700 desktop; i7-900/800/700 mobile: B1 */
	0x000106A0, /* Xeon 3500: C0 */
	0x000106A1, /* Xeon 3500: C1 */
	0x000106A4, /* Core i7-900 desktop (Extreme): C0 */
	0x000106A5, /* Xeon 3500/5500, Core i7-900 desktop (Extreme): D0 */
	0x000306A8, /* Xeon E3-1220 V2 */
};

bool vmx_preemption_timer_broken(u32 signature)
{
	u32 s = signature & ~SIGNATURE_RESERVED;
	for (size_t i = 0; i < ARRAY_SIZE(broken_timer_signatures); i++)
		if (broken_timer_signatures[i] == s)
			return true;
	return false;
}
