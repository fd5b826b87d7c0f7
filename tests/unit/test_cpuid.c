/*
 * dispatcher/cpuid.c: every hidden bit hidden, every other bit as the host said, the
 * zeroed leaves zero, the hypervisor signature, and the CR4-mirroring bits.
 */
#include "unit.h"

#include <string.h>

#include "dispatcher/cpuid.h"

#define RANDOM_ROUNDS 2000

static const struct {
	enum cpuid_reg reg;
	u32 bit;
	const char *what;
} hidden_leaf1[] = {
	{CPUID_ECX, 1u << 3, "MONITOR"},     {CPUID_ECX, 1u << 5, "VMX"},
	{CPUID_ECX, 1u << 6, "SMX"},         {CPUID_ECX, 1u << 21, "x2APIC"},
	{CPUID_ECX, 1u << 24, "TSC-deadline"}, {CPUID_EDX, 1u << 9, "APIC"},
	{CPUID_EDX, 1u << 7, "MCE"}, {CPUID_EDX, 1u << 14, "MCA"}, {CPUID_EDX, 1u << 22, "ACPI thermal"},
	{CPUID_EDX, 1u << 29, "TM"}, {CPUID_ECX, 1u << 7, "EST"}, {CPUID_ECX, 1u << 8, "TM2"},
	{CPUID_ECX, 1u << 15, "PDCM"},
};

/* What leaf 1 hides, per register, as the SDM numbers the bits (Vol. 2A CPUID, tables 3-10/3-11). */
#define LEAF1_ECX_HIDDEN ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 15) | (1u << 21) | (1u << 24))
#define LEAF1_EDX_HIDDEN ((1u << 7) | (1u << 9) | (1u << 14) | (1u << 22) | (1u << 29))
/* Leaf 7 subleaf 0: TSC_ADJUST in EBX; the speculation-control and capability MSR bits in EDX. */
#define LEAF7_EBX_HIDDEN (1u << 1)
#define LEAF7_EDX_HIDDEN ((1u << 10) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30) | (1u << 31))

static void fill(u32 r[4], u32 v)
{
	for (int i = 0; i < 4; i++)
		r[i] = v;
}

static void test_leaf1_each_bit_hidden(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(hidden_leaf1); i++) {
		u32 r[4] = {0};
		r[hidden_leaf1[i].reg] = hidden_leaf1[i].bit;
		cpuid_filter(CPUID_LEAF_FEATURES, 0, r);
		if (r[hidden_leaf1[i].reg] & hidden_leaf1[i].bit)
			fail_msg("%s is visible", hidden_leaf1[i].what);
	}
}

static void test_leaf1_all_ones(void **state)
{
	u32 r[4];
	fill(r, 0xffffffffu);
	cpuid_filter(CPUID_LEAF_FEATURES, 0, r);
	assert_int_equal(r[CPUID_EAX], 0xffffffffu);
	assert_int_equal(r[CPUID_EBX], 0xffffffffu);
	assert_int_equal(r[CPUID_ECX], ~LEAF1_ECX_HIDDEN);
	assert_int_equal(r[CPUID_EDX], ~LEAF1_EDX_HIDDEN);
}

static void test_leaf1_hypervisor_bit(void **state)
{
	u32 r[4] = {0};
	cpuid_filter(CPUID_LEAF_FEATURES, 0, r);
	assert_int_equal(r[CPUID_ECX], 1u << 31);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX] | r[CPUID_EDX], 0);
	/* The subleaf (ECX on input) does not matter for leaf 1. */
	fill(r, 0);
	cpuid_filter(CPUID_LEAF_FEATURES, 7, r);
	assert_int_equal(r[CPUID_ECX], 1u << 31);
}

static void test_leaf1_random(void **state)
{
	uint64_t seed = 0x1234567;
	u32 ecx_hide = LEAF1_ECX_HIDDEN;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		u32 in[4], r[4];
		for (int j = 0; j < 4; j++)
			in[j] = (u32)unit_rand(&seed);
		memcpy(r, in, sizeof(r));
		cpuid_filter(CPUID_LEAF_FEATURES, 0, r);
		assert_int_equal(r[CPUID_EAX], in[CPUID_EAX]);
		assert_int_equal(r[CPUID_EBX], in[CPUID_EBX]);
		assert_int_equal(r[CPUID_ECX], (in[CPUID_ECX] & ~ecx_hide) | (1u << 31));
		assert_int_equal(r[CPUID_EDX], in[CPUID_EDX] & ~LEAF1_EDX_HIDDEN);
	}
}

static void test_xsaves_hidden(void **state)
{
	u32 r[4];
	fill(r, 0xffffffffu);
	cpuid_filter(0xd, 1, r);
	assert_int_equal(r[CPUID_EAX], ~(1u << 3));
	fill(r, 0xffffffffu);
	cpuid_filter(0xd, 0, r);
	assert_int_equal(r[CPUID_EAX], 0xffffffffu);
}

static void test_leaf7_hidden_only_in_subleaf0(void **state)
{
	u32 r[4];
	fill(r, 0xffffffffu);
	cpuid_filter(0x7, 0, r);
	assert_int_equal(r[CPUID_EAX], 0xffffffffu);
	assert_int_equal(r[CPUID_EBX], ~LEAF7_EBX_HIDDEN);
	assert_int_equal(r[CPUID_ECX], 0xffffffffu);
	assert_int_equal(r[CPUID_EDX], ~LEAF7_EDX_HIDDEN);
	fill(r, 0xffffffffu);
	cpuid_filter(0x7, 1, r);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r[i], 0xffffffffu);
}

static void test_passthrough_leaves(void **state)
{
	static const u32 leaves[] = {0x0, 0x2, 0x4, 0x5, 0x14, 0x3fffffffu,
	                             0x40000100u, 0x80000000u, 0x80000001u, 0x80000008u, 0xffffffffu};
	uint64_t seed = 42;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		for (u32 sub = 0; sub < 4; sub++) {
			u32 in[4], r[4];
			for (int j = 0; j < 4; j++)
				in[j] = (u32)unit_rand(&seed);
			memcpy(r, in, sizeof(r));
			cpuid_filter(leaves[i], sub, r);
			if (memcmp(r, in, sizeof(r)))
				fail_msg("leaf 0x%x subleaf %u changed", leaves[i], sub);
		}
	}
}

static void test_zeroed_leaves(void **state)
{
	static const u32 leaves[] = {0x6, 0xa, 0xb, 0x1f, 0x40000001u, 0x40000002u, 0x40000080u, 0x400000ffu};
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		for (u32 sub = 0; sub < 3; sub++) {
			u32 r[4];
			fill(r, 0xdeadbeef);
			cpuid_filter(leaves[i], sub, r);
			if (r[0] | r[1] | r[2] | r[3])
				fail_msg("leaf 0x%x subleaf %u not zero", leaves[i], sub);
		}
	}
}

static void test_signature(void **state)
{
	u32 r[4];
	fill(r, 0x4b4d564b); /* what KVM below would say: must not leak through */
	cpuid_filter(CPUID_LEAF_HV_BASE, 0, r);
	assert_int_equal(r[CPUID_EAX], 0x40000000u);
	char sig[12];
	memcpy(sig, &r[CPUID_EBX], 4);
	memcpy(sig + 4, &r[CPUID_ECX], 4);
	memcpy(sig + 8, &r[CPUID_EDX], 4);
	assert_memory_equal(sig, "microhv\0\0\0\0\0", 12);
	assert_int_equal(r[CPUID_EBX], 0x7263696du); /* "micr" little-endian */
	assert_int_equal(r[CPUID_ECX], 0x0076686fu); /* "ohv\0" */
	assert_int_equal(r[CPUID_EDX], 0);
}

static void test_reflect_cr4(void **state)
{
	const u64 osxsave = 1ULL << 18, pke = 1ULL << 22;
	u32 r[4];
	fill(r, 0xffffffffu);
	cpuid_reflect_guest_cr4(CPUID_LEAF_FEATURES, 0, r, 0);
	assert_int_equal(r[CPUID_ECX], ~(1u << 27));
	assert_int_equal(r[CPUID_EAX] & r[CPUID_EBX] & r[CPUID_EDX], 0xffffffffu);
	fill(r, 0);
	cpuid_reflect_guest_cr4(CPUID_LEAF_FEATURES, 0, r, osxsave);
	assert_int_equal(r[CPUID_ECX], 1u << 27);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX] | r[CPUID_EDX], 0);
	fill(r, 0);
	cpuid_reflect_guest_cr4(CPUID_LEAF_EXT_FEATURES, 0, r, pke);
	assert_int_equal(r[CPUID_ECX], 1u << 4);
	fill(r, 0xffffffffu);
	cpuid_reflect_guest_cr4(CPUID_LEAF_EXT_FEATURES, 0, r, osxsave);
	assert_int_equal(r[CPUID_ECX], ~(1u << 4));
	/* Leaf 7 subleaf 1 and other leaves are untouched. */
	fill(r, 0);
	cpuid_reflect_guest_cr4(CPUID_LEAF_EXT_FEATURES, 1, r, pke | osxsave);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	fill(r, 0);
	cpuid_reflect_guest_cr4(0xd, 0, r, pke | osxsave);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

/* WAITPKG (leaf 7.0 ECX bit 5, SDM Vol. 2A CPUID table 3-8) only with "enable user wait and
 * pause" set: without it TPAUSE/UMWAIT are #UD in the guest (Vol. 3C 26.3). Nothing else moves. */
static void test_waitpkg_follows_user_wait_control(void **state)
{
	u32 r[4];
	fill(r, 0xffffffffu);
	cpuid_reflect_user_wait(CPUID_LEAF_EXT_FEATURES, 0, r, false);
	assert_int_equal(r[CPUID_ECX], ~(1u << 5));
	assert_int_equal(r[CPUID_EAX] & r[CPUID_EBX] & r[CPUID_EDX], 0xffffffffu);
	fill(r, 0xffffffffu);
	cpuid_reflect_user_wait(CPUID_LEAF_EXT_FEATURES, 0, r, true);
	assert_int_equal(r[CPUID_ECX], 0xffffffffu);
	/* other leaves and subleaves keep bit 5 (leaf 1 ECX bit 5 is VMX, hidden elsewhere) */
	fill(r, 0xffffffffu);
	cpuid_reflect_user_wait(CPUID_LEAF_EXT_FEATURES, 1, r, false);
	assert_int_equal(r[CPUID_ECX], 0xffffffffu);
	cpuid_reflect_user_wait(CPUID_LEAF_FEATURES, 0, r, false);
	assert_int_equal(r[CPUID_ECX], 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_each_bit_hidden),
		cmocka_unit_test(test_leaf1_all_ones),
		cmocka_unit_test(test_leaf1_hypervisor_bit),
		cmocka_unit_test(test_leaf1_random),
		cmocka_unit_test(test_leaf7_hidden_only_in_subleaf0),
		cmocka_unit_test(test_xsaves_hidden),
		cmocka_unit_test(test_passthrough_leaves),
		cmocka_unit_test(test_zeroed_leaves),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_reflect_cr4),
		cmocka_unit_test(test_waitpkg_follows_user_wait_control),
	};
	return UNIT_RUN(tests);
}
