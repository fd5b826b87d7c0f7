/* What a user reports when VM entry fails on their CPU (run.c). */
#ifndef VMX_DIAG_H
#define VMX_DIAG_H

#include "vmx.h"

/*
 * VM entry failed: rc from vmx_enter (1 VMfailInvalid, 2 VMfailValid), or 0 for a VM exit with
 * the entry-failure bit (SDM Vol. 3C 27.8: basic reason 33, 34 or 41 and an exit qualification).
 * Prints the VM-instruction error by name, the exit reason and qualification, every control
 * field as the VMCS holds it, and the raw capability MSRs, as [hv] lines.
 */
void vmx_report_entry_failure(const struct vmx_cpu *c, int rc);

#endif
