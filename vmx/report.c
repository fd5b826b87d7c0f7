/* CPU identification and VMX capability report (SDM Vol. 2A CPUID; Vol. 3D Appendix A). */
#include "report.h"
#include "../arch/console.h"
#include "../arch/cpu.h"

static void put_reg(char *dst, u32 v)
{
	for (int i = 0; i < 4; i++)
		dst[i] = (char)(v >> (8 * i));
}

void vmx_probe(struct cpu_ident *id, struct vmx_msrs *m)
{
	u32 a, b, c, d;
	*id = (struct cpu_ident){0};
	*m = (struct vmx_msrs){0};
	cpuid(0, 0, &a, &b, &c, &d);
	u32 max_leaf = a;
	put_reg(id->vendor, b);
	put_reg(id->vendor + 4, d);
	put_reg(id->vendor + 8, c);
	if (max_leaf >= 1) {
		cpuid(1, 0, &a, &b, &c, &d);
		u32 fam = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
		/* SDM Vol. 2A CPUID leaf 1: extended family/model apply to families 6 and 15 */
		if (fam == 0xf)
			fam += (a >> 20) & 0xff;
		if (fam == 0x6 || fam >= 0xf)
			model |= ((a >> 16) & 0xf) << 4;
		id->family = fam;
		id->model = model;
		id->stepping = a & 0xf;
		id->signature = a;
		id->vmx = (c & CPUID_1_ECX_VMX) != 0;
		id->apic = (d & CPUID_1_EDX_APIC) != 0;
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, &a, &b, &c, &d);
			put_reg(id->brand + 16 * i, a);
			put_reg(id->brand + 16 * i + 4, b);
			put_reg(id->brand + 16 * i + 8, c);
			put_reg(id->brand + 16 * i + 12, d);
		}
	}
	if (!id->vmx)
		return;
	/* IA32_FEATURE_CONTROL exists when CPUID reports VMX or SMX (SDM Vol. 4 table 2-2). */
	m->feature_control = rdmsr(MSR_FEATURE_CONTROL);
	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	m->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (m->basic & (1ULL << 55)) { /* A.1: the TRUE_* MSRs exist only then */
		m->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		m->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		m->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		m->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	if (m->procbased & (1ULL << 63)) { /* A.3.3: secondary controls may be 1 */
		m->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if (m->procbased2 & ((1ULL << 33) | (1ULL << 37))) /* A.10: EPT or VPID may be 1 */
			m->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
}

static const char *yn(bool b) { return b ? "yes" : "no"; }

void vmx_report(const struct cpu_ident *id, const struct vmx_msrs *m, struct vmx_caps *c)
{
	vmx_caps_decode(m, c);
	c->preemption_timer_broken = c->preemption_timer && vmx_preemption_timer_broken(id->signature);
	const char *brand = id->brand;
	while (*brand == ' ')
		brand++;
	con_log("cpu: %s family 0x%x model 0x%x stepping %u%s%s\n", id->vendor, id->family, id->model, id->stepping,
	        *brand ? " " : "", brand);
	con_log("cpu: VMX in CPUID: %s\n", yn(id->vmx));
	if (!id->vmx)
		return;
	con_log("cpu: IA32_FEATURE_CONTROL=0x%llx lock=%u vmx_outside_smx=%u\n", (unsigned long long)m->feature_control,
	        c->fc_locked, c->fc_vmx_outside_smx);
	con_log("vmx: revision 0x%x, VMCS %u bytes, true controls: %s\n", c->revision, c->vmcs_size, yn(c->true_ctls));
	con_log("vmx: EPT: %s (4-level: %s, WB: %s, 2M: %s, 1G: %s), unrestricted guest: %s, VPID: %s, "
	        "preemption timer: %s (TSC/2^%u)\n",
	        yn(c->ept), yn(c->ept_4level), yn(c->ept_wb), yn(c->ept_2m), yn(c->ept_1g), yn(c->unrestricted),
	        yn(c->vpid), yn(c->preemption_timer), c->preemption_timer_shift);
	con_log("vmx: HLT activity state: %s, EFER.LMA stored on exit: %s, INVEPT: %s, INVVPID: %s, virtual NMIs: %s, "
	        "preemption timer on the errata list: %s\n",
	        yn(c->hlt_state), yn(c->lma_stored), yn(c->invept), yn(c->invvpid), yn(c->virtual_nmis),
	        yn(c->preemption_timer_broken));
	if (c->preemption_timer_broken)
		con_log("vmx: this CPU model's preemption timer does not count at the stated rate (Intel errata, e.g. "
		        "AAK139, BA86): it is armed for 1 ms at most, and device deadlines are checked against the TSC\n");
}
