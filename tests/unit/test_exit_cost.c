/*
 * vmx/exit_cost_meter.c: the exit-cost measurement's arithmetic (the smallest mean of
 * EXIT_COST_BATCHES batches of EXIT_COST_BATCH round trips, spoiled batches dropped) and the
 * start line it prints (vmx/exit_cost.h).
 */
#include "unit.h"

#include <string.h>

#include "dispatcher/blockio/block_policy.h"
#include "vmx/exit_cost.h"

/* Feeds one batch of round trips of `ticks` each, starting at TSC *t; true while more are wanted. */
static bool feed_batch(struct exit_cost_meter *m, u64 *t, u64 ticks)
{
	bool more = true;
	for (u32 i = 0; i < EXIT_COST_BATCH; i++) {
		more = exit_cost_meter_add(m, *t, *t + ticks);
		*t += ticks + 1000; /* root mode between round trips is not counted */
	}
	return more;
}

static void test_smallest_batch_mean(void **state)
{
	(void)state;
	static const u64 per_batch[EXIT_COST_BATCHES] = {900, 75, 80, 5000, 76, 75, 120, 300};
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	u64 t = 1000000;
	for (u32 b = 0; b < EXIT_COST_BATCHES; b++) {
		assert_int_equal(exit_cost_meter_result(&m), b == 0 ? 0 : (b == 1 ? 900 : 75));
		bool more = feed_batch(&m, &t, per_batch[b]);
		assert_int_equal(more, b + 1 < EXIT_COST_BATCHES);
	}
	assert_int_equal(exit_cost_meter_result(&m), 75);
	assert_int_equal(m.batches, EXIT_COST_BATCHES);
	assert_int_equal(m.spoiled, 0);
	/* past the end, round trips change nothing */
	assert_false(exit_cost_meter_add(&m, t, t + 1));
	assert_int_equal(exit_cost_meter_result(&m), 75);
}

/* One slow round trip (a host interrupt, an SMI) raises its batch's mean only. */
static void test_outlier_stays_in_its_batch(void **state)
{
	(void)state;
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	u64 t = 0;
	for (u32 i = 0; i < EXIT_COST_BATCH * EXIT_COST_BATCHES; i++) {
		u64 d = (i % EXIT_COST_BATCH == 7) ? 1000000 : 1500; /* one SMI-sized trip per batch */
		if (i >= EXIT_COST_BATCH * 3 && i < EXIT_COST_BATCH * 4)
			d = 1500; /* but batch 3 had none */
		exit_cost_meter_add(&m, t, t + d);
		t += d + 10;
	}
	assert_int_equal(exit_cost_meter_result(&m), 1500);
}

/* The mean is rounded to the nearest tick, and never 0. */
static void test_rounding(void **state)
{
	(void)state;
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	u64 t = 0;
	/* batch 0: 64 trips of 75 and 64 of 76: 75.5, rounded up to 76 */
	for (u32 i = 0; i < EXIT_COST_BATCH; i++)
		exit_cost_meter_add(&m, t, t + 75 + (i & 1)), t += 100;
	assert_int_equal(exit_cost_meter_result(&m), 76);
	/* batch 1: one tick in all: a mean of 1/128, at least 1 */
	for (u32 i = 0; i < EXIT_COST_BATCH; i++)
		exit_cost_meter_add(&m, t, t + (i == 0)), t += 100;
	assert_int_equal(exit_cost_meter_result(&m), 1);
}

/* A TSC that runs backwards spoils its batch: dropped, never a wrapped-around figure. */
static void test_backwards_tsc_spoils_batch(void **state)
{
	(void)state;
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	u64 t = 1000000;
	for (u32 b = 0; b < EXIT_COST_BATCHES; b++) {
		for (u32 i = 0; i < EXIT_COST_BATCH; i++) {
			u64 d = 200;
			if (b != 5 && i == 9) /* every batch but 5 has one backwards step */
				exit_cost_meter_add(&m, t, t - 3);
			else
				exit_cost_meter_add(&m, t, t + (b == 5 ? 300 : d));
			t += 1000;
		}
	}
	assert_int_equal(m.spoiled, EXIT_COST_BATCHES - 1);
	assert_int_equal(exit_cost_meter_result(&m), 300); /* the only clean batch, though slower */
	/* all spoiled: no figure */
	exit_cost_meter_init(&m);
	for (u32 i = 0; i < EXIT_COST_BATCH * EXIT_COST_BATCHES; i++)
		exit_cost_meter_add(&m, 500, 400);
	assert_int_equal(m.spoiled, EXIT_COST_BATCHES);
	assert_int_equal(exit_cost_meter_result(&m), 0);
}

/* A sum past 64 bits spoils the batch instead of wrapping. */
static void test_overflow_spoils_batch(void **state)
{
	(void)state;
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	exit_cost_meter_add(&m, 0, ~0ULL - 1);
	exit_cost_meter_add(&m, 0, ~0ULL - 1);
	for (u32 i = 2; i < EXIT_COST_BATCH; i++)
		exit_cost_meter_add(&m, 0, 1);
	assert_int_equal(m.batches, 1);
	assert_int_equal(m.spoiled, 1);
	assert_int_equal(exit_cost_meter_result(&m), 0);
}

static void test_describe(void **state)
{
	(void)state;
	char buf[EXIT_COST_LINE_MAX];
	exit_cost_describe(buf, sizeof(buf), 1234, 0, 0);
	assert_string_equal(buf, "exit cost: 1234 TSC ticks per VM exit and entry (smallest mean of 8 batches of 128)");
	exit_cost_describe(buf, sizeof(buf), 65, 0, 5000);
	assert_string_equal(buf, "exit cost: 65 TSC ticks per VM exit and entry (smallest mean of 8 batches of 128); "
	                         "blocks are judged at exit_cost=5000");
	exit_cost_describe(buf, sizeof(buf), 0, "exit 3 was not the interrupt window's but 1, external interrupt", 0);
	char want[EXIT_COST_LINE_MAX];
	snprintf(want, sizeof(want),
	         "exit cost: not measured (exit 3 was not the interrupt window's but 1, external interrupt); "
	         "blocks are judged at the default exit_cost=%u",
	         BPOL_DEFAULT_EXIT_COST);
	assert_string_equal(buf, want);
	exit_cost_describe(buf, sizeof(buf), 0, "VM entry failed, status 2", 777);
	assert_string_equal(buf, "exit cost: not measured (VM entry failed, status 2); blocks are judged at exit_cost=777");
	/* the longest reason the VMX side writes still fits the line whole */
	char why[EXIT_COST_WHY_MAX];
	memset(why, 'x', sizeof(why) - 1);
	why[sizeof(why) - 1] = 0;
	exit_cost_describe(buf, sizeof(buf), 0, why, 100000000);
	assert_non_null(strstr(buf, "; blocks are judged at exit_cost=100000000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smallest_batch_mean),
		cmocka_unit_test(test_outlier_stays_in_its_batch),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_backwards_tsc_spoils_batch),
		cmocka_unit_test(test_overflow_spoils_batch),
		cmocka_unit_test(test_describe),
	};
	return UNIT_RUN(tests);
}
