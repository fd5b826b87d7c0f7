/*
 * The entry-failure report: one set of [hv] lines enough to diagnose "VM-instruction error 7" on
 * a CPU nobody here has. VM entry checks the controls against the capability MSRs (SDM Vol. 3C
 * 27.2.1), the host state (27.2.2) and the guest state (27.3.1); failing the first two is
 * VMfailValid with error 7 or 8 (31.4), failing the guest checks is a VM exit with bit 31 of the
 * exit reason set and the qualification saying which (27.8).
 */
#include "diag.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "vmx_errors.h"
#include "../arch/console.h"

#define ENTRY_FAIL_INVALID 1
#define ENTRY_FAIL_VALID 2
#define EXIT_REASON_BASIC_MASK 0xffffULL

/* Every VM-execution, VM-exit and VM-entry control field microhv writes (SDM Vol. 3C 25.6-25.8). */
static const u64 control_fields[] = {
	VMCS_PIN_CONTROLS, VMCS_PROC_CONTROLS, VMCS_PROC2_CONTROLS, VMCS_EXIT_CONTROLS, VMCS_ENTRY_CONTROLS,
	VMCS_EXCEPTION_BITMAP, VMCS_PF_ERROR_MASK, VMCS_PF_ERROR_MATCH, VMCS_CR3_TARGET_COUNT,
	VMCS_EXIT_MSR_STORE_COUNT, VMCS_EXIT_MSR_LOAD_COUNT, VMCS_ENTRY_MSR_LOAD_COUNT, VMCS_ENTRY_INTR_INFO,
	VMCS_ENTRY_EXCEPTION_ERROR, VMCS_ENTRY_INSTR_LEN, VMCS_IO_BITMAP_A, VMCS_IO_BITMAP_B, VMCS_MSR_BITMAP,
	VMCS_EPT_POINTER, VMCS_VPID, VMCS_CR0_MASK, VMCS_CR4_MASK, VMCS_CR0_SHADOW, VMCS_CR4_SHADOW,
	VMCS_PREEMPTION_TIMER, VMCS_LINK_POINTER, VMCS_GUEST_ACTIVITY_STATE, VMCS_GUEST_INTERRUPTIBILITY,
};

static void print_msrs(const struct vmx_msrs *m)
{
	static const struct {
		const char *name;
		size_t off;
	} msrs[] = {
#define M(n, f) {n, offsetof(struct vmx_msrs, f)}
		M("IA32_FEATURE_CONTROL", feature_control), M("IA32_VMX_BASIC", basic),
		M("IA32_VMX_PINBASED_CTLS", pinbased), M("IA32_VMX_PROCBASED_CTLS", procbased),
		M("IA32_VMX_EXIT_CTLS", exit), M("IA32_VMX_ENTRY_CTLS", entry), M("IA32_VMX_MISC", misc),
		M("IA32_VMX_CR0_FIXED0", cr0_fixed0), M("IA32_VMX_CR0_FIXED1", cr0_fixed1),
		M("IA32_VMX_CR4_FIXED0", cr4_fixed0), M("IA32_VMX_CR4_FIXED1", cr4_fixed1),
		M("IA32_VMX_PROCBASED_CTLS2", procbased2), M("IA32_VMX_EPT_VPID_CAP", ept_vpid_cap),
		M("IA32_VMX_TRUE_PINBASED_CTLS", true_pinbased), M("IA32_VMX_TRUE_PROCBASED_CTLS", true_procbased),
		M("IA32_VMX_TRUE_EXIT_CTLS", true_exit), M("IA32_VMX_TRUE_ENTRY_CTLS", true_entry),
#undef M
	};
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++)
		con_log("  msr %-28s 0x%016llx\n", msrs[i].name,
		        (unsigned long long)*(const u64 *)((const char *)m + msrs[i].off));
}

void vmx_report_entry_failure(const struct vmx_cpu *c, int rc)
{
	u64 v;
	if (rc == ENTRY_FAIL_INVALID) {
		con_log("VM entry failed: VMfailInvalid (no current VMCS)\n");
	} else if (rc == ENTRY_FAIL_VALID) {
		u32 e = vmcs_try_read(VMCS_VM_INSTRUCTION_ERROR, &v) ? 0 : (u32)v;
		con_log("VM entry failed: VM-instruction error %u (%s)\n", e, vm_instruction_error_name(e));
	} else {
		u64 reason = 0, qual = 0;
		(void)vmcs_try_read(VMCS_EXIT_REASON, &reason);
		(void)vmcs_try_read(VMCS_EXIT_QUALIFICATION, &qual);
		con_log("VM entry failed: exit reason 0x%llx (basic %llu), exit qualification 0x%llx\n",
		        (unsigned long long)reason, (unsigned long long)(reason & EXIT_REASON_BASIC_MASK), (unsigned long long)qual);
	}
	for (size_t i = 0; rc != ENTRY_FAIL_INVALID && i < ARRAY_SIZE(control_fields); i++) {
		if (i == 0)
			con_log("control fields as the VMCS holds them:\n");
		const char *name = vmcs_field_name(control_fields[i]);
		if (vmcs_try_read(control_fields[i], &v))
			con_log("  %-28s unreadable\n", name);
		else
			con_log("  %-28s 0x%llx\n", name, (unsigned long long)v);
	}
	con_log("capability MSRs:\n");
	print_msrs(&c->msrs);
}
