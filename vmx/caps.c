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
	c->io_bitmaps = (allowed1(proc) & PROC_IO_BITMAPS) != 0;
	c->msr_bitmaps = (allowed1(proc) & PROC_MSR_BITMAPS) != 0;
	c->secondary = (allowed1(proc) & PROC_SECONDARY) != 0;
	if (c->secondary) { /* A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only then */
		u32 p2 = allowed1(m->procbased2);
		c->ept = (p2 & PROC2_EPT) != 0;
		c->vpid = (p2 & PROC2_VPID) != 0;
		c->unrestricted = (p2 & PROC2_UNRESTRICTED) != 0;
	}
	if (c->ept || c->vpid) { /* A.10: IA32_VMX_EPT_VPID_CAP exists only then */
		c->ept_4level = c->ept && (m->ept_vpid_cap & EPTCAP_WALK4);
		c->ept_wb = c->ept && (m->ept_vpid_cap & EPTCAP_WB);
		c->ept_2m = c->ept && (m->ept_vpid_cap & EPTCAP_2M);
		c->ept_1g = c->ept && (m->ept_vpid_cap & EPTCAP_1G);
		c->invvpid = c->vpid && (m->ept_vpid_cap & EPTCAP_INVVPID);
	}
	c->preemption_timer_shift = (u32)(m->misc & MISC_TIMER_RATE_MASK);
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
	if (!c->preemption_timer)
		return "VMX-preemption timer";
	return 0;
}
