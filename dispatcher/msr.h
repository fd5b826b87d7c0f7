/*
 * The guest's MSRs (Intel SDM Vol. 4). Those in msr_passthrough are neither
 * read nor written by the host and are either switched by the VMCS
 * (FS/GS base, SYSENTER) or unused by microhv (SYSCALL MSRs, KERNEL_GS_BASE,
 * TSC_AUX), so the guest reaches them without an exit; every other MSR exits
 * and is emulated or answered with #GP.
 */
#ifndef DISPATCHER_MSR_H
#define DISPATCHER_MSR_H

#include "../arch/types.h"
#include "../arch/x86.h"

extern const u32 msr_passthrough[];
extern const u32 msr_passthrough_count;

/* PAT entries may hold only the memory types 0, 1, 4, 5, 6, 7 (SDM Vol. 3A 13.12.2). */
bool msr_pat_valid(u64 pat);
/* IA32_MTRR_DEF_TYPE: an MTRR memory type (0, 1, 4, 5, 6) in bits 7:0, FE and E in bits 10 and
 * 11, every other bit reserved (SDM Vol. 3A 13.11.1, 13.11.2.1). */
bool msr_mtrr_def_type_valid(u64 value);

#endif
