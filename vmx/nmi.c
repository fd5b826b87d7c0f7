/* Host NMIs reflected into the guest (nmi.h; Intel SDM Vol. 3C 25.6.1, 26.7.6, 27.6.1). */
#include "nmi.h"
#include "vcpu_sync.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "../dispatcher/interrupts.h"

#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK 0x7U
#define NMI_VECTOR 2
#define NMI_BLOCKERS (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_STI)

static bool can_reflect(const struct vmx_cpu *c)
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
	c->nmi.in_guest++;
	if (!can_reflect(c))
		c->nmi.dropped++;
	else
		c->nmi.pending = true;
}

void vmx_nmi_deliver(struct vmx_cpu *c, struct vcpu *v)
{
	if (!c->nmi.pending) {
		set_nmi_window(c, false);
		return;
	}
	/* An event already set up for this entry goes first; the window exit follows its delivery. */
	if (v->inject.pending || (vmx_guest_interruptibility(c) & NMI_BLOCKERS)) {
		set_nmi_window(c, true);
		return;
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((u32)VCPU_EVENT_NMI << INTR_INFO_TYPE_SHIFT) | NMI_VECTOR);
	vmx_set_activity(c, VMX_ACTIVITY_ACTIVE); /* an NMI wakes a halted guest */
	v->halted = false;
	v->inject.pending = true; /* the PIC's interrupt waits for its window */
	c->nmi.pending = false;
	c->nmi.reflected++;
	set_nmi_window(c, false);
}
