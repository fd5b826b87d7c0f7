/* CPUID, RDMSR/WRMSR and XSETBV exits (Intel SDM Vol. 3C 26.1.2 and 26.1.3 list when they exit). */
#include "dispatch.h"
#include "cpuid.h"
#include "msr.h"
#include "../arch/console.h"
#include "../arch/x86.h"

#define XCR0_X87 (1ULL << 0)
#define XCR0_SSE (1ULL << 1)
#define XCR0_AVX (1ULL << 2)
#define XCR0_MPX (3ULL << 3)      /* BNDREGS, BNDCSR */
#define XCR0_AVX512 (7ULL << 5)   /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_AMX (3ULL << 17)     /* XTILECFG, XTILEDATA */
#define CPUID_XSAVE_LEAF 0xd
#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define MISC_ENABLE_FAST_STRINGS (1ULL << 0)
#define FEATURE_CONTROL_LOCKED 1ULL /* locked, VMX off: no nested VMX */

static void set_edx_eax(struct vcpu *v, u64 value)
{
	vcpu_set_reg(v, VCPU_RAX, value & 0xffffffffULL);
	vcpu_set_reg(v, VCPU_RDX, value >> 32);
}

void handle_cpuid(struct dispatcher *d, struct vcpu *v)
{
	u32 regs[4];
	u32 leaf = (u32)v->gpr[VCPU_RAX], sub = (u32)v->gpr[VCPU_RCX];
	v->plat->host_cpuid(leaf, sub, regs);
	cpuid_filter(leaf, sub, regs);
	/* the host's CPUID reports the host's CR4.OSXSAVE/PKE; the guest must see its own */
	cpuid_reflect_guest_cr4(leaf, sub, regs, v->cr4);
	cpuid_reflect_user_wait(leaf, sub, regs, d->cfg.user_wait_pause);
	vcpu_set_reg(v, VCPU_RAX, regs[0]);
	vcpu_set_reg(v, VCPU_RBX, regs[1]);
	vcpu_set_reg(v, VCPU_RCX, regs[2]);
	vcpu_set_reg(v, VCPU_RDX, regs[3]);
	vcpu_skip_instruction(v);
}

void handle_rdmsr(struct dispatcher *d, struct vcpu *v)
{
	u32 msr = (u32)v->gpr[VCPU_RCX];
	u64 value;
	switch (msr) {
	case MSR_EFER: value = v->efer; break;
	case MSR_TSC: value = v->plat->now_tsc(); break;
	case MSR_PAT: value = d->pat; break;
	case MSR_MTRR_DEF_TYPE: value = d->mtrr_def_type; break;
	case MSR_MTRRCAP: value = 0; break; /* no variable or fixed MTRRs: all of guest RAM is WB */
	case MSR_MISC_ENABLE: value = MISC_ENABLE_FAST_STRINGS; break;
	case MSR_FEATURE_CONTROL: value = FEATURE_CONTROL_LOCKED; break;
	case MSR_PLATFORM_ID:
	case MSR_BIOS_SIGN_ID: value = 0; break;
	default:
		vcpu_inject_gp(v, 0); /* an MSR this virtual CPU does not have */
		return;
	}
	set_edx_eax(v, value);
	vcpu_skip_instruction(v);
}

/* EFER writes: reserved bits fault; LME may not change while paging is on (SDM Vol. 3A 10.8.5). */
static bool write_efer(struct vcpu *v, u64 value)
{
	if (value & ~(EFER_WRITABLE | EFER_LMA))
		return false;
	if ((v->cr0 & CR0_PG) && ((value ^ v->efer) & EFER_LME))
		return false;
	v->efer = (value & EFER_WRITABLE) | (v->efer & EFER_LMA); /* LMA is the processor's to set */
	v->dirty |= VCPU_DIRTY_EFER;
	return true;
}

void handle_wrmsr(struct dispatcher *d, struct vcpu *v)
{
	u32 msr = (u32)v->gpr[VCPU_RCX];
	u64 value = (v->gpr[VCPU_RDX] << 32) | (v->gpr[VCPU_RAX] & 0xffffffffULL);
	bool ok = true;
	switch (msr) {
	case MSR_EFER: ok = write_efer(v, value); break;
	case MSR_PAT: ok = msr_pat_valid(value); if (ok) d->pat = value; break;
	case MSR_MTRR_DEF_TYPE: ok = msr_mtrr_def_type_valid(value); if (ok) d->mtrr_def_type = value; break;
	case MSR_TSC:           /* the guest's clock is the host TSC: writes are dropped */
	case MSR_MISC_ENABLE:
	case MSR_BIOS_SIGN_ID: break; /* microcode update signature: nothing to update */
	default: ok = false; break;
	}
	if (!ok) {
		vcpu_inject_gp(v, 0);
		return;
	}
	vcpu_skip_instruction(v);
}

/* A group of XCR0 bits that must be all set or all clear (SDM Vol. 1 13.3). */
static bool all_or_none(u64 value, u64 group) { return (value & group) == 0 || (value & group) == group; }

/* XSETBV (SDM Vol. 2D; XCR0 rules: Vol. 1 13.3): #GP at CPL > 0, for ECX != 0, x87 off, AVX
 * without SSE, unsupported bits, half of MPX or AMX, part of AVX-512 or AVX-512 without AVX.
 * The host executes the guest's value, so whatever would fault must be refused here. */
void handle_xsetbv(struct dispatcher *d, struct vcpu *v)
{
	u64 value = (v->gpr[VCPU_RDX] << 32) | (v->gpr[VCPU_RAX] & 0xffffffffULL);
	u32 regs[4];
	v->plat->host_cpuid(CPUID_XSAVE_LEAF, 0, regs);
	u64 supported = ((u64)regs[3] << 32) | regs[0];
	bool ok = v->cpl == 0 && (u32)v->gpr[VCPU_RCX] == 0 && (value & XCR0_X87) && !(value & ~supported) &&
	          !((value & XCR0_AVX) && !(value & XCR0_SSE)) && all_or_none(value, XCR0_MPX) &&
	          all_or_none(value, XCR0_AVX512) && !((value & XCR0_AVX512) && !(value & XCR0_AVX)) &&
	          all_or_none(value, XCR0_AMX);
	if (!ok || v->plat->host_xsetbv(0, value)) {
		vcpu_inject_gp(v, 0);
		return;
	}
	vcpu_skip_instruction(v);
}
