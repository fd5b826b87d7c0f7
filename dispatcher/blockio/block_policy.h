/*
 * Which blocks run (issue 11 item 7, block_policy=). A block pays when the exits it saves cost
 * more than its replay: with C the TSC ticks of one VM exit and entry (the round trip, measured
 * at start by vmx/exit_cost.c or given by exit_cost=) and R1 the root-mode ticks of an IO exit
 * handled one instruction at a time (measured as the guest runs), an exit that runs k IO
 * instructions of a block in R ticks of root mode replaces k exits: it saves
 *     k x (C + R1) - (C + R)  =  (k - 1) x C + k x R1 - R.
 * R1 is measured over the IO exits that run no block, less the ticks spent in the devices
 * (dispatch.h, dev_tsc: port accesses and the host console's service) and less any scan or
 * recording. R is taken as R1 plus the exit's block work (running and checking blocks) beyond
 * its port accesses: the same port accesses cost the same either way, the devices of the ports
 * that exit one at a time (a console's) are not those of the ports in blocks, and what the run
 * loop does around an exit (device deadlines, injection) varies from exit to exit whatever ran.
 * Each block keeps that ledger: what its exits spent, R, against what they were worth, the
 * (k - 1) x C + k x R1 that the same IO instructions would have cost one exit each beyond the
 * exit both pay. block_policy=auto judges a start address on the sum of its paths' ledgers
 * after BPOL_FIRST_JUDGE runs, then every BPOL_JUDGE_RUNS, and declines it when they spent more
 * than they were worth: its IO exits are then handled one at a time, and it is judged afresh
 * after BPOL_RETRY_HITS more (the guest's code or data may have changed). always keeps
 * every block (the tests of block behaviour use it); never runs none (as block_io=off).
 * What a start's first exit spends scanning or recording is left out of the ledger (an entry
 * fee paid once, kept low by recording only hot starts, BPOL_HOT_HITS); a recording made on a
 * later run (a path the guest took beside the recorded ones) is upkeep, and counts.
 * Pure C.
 */
#ifndef DISPATCHER_BLOCK_POLICY_H
#define DISPATCHER_BLOCK_POLICY_H

#include "../../arch/types.h"

enum block_policy_mode { BLOCK_POLICY_AUTO = 0, BLOCK_POLICY_ALWAYS, BLOCK_POLICY_NEVER };

/* The C used until one is measured or where none can be (the bare-silicon figure). */
#define BPOL_DEFAULT_EXIT_COST 2000
/* Runs of a start's paths, counted together, before its first judgement and between two later
 * ones. */
#define BPOL_FIRST_JUDGE 4
#define BPOL_JUDGE_RUNS 16
/* block_policy=auto records a followed block from a start at its BPOL_HOT_HITS'th IO exit, not
 * its first: a recording costs hundreds of one-exit handlings, and much boot code does its IO
 * once. The exits before run one at a time, as with block_io=off. */
#define BPOL_HOT_HITS 32
/* One-exit handlings of a declined start's IO instruction after which it is judged afresh. */
#define BPOL_RETRY_HITS 16384

/*
 * The forecast of a recording (block_policy=auto). A recording runs the guest's instructions
 * through the interpreter, several times dearer than a replay, and under auto most of what it
 * recorded was declined at the first judgement (a console's character loop of 41 + 49
 * instructions per IO instruction saves nothing at Bochs's C, and its recording ran up to
 * 1,024 instructions). So the recording keeps the ledger it predicts. A block exit's work
 * (replay and check beyond its port accesses, as the ledger counts it) is fitted as
 * F + rate x n for a run of n instructions, by least squares over the recent block exits (sums
 * halved every BPOL_FIT_WINDOW runs); each IO instruction past the first is worth
 * gain = C + R1. The balance after the record's first n instructions, k of them IO, is
 *     (k - 1) x gain - (n - 1) x rate.
 * A recording costs several replays of the same instructions (its own rate, measured over the
 * recordings so far, about 10 to 15 times the replay's in Bochs) and the guest's paths part
 * (another character, another caller), so blocks are recorded again beside: each instruction
 * is charged rate + the recording rate / BPOL_RECORD_RUNS, a recording paid back over that many
 * runs. The recording stops once the balance falls more than slack = BPOL_SLACK_IOS x gain below the
 * best balance at an IO instruction so far (a long stretch may still lead to a run of close IO
 * instructions; no further); the block designated ends at the IO instruction of the best
 * balance, and where no IO instruction past the first has a balance above F the start is
 * declined at once, as a judgement would decline it, with nothing kept but the verdict. Until
 * BPOL_RATE_MIN_INSNS instructions ran in blocks there is no fit and no forecast. (Tried and
 * measured: the recording's own rate in its stead, as a verdict, declined the console's starts
 * at the first line of the boot under nested KVM's C, being inflated by the first code fetches
 * and port accesses; as a cap only, it left followed singles recorded again every
 * SINGLE_RECHECK hits, 181 recordings a boot, and cost more than it saved.) The ledger still
 * judges every block that is kept.
 */
#define BPOL_RATE_MIN_INSNS 256
#define BPOL_SLACK_IOS 2
#define BPOL_FIT_WINDOW 1024
#define BPOL_RECORD_RUNS 16

struct record_budget {
	u64 gain;  /* C + R1, TSC ticks */
	u64 rate;  /* replay ticks per guest instruction, with the recording's share */
	u64 fixed; /* F: replay ticks per block exit whatever its length */
	u64 slack; /* BPOL_SLACK_IOS x gain */
};

/* The fit's sums over recent block exits: runs, instructions n, n x n, work w, n x w. */
struct replay_fit {
	u64 runs, n, nn, w, nw;
};

struct block;
struct blockio;

struct block_policy {
	enum block_policy_mode mode;
	u64 exit_cost;      /* C in TSC ticks */
	bool cost_given;    /* exit_cost=N: C is N whatever is measured */
	bool cost_measured; /* C was measured at start (vmx/exit_cost.c) */
	u64 measured_cost;  /* what was measured */
	/* R1: root-mode ticks of the IO exits handled one at a time, summed, and their count */
	u64 single_tsc, single_exits;
	u64 fee_seen;  /* tsc_record + tsc_scan (block.h) already taken out of a ledger */
	u64 work_seen; /* tsc_replay + tsc_check already in a ledger */
	/* the block the exit in progress ran (its ledger gets the exit's root-mode ticks), and the
	 * IO instructions it ran */
	struct block *ran;
	u32 ran_nio;
	u32 ran_insns; /* ... and all its instructions */
	bool ran_hit; /* ... from a table hit: a recording in it was of another path (churn) */
	/* statistics */
	u64 judgements, declines, retries; /* starts judged, declined, judged afresh */
	u64 declined_exits;                /* IO exits of declined starts, handled one at a time */
	u64 spent, worth;                  /* the ledgers' sums over every block run */
	/* the replay's cost: block work beyond port accesses, and the instructions it ran, over
	 * the whole run (the statistics) and fitted over recent exits (the forecast) */
	u64 block_work, block_insns;
	struct replay_fit fit;
	u64 record_insns; /* instructions run by recordings (their ticks: tsc_record, block.h) */
	u64 forecast_stops;    /* recordings the forecast stopped */
	u64 forecast_declines; /* starts declined by the forecast of their recording */
};

void bpol_init(struct block_policy *p, enum block_policy_mode mode, u64 exit_cost);
/* A block fresh in the table (designated or recorded): an empty ledger, not declined. */
void bpol_fresh(struct block *b);
/* R1: the mean root-mode ticks of an IO exit handled one at a time; 0 before any. */
u64 bpol_single_cost(const struct block_policy *p);
/* b, just looked up, belongs to a declined start: true when this IO exit is to be handled one
 * instruction at a time (counted); false when the start is judged afresh now (BPOL_RETRY_HITS):
 * its paths have left the table. */
bool bpol_declined(struct blockio *bio, struct block *b);
/* One block exit's work w (beyond its port accesses) for n instructions, into the fit. */
void bpol_fit_add(struct replay_fit *f, u64 n, u64 w);
/* The fit's rate and F (*fixed); false while fewer than BPOL_RATE_MIN_INSNS instructions are
 * in it. Where the runs' lengths hardly vary (or the slope comes out at or below 0), the rate
 * is the mean work per instruction and F is 0: the rate is then too high, never too low. */
bool bpol_fit_rate(const struct replay_fit *f, u64 *rate, u64 *fixed);
/* The budget of a recording under block_policy=auto (above); false (no forecast) otherwise. */
bool bpol_record_budget(const struct blockio *bio, struct record_budget *bud);
/* b, a recording whose forecast found no IO instruction worth its replay, stays in the table as
 * a declined start with no storage (as judge declines one). */
void bpol_forecast_decline(struct blockio *bio, struct block *b);

#endif
