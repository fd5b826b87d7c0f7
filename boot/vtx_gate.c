/* The VT-x gate; see vtx_gate.h. */
#include "vtx_gate.h"
#include "../arch/printf.h"
#include "../arch/shutdown.h"
#include "../vmx/controls.h"

int vtx_gate(const struct cpu_ident *id, const struct vmx_msrs *m, const struct vmx_caps *c, char *msg, size_t len)
{
	const char *why = vmx_unavailable_reason(id, c);
	if (why) {
		fmt_snprintf(msg, len, "VT-x not available: %s", why);
		return HV_EXIT_NO_VTX;
	}
	const char *missing = vmx_missing_feature(c);
	if (missing) {
		fmt_snprintf(msg, len, "VT-x not usable: %s", missing);
		return HV_EXIT_VTX_UNUSABLE;
	}
	if (!c->preemption_timer && !id->apic) {
		fmt_snprintf(msg, len, "VT-x not usable: no VMX-preemption timer and no local APIC timer to stand in");
		return HV_EXIT_VTX_UNUSABLE;
	}
	/* the controls the VMCS will get (SDM Vol. 3D A.3-A.5): VM entry would fail without them */
	struct vmx_controls ctl;
	char err[VTX_GATE_MSG_MAX];
	if (vmx_compute_controls(m, &ctl, err, sizeof(err))) {
		fmt_snprintf(msg, len, "VT-x not usable: %s", err);
		return HV_EXIT_VTX_UNUSABLE;
	}
	fmt_snprintf(msg, len, "VT-x usable: EPT, unrestricted guest and %s",
	             c->preemption_timer ? "the preemption timer are present"
	                                 : "no preemption timer (the local APIC timer stands in)");
	return HV_EXIT_OK;
}
