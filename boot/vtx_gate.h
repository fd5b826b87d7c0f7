/*
 * The VT-x gate: whether microhv can run a guest on this CPU, from CPUID and the capability
 * MSRs alone. The same code runs in the UEFI loader, while the firmware's console still shows
 * what it says, and in the core (for GRUB, and as a check of the loader's word). Pure C over
 * vmx/caps.c and vmx/controls.c; host-tested.
 */
#ifndef BOOT_VTX_GATE_H
#define BOOT_VTX_GATE_H

#include "../vmx/caps.h"

#define VTX_GATE_MSG_MAX 256

/*
 * HV_EXIT_OK, HV_EXIT_NO_VTX (no VMX, or VMX locked off in IA32_FEATURE_CONTROL) or
 * HV_EXIT_VTX_UNUSABLE (a required feature missing, or a VM-execution, exit or entry control
 * microhv needs that the capability MSRs do not allow). msg is the line to print, without
 * "[hv] ": "VT-x usable: ...", "VT-x not available: WHY" or "VT-x not usable: WHAT".
 */
int vtx_gate(const struct cpu_ident *id, const struct vmx_msrs *m, const struct vmx_caps *c, char *msg, size_t len);

#endif
