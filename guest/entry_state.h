/*
 * The vCPU state a guest starts in. The structure itself, struct guest_entry_state, lives in
 * dispatcher/vcpu/vcpu_state.h, below both guest/ and vmx/, so that vmx/ can copy it into the VMCS
 * without including a header of a layer above it (DESIGN.md section 2).
 */
#ifndef GUEST_ENTRY_STATE_H
#define GUEST_ENTRY_STATE_H

#include "../dispatcher/vcpu/vcpu_state.h"

#endif
