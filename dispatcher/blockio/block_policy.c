/* Which blocks run; see block_policy.h. */
#include "block_dispatch.h"
#include "../../arch/console.h"

void bpol_init(struct block_policy *p, enum block_policy_mode mode, u64 exit_cost)
{
	*p = (struct block_policy){0};
	p->mode = mode;
	p->cost_given = exit_cost != 0;
	p->exit_cost = exit_cost ? exit_cost : BPOL_DEFAULT_EXIT_COST;
}

void blockio_exit_cost_measured(struct blockio *bio, u64 ticks)
{
	struct block_policy *p = &bio->pol;
	p->cost_measured = true;
	p->measured_cost = ticks;
	if (!p->cost_given)
		p->exit_cost = ticks;
}

void bpol_fresh(struct block *b)
{
	b->spent = b->worth = 0;
	b->judge_runs = 0;
	b->declined = false;
	b->declined_hits = 0;
	b->deferred = false;
	b->judged = false;
}

u64 bpol_single_cost(const struct block_policy *p)
{
	return p->single_exits ? p->single_tsc / p->single_exits : 0;
}

/* b ran: judges its start on the sum of its paths' ledgers once they ran `due` times since the
 * last judgement (counted over the paths: a start whose runs keep recording new paths beside
 * the old ones is judged all the same), declining it when they spent more than they were
 * worth. */
static void judge(struct blockio *bio, struct block *b)
{
	struct block_policy *p = &bio->pol;
	struct block *paths[TABLE_WAYS];
	u32 n = table_paths(&bio->table, b, paths), runs = 0;
	u64 spent = 0, worth = 0;
	bool judged = false;
	for (u32 i = 0; i < n; i++) {
		spent += paths[i]->spent;
		worth += paths[i]->worth;
		runs += paths[i]->judge_runs;
		judged |= paths[i]->judged;
	}
	if (runs < (judged ? BPOL_JUDGE_RUNS : BPOL_FIRST_JUDGE))
		return;
	for (u32 i = 0; i < n; i++) {
		paths[i]->judge_runs = 0;
		paths[i]->judged = true;
	}
	p->judgements++;
	/* trace=blocks: a start's first verdict and a decline (a kept start is judged every 16 runs;
	 * a line each time would cost more than the runs) */
	if (bio->cfg.trace && (!judged || spent > worth))
		con_log("block policy: start 0x%llx, %u paths: spent %llu, worth %llu: %s\n",
		        (unsigned long long)b->rip_linear, n, (unsigned long long)spent, (unsigned long long)worth,
		        spent <= worth ? "kept" : "declined");
	if (spent <= worth)
		return;
	p->declines++;
	/* one way stays as the verdict, with no storage (table_release): the arena's turnover
	 * cannot take it, and the other ways and their storage go to blocks that run */
	for (u32 i = 0; i < n; i++) {
		paths[i]->declined = true;
		paths[i]->declined_hits = 0;
		if (i > 0)
			table_invalidate(&bio->table, paths[i]);
	}
	table_release(&bio->table, paths[0]);
}

void blockio_exit_done(struct blockio *bio, bool io_exit, u64 ticks, u64 bus_ticks)
{
	struct block_policy *p = &bio->pol;
	struct block *b = p->ran;
	/* what a miss spent designating (a scan, a recording) is the start's entry fee, paid once
	 * (BPOL_HOT_HITS keeps it to hot starts); a recording beside on a hit is upkeep */
	u64 fee = bio->stats.tsc_record + bio->stats.tsc_scan - p->fee_seen;
	bool upkeep = p->ran_hit;
	p->ran_hit = false;
	p->fee_seen += fee;
	/* the block work of this exit: running blocks and checking their code (block.h) */
	u64 work = bio->stats.tsc_replay + bio->stats.tsc_check - p->work_seen;
	p->work_seen += work;
	p->ran = 0;
	if (!b) {
		if (io_exit) { /* one IO instruction, less any scan or recording: a sample of R1 */
			p->single_tsc += ticks > fee ? ticks - fee : 0;
			p->single_exits++;
		}
		return;
	}
	if (!table_valid(&bio->table, b))
		return; /* its slot went to another block in the same exit */
	u64 k = p->ran_nio, r1 = bpol_single_cost(p);
	u64 worth = (k ? k - 1 : 0) * p->exit_cost + k * r1;
	/* R: the exit's part that any IO exit has (R1), and its block work beyond the port
	 * accesses. Not the exit's whole root-mode span: what the run loop does around the exit (the
	 * devices' deadlines, an interrupt to inject) varies from exit to exit, whatever ran. */
	u64 beyond = work > bus_ticks ? work - bus_ticks : 0;
	u64 spent = r1 + beyond + (upkeep ? fee : 0);
	b->spent += spent;
	b->worth += worth;
	p->block_work += beyond;
	p->block_insns += p->ran_insns;
	bpol_fit_add(&p->fit, p->ran_insns, beyond);
	p->spent += spent;
	p->worth += worth;
	/* R1 is not known before some IO exits were handled one at a time: no judgement without it */
	b->judge_runs++;
	if (p->mode == BLOCK_POLICY_AUTO && p->single_exits >= BPOL_JUDGE_RUNS)
		judge(bio, b);
}

bool bpol_declined(struct blockio *bio, struct block *b)
{
	if (!b->declined)
		return false;
	if (++b->declined_hits < BPOL_RETRY_HITS) {
		bio->pol.declined_exits++;
		return true;
	}
	/* judged afresh: the start's paths leave the table and are recorded again */
	struct block *paths[TABLE_WAYS];
	u32 n = table_paths(&bio->table, b, paths);
	for (u32 i = 0; i < n; i++)
		table_invalidate(&bio->table, paths[i]);
	bio->pol.retries++;
	return false;
}

void bpol_fit_add(struct replay_fit *f, u64 n, u64 w)
{
	if (f->runs >= BPOL_FIT_WINDOW) /* recent exits weigh more; the sums stay far from overflow */
		*f = (struct replay_fit){f->runs / 2, f->n / 2, f->nn / 2, f->w / 2, f->nw / 2};
	f->runs++;
	f->n += n;
	f->nn += n * n;
	f->w += w;
	f->nw += n * w;
}

bool bpol_fit_rate(const struct replay_fit *f, u64 *rate, u64 *fixed)
{
	if (f->n < BPOL_RATE_MIN_INSNS)
		return false;
	/* slope = (runs x sum nw - sum n x sum w) / (runs x sum nn - (sum n)^2); the denominator is
	 * runs^2 times the lengths' variance, asked to be at least 1 (instruction^2) */
	i64 den = (i64)(f->runs * f->nn) - (i64)(f->n * f->n);
	i64 num = (i64)(f->runs * f->nw) - (i64)(f->n * f->w);
	u64 mean = f->w / f->n;
	i64 slope = num > 0 && den > 0 ? (num + den / 2) / den : 0; /* rounded */
	if (den >= (i64)(f->runs * f->runs) && slope > 0 && (u64)slope <= mean) {
		*rate = (u64)slope;
		*fixed = f->w > *rate * f->n ? (f->w - *rate * f->n) / f->runs : 0;
	} else {
		*rate = mean;
		*fixed = 0;
	}
	return true;
}

bool bpol_record_budget(const struct blockio *bio, struct record_budget *bud)
{
	const struct block_policy *p = &bio->pol;
	if (p->mode != BLOCK_POLICY_AUTO || !bpol_fit_rate(&p->fit, &bud->rate, &bud->fixed))
		return false;
	if (p->record_insns)
		bud->rate += bio->stats.tsc_record / p->record_insns / BPOL_RECORD_RUNS;
	bud->gain = p->exit_cost + bpol_single_cost(p);
	bud->slack = BPOL_SLACK_IOS * bud->gain;
	return true;
}

void bpol_forecast_decline(struct blockio *bio, struct block *b)
{
	bio->pol.forecast_declines++;
	b->ninsns = 0;
	b->nio = 0;
	b->len = 0;
	b->nseg = 0;
	b->followed = false; /* a verdict, no path: no other path of the start is its extension */
	b->declined = true;
	b->declined_hits = 0;
	table_commit(&bio->table, b);
	table_release(&bio->table, b);
	if (bio->cfg.trace)
		con_log("block policy: start 0x%llx declined by its recording's forecast\n",
		        (unsigned long long)b->rip_linear);
}
