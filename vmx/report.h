/* Reads the CPU's identity and VMX capability MSRs and reports them (core and UEFI loader). */
#ifndef VMX_REPORT_H
#define VMX_REPORT_H

#include "caps.h"

/* Reads CPUID and, only where CPUID says they exist, the VMX MSRs (no #GP on AMD). */
void vmx_probe(struct cpu_ident *id, struct vmx_msrs *m);
/* Prints the CPU line and, with VMX, the capability summary; returns the decoded caps. */
void vmx_report(const struct cpu_ident *id, const struct vmx_msrs *m, struct vmx_caps *c);

#endif
