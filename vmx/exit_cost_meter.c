/* The arithmetic of the exit-cost measurement and its start line (exit_cost.h). Pure C. */
#include "exit_cost.h"
#include "../arch/printf.h"
#include "../dispatcher/blockio/block_policy.h"

void exit_cost_meter_init(struct exit_cost_meter *m) { *m = (struct exit_cost_meter){0}; }

/* Ends the batch in progress: its mean, rounded to the nearest tick, is a candidate unless the
 * batch is spoiled; a round trip takes at least one tick. */
static void end_batch(struct exit_cost_meter *m)
{
	if (m->bad) {
		m->spoiled++;
	} else {
		u64 mean = (m->sum + EXIT_COST_BATCH / 2) / EXIT_COST_BATCH;
		if (!mean)
			mean = 1;
		if (!m->best || mean < m->best)
			m->best = mean;
	}
	m->batches++;
	m->sum = 0;
	m->in_batch = 0;
	m->bad = false;
}

bool exit_cost_meter_add(struct exit_cost_meter *m, u64 entry_tsc, u64 exit_tsc)
{
	if (m->batches >= EXIT_COST_BATCHES)
		return false;
	/* A TSC that ran backwards (another CPU's, a write to it) gives no figure, and a sum past
	 * 64 bits none either: the batch is dropped rather than wrong. */
	u64 d = exit_tsc - entry_tsc;
	if (exit_tsc < entry_tsc || m->sum + d < m->sum)
		m->bad = true;
	else
		m->sum += d;
	if (++m->in_batch == EXIT_COST_BATCH)
		end_batch(m);
	return m->batches < EXIT_COST_BATCHES;
}

u64 exit_cost_meter_result(const struct exit_cost_meter *m) { return m->best; }

void exit_cost_describe(char *buf, size_t len, u64 ticks, const char *why, u64 given)
{
	char judged[64] = "";
	if (given)
		fmt_snprintf(judged, sizeof(judged), "; blocks are judged at exit_cost=%llu", (unsigned long long)given);
	if (!why) {
		fmt_snprintf(buf, len, "exit cost: %llu TSC ticks per VM exit and entry (smallest mean of %u batches of %u)%s",
		             (unsigned long long)ticks, EXIT_COST_BATCHES, EXIT_COST_BATCH, judged);
		return;
	}
	if (!given)
		fmt_snprintf(judged, sizeof(judged), "; blocks are judged at the default exit_cost=%u",
		             BPOL_DEFAULT_EXIT_COST);
	fmt_snprintf(buf, len, "exit cost: not measured (%s)%s", why, judged);
}
