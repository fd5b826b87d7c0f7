/* struct vcpu over the VMCS: the read at a VM exit, the write-back before the next entry. */
#ifndef VMX_VCPU_SYNC_H
#define VMX_VCPU_SYNC_H

#include "vmx.h"

/* Guest activity states (SDM Vol. 3C 25.4.2, table 25-3). */
#define VMX_ACTIVITY_ACTIVE 0
#define VMX_ACTIVITY_HLT 1
#define VMX_ACTIVITY_UNKNOWN 0xffffffffu /* not known: the next vmx_set_activity writes */

/* Reads the exit reason and what this exit's handler needs (exit_needs.h) into v. */
void vmx_load_vcpu(struct vmx_cpu *c, struct vcpu *v, bool trace);
/* Writes back what the dispatcher changed (v->dirty), the event to inject, the activity state. */
void vmx_store_vcpu(struct vmx_cpu *c, struct vcpu *v);
/* Reads segment s from the VMCS: the vcpu_platform's load_seg. */
void vmx_load_seg(struct vcpu *v, enum vcpu_seg s);
/* The guest's interruptibility state and RFLAGS, read from the VMCS once per exit at most. */
u32 vmx_guest_interruptibility(struct vmx_cpu *c);
u64 vmx_guest_rflags(struct vmx_cpu *c, struct vcpu *v);
/* Writes the activity state when it differs from what the VMCS holds. */
void vmx_set_activity(struct vmx_cpu *c, u32 state);

#endif
