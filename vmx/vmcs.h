/*
 * Checked VMCS access. Every VMREAD and VMWRITE of the hypervisor goes through vmcs_read and
 * vmcs_write: they count what they do (the statistics' vmreads/vmwrites, a cost that matters
 * where each one is an exit to L0, as under nested KVM), and a failed one names the field and
 * the VM-instruction error and ends the run with the panic code. A VMREAD/VMWRITE fails with
 * VMfailInvalid (CF) without a current VMCS, with VMfailValid (ZF) and an error number in the
 * VM-instruction error field otherwise, e.g. 12 for a field this processor lacks (SDM Vol. 3C
 * 32.2 "Conventions", 31.4 "VM Instruction Error Numbers"). Only vmx/ includes this.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "../arch/types.h"

struct vmcs_counts {
	u64 reads, writes;
};

/* VMREADs and VMWRITEs since start: the run loop turns them into per-exit figures. */
extern struct vmcs_counts vmcs_counts;

u64 vmcs_read(u64 field);
void vmcs_write(u64 field, u64 value);
/* The VMWRITE of HOST_RSP done by entry.asm, counted here (it is a VMWRITE like the others). */
void vmcs_count_write(void);

/* VMREAD that reports failure instead of ending the run: for the entry-failure report. */
int vmcs_try_read(u64 field, u64 *value);

/* INVEPT and INVVPID types (SDM Vol. 3C 32.3 "INVEPT", "INVVPID"). */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT 2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT 2
/* Both end the run with the panic code, naming the instruction and type, when they fail. */
void vmx_invept(u64 type, u64 eptp);
void vmx_invvpid(u64 type, u16 vpid);

/* The VMCS field's name ("GUEST_RIP") from vmcs_fields.h, or NULL for one not listed there. */
const char *vmcs_field_name(u64 field);

#endif
