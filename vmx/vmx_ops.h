/* VMX instructions (Intel SDM Vol. 3C chapter 32). Only vmx/ includes this. */
#ifndef VMX_VMX_OPS_H
#define VMX_VMX_OPS_H

#include "../arch/types.h"

/* VMfailInvalid sets CF, VMfailValid sets ZF (SDM Vol. 3C 32.2 "Conventions"). */
static inline int vmx_on(u64 phys)
{
	u8 fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmcs_clear(u64 phys)
{
	u8 fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmcs_load(u64 phys)
{
	u8 fail;
	__asm__ volatile("vmptrld %1; setbe %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline u64 vmread(u64 field)
{
	u64 v;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

/* Returns -1 when the field does not exist on this processor. */
static inline int vmwrite_checked(u64 field, u64 value)
{
	u8 fail;
	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=q"(fail) : "r"(field), "rm"(value) : "cc");
	return fail ? -1 : 0;
}

static inline void vmwrite(u64 field, u64 value) { (void)vmwrite_checked(field, value); }

/* INVEPT single-context (type 1) (SDM Vol. 3C 32.3 "INVEPT"). */
static inline void invept_single(u64 eptp)
{
	struct { u64 eptp, zero; } desc = {eptp, 0};
	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(1ULL) : "cc", "memory");
}

#endif
