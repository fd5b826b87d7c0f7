/*
 * The VMX controls microhv runs its guest with, computed from the capability MSRs
 * (Intel SDM Vol. 3D Appendix A.2-A.5; Vol. 3C 27.2.1 "Checks on VMX Controls" says
 * VM entry fails when a control violates them). Pure C: the unit tests feed it the MSR
 * values read on the Bochs CPU models.
 */
#ifndef VMX_CONTROLS_H
#define VMX_CONTROLS_H

#include "caps.h"

/* Pin-based VM-execution controls (SDM Vol. 3C 25.6.1, table 25-5). */
#define VMX_PIN_EXT_INT_EXITING (1u << 0)
#define VMX_PIN_NMI_EXITING (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER (1u << 6)
#define VMX_PIN_POSTED_INTERRUPTS (1u << 7)

/* Primary processor-based VM-execution controls (SDM Vol. 3C 25.6.2, table 25-6). */
#define VMX_PROC_INTERRUPT_WINDOW_EXITING (1u << 2)
#define VMX_PROC_TSC_OFFSETTING (1u << 3)
#define VMX_PROC_HLT_EXITING (1u << 7)
#define VMX_PROC_INVLPG_EXITING (1u << 9)
#define VMX_PROC_MWAIT_EXITING (1u << 10)
#define VMX_PROC_RDPMC_EXITING (1u << 11)
#define VMX_PROC_RDTSC_EXITING (1u << 12)
#define VMX_PROC_CR3_LOAD_EXITING (1u << 15)
#define VMX_PROC_CR3_STORE_EXITING (1u << 16)
#define VMX_PROC_TERTIARY_CONTROLS (1u << 17)
#define VMX_PROC_CR8_LOAD_EXITING (1u << 19)
#define VMX_PROC_CR8_STORE_EXITING (1u << 20)
#define VMX_PROC_TPR_SHADOW (1u << 21)
#define VMX_PROC_NMI_WINDOW_EXITING (1u << 22)
#define VMX_PROC_MOV_DR_EXITING (1u << 23)
#define VMX_PROC_UNCOND_IO_EXITING (1u << 24)
#define VMX_PROC_IO_BITMAPS (1u << 25)
#define VMX_PROC_MONITOR_TRAP_FLAG (1u << 27)
#define VMX_PROC_MSR_BITMAPS (1u << 28)
#define VMX_PROC_MONITOR_EXITING (1u << 29)
#define VMX_PROC_PAUSE_EXITING (1u << 30)
#define VMX_PROC_SECONDARY_CONTROLS (1u << 31)

/* Secondary processor-based VM-execution controls (SDM Vol. 3C 25.6.2, table 25-7). */
#define VMX_PROC2_VIRT_APIC_ACCESSES (1u << 0)
#define VMX_PROC2_EPT (1u << 1)
#define VMX_PROC2_DESC_TABLE_EXITING (1u << 2)
#define VMX_PROC2_RDTSCP (1u << 3)
#define VMX_PROC2_VIRT_X2APIC (1u << 4)
#define VMX_PROC2_VPID (1u << 5)
#define VMX_PROC2_WBINVD_EXITING (1u << 6)
#define VMX_PROC2_UNRESTRICTED_GUEST (1u << 7)
#define VMX_PROC2_APIC_REG_VIRT (1u << 8)
#define VMX_PROC2_VIRT_INT_DELIVERY (1u << 9)
#define VMX_PROC2_PAUSE_LOOP_EXITING (1u << 10)
#define VMX_PROC2_RDRAND_EXITING (1u << 11)
#define VMX_PROC2_INVPCID (1u << 12)
#define VMX_PROC2_VMFUNC (1u << 13)
#define VMX_PROC2_VMCS_SHADOWING (1u << 14)
#define VMX_PROC2_ENCLS_EXITING (1u << 15)
#define VMX_PROC2_RDSEED_EXITING (1u << 16)
#define VMX_PROC2_PML (1u << 17)
#define VMX_PROC2_EPT_VE (1u << 18)
#define VMX_PROC2_CONCEAL_VMX_FROM_PT (1u << 19)
#define VMX_PROC2_XSAVES (1u << 20)
#define VMX_PROC2_TSC_SCALING (1u << 25)
#define VMX_PROC2_USER_WAIT_PAUSE (1u << 26) /* 0: TPAUSE, UMONITOR, UMWAIT are #UD (SDM Vol. 3C 26.3) */

/* Primary VM-exit controls (SDM Vol. 3C 25.7.1, table 25-13). */
#define VMX_EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define VMX_EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define VMX_EXIT_LOAD_PERF_GLOBAL_CTRL (1u << 12)
#define VMX_EXIT_ACK_INTERRUPT (1u << 15)
#define VMX_EXIT_SAVE_PAT (1u << 18)
#define VMX_EXIT_LOAD_PAT (1u << 19)
#define VMX_EXIT_SAVE_EFER (1u << 20)
#define VMX_EXIT_LOAD_EFER (1u << 21)
#define VMX_EXIT_SAVE_PREEMPTION_TIMER (1u << 22)
#define VMX_EXIT_CLEAR_BNDCFGS (1u << 23)
#define VMX_EXIT_LOAD_CET_STATE (1u << 28)

/* VM-entry controls (SDM Vol. 3C 25.8.1, table 25-15). */
#define VMX_ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define VMX_ENTRY_IA32E_MODE_GUEST (1u << 9)
#define VMX_ENTRY_TO_SMM (1u << 10)
#define VMX_ENTRY_DEACT_DUAL_MONITOR (1u << 11)
#define VMX_ENTRY_LOAD_PERF_GLOBAL_CTRL (1u << 13)
#define VMX_ENTRY_LOAD_PAT (1u << 14)
#define VMX_ENTRY_LOAD_EFER (1u << 15)
#define VMX_ENTRY_LOAD_BNDCFGS (1u << 16)
#define VMX_ENTRY_LOAD_CET_STATE (1u << 20)

/* IA32_VMX_BASIC bit 55: the TRUE_* control MSRs exist (SDM Vol. 3D A.1). */
#define VMX_BASIC_TRUE_CTLS (1ULL << 55)

struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
};

/*
 * One control field from its capability MSR (SDM Vol. 3D A.3-A.5): bits 31:0 are the
 * allowed-0 settings (a 1 there means the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there means the control must be 0). *out = must-be-one | required |
 * (optional & allowed-1); every other control is 0. Returns 0, or -1 with *missing set to
 * the bits that must be 1 (required, or must-be-one) but are not allowed to be 1.
 */
int vmx_ctl_adjust(u64 cap_msr, u32 required, u32 optional, u32 *out, u32 *missing);

/*
 * All five control fields. Uses the TRUE_* MSRs when IA32_VMX_BASIC bit 55 says they
 * exist, so default1 controls microhv does not want (CR3-load/store exiting) can be 0.
 * VM-entry "IA-32e mode guest" is left 0: it follows the guest's EFER.LMA at run time.
 * Returns 0, or -1 with err naming every control that cannot be set, e.g.
 * `cannot set secondary control "unrestricted guest" (bit 7)` (truncated to errlen).
 */
int vmx_compute_controls(const struct vmx_msrs *m, struct vmx_controls *out, char *err, size_t errlen);
/*
 * The same, with the VMX-preemption timer only where preemption_timer is true and the CPU
 * allows it (vmx_compute_controls passes true). Without it the pin-based control and the
 * VM-exit control "save VMX-preemption timer value" are 0 (27.2.1.2 forbids the second without
 * the first), and the run loop bounds guest execution with the host's LAPIC timer (timer.h).
 */
int vmx_compute_controls_timer(const struct vmx_msrs *m, bool preemption_timer, struct vmx_controls *out, char *err,
                               size_t errlen);

/*
 * CR0/CR4 under VMX (SDM Vol. 3D A.7, A.8): a bit set in FIXED0 must be 1, a bit clear in
 * FIXED1 must be 0. With "unrestricted guest", the caller drops CR0.PE and CR0.PG from
 * fixed0 for the guest's CR0 (SDM Vol. 3C 27.3.1.1).
 */
u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1);

#endif
