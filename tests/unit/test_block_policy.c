/*
 * dispatcher/blockio/block_policy.c (issue 11 item 7): the ledger each block keeps of the
 * root-mode ticks its exits spent against what its IO instructions would have cost one exit
 * each, block_policy=auto declining a start that spends more, always and never, R1 taken from
 * the plain one-exit path only, the devices' ticks left out, and C given or measured. The
 * exits' root-mode ticks come in as the run loop hands them over (stats_add_root_tsc).
 */
#include "block_dispatch_fixture.h"
#include "dispatcher/stats.h"
#include "dispatcher/exit_reasons.h"

#define POL (&fk.d.blockio.pol)
#define R1 100 /* root-mode ticks of a plain one-exit IO exit, in these tests */

/* n plain one-exit IO exits of R1 ticks each: what R1 is measured from */
static void plain_exits(u32 n)
{
	for (u32 i = 0; i < n; i++)
		stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, R1);
}

/* The block OUT; INC AL; OUT from FAKE_RIP (two IO instructions), run as one exit whose ledger
 * entry is `spent`: R1 plus its block work, which is made spent - R1 (the fake clock's own ticks
 * in the replay included); true when it ran as a block. An exit that ran none is a sample of R1. */
static bool block_exit(u64 spent)
{
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	struct block_stats *s = &fk.d.blockio.stats;
	u64 w0 = s->tsc_replay + s->tsc_check;
	bool ran = dispatch();
	u64 eps = s->tsc_replay + s->tsc_check - w0;
	if (ran) {
		assert_true(spent >= R1 + eps);
		s->tsc_replay += spent - R1 - eps;
	}
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, R1);
	return ran;
}

static int pol_setup(void **state)
{
	if (setup(state))
		return -1;
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.cfg.policy = BLOCK_POLICY_AUTO;
	POL->mode = BLOCK_POLICY_AUTO;
	POL->exit_cost = 10; /* C */
	return 0;
}

/* worth of one run: (k - 1) x C + k x R1 with k = 2 */
#define WORTH (1 * 10 + 2 * R1)

static void test_auto_declines_a_block_dearer_than_its_exits(void **state)
{
	(void)state;
	plain_exits(BPOL_JUDGE_RUNS);
	assert_int_equal(bpol_single_cost(POL), R1);
	for (u32 i = 0; i < BPOL_FIRST_JUDGE; i++)
		assert_true(block_exit(WORTH + 1));
	assert_int_equal(POL->judgements, 1);
	assert_int_equal(POL->declines, 1);
	assert_int_equal(POL->spent, BPOL_FIRST_JUDGE * (u64)(WORTH + 1));
	assert_int_equal(POL->worth, BPOL_FIRST_JUDGE * (u64)WORTH);
	/* declined: the next exit of that IO instruction is left to the one-exit path, untouched */
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	bf_io_exit(V);
	struct vcpu before = fk.v;
	u64 runs = fk.d.blockio.stats.runs;
	assert_false(handle_io_block(&fk.d, V));
	bf_assert_same_state(&before, V);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(fk.d.blockio.stats.runs, runs);
	assert_int_equal(POL->declined_exits, 1);
}

static void test_auto_keeps_a_block_that_pays(void **state)
{
	(void)state;
	plain_exits(BPOL_JUDGE_RUNS);
	for (u32 i = 0; i < BPOL_FIRST_JUDGE + 3 * BPOL_JUDGE_RUNS; i++)
		assert_true(block_exit(WORTH)); /* spending exactly what it is worth is no loss */
	assert_int_equal(POL->judgements, 4);
	assert_int_equal(POL->declines, 0);
	assert_true(block_exit(R1 + 10));
}

/* A start is judged on all it spent: one dear run among cheap ones does not decline it, but
 * enough of them do. */
static void test_judged_on_the_sum(void **state)
{
	(void)state;
	plain_exits(BPOL_JUDGE_RUNS);
	assert_true(block_exit(2 * WORTH));
	for (u32 i = 1; i < BPOL_FIRST_JUDGE; i++)
		assert_true(block_exit(WORTH / 2));
	assert_int_equal(POL->judgements, 1);
	assert_int_equal(POL->declines, 0); /* 2 + 3/2 = 3.5 runs' worth spent of 4 */
	for (u32 i = 0; i < BPOL_JUDGE_RUNS; i++)
		assert_true(block_exit(2 * WORTH));
	assert_int_equal(POL->judgements, 2);
	assert_int_equal(POL->declines, 1); /* 35.5 of 20 */
}

/* Without R1 (no plain one-exit IO exit yet) nothing is judged. */
static void test_no_judgement_before_r1(void **state)
{
	(void)state;
	for (u32 i = 0; i < 2 * BPOL_JUDGE_RUNS; i++)
		assert_true(block_exit(1000 * WORTH));
	assert_int_equal(POL->judgements, 0);
	assert_int_equal(POL->declines, 0);
}

static void test_always_never_declines(void **state)
{
	(void)state;
	POL->mode = BLOCK_POLICY_ALWAYS;
	plain_exits(BPOL_JUDGE_RUNS);
	for (u32 i = 0; i < 4 * BPOL_JUDGE_RUNS; i++)
		assert_true(block_exit(1000 * WORTH));
	assert_int_equal(POL->judgements, 0);
	assert_int_equal(POL->declines, 0);
	assert_int_equal(POL->spent, 4 * BPOL_JUDGE_RUNS * 1000ULL * WORTH); /* the ledger is kept */
}

static void test_never_runs_no_block(void **state)
{
	(void)state;
	POL->mode = BLOCK_POLICY_NEVER;
	bf_io_exit(V);
	struct vcpu before = fk.v;
	assert_false(handle_io_block(&fk.d, V));
	assert_nothing_done(&before);
	assert_int_equal(fk.d.blockio.stats.misses, 0); /* not even looked up */
}

/* A declined start is judged afresh after BPOL_RETRY_HITS one-exit handlings: designated again,
 * with an empty ledger. */
static void test_declined_start_judged_afresh(void **state)
{
	(void)state;
	plain_exits(BPOL_JUDGE_RUNS);
	for (u32 i = 0; i < BPOL_FIRST_JUDGE; i++)
		assert_true(block_exit(2 * WORTH));
	assert_int_equal(POL->declines, 1);
	for (u32 i = 1; i < BPOL_RETRY_HITS; i++)
		assert_false(block_exit(R1));
	assert_int_equal(POL->declined_exits, BPOL_RETRY_HITS - 1);
	u64 misses = fk.d.blockio.stats.misses;
	assert_true(block_exit(WORTH)); /* recorded again and run */
	assert_int_equal(POL->retries, 1);
	assert_int_equal(fk.d.blockio.stats.misses, misses + 1);
	struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_32);
	assert_non_null(b);
	assert_false(b->declined);
	assert_int_equal(b->spent, WORTH);
}

/* R1 is the one-exit path's cost: every IO exit that ran no block is a sample, less what it
 * spent scanning or recording (the entry fee, which a start pays once); an exit that ran a block,
 * or an exit of another kind, is none. */
static void test_r1_samples(void **state)
{
	(void)state;
	assert_true(block_exit(99999)); /* a miss that ran a block */
	assert_int_equal(POL->single_exits, 0);
	stats_add_root_tsc(&fk.d, EXIT_REASON_CPUID, 77777);
	assert_int_equal(POL->single_exits, 0);
	/* a single IO instruction (nothing after it in the page): its first exit scans */
	BF_CODE(FAKE_RIP + 0x100, OUT_DX, HLT);
	fk.v.rip = FAKE_RIP + 0x100;
	u64 scan = fk.d.blockio.stats.tsc_scan;
	bf_io_exit(V);
	assert_false(handle_io_block(&fk.d, V));
	u64 fee = fk.d.blockio.stats.tsc_scan - scan;
	assert_true(fee > 0);
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 500 + fee);
	assert_int_equal(POL->single_exits, 1);
	assert_int_equal(bpol_single_cost(POL), 500);
	/* its next exit is a table hit that runs nothing */
	bf_io_exit(V);
	assert_false(handle_io_block(&fk.d, V));
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 300);
	assert_int_equal(POL->single_exits, 2);
	assert_int_equal(bpol_single_cost(POL), 400);
}

/* The ticks spent in the devices are left out of both sides (dispatch.h, dev_tsc): from an R1
 * sample all of them (port accesses and the host console's service), from a block's work its
 * port accesses. */
static void test_device_ticks_left_out(void **state)
{
	(void)state;
	fk.d.dev_tsc += 250;
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 1000);
	assert_int_equal(bpol_single_cost(POL), 750);
	assert_int_equal(fk.d.stats.root_tsc, 1000); /* the statistics keep the whole */
	/* a block exit whose work is 900 ticks, 400 of them in the port bus, with 300 more in the
	 * console's service */
	struct block_stats *s = &fk.d.blockio.stats;
	fk.v.rip = FAKE_RIP;
	u64 w0 = s->tsc_replay + s->tsc_check;
	assert_true(dispatch());
	s->tsc_replay += 900 - (s->tsc_replay + s->tsc_check - w0);
	fk.d.bus_tsc += 400;
	fk.d.dev_tsc += 700;
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 5000);
	assert_int_equal(POL->spent, 750 + 500);
	/* port accesses that took longer than the block's whole work: nothing beyond R1 */
	fk.v.rip = FAKE_RIP;
	assert_true(dispatch());
	fk.d.bus_tsc += 100000;
	fk.d.dev_tsc += 100000;
	stats_add_root_tsc(&fk.d, EXIT_REASON_IO_INSTRUCTION, 5000);
	assert_int_equal(POL->spent, 750 + 500 + 750);
}

/* exit_cost=N is what the policy judges by whatever is measured; without it, the measurement,
 * and before one, BPOL_DEFAULT_EXIT_COST. */
static void test_exit_cost_given_or_measured(void **state)
{
	(void)state;
	struct block_policy *p = POL;
	bpol_init(p, BLOCK_POLICY_AUTO, 0);
	assert_int_equal(p->exit_cost, BPOL_DEFAULT_EXIT_COST);
	assert_false(p->cost_given);
	blockio_exit_cost_measured(&fk.d.blockio, 1234);
	assert_int_equal(p->exit_cost, 1234);
	assert_true(p->cost_measured);
	bpol_init(p, BLOCK_POLICY_AUTO, 40000);
	blockio_exit_cost_measured(&fk.d.blockio, 75);
	assert_int_equal(p->exit_cost, 40000);
	assert_int_equal(p->measured_cost, 75);
	assert_true(p->cost_given);
}

/* auto records a followed block only at its start's BPOL_HOT_HITS'th exit; before, the exits go
 * one at a time with nothing run from the table; always records at the first. */
static void check_follow_recording(enum block_policy_mode mode, u32 first_recorded_exit)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.d.blockio.pol.mode = mode;
	fk.v.gpr[VCPU_RSP] = 0x8000;
	/* out dx, al; call fn (+0x100); hlt -- fn: out dx, al; ret */
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 0xfa, 0x00, 0x00, 0x00, HLT);
	BF_CODE(FAKE_RIP + 0x100, OUT_DX, 0xc3);
	struct vcpu start = fk.v;
	for (u32 i = 1; i < first_recorded_exit; i++) {
		fk.v = start;
		bf_rec.n = 0;
		bf_io_exit(V);
		assert_false(handle_io_block(&fk.d, V));
		bf_assert_same_state(&start, V);
		assert_int_equal(bf_rec.n, 0);
		assert_int_equal(fk.d.blockio.stats.recordings, 0);
	}
	fk.v = start;
	bf_rec.n = 0;
	bf_io_exit(V);
	assert_true(handle_io_block(&fk.d, V)); /* recorded now, both OUTs run */
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
	assert_int_equal(bf_rec.n, 2);
	assert_int_equal(fk.v.rip, FAKE_RIP + 6); /* out, call, out, ret: at the HLT */
}

static void test_auto_records_hot_starts_only(void **state)
{
	(void)state;
	check_follow_recording(BLOCK_POLICY_AUTO, BPOL_HOT_HITS);
}

static void test_always_records_at_once(void **state)
{
	(void)state;
	check_follow_recording(BLOCK_POLICY_ALWAYS, 1);
}

/* A start's runs are counted over its paths: one whose guest keeps taking another path (each
 * recorded beside the others, each with few runs of its own) is judged all the same. */
static void test_runs_counted_over_paths(void **state)
{
	(void)state;
	struct block_table *t = &fk.d.blockio.table;
	const u64 start = 0x5000;
	struct block *a = table_slot(t, start, CPU_MODE_64);
	table_grow(t, a);
	bpol_fresh(a);
	a->rip_linear = start;
	a->mode = CPU_MODE_64;
	a->followed = true;
	a->nio = 2;
	a->ninsns = 2;
	a->lin[0] = start;
	a->lin[1] = start + 0x10;
	table_commit(t, a);
	struct block *b = table_slot_beside(t, a);
	assert_non_null(b);
	bpol_fresh(b);
	b->rip_linear = start;
	b->mode = CPU_MODE_64;
	b->followed = true;
	b->nio = 2;
	b->ninsns = 2;
	b->lin[0] = start;
	b->lin[1] = start + 0x20; /* parts from a after the first instruction */
	table_commit(t, b);
	assert_true(table_valid(t, a) && table_valid(t, b));
	plain_exits(BPOL_JUDGE_RUNS);
	for (u32 i = 0; i < BPOL_FIRST_JUDGE; i++) {
		POL->ran = i % 2 ? b : a;
		POL->ran_nio = 2;
		fk.d.blockio.stats.tsc_replay += 10 * WORTH;
		blockio_exit_done(&fk.d.blockio, true, 10 * WORTH, 0);
	}
	assert_int_equal(POL->judgements, 1);
	assert_int_equal(POL->declines, 1);
	assert_true(a->declined && b->declined);
	/* one way stays as the verdict, holding no storage the arena's turnover could take back */
	struct block *left[TABLE_WAYS];
	assert_int_equal(table_paths(t, a, left), 1);
	assert_true(left[0]->declined);
	assert_int_equal(left[0]->max_insns, 0);
	assert_int_equal(left[0]->max_bytes, 0);
	assert_true(table_lookup(t, start, CPU_MODE_64) == left[0]);
}

/* A start's first recording is its entry fee, outside the ledger; a recording made on a table
 * hit (another path beside the recorded ones) is upkeep and counts. */
static void test_recording_on_a_hit_counts(void **state)
{
	(void)state;
	plain_exits(BPOL_JUDGE_RUNS);
	assert_true(block_exit(R1 + 10)); /* designated: its scan is the fee */
	struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_32);
	assert_non_null(b);
	u64 spent = b->spent;
	/* an exit that ran b after a miss recorded for 5000 ticks: left out */
	POL->ran = b;
	POL->ran_nio = 2;
	fk.d.blockio.stats.tsc_record += 5000;
	blockio_exit_done(&fk.d.blockio, true, 9999, 0);
	assert_int_equal(b->spent, spent + R1);
	/* the same on a hit: counted */
	POL->ran = b;
	POL->ran_nio = 2;
	POL->ran_hit = true;
	fk.d.blockio.stats.tsc_record += 5000;
	blockio_exit_done(&fk.d.blockio, true, 9999, 0);
	assert_int_equal(b->spent, spent + 2 * R1 + 5000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, pol_setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_auto_declines_a_block_dearer_than_its_exits),
		T(test_auto_keeps_a_block_that_pays),
		T(test_judged_on_the_sum),
		T(test_no_judgement_before_r1),
		T(test_always_never_declines),
		T(test_never_runs_no_block),
		T(test_declined_start_judged_afresh),
		T(test_r1_samples),
		T(test_device_ticks_left_out),
		T(test_exit_cost_given_or_measured),
		T(test_auto_records_hot_starts_only),
		T(test_always_records_at_once),
		T(test_runs_counted_over_paths),
		T(test_recording_on_a_hit_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
