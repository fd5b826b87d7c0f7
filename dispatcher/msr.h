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

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

extern const u32 msr_passthrough[];
extern const u32 msr_passthrough_count;

/* PAT entries may hold only the memory types 0, 1, 4, 5, 6, 7 (SDM Vol. 3A 13.12.2). */
bool msr_pat_valid(u64 pat);
/* IA32_MTRR_DEF_TYPE: an MTRR memory type (0, 1, 4, 5, 6) in bits 7:0, FE and E in bits 10 and
 * 11, every other bit reserved (SDM Vol. 3A 13.11.1, 13.11.2.1). */
bool msr_mtrr_def_type_valid(u64 value);

#endif
