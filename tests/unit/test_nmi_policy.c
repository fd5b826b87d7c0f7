/*
 * vmx/nmi_policy.c: what becomes of a host NMI that arrived in the guest or in root mode (the
 * counts, the one-NMI latch) and the choice at each VM entry (inject, NMI window, nothing),
 * with every interruptibility bit that blocks an NMI (SDM Vol. 3C 25.4.2, 27.3.1.5). Also
 * arch/lapic.h's lapic_count_for, the LAPIC timer's count for a TSC wait.
 */
#include "unit.h"

#include <string.h>

#include "arch/lapic.h"
#include "vmx/nmi_policy.h"

static void check_invariant(const struct nmi_counts *s)
{
	assert_int_equal(s->in_guest + s->in_root, s->reflected + s->dropped + (s->pending ? 1 : 0));
}

static void test_root_nmi_latched_and_reflected(void **state)
{
	(void)state;
	struct nmi_counts s = {0};
	nmi_arrive(&s, NMI_IN_ROOT, 1, true);
	assert_true(s.pending);
	assert_int_equal(s.in_root, 1);
	assert_int_equal(s.in_guest, 0);
	assert_int_equal(s.dropped, 0);
	check_invariant(&s);
	assert_int_equal(nmi_decide(&s, false, 0), NMI_INJECT);
	nmi_injected(&s);
	assert_false(s.pending);
	assert_int_equal(s.reflected, 1);
	assert_int_equal(nmi_decide(&s, false, 0), NMI_NONE);
	check_invariant(&s);
}

/* The processor's latch holds one NMI: what arrives while one is pending is lost (SDM Vol. 3A
 * 7.7.1, "Handling Multiple NMIs"), whether in the guest or in root mode, and counted as dropped. */
static void test_one_latch_for_both(void **state)
{
	(void)state;
	struct nmi_counts s = {0};
	nmi_arrive(&s, NMI_IN_GUEST, 1, true);
	nmi_arrive(&s, NMI_IN_ROOT, 1, true);
	nmi_arrive(&s, NMI_IN_ROOT, 3, true);
	assert_int_equal(s.in_guest, 1);
	assert_int_equal(s.in_root, 4);
	assert_true(s.pending);
	assert_int_equal(s.dropped, 4);
	check_invariant(&s);
	/* several counted at one poll with the latch empty: one latched, the rest dropped */
	struct nmi_counts t = {0};
	nmi_arrive(&t, NMI_IN_ROOT, 3, true);
	assert_true(t.pending);
	assert_int_equal(t.dropped, 2);
	check_invariant(&t);
}

/* Without virtual NMIs (or before the guest's first entry) every NMI is dropped, none pending. */
static void test_cannot_reflect_drops(void **state)
{
	(void)state;
	struct nmi_counts s = {0};
	nmi_arrive(&s, NMI_IN_ROOT, 2, false);
	nmi_arrive(&s, NMI_IN_GUEST, 1, false);
	assert_false(s.pending);
	assert_int_equal(s.dropped, 3);
	assert_int_equal(nmi_decide(&s, false, 0), NMI_NONE);
	nmi_arrive(&s, NMI_IN_ROOT, 0, true); /* a poll that found nothing changes nothing */
	assert_false(s.pending);
	assert_int_equal(s.in_root, 2);
	check_invariant(&s);
}

/* Blocking by NMI (the guest is in its NMI handler), by MOV SS and by STI holds the NMI back
 * behind an NMI-window exit; blocking by SMI does not (it is not an NMI blocker in 25.4.2); an
 * event already set up for this entry goes first. */
static void test_blocking_asks_for_window(void **state)
{
	(void)state;
	struct nmi_counts s = {0};
	nmi_arrive(&s, NMI_IN_ROOT, 1, true);
	static const u32 blockers[] = {INTERRUPTIBILITY_NMI, INTERRUPTIBILITY_MOV_SS, INTERRUPTIBILITY_STI,
	                               INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI};
	for (size_t i = 0; i < ARRAY_SIZE(blockers); i++)
		assert_int_equal(nmi_decide(&s, false, blockers[i]), NMI_WINDOW);
	assert_int_equal(nmi_decide(&s, false, INTERRUPTIBILITY_SMI), NMI_INJECT);
	assert_int_equal(nmi_decide(&s, true, 0), NMI_WINDOW);
	assert_true(s.pending); /* deciding does not consume it */
	assert_int_equal(s.reflected, 0);
}

/* lapic_count_for: TSC ticks to timer ticks at the calibrated ratio, rounded up, at least 1,
 * capped at the 32-bit counter without overflowing on the way. */
static void test_lapic_count(void **state)
{
	(void)state;
	/* Bochs: 200017 timer ticks in 200017 TSC ticks */
	assert_int_equal(lapic_count_for(1000, 200017, 200017), 1000);
	assert_int_equal(lapic_count_for(0, 200017, 200017), 1);
	/* a 3 GHz TSC, a 100 MHz timer (2 ms calibration): a 10 ms wait is 1,000,000 ticks */
	assert_int_equal(lapic_count_for(30000000, 6000000, 200000), 1000000);
	assert_int_equal(lapic_count_for(31, 6000000, 200000), 2); /* 1.03 ticks, rounded up */
	assert_int_equal(lapic_count_for(29, 6000000, 200000), 1);
	/* a wait beyond the counter's range (about 43 s at 100 MHz) and a "never" are capped */
	assert_int_equal(lapic_count_for(30000000ULL * 5000, 6000000, 200000), (u32)LAPIC_COUNT_MAX);
	assert_int_equal(lapic_count_for(~0ULL - 1, 6000000, 200000), (u32)LAPIC_COUNT_MAX);
	/* just under the cap: exact, no wrap */
	u64 cap = LAPIC_COUNT_MAX * 6000000ULL / 200000;
	assert_true(lapic_count_for(cap - 30, 6000000, 200000) >= (u32)LAPIC_COUNT_MAX - 1);
	/* a timer faster than the TSC */
	assert_int_equal(lapic_count_for(100, 1000, 4000), 400);
	/* no calibration: one tick, never a division by zero */
	assert_int_equal(lapic_count_for(100, 0, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_nmi_latched_and_reflected),
		cmocka_unit_test(test_one_latch_for_both),
		cmocka_unit_test(test_cannot_reflect_drops),
		cmocka_unit_test(test_blocking_asks_for_window),
		cmocka_unit_test(test_lapic_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
