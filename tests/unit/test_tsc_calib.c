/* arch/tsc_calib.c: the TSC frequency from CPUID 0x15/0x16 and from counted references, the
 * order of the sources, and the cross-check (issue 13 section 2), on fake inputs. */
#include "unit.h"

#include "arch/tsc_calib.h"

#define MHZ 1000000ULL

static void test_cpuid15_arithmetic(void **state)
{
	(void)state;
	/* a 24 MHz crystal with ratio 188/2: 2.256 GHz (a Skylake client part) */
	assert_int_equal(tsc_hz_cpuid15(2, 188, 24000000), 2256 * MHZ);
	/* 25 MHz crystal, 0x8c/2 */
	assert_int_equal(tsc_hz_cpuid15(2, 0x8c, 25000000), 1750 * MHZ);
	/* 19.2 MHz crystal (Goldmont), ratio 0x3e/1 */
	assert_int_equal(tsc_hz_cpuid15(1, 0x3e, 19200000), 1190400000ULL);
	/* not enumerated: any of the three 0 */
	assert_int_equal(tsc_hz_cpuid15(0, 188, 24000000), 0);
	assert_int_equal(tsc_hz_cpuid15(2, 0, 24000000), 0);
	assert_int_equal(tsc_hz_cpuid15(2, 188, 0), 0);
	/* the largest values stay exact in 64 bits */
	assert_int_equal(tsc_hz_cpuid15(1, 0xffffffffu, 0xffffffffu), 0xfffffffe00000001ULL);
}

static void test_cpuid16_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(tsc_hz_cpuid16(3500), 3500 * MHZ);
	assert_int_equal(tsc_hz_cpuid16(0xabcd0000u | 2100), 2100 * MHZ); /* bits 31:16 reserved */
	assert_int_equal(tsc_hz_cpuid16(0), 0);
}

static void test_count_arithmetic(void **state)
{
	(void)state;
	/* 10 ms of the PIT (11932 clocks) at 3 GHz: 30,000,000 ticks, 1193182 Hz */
	u64 hz = tsc_hz_from_count(30003000, 11932, 1193182);
	assert_true(hz > 2999 * MHZ && hz < 3001 * MHZ);
	assert_int_equal(tsc_hz_from_count(35795 * 1000, 35795, 3579545), 3579545 * 1000ULL);
	assert_int_equal(tsc_hz_from_count(123, 0, 1000), 0);
	/* products past 64 bits: the split arithmetic keeps the exact result */
	assert_int_equal(tsc_hz_from_count(1ULL << 40, 1ULL << 30, 1ULL << 32), 1ULL << 42);
	assert_int_equal(tsc_hz_from_count((1ULL << 40) + 3, 1ULL << 40, 1000000000000ULL), 1000000000002ULL);
	/* the result itself too large: saturates */
	assert_int_equal(tsc_hz_from_count(UINT64_MAX, 1, 2), UINT64_MAX);
}

static void test_agreement_tolerance(void **state)
{
	(void)state;
	assert_true(tsc_agree(3500 * MHZ, 3500 * MHZ));
	assert_true(tsc_agree(3500 * MHZ, 3432 * MHZ));       /* within 2 % of the second */
	assert_false(tsc_agree(3500 * MHZ, 3430 * MHZ));      /* 2.04 % */
	assert_false(tsc_agree(3500 * MHZ, 3400 * MHZ));
	assert_false(tsc_agree(3500 * MHZ, 100 * MHZ));       /* Bochs: CPUID names a 3.5 GHz part */
	assert_true(tsc_agree(0, 0));
}

static void test_cpuid15_first_checked_by_hpet(void **state)
{
	(void)state;
	struct tsc_inputs in = {.max_leaf = 0x16, .c15_eax = 2, .c15_ebx = 188, .c15_ecx = 24000000, .c16_eax = 2200};
	in.measured[TSC_SRC_HPET] = 2255990000ULL;
	in.measured[TSC_SRC_PIT] = 2300000000ULL;
	struct tsc_choice c;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_CPUID15);
	assert_int_equal(c.hz, 2256 * MHZ);
	assert_int_equal(c.check, TSC_SRC_HPET); /* a measurement checks a CPUID figure, not leaf 0x16 */
	assert_int_equal(c.check_hz, 2255990000ULL);
	assert_false(c.disagree);
}

static void test_leaf_limit_hides_cpuid(void **state)
{
	(void)state;
	struct tsc_inputs in = {.max_leaf = 0x14, .c15_eax = 2, .c15_ebx = 188, .c15_ecx = 24000000, .c16_eax = 2200};
	in.measured[TSC_SRC_PMTIMER] = 1000 * MHZ;
	struct tsc_choice c;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PMTIMER);
	in.max_leaf = 0x15;
	in.c15_ecx = 0; /* crystal not enumerated; leaf 0x16 beyond the limit */
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PMTIMER);
	in.max_leaf = 0x16;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PMTIMER); /* 2.2 GHz vs 1 GHz measured: the measurement wins */
	assert_int_equal(c.check, TSC_SRC_CPUID16);
	assert_int_equal(c.check_hz, 2200 * MHZ);
	assert_true(c.disagree);
	in.measured[TSC_SRC_PMTIMER] = 2201 * MHZ; /* agreeing: leaf 0x16 is used */
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_CPUID16);
	assert_int_equal(c.hz, 2200 * MHZ);
	assert_false(c.disagree);
}

/* Bochs: CPUID 0x16 names the modelled part's 3.5 GHz, the TSC runs at the emulation's 100 MHz. */
static void test_contradicted_cpuid_loses_to_the_measurement(void **state)
{
	(void)state;
	struct tsc_inputs in = {.max_leaf = 0x16, .c16_eax = 3500};
	in.measured[TSC_SRC_HPET] = 100 * MHZ;
	in.measured[TSC_SRC_PMTIMER] = 100 * MHZ + 5;
	struct tsc_choice c;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_HPET);
	assert_int_equal(c.hz, 100 * MHZ);
	assert_true(c.disagree);
	assert_int_equal(c.check, TSC_SRC_CPUID16);
	assert_int_equal(c.check_hz, 3500 * MHZ);
}

static void test_measured_order_and_check(void **state)
{
	(void)state;
	struct tsc_inputs in = {.max_leaf = 0xd};
	struct tsc_choice c;
	in.measured[TSC_SRC_PMTIMER] = 2000 * MHZ;
	in.measured[TSC_SRC_PIT] = 2001 * MHZ;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PMTIMER);
	assert_int_equal(c.check, TSC_SRC_PIT);
	assert_false(c.disagree);
	/* two measurements that disagree: the preferred one stays, the disagreement is reported */
	in.measured[TSC_SRC_PIT] = 1000 * MHZ;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PMTIMER);
	assert_true(c.disagree);
	/* the PIT alone: no check */
	in.measured[TSC_SRC_PMTIMER] = 0;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_PIT);
	assert_int_equal(c.check, TSC_SRC_COUNT);
	assert_false(c.disagree);
}

static void test_nothing_answers(void **state)
{
	(void)state;
	struct tsc_inputs in = {.max_leaf = 0x16}; /* leaves present but all zero */
	struct tsc_choice c;
	tsc_choose(&in, &c);
	assert_int_equal(c.source, TSC_SRC_FALLBACK);
	assert_int_equal(c.hz, TSC_FALLBACK_HZ);
	assert_int_equal(c.check, TSC_SRC_COUNT);
	assert_string_equal(tsc_source_name(c.source), "none answered, assumed");
	assert_string_equal(tsc_source_name(TSC_SRC_HPET), "HPET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid15_arithmetic),
		cmocka_unit_test(test_cpuid16_arithmetic),
		cmocka_unit_test(test_count_arithmetic),
		cmocka_unit_test(test_agreement_tolerance),
		cmocka_unit_test(test_cpuid15_first_checked_by_hpet),
		cmocka_unit_test(test_leaf_limit_hides_cpuid),
		cmocka_unit_test(test_contradicted_cpuid_loses_to_the_measurement),
		cmocka_unit_test(test_measured_order_and_check),
		cmocka_unit_test(test_nothing_answers),
	};
	return UNIT_RUN(tests);
}
