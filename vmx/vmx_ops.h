/* VMX instructions (Intel SDM Vol. 3C chapter 32) but VMREAD/VMWRITE/INVEPT/INVVPID, which are
 * checked in vmcs.c. Only vmx/ includes this. */
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

#endif
