/* Checked VMREAD/VMWRITE (Intel SDM Vol. 3C 32.2 "Conventions", 31.4 error numbers). */
#include "vmcs.h"
#include "vmcs_fields.h"
#include "vmx_errors.h"
#include "../arch/exceptions.h"

struct vmcs_counts vmcs_counts;

/* VMfailInvalid sets CF, VMfailValid sets ZF: "setbe" catches both (SDM Vol. 3C 32.2). */
static int raw_read(u64 field, u64 *value)
{
	u8 fail;
	__asm__ volatile("vmread %2, %1; setbe %0" : "=q"(fail), "=rm"(*value) : "r"(field) : "cc");
	return fail ? -1 : 0;
}

static int raw_write(u64 field, u64 value)
{
	u8 fail;
	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=q"(fail) : "r"(field), "rm"(value) : "cc");
	return fail ? -1 : 0;
}

/* The one error path: which instruction, which field, what the processor said; then the panic
 * code. With no current VMCS (VMfailInvalid) the error field itself cannot be read. */
__attribute__((noreturn, cold)) static void access_failed(const char *op, u64 field)
{
	const char *name = vmcs_field_name(field);
	u64 err;
	if (raw_read(VMCS_VM_INSTRUCTION_ERROR, &err))
		hv_panic("%s of VMCS field %s (0x%llx) failed: VMfailInvalid (no current VMCS)", op, name ? name : "?",
		         (unsigned long long)field);
	hv_panic("%s of VMCS field %s (0x%llx) failed: VM-instruction error %llu (%s)", op, name ? name : "?",
	         (unsigned long long)field, (unsigned long long)err, vm_instruction_error_name((u32)err));
}

u64 vmcs_read(u64 field)
{
	u64 v;
	vmcs_counts.reads++;
	if (raw_read(field, &v))
		access_failed("VMREAD", field);
	return v;
}

void vmcs_write(u64 field, u64 value)
{
	vmcs_counts.writes++;
	if (raw_write(field, value))
		access_failed("VMWRITE", field);
}

void vmcs_count_write(void) { vmcs_counts.writes++; }

int vmcs_try_read(u64 field, u64 *value)
{
	vmcs_counts.reads++;
	return raw_read(field, value);
}

static void inv_failed(const char *op, u64 type)
{
	u64 err;
	if (raw_read(VMCS_VM_INSTRUCTION_ERROR, &err))
		hv_panic("%s type %llu failed: VMfailInvalid", op, (unsigned long long)type);
	hv_panic("%s type %llu failed: VM-instruction error %llu (%s)", op, (unsigned long long)type,
	         (unsigned long long)err, vm_instruction_error_name((u32)err));
}

/* The 128-bit descriptors: EPTP and a reserved quadword; VPID in bits 15:0 and a linear
 * address (SDM Vol. 3C 32.3, figures "INVEPT Descriptor", "INVVPID Descriptor"). */
void vmx_invept(u64 type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = {eptp, 0};
	u8 fail;
	__asm__ volatile("invept %1, %2; setbe %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (fail)
		inv_failed("INVEPT", type);
}

void vmx_invvpid(u64 type, u16 vpid)
{
	struct { u64 vpid, linear; } desc = {vpid, 0};
	u8 fail;
	__asm__ volatile("invvpid %1, %2; setbe %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (fail)
		inv_failed("INVVPID", type);
}
