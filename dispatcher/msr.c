/* MSR policy tables; see msr.h. */
#include "msr.h"

const u32 msr_passthrough[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
	MSR_FMASK, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};
const u32 msr_passthrough_count = sizeof(msr_passthrough) / sizeof(msr_passthrough[0]);

bool msr_pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

#define MTRR_DEF_TYPE_MASK 0xffULL
#define MTRR_DEF_TYPE_FE (1ULL << 10)
#define MTRR_DEF_TYPE_E (1ULL << 11)

bool msr_mtrr_def_type_valid(u64 value)
{
	u64 t = value & MTRR_DEF_TYPE_MASK;
	if (value & ~(MTRR_DEF_TYPE_MASK | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E))
		return false;
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6; /* 2, 3 reserved; 7 (UC-) is PAT only */
}
