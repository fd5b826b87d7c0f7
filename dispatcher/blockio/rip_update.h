/*
 * The instruction-pointer update unit (claims 9, 12, 22, 24): after a block (or
 * a single IO instruction) was emulated, the guest's RIP moves past what was
 * emulated, and the effects of retiring instructions follow: the STI/MOV-SS
 * interrupt shadow ends, RF is cleared and a pending single-step trap is raised
 * (vcpu_retire; vmx/ applies them). Pure C.
 */
#ifndef DISPATCHER_RIP_UPDATE_H
#define DISPATCHER_RIP_UPDATE_H

#include "../vcpu/vcpu.h"

/* Sets RIP to new_rip as the result of emulating one or more instructions. */
void rip_update(struct vcpu *v, u64 new_rip);

#endif
