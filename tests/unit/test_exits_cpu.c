/*
 * dispatcher/exits_cpu.c: CPUID, RDMSR/WRMSR and XSETBV exits. Rules: Intel SDM Vol. 2A CPUID,
 * Vol. 2B RDMSR/WRMSR, Vol. 2D XSETBV, Vol. 3A 13.11 (MTRRs), 13.12 (PAT), 10.8.5 (IA-32e
 * activation), Vol. 1 13.3 (XCR0 rules).
 */
#include "fake_vcpu.h"

#include <string.h>

#include "dispatcher/cpuid.h"
#include "dispatcher/msr.h"

#define V (&fk.v)
#define HI (0xdead000000000000ULL) /* garbage in bits 63:32 that an instruction must ignore */

static void run(u32 reason)
{
	fake_exit(reason, 0, 2);
	dispatch_exit(&fk.d, V);
}

static void cpuid(u64 rax, u64 rcx)
{
	V->gpr[VCPU_RAX] = rax;
	V->gpr[VCPU_RCX] = rcx;
	V->gpr[VCPU_RBX] = ~0ULL;
	V->gpr[VCPU_RDX] = ~0ULL;
	run(EXIT_REASON_CPUID);
	fake_assert_retired(2);
}

static void rdmsr(u64 rcx)
{
	V->gpr[VCPU_RCX] = rcx;
	V->gpr[VCPU_RAX] = ~0ULL;
	V->gpr[VCPU_RDX] = ~0ULL;
	run(EXIT_REASON_RDMSR);
}

static void wrmsr(u64 rcx, u64 value)
{
	V->gpr[VCPU_RCX] = rcx;
	V->gpr[VCPU_RAX] = HI | (value & 0xffffffffULL);
	V->gpr[VCPU_RDX] = HI | (value >> 32);
	run(EXIT_REASON_WRMSR);
}

static u64 edx_eax(void)
{
	assert_int_equal(V->gpr[VCPU_RAX] >> 32, 0);
	assert_int_equal(V->gpr[VCPU_RDX] >> 32, 0);
	return (V->gpr[VCPU_RDX] << 32) | V->gpr[VCPU_RAX];
}

/* Reads msr back through the RDMSR exit. */
static u64 readback(u32 msr)
{
	V->rip = FAKE_RIP;
	V->dirty = 0;
	rdmsr(msr);
	fake_assert_retired(2);
	return edx_eax();
}

/* ---- CPUID ---- */

static void test_cpuid_leaf1_filtered(void **state)
{
	cpuid(0xffffffff00000001ULL, 0);
	assert_int_equal(fk.last_cpuid_leaf, 1);
	u32 ecx = (u32)V->gpr[VCPU_RCX], edx = (u32)V->gpr[VCPU_RDX];
	assert_false(ecx & CPUID_1_ECX_VMX_BIT);
	assert_false(ecx & CPUID_1_ECX_SMX_BIT);
	assert_false(ecx & CPUID_1_ECX_MONITOR);
	assert_false(edx & CPUID_1_EDX_APIC);
	assert_true(ecx & CPUID_1_ECX_HYPERVISOR);
	assert_true(ecx & 1u); /* SSE3 passes */
	assert_int_equal(V->gpr[VCPU_RAX], 0x000906ea);
	/* 32-bit results zero-extend into all four registers */
	assert_int_equal(V->gpr[VCPU_RBX] >> 32, 0);
	assert_int_equal(V->gpr[VCPU_RCX] >> 32, 0);
	assert_int_equal(V->gpr[VCPU_RDX] >> 32, 0);
}

static void test_cpuid_hypervisor_signature(void **state)
{
	cpuid(0x40000000, 0);
	assert_int_equal(V->gpr[VCPU_RAX], 0x40000000);
	char sig[13] = {0};
	u32 r[3] = {(u32)V->gpr[VCPU_RBX], (u32)V->gpr[VCPU_RCX], (u32)V->gpr[VCPU_RDX]};
	memcpy(sig, r, 12);
	assert_memory_equal(sig, "microhv\0\0\0\0\0", 12);
	/* the leaves past it are zero, whatever a hypervisor below answers */
	fake_cpuid_set(0x40000001, 0, true, 1, 2, 3, 4);
	V->rip = FAKE_RIP;
	cpuid(0x40000001, 0);
	assert_int_equal(V->gpr[VCPU_RAX] | V->gpr[VCPU_RBX] | V->gpr[VCPU_RCX] | V->gpr[VCPU_RDX], 0);
}

static void test_cpuid_vendor_and_subleaf(void **state)
{
	cpuid(0, 0);
	assert_int_equal(V->gpr[VCPU_RBX], 0x756e6547);
	assert_int_equal(V->gpr[VCPU_RDX], 0x49656e69);
	assert_int_equal(V->gpr[VCPU_RCX], 0x6c65746e);
	V->rip = FAKE_RIP;
	cpuid(0xd, 0xabcd000000000001ULL); /* the subleaf is ECX, bits 63:32 are not part of it */
	assert_int_equal(fk.last_cpuid_sub, 1);
	assert_int_equal(V->gpr[VCPU_RAX], 0x7); /* the host's 0xf less XSAVES (bit 3), which microhv hides */
}

/* CPUID.1:ECX.OSXSAVE mirrors the CR4.OSXSAVE of whoever executes CPUID: the guest's, not the
 * host's that executed it on the guest's behalf. */
static void test_cpuid_osxsave_reflects_guest_cr4(void **state)
{
	V->cr4 = CR4_PAE;
	cpuid(1, 0);
	assert_false(V->gpr[VCPU_RCX] & CPUID_1_ECX_OSXSAVE);
	V->rip = FAKE_RIP;
	fake_cpuid_set(1, 0, true, 0x000906ea, 0, 1u << 26, 0); /* host without OSXSAVE */
	V->cr4 = CR4_PAE | CR4_OSXSAVE;
	cpuid(1, 0);
	assert_true(V->gpr[VCPU_RCX] & CPUID_1_ECX_OSXSAVE);
}

/* ---- RDMSR ---- */

static void test_rdmsr_efer(void **state)
{
	V->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	rdmsr(0xffffffff00000000ULL | MSR_EFER); /* RCX bits 63:32 are ignored */
	fake_assert_retired(2);
	assert_int_equal(edx_eax(), 0xd01);
}

static void test_rdmsr_tsc_splits_edx_eax(void **state)
{
	fk.tsc = 0x123456789abcdef0ULL;
	rdmsr(MSR_TSC);
	fake_assert_retired(2);
	assert_int_equal(V->gpr[VCPU_RDX], 0x12345678);
	assert_int_equal(V->gpr[VCPU_RAX], 0x9abcdef0);
	assert_int_equal(fk.tsc, 0x123456789abcdef1ULL); /* read once */
}

static void test_rdmsr_fixed_values(void **state)
{
	assert_int_equal(readback(MSR_PAT), 0x0007040600070406ULL);
	assert_int_equal(readback(MSR_MTRR_DEF_TYPE), 0);
	assert_int_equal(readback(MSR_MTRRCAP), 0);
	assert_int_equal(readback(MSR_MISC_ENABLE), 1); /* fast strings */
	assert_int_equal(readback(MSR_FEATURE_CONTROL), 1); /* locked, VMX off */
	assert_int_equal(readback(MSR_PLATFORM_ID), 0);
	assert_int_equal(readback(MSR_BIOS_SIGN_ID), 0);
}

static void test_rdmsr_unknown_is_gp(void **state)
{
	static const u32 msrs[] = {MSR_APIC_BASE, 0x12345678, 0xc0010000, MSR_LSTAR};
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		assert_int_equal(fake_setup(state), 0);
		rdmsr(msrs[i]);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(V->gpr[VCPU_RAX], ~0ULL);
		assert_int_equal(V->gpr[VCPU_RDX], ~0ULL);
	}
}

/* ---- WRMSR ---- */

static void test_wrmsr_efer(void **state)
{
	wrmsr(MSR_EFER, EFER_SCE | EFER_NXE | EFER_LME | EFER_LMA);
	fake_assert_retired(2);
	assert_int_equal(V->efer, EFER_SCE | EFER_NXE | EFER_LME | EFER_LMA);
	assert_true(V->dirty & VCPU_DIRTY_EFER);
}

static void test_wrmsr_efer_reserved_bits_gp(void **state)
{
	static const u64 bad[] = {1ULL << 1, 1ULL << 9, 1ULL << 12, 1ULL << 31, 1ULL << 32, 1ULL << 63};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		u64 before = V->efer;
		wrmsr(MSR_EFER, before | bad[i]);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(V->efer, before);
		assert_false(V->dirty & VCPU_DIRTY_EFER);
	}
}

static void test_wrmsr_efer_lme_change_with_paging_gp(void **state)
{
	/* paging on (the default 64-bit state): clearing LME faults, keeping it does not */
	wrmsr(MSR_EFER, EFER_LMA);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_true(V->efer & EFER_LME);
	/* setting LME under 32-bit paging faults too */
	assert_int_equal(fake_setup(state), 0);
	fake_mode_prot32();
	V->cr0 |= CR0_PG;
	wrmsr(MSR_EFER, EFER_LME);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(V->efer, 0);
}

static void test_wrmsr_efer_lme_without_paging(void **state)
{
	fake_mode_prot32();
	wrmsr(MSR_EFER, EFER_LME);
	fake_assert_retired(2);
	assert_int_equal(V->efer, EFER_LME);
}

/* LMA is the processor's: a write neither sets nor clears it. */
static void test_wrmsr_efer_preserves_lma(void **state)
{
	wrmsr(MSR_EFER, EFER_LME | EFER_SCE);
	fake_assert_retired(2);
	assert_int_equal(V->efer, EFER_LME | EFER_LMA | EFER_SCE);
	assert_int_equal(fake_setup(state), 0);
	fake_mode_prot32();
	wrmsr(MSR_EFER, EFER_LMA | EFER_NXE);
	fake_assert_retired(2);
	assert_int_equal(V->efer, EFER_NXE);
}

static void test_wrmsr_pat_from_edx_eax(void **state)
{
	/* wrmsr() puts garbage in RAX/RDX bits 63:32; only EDX:EAX make the value */
	wrmsr(MSR_PAT, 0x0001050406070001ULL);
	fake_assert_retired(2);
	assert_int_equal(fk.d.pat, 0x0001050406070001ULL);
	assert_int_equal(readback(MSR_PAT), 0x0001050406070001ULL);
}

static void test_wrmsr_pat_invalid_types_gp(void **state)
{
	static const u8 bad[] = {2, 3, 8, 0x10, 0xff};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		for (u32 entry = 0; entry < 8; entry++) {
			assert_int_equal(fake_setup(state), 0);
			u64 pat = 0x0606060606060606ULL & ~(0xffULL << (8 * entry));
			wrmsr(MSR_PAT, pat | ((u64)bad[i] << (8 * entry)));
			fake_assert_fault(X86_EXC_GP, true, 0);
			assert_int_equal(fk.d.pat, 0x0007040600070406ULL);
		}
	}
}

static void test_wrmsr_mtrr_def_type(void **state)
{
	wrmsr(MSR_MTRR_DEF_TYPE, 0xc06); /* E, FE, type WB */
	fake_assert_retired(2);
	assert_int_equal(readback(MSR_MTRR_DEF_TYPE), 0xc06);
	V->rip = FAKE_RIP;
	wrmsr(MSR_MTRR_DEF_TYPE, 0x800); /* E, type UC */
	fake_assert_retired(2);
	assert_int_equal(readback(MSR_MTRR_DEF_TYPE), 0x800);
}

/* IA32_MTRR_DEF_TYPE: bits 7:0 a memory type valid for MTRRs (0, 1, 4, 5, 6), bits 9:8 and
 * 63:12 reserved; WRMSR of anything else is #GP (SDM Vol. 3A 13.11.2.1, 13.11.1). */
static void test_wrmsr_mtrr_def_type_invalid_gp(void **state)
{
	static const u64 bad[] = {0x802, 0x803, 0x807, 0x808, 0x100, 0x200, 0x1000, 1ULL << 32, 1ULL << 63};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		wrmsr(MSR_MTRR_DEF_TYPE, bad[i]);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(fk.d.mtrr_def_type, 0);
	}
}

static void test_wrmsr_dropped_writes(void **state)
{
	static const u32 msrs[] = {MSR_TSC, MSR_MISC_ENABLE, MSR_BIOS_SIGN_ID};
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		assert_int_equal(fake_setup(state), 0);
		fk.tsc = 100;
		wrmsr(msrs[i], 5);
		fake_assert_retired(2);
	}
	assert_int_equal(readback(MSR_TSC), 100);
}

static void test_wrmsr_unknown_is_gp(void **state)
{
	static const u32 msrs[] = {MSR_APIC_BASE, MSR_FEATURE_CONTROL, MSR_MTRRCAP, 0x40000000, MSR_STAR};
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		assert_int_equal(fake_setup(state), 0);
		wrmsr(msrs[i], 0);
		fake_assert_fault(X86_EXC_GP, true, 0);
	}
}

/* ---- XSETBV ---- */

static void xsetbv(u64 rcx, u64 value)
{
	V->gpr[VCPU_RCX] = rcx;
	V->gpr[VCPU_RAX] = HI | (value & 0xffffffffULL);
	V->gpr[VCPU_RDX] = HI | (value >> 32);
	run(EXIT_REASON_XSETBV);
}

static void test_xsetbv_good_value_forwarded(void **state)
{
	xsetbv(0xffffffff00000000ULL, 0x7); /* ECX = 0: bits 63:32 of RCX do not count */
	fake_assert_retired(2);
	assert_int_equal(fk.xsetbv_calls, 1);
	assert_int_equal(fk.xsetbv_index, 0);
	assert_int_equal(fk.xsetbv_value, 0x7);
}

static void test_xsetbv_checks(void **state)
{
	static const struct {
		u32 cpl;
		u32 ecx;
		u64 value;
	} bad[] = {
		{3, 0, 0x7}, {1, 0, 0x7},      /* CPL > 0 */
		{0, 1, 0x7},                   /* only XCR0 exists */
		{0, 0, 0x6}, {0, 0, 0x0},      /* x87 must stay on */
		{0, 0, 0x5},                   /* AVX without SSE */
		{0, 0, 0x7 | (1ULL << 8)},     /* PT: not in CPUID.(0xd,0) */
		{0, 0, 0x7 | (1ULL << 32)},    /* reserved in EDX */
		{0, 0, 0x7 | (1ULL << 63)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		V->cpl = bad[i].cpl;
		xsetbv(bad[i].ecx, bad[i].value);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(fk.xsetbv_calls, 0);
	}
}

/* The host executes XSETBV with the guest's value: any value the processor would refuse must
 * be refused here, or the host takes the #GP. SDM Vol. 1 13.3: BNDREGS and BNDCSR together;
 * opmask, ZMM_Hi256 and Hi16_ZMM all or none, and only with AVX; XTILECFG and XTILEDATA together. */
static void test_xsetbv_state_component_groups(void **state)
{
	static const u64 bad[] = {
		0x7 | (1u << 3), 0x7 | (1u << 4),               /* one MPX component */
		0x7 | (1u << 5), 0x7 | (3u << 5), 0x7 | (6u << 5), /* part of AVX-512 */
		0x3 | (7u << 5),                                /* AVX-512 without AVX */
		0x7 | (1u << 17), 0x7 | (1u << 18),             /* one AMX component */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		xsetbv(0, bad[i]);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(fk.xsetbv_calls, 0);
	}
	static const u64 good[] = {0x1, 0x3, 0x1f, 0xe7, 0xff, 0x2ff, 0x602ff};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(fake_setup(state), 0);
		xsetbv(0, good[i]);
		fake_assert_retired(2);
		assert_int_equal(fk.xsetbv_value, good[i]);
	}
}

static void test_xsetbv_host_refusal_is_gp(void **state)
{
	fk.xsetbv_result = -1;
	xsetbv(0, 0x7);
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_int_equal(fk.xsetbv_calls, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cpuid_leaf1_filtered),
		T(test_cpuid_hypervisor_signature),
		T(test_cpuid_vendor_and_subleaf),
		T(test_cpuid_osxsave_reflects_guest_cr4),
		T(test_rdmsr_efer),
		T(test_rdmsr_tsc_splits_edx_eax),
		T(test_rdmsr_fixed_values),
		T(test_rdmsr_unknown_is_gp),
		T(test_wrmsr_efer),
		T(test_wrmsr_efer_reserved_bits_gp),
		T(test_wrmsr_efer_lme_change_with_paging_gp),
		T(test_wrmsr_efer_lme_without_paging),
		T(test_wrmsr_efer_preserves_lma),
		T(test_wrmsr_pat_from_edx_eax),
		T(test_wrmsr_pat_invalid_types_gp),
		T(test_wrmsr_mtrr_def_type),
		T(test_wrmsr_mtrr_def_type_invalid_gp),
		T(test_wrmsr_dropped_writes),
		T(test_wrmsr_unknown_is_gp),
		T(test_xsetbv_good_value_forwarded),
		T(test_xsetbv_checks),
		T(test_xsetbv_state_component_groups),
		T(test_xsetbv_host_refusal_is_gp),
	};
	return UNIT_RUN(tests);
}
