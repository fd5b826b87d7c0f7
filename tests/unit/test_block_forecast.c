/*
 * The forecast a followed recording keeps under block_policy=auto (block_policy.h,
 * record_budget; follow.c): with each IO instruction past the first worth gain = C + R1 and
 * each instruction costing the replay rate, the recording stops where its balance falls more
 * than the slack below the best one, the block ends at the IO instruction of the best balance,
 * and a start none of whose IO instructions pays is declined at once, its later IO exits left
 * to the one-exit path; the replay's cost it forecasts with is fitted over the block exits that
 * ran. always records as before. Whatever the recording ran, it ran exactly
 * (the guest's state is the interpreter's, instruction by instruction).
 */
#include "block_dispatch_fixture.h"
#include "dispatcher/stats.h"
#include "dispatcher/exit_reasons.h"

#define POL (&fk.d.blockio.pol)
#define C 60
#define R1 100
#define RATE 50 /* replay ticks per guest instruction, as if measured */
#define GAIN (C + R1)
#define INC_LEN 2

static int fc_setup(void **state)
{
	if (setup(state))
		return -1;
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.d.blockio.cfg.policy = BLOCK_POLICY_AUTO;
	POL->mode = BLOCK_POLICY_AUTO;
	POL->exit_cost = C;
	for (u32 i = 0; i < BPOL_JUDGE_RUNS; i++) /* R1 */
		stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, R1);
	assert_int_equal(bpol_single_cost(POL), R1);
	/* the replay's cost as blocks that ran measured it: RATE per instruction, nothing fixed */
	for (u32 n = 0; n < BPOL_RATE_MIN_INSNS; n += 30) {
		bpol_fit_add(&POL->fit, 10, 10 * RATE);
		bpol_fit_add(&POL->fit, 20, 20 * RATE);
	}
	fk.v.gpr[VCPU_RSP] = 0x8000;
	return 0;
}

/* Code at FAKE_RIP: OUT DX, AL; CALL FAKE_RIP + 0x100; HLT (a call, so that the forward scan
 * finds no block and the start is followed); at the call's target a string of 'o' (OUT DX, AL)
 * and 'i' (INC AL), then HLT. The shape's first 'o' is the start's OUT: its instructions are the
 * shape's and the CALL after its first. */
#define CALLEE (FAKE_RIP + 0x100)
static void put_code(const char *shape)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 0xfa, 0x00, 0x00, 0x00, HLT);
	u8 code[256];
	u32 n = 0;
	for (const char *p = shape + 1; *p; p++) {
		if (*p == 'o') {
			code[n++] = OUT_DX;
		} else {
			code[n++] = 0xfe;
			code[n++] = 0xc0;
		}
	}
	code[n++] = HLT;
	bf_put(CALLEE, code, n);
}

/* The start's exits before auto records it (BPOL_HOT_HITS), then the recording's exit; returns
 * whether that exit ran instructions. */
static bool record_hot(void)
{
	struct vcpu start = fk.v;
	for (u32 i = 1; i < BPOL_HOT_HITS; i++) {
		fk.v = start;
		bf_io_exit(V);
		assert_false(handle_io_block(&fk.d, V));
	}
	fk.v = start;
	bf_rec.n = 0;
	bf_io_exit(V);
	return handle_io_block(&fk.d, V);
}

/* The guest's state after the interpreter ran n instructions from the start, one by one. */
static struct vcpu reference(u32 n)
{
	struct vcpu ref = fk.v;
	interp_steps(&ref, n);
	return ref;
}

/* The fit: work F + rate x n recovered from runs of varied lengths; from runs of one length
 * (no slope to see) the mean per instruction, never lower than the true rate; none before
 * BPOL_RATE_MIN_INSNS instructions; the window halves the sums and keeps the fit. */
static void test_fit(void **state)
{
	(void)state;
	struct replay_fit f = {0};
	u64 rate, fixed;
	assert_false(bpol_fit_rate(&f, &rate, &fixed));
	for (u32 i = 0; i < 3 * BPOL_FIT_WINDOW; i++) {
		u64 n = 5 + (i % 7) * 40;
		bpol_fit_add(&f, n, 300 + 50 * n);
	}
	assert_true(f.runs <= BPOL_FIT_WINDOW);
	assert_true(bpol_fit_rate(&f, &rate, &fixed));
	assert_int_equal(rate, 50);
	assert_in_range(fixed, 290, 310); /* halving rounds each sum down */
	struct replay_fit g = {0};
	for (u32 i = 0; i < 100; i++)
		bpol_fit_add(&g, 8, 300 + 50 * 8);
	assert_true(bpol_fit_rate(&g, &rate, &fixed));
	assert_int_equal(rate, (300 + 50 * 8) / 8);
	assert_int_equal(fixed, 0);
	struct replay_fit h = {0};
	bpol_fit_add(&h, BPOL_RATE_MIN_INSNS - 1, 1000);
	assert_false(bpol_fit_rate(&h, &rate, &fixed));
}

/* Before any block ran there is no fit and no forecast: a stretch is recorded through. */
static void test_no_forecast_before_a_fit(void **state)
{
	(void)state;
	POL->fit = (struct replay_fit){0};
	fk.tsc_step = 1000; /* a dear recording: without a fit, no forecast reads it */
	put_code("oiiiiiiiiiio");
	struct vcpu want = reference(13);
	assert_true(record_hot());
	bf_assert_same_state(&want, V);
	assert_int_equal(bf_rec.n, 2);
	assert_int_equal(POL->forecast_stops, 0);
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
}

/* Each instruction is also charged the recording rate over BPOL_RECORD_RUNS runs: OUT CALL INC
 * OUT, which pays at RATE alone (test_forecast_decline_judged_afresh keeps it), does not when
 * recordings so far cost 16 x RATE per instruction more: declined. */
static void test_recording_share_charged(void **state)
{
	(void)state;
	POL->record_insns = 100;
	fk.d.blockio.stats.tsc_record = 100ULL * BPOL_RECORD_RUNS * RATE;
	struct record_budget bud;
	assert_true(bpol_record_budget(&fk.d.blockio, &bud));
	assert_int_equal(bud.rate, 2 * RATE);
	put_code("oio");
	assert_true(record_hot());
	assert_int_equal(POL->forecast_declines, 1);
	assert_int_equal(fk.d.blockio.stats.recordings, 0);
}

/* OUT then a stretch of INCs: past slack / rate instructions without IO the recording stops,
 * and the start, whose only IO instruction is its first, is declined at once. */
static void test_stretch_without_io_declined(void **state)
{
	(void)state;
	put_code("oiiiiiiiiiio");
	/* balance after n instructions: -(n - 1) x RATE; below -slack from n - 1 > 2 x GAIN / RATE */
	const u32 ran = 2 * GAIN / RATE + 2;
	struct vcpu want = reference(ran);
	assert_true(record_hot());
	bf_assert_same_state(&want, V);
	assert_int_equal(bf_rec.n, 1);
	assert_int_equal(POL->forecast_stops, 1);
	assert_int_equal(POL->forecast_declines, 1);
	assert_int_equal(fk.d.blockio.stats.recordings, 0);
	/* its next exit goes one at a time, nothing run or recorded */
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	bf_io_exit(V);
	struct vcpu before = fk.v;
	assert_false(handle_io_block(&fk.d, V));
	bf_assert_same_state(&before, V);
	assert_int_equal(POL->declined_exits, 1);
	assert_int_equal(fk.d.blockio.stats.recordings, 0);
}

/* OUT CALL INC OUT pays (balance GAIN - 3 x RATE > 0); the stretch after it does not: the
 * recording stops in it and the block ends at the second OUT. */
static void test_block_ends_at_the_best_balance(void **state)
{
	(void)state;
	put_code("oioiiiiiiiiiiio");
	/* OUT CALL INC OUT: the best balance, GAIN - 3 x RATE > 0, at index 3; the recording stops
	 * before the first n with GAIN - (n - 1) x RATE below it less the slack */
	const i64 best = (i64)GAIN - 3 * RATE;
	assert_true(best > 0);
	u32 ran = 4;
	while ((i64)GAIN - (i64)(ran - 1) * RATE >= best - 2 * GAIN)
		ran++;
	struct vcpu want = reference(ran);
	assert_true(record_hot());
	bf_assert_same_state(&want, V);
	assert_int_equal(POL->forecast_stops, 1);
	assert_int_equal(POL->forecast_declines, 0);
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
	struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_64);
	assert_non_null(b);
	assert_int_equal(b->ninsns, 4);
	assert_int_equal(b->nio, 2);
}

/* A stretch within the slack followed by IO instructions close together: recorded through. */
static void test_stretch_within_slack_then_a_cluster(void **state)
{
	(void)state;
	put_code("oiiioooo");
	struct vcpu want = reference(9);
	assert_true(record_hot());
	bf_assert_same_state(&want, V);
	assert_int_equal(bf_rec.n, 5);
	assert_int_equal(POL->forecast_stops, 0);
	struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_64);
	assert_non_null(b);
	assert_int_equal(b->nio, 5);
	assert_int_equal(b->ninsns, 9);
}

/* always keeps no forecast: the same stretch is recorded through to the second OUT. */
static void test_always_records_through(void **state)
{
	(void)state;
	POL->mode = BLOCK_POLICY_ALWAYS;
	put_code("oiiiiiiiiiio");
	struct vcpu want = reference(13);
	bf_rec.n = 0;
	bf_io_exit(V);
	assert_true(handle_io_block(&fk.d, V));
	bf_assert_same_state(&want, V);
	assert_int_equal(bf_rec.n, 2);
	assert_int_equal(POL->forecast_stops, 0);
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
}

/* A start declined by its forecast is judged afresh after BPOL_RETRY_HITS one-exit handlings, as
 * a judged one is: the code changed meanwhile (its stretch gone), it is recorded and kept. */
static void test_forecast_decline_judged_afresh(void **state)
{
	(void)state;
	put_code("oiiiiiiiiiio");
	struct vcpu start = fk.v;
	assert_true(record_hot());
	assert_int_equal(POL->forecast_declines, 1);
	for (u32 i = 1; i < BPOL_RETRY_HITS; i++) {
		fk.v = start;
		bf_io_exit(V);
		assert_false(handle_io_block(&fk.d, V));
	}
	put_code("oio");
	fk.v = start;
	assert_true(record_hot()); /* a miss, deferred as any start is, then recorded */
	assert_int_equal(POL->retries, 1);
	assert_int_equal(bf_rec.n, 2);
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fc_setup, bf_teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fit),
		T(test_no_forecast_before_a_fit),
		T(test_stretch_without_io_declined),
		T(test_block_ends_at_the_best_balance),
		T(test_stretch_within_slack_then_a_cluster),
		T(test_always_records_through),
		T(test_forecast_decline_judged_afresh),
		T(test_recording_share_charged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
