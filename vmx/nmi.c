/* Host NMIs reflected into the guest (nmi.h; Intel SDM Vol. 3C 25.6.1, 26.7.6, 27.6.1), the
 * choices made by nmi_policy.c. */
#include "nmi.h"
#include "vcpu_sync.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "../arch/exceptions.h"
#include "../dispatcher/interrupts.h"

#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK 0x7U
#define NMI_VECTOR 2

bool vmx_nmi_can_reflect(const struct vmx_cpu *c)
{
	return (c->ctl.pin & VMX_PIN_VIRTUAL_NMIS) && c->caps.nmi_window;
}

void vmx_write_proc_controls(struct vmx_cpu *c)
{
	u32 proc = c->ctl.proc;
	if (c->window_on)
		proc |= VMX_PROC_INTERRUPT_WINDOW_EXITING;
	if (c->nmi_window_on)
		proc |= VMX_PROC_NMI_WINDOW_EXITING;
	vmcs_write(VMCS_PROC_CONTROLS, proc);
}

static void set_nmi_window(struct vmx_cpu *c, bool on)
{
	if (c->nmi_window_on == on)
		return;
	c->nmi_window_on = on;
	vmx_write_proc_controls(c);
}

void vmx_nmi_exit(struct vmx_cpu *c, const struct vcpu *v)
{
	u32 info = v->exit.intr_info;
	if (v->exit.reason != EXIT_REASON_EXCEPTION_NMI || !(info & INTR_INFO_VALID) ||
	    ((info >> INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK) != VCPU_EVENT_NMI)
		return;
	nmi_arrive(&c->nmi, NMI_IN_GUEST, 1, vmx_nmi_can_reflect(c));
}

void vmx_nmi_root_poll(struct vmx_cpu *c, bool guest_started)
{
	u64 now = exc_root_nmi_count();
	u64 n = now - c->nmi.root_seen;
	c->nmi.root_seen = now;
	/* before the guest's first instruction it has no NMI handler: an NMI then is the host's */
	nmi_arrive(&c->nmi, NMI_IN_ROOT, n, guest_started && vmx_nmi_can_reflect(c));
}

void vmx_nmi_deliver(struct vmx_cpu *c, struct vcpu *v)
{
	u32 intr = c->nmi.pending && !v->inject.pending ? vmx_guest_interruptibility(c) : 0;
	enum nmi_action a = nmi_decide(&c->nmi, v->inject.pending, intr);
	/* An event already set up for this entry goes first; the window exit follows its delivery. */
	set_nmi_window(c, a == NMI_WINDOW);
	if (a != NMI_INJECT)
		return;
	vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((u32)VCPU_EVENT_NMI << INTR_INFO_TYPE_SHIFT) | NMI_VECTOR);
	vmx_set_activity(c, VMX_ACTIVITY_ACTIVE); /* an NMI wakes a halted guest */
	v->halted = false;
	v->inject.pending = true; /* the PIC's interrupt waits for its window */
	nmi_injected(&c->nmi);
}
