/*
 * What CPUID tells the guest: the host's answer with the features microhv does not
 * virtualize hidden, and a hypervisor leaf (Intel SDM Vol. 2A, CPUID). Pure C.
 */
#ifndef DISPATCHER_CPUID_H
#define DISPATCHER_CPUID_H

#include "../arch/types.h"

/* Indexes into the regs[4] array CPUID works on. */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX, CPUID_NREGS };

#define CPUID_LEAF_FEATURES 0x1
#define CPUID_LEAF_THERMAL_POWER 0x6
#define CPUID_LEAF_EXT_FEATURES 0x7
#define CPUID_LEAF_X2APIC_TOPOLOGY 0xb
#define CPUID_LEAF_V2_TOPOLOGY 0x1f
#define CPUID_LEAF_HV_BASE 0x40000000u /* the range software reserves for hypervisors */
#define CPUID_LEAF_HV_LAST 0x400000ffu

/* CPUID.1 feature bits (SDM Vol. 2A, CPUID, tables 3-10 and 3-11). */
#define CPUID_1_ECX_MONITOR (1u << 3)
#define CPUID_1_ECX_VMX_BIT (1u << 5)
#define CPUID_1_ECX_SMX_BIT (1u << 6)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_EDX_MCE (1u << 7)
#define CPUID_1_EDX_MCA (1u << 14)
#define CPUID_1_EDX_ACPI_THERMAL (1u << 22)
#define CPUID_1_EDX_TM (1u << 29)
#define CPUID_1_ECX_EST (1u << 7)
#define CPUID_1_ECX_TM2 (1u << 8)
#define CPUID_1_ECX_PDCM (1u << 15)
#define CPUID_7_EBX_TSC_ADJUST (1u << 1)
#define CPUID_7_EDX_MD_CLEAR (1u << 10)
#define CPUID_7_EDX_IBRS_IBPB (1u << 26)
#define CPUID_7_EDX_STIBP (1u << 27)
#define CPUID_7_EDX_L1D_FLUSH (1u << 28)
#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)
#define CPUID_7_EDX_CORE_CAPABILITIES (1u << 30)
#define CPUID_7_EDX_SSBD (1u << 31)
#define CPUID_LEAF_PERFMON 0xa
#define CPUID_LEAF_XSAVE 0xd
#define CPUID_D1_EAX_XSAVES (1u << 3)
#define CPUID_7_ECX_OSPKE (1u << 4)
#define CPUID_7_ECX_WAITPKG (1u << 5) /* TPAUSE, UMONITOR, UMWAIT */

/* "microhv" in EBX, ECX, EDX of leaf 0x40000000, NUL padded to 12 bytes. */
#define CPUID_HV_SIGNATURE "microhv"

/* Rewrites regs (EAX, EBX, ECX, EDX as the host's CPUID returned them for leaf/subleaf). */
void cpuid_filter(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS]);
/*
 * WAITPKG only while the VMX control "enable user wait and pause" is set: with it clear, TPAUSE,
 * UMONITOR and UMWAIT are #UD in the guest (SDM Vol. 3C 26.3 "Changes to Instruction Behavior in
 * VMX Non-Root Operation"), and Linux, seeing the bit, uses TPAUSE in its delay loop.
 */
void cpuid_reflect_user_wait(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS], bool user_wait_pause);

/*
 * The bits that mirror control registers (OSXSAVE = CR4.OSXSAVE, OSPKE = CR4.PKE): the
 * host's CPUID reports the host's CR4, the guest must see its own (guest_cr4 is the CR4
 * the guest believes it has, read shadow applied).
 */
void cpuid_reflect_guest_cr4(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS], u64 guest_cr4);

#endif
