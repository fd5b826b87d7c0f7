/* Exit statistics: the table, the JSON line, periodic and requested lines (stats.h). */
#include "stats.h"
#include "dispatch.h"
#include "../arch/console.h"
#include "../arch/printf.h"

#define NS_PER_S 1000000000ULL
#define MILLI 1000
#define TABLE_PORTS 8
#define TABLE_BLOCKS 5
#define JSON_BLOCKS 8

static const char *const kind_names[] = {[STATS_FINAL] = "final", [STATS_PERIODIC] = "periodic",
                                         [STATS_REQUEST] = "request"};

void stats_init(struct stats_ctl *s, u32 interval_s)
{
	*s = (struct stats_ctl){0};
	s->interval_ns = (u64)interval_s * NS_PER_S;
	s->keys.owed = -1;
}

int console_keys_next(struct console_keys *k, int (*getc)(void *ctx), void *ctx)
{
	if (k->owed >= 0) {
		int c = k->owed;
		k->owed = -1;
		return c;
	}
	int c = getc(ctx);
	if (c < 0)
		return -1;
	if (!k->armed) {
		if (c != CONSOLE_CTRL_A)
			return c;
		k->armed = true;
		return -1;
	}
	k->armed = false;
	if (c == CONSOLE_STATS_KEY) {
		k->requested = true;
		return -1;
	}
	if (c != CONSOLE_CTRL_A)
		k->owed = c; /* the held Ctrl-A first, then this byte */
	return CONSOLE_CTRL_A;
}

bool stats_poll(struct dispatcher *d, u64 now_ns, u64 host_tsc, u64 guest_tsc)
{
	struct stats_ctl *s = &d->sctl;
	bool printed = false;
	s->now_ns = now_ns;
	s->host_tsc = host_tsc;
	s->guest_tsc = guest_tsc;
	if (s->keys.requested) {
		s->keys.requested = false;
		stats_print(d, STATS_REQUEST);
		printed = true;
	}
	if (!s->interval_ns || now_ns < s->next_ns)
		return printed;
	if (s->next_ns) {
		stats_print(d, STATS_PERIODIC);
		printed = true;
	} else {
		s->next_ns = now_ns; /* the first poll starts the period */
	}
	while (s->next_ns <= now_ns)
		s->next_ns += s->interval_ns; /* a late poll prints once, not once per missed period */
	return printed;
}

void stats_guest_ran(struct dispatcher *d, u64 entry_tsc, u64 exit_tsc)
{
	d->sctl.guest_ticks += exit_tsc - entry_tsc;
}

void stats_add_root_tsc(struct dispatcher *d, u32 reason, u64 ticks)
{
	d->stats.root_tsc += ticks;
	if (reason <= EXIT_REASON_MAX)
		d->stats.reason_tsc[reason] += ticks;
	/* the policy weighs root-mode work beyond the devices' (dispatcher.h, block_policy.h) */
	u64 dev = d->dev_tsc - d->dev_tsc_seen;
	d->dev_tsc_seen = d->dev_tsc;
	u64 bus = d->bus_tsc - d->bus_tsc_seen;
	d->bus_tsc_seen = d->bus_tsc;
	blockio_exit_done(&d->blockio, reason == EXIT_REASON_IO_INSTRUCTION, ticks > dev ? ticks - dev : 0, bus);
	struct block_top *bt = &d->blockio.top;
	if (bt->last) { /* this exit ran a block: its cost is that block's too */
		bt->last->root_tsc += ticks;
		bt->last = 0;
	}
}

/* Code checks on hits and the write protection that lets them skip the hash (page_gen.h). */
static void print_code_gen_line(const struct dispatcher *d)
{
	const struct block_stats *b = &d->blockio.stats;
	const struct pgen_stats *g = &d->blockio.pgen.st;
	con_log("  code checks: %llu hashes skipped, %llu run; write-protect %s: %llu pages protected, %llu write "
	        "exits (%llu spurious), %llu root-mode bumps, %llu pages hot, %llu untracked\n",
	        (unsigned long long)b->checks_skipped, (unsigned long long)b->checks_hashed,
	        d->blockio.pgen.enabled ? "on" : "off", (unsigned long long)g->protects, (unsigned long long)g->faults,
	        (unsigned long long)g->spurious, (unsigned long long)g->root_bumps, (unsigned long long)g->hot,
	        (unsigned long long)(g->full + g->refused));
}

static void print_code_gen_json(const struct dispatcher *d)
{
	const struct block_stats *b = &d->blockio.stats;
	const struct pgen_stats *g = &d->blockio.pgen.st;
	con_printf(",\"code_gen\":{\"enabled\":%s,\"checks_skipped\":%llu,\"checks_hashed\":%llu,\"protects\":%llu,"
	           "\"wp_faults\":%llu,\"wp_spurious\":%llu,\"root_bumps\":%llu,\"hot_pages\":%llu,\"full\":%llu,"
	           "\"refused\":%llu}",
	           d->blockio.pgen.enabled ? "true" : "false", (unsigned long long)b->checks_skipped,
	           (unsigned long long)b->checks_hashed, (unsigned long long)g->protects, (unsigned long long)g->faults,
	           (unsigned long long)g->spurious, (unsigned long long)g->root_bumps, (unsigned long long)g->hot,
	           (unsigned long long)g->full, (unsigned long long)g->refused);
}

static const char *const policy_names[] = {"auto", "always", "never"}; /* enum block_policy_mode */

/* Where the policy's C comes from: exit_cost=, the measurement at start, or the default. */
static const char *cost_source(const struct block_policy *p)
{
	return p->cost_given ? "given" : p->cost_measured ? "measured" : "default";
}

/* block_policy= (block_policy.h): its C and R1, its judgements, and the ledgers' sums. */
static void print_policy_line(const struct dispatcher *d)
{
	const struct block_policy *p = &d->blockio.pol;
	u64 rate = 0, fixed = 0;
	(void)bpol_fit_rate(&p->fit, &rate, &fixed);
	con_log("  block policy: %s at C %llu TSC ticks per exit (%s), R1 %llu: %llu judgements, %llu starts declined, "
	        "%llu declined by their recording's forecast (%llu recordings it stopped), "
	        "%llu judged afresh, %llu IO exits of declined starts; block exits spent %llu root-mode ticks, worth %llu "
	        "(what one exit per IO instruction would have cost beyond the first exit), replay %llu ticks per "
	        "instruction (recent exits fitted: %llu + %llu per instruction); devices %llu ticks\n",
	        policy_names[p->mode], (unsigned long long)p->exit_cost, cost_source(p),
	        (unsigned long long)bpol_single_cost(p), (unsigned long long)p->judgements, (unsigned long long)p->declines,
	        (unsigned long long)p->forecast_declines, (unsigned long long)p->forecast_stops,
	        (unsigned long long)p->retries, (unsigned long long)p->declined_exits, (unsigned long long)p->spent,
	        (unsigned long long)p->worth, (unsigned long long)(p->block_insns ? p->block_work / p->block_insns : 0),
	        (unsigned long long)fixed, (unsigned long long)rate, (unsigned long long)d->dev_tsc);
}

static void print_policy_json(const struct dispatcher *d)
{
	const struct block_policy *p = &d->blockio.pol;
	u64 rate = 0, fixed = 0;
	(void)bpol_fit_rate(&p->fit, &rate, &fixed);
	con_printf(",\"policy\":{\"mode\":\"%s\",\"exit_cost\":%llu,\"cost_source\":\"%s\",\"measured_cost\":%llu,"
	           "\"single_cost\":%llu,\"judgements\":%llu,\"declines\":%llu,\"retries\":%llu,\"declined_exits\":%llu,"
	           "\"spent\":%llu,\"worth\":%llu,\"dev_tsc\":%llu,\"forecast_declines\":%llu,\"forecast_stops\":%llu,"
	           "\"block_work\":%llu,\"block_insns\":%llu,\"fit_rate\":%llu,\"fit_fixed\":%llu}",
	           policy_names[p->mode], (unsigned long long)p->exit_cost, cost_source(p),
	           (unsigned long long)(p->cost_measured ? p->measured_cost : 0), (unsigned long long)bpol_single_cost(p),
	           (unsigned long long)p->judgements, (unsigned long long)p->declines, (unsigned long long)p->retries,
	           (unsigned long long)p->declined_exits, (unsigned long long)p->spent, (unsigned long long)p->worth,
	           (unsigned long long)d->dev_tsc, (unsigned long long)p->forecast_declines,
	           (unsigned long long)p->forecast_stops, (unsigned long long)p->block_work,
	           (unsigned long long)p->block_insns, (unsigned long long)rate, (unsigned long long)fixed);
}

static void print_table(const struct dispatcher *d)
{
	const struct exit_stats *s = &d->stats;
	con_log("exit statistics: %llu exits\n", (unsigned long long)s->exits);
	con_log("  %-40s %12s %14s\n", "reason", "count", "root TSC/exit");
	for (u32 r = 0; r <= EXIT_REASON_MAX; r++)
		if (s->by_reason[r])
			con_log("  %-40s %12llu %14llu\n", exit_reason_name(r), (unsigned long long)s->by_reason[r],
			        (unsigned long long)(s->reason_tsc[r] / s->by_reason[r]));
	con_log("  io instructions %llu, io exits %llu, interrupts injected %llu, root-mode TSC ticks %llu\n",
	        (unsigned long long)s->io_instructions, (unsigned long long)s->io_exits,
	        (unsigned long long)s->irqs_injected, (unsigned long long)s->root_tsc);
	const struct block_stats *b = &d->blockio.stats;
	/* ratios as fixed-point thousandths: the core prints no floating point */
	u64 io_per_exit_milli = s->io_exits ? s->io_instructions * MILLI / s->io_exits : 0;
	con_log("  blocks: %s, %llu run (%llu followed), %llu IO and %llu other instructions in them, %llu singles, "
	        "table %llu hits %llu misses %llu mismatches\n",
	        d->blockio.cfg.enabled ? "on" : "off", (unsigned long long)b->runs, (unsigned long long)b->followed,
	        (unsigned long long)b->io_in_blocks, (unsigned long long)(b->insns - b->io_in_blocks),
	        (unsigned long long)b->singles, (unsigned long long)b->hits, (unsigned long long)b->misses,
	        (unsigned long long)b->mismatches);
	con_log("  root-mode TSC in blocks: replay %llu, code checks %llu, recording %llu (%llu recordings, "
	        "%llu early ends), scan %llu\n",
	        (unsigned long long)b->tsc_replay, (unsigned long long)b->tsc_check, (unsigned long long)b->tsc_record,
	        (unsigned long long)b->recordings, (unsigned long long)b->early_ends, (unsigned long long)b->tsc_scan);
	print_code_gen_line(d);
	print_policy_line(d);
	con_log("  followed paths: %llu replays went on along another path of their start; %llu cut recordings "
	        "recorded again\n",
	        (unsigned long long)b->path_switches, (unsigned long long)b->rerecorded_singles);
	con_log("  VMREADs %llu, VMWRITEs %llu, host NMIs in the guest %llu and in root mode %llu (%llu reflected, "
	        "%llu dropped)\n",
	        (unsigned long long)s->vmreads, (unsigned long long)s->vmwrites, (unsigned long long)s->nmis_in_guest,
	        (unsigned long long)s->nmis_in_root, (unsigned long long)s->nmis_reflected,
	        (unsigned long long)s->nmis_dropped);
	con_log("  IO instructions per IO exit %llu.%03llu, root-mode TSC ticks per exit %llu\n",
	        (unsigned long long)(io_per_exit_milli / MILLI), (unsigned long long)(io_per_exit_milli % MILLI),
	        (unsigned long long)(s->exits ? s->root_tsc / s->exits : 0));
	const struct port_count *top[PORTS_SHOWN];
	u32 n = ports_busiest(&s->ports, top, TABLE_PORTS);
	for (u32 i = 0; i < n; i++)
		con_log("  port 0x%x: %llu in, %llu out, %llu exits, %llu in blocks\n", top[i]->port,
		        (unsigned long long)top[i]->in, (unsigned long long)top[i]->out, (unsigned long long)top[i]->exits,
		        (unsigned long long)top[i]->in_blocks);
	const struct block_top_entry *tb[JSON_BLOCKS];
	n = btop_busiest(&d->blockio.top, tb, TABLE_BLOCKS);
	for (u32 i = 0; i < n; i++)
		con_log("  block 0x%llx: %u IO, %llu runs, %llu hits, %llu misses, %llu mismatches, %llu early ends, "
		        "%llu root TSC per run\n", (unsigned long long)tb[i]->rip_linear, tb[i]->nio,
		        (unsigned long long)tb[i]->runs, (unsigned long long)tb[i]->hits, (unsigned long long)tb[i]->misses,
		        (unsigned long long)tb[i]->mismatches, (unsigned long long)tb[i]->early_ends,
		        (unsigned long long)(tb[i]->root_tsc / tb[i]->runs));
	con_log("  block lengths (IO instructions):");
	for (int i = 0; i < BLOCK_HIST_BUCKETS; i++)
		con_printf(" %d%s:%llu", i + 2, i == BLOCK_HIST_BUCKETS - 1 ? "+" : "", (unsigned long long)b->io_hist[i]);
	con_printf("\n");
}

/* ,"name":{"reason":n,...} over the reasons that occurred */
static void print_by_reason(const struct exit_stats *s, const char *name, const u64 *values)
{
	con_printf(",\"%s\":{", name);
	bool first = true;
	for (u32 r = 0; r <= EXIT_REASON_MAX; r++) {
		if (!s->by_reason[r])
			continue;
		con_printf("%s\"%s\":%llu", first ? "" : ",", exit_reason_name(r), (unsigned long long)values[r]);
		first = false;
	}
	con_printf("}");
}

static void print_port(const char *sep, const char *name, const struct port_count *c)
{
	con_printf("%s{\"port\":\"%s\",\"in\":%llu,\"out\":%llu,\"exits\":%llu,\"in_blocks\":%llu}", sep, name,
	           (unsigned long long)c->in, (unsigned long long)c->out, (unsigned long long)c->exits,
	           (unsigned long long)c->in_blocks);
}

/* ,"ports":[{"port":"0x3f8",...},...], the busiest first, then "other" when the table overflowed */
static void print_ports(const struct port_table *t)
{
	const struct port_count *top[PORTS_SHOWN];
	u32 n = ports_busiest(t, top, PORTS_SHOWN);
	con_printf(",\"ports\":[");
	for (u32 i = 0; i < n; i++) {
		char name[8];
		fmt_snprintf(name, sizeof(name), "0x%x", top[i]->port);
		print_port(i ? "," : "", name, top[i]);
	}
	const struct port_count *o = &t->other;
	if (o->in + o->out + o->exits)
		print_port(n ? "," : "", "other", o);
	con_printf("]");
}

/* ,"top_blocks":[{"rip":"0x100010","io":3,...},...], most hits first */
static void print_top_blocks(const struct block_top *t)
{
	const struct block_top_entry *tb[JSON_BLOCKS];
	u32 n = btop_busiest(t, tb, JSON_BLOCKS);
	con_printf(",\"top_blocks\":[");
	for (u32 i = 0; i < n; i++)
		con_printf("%s{\"rip\":\"0x%llx\",\"io\":%u,\"runs\":%llu,\"hits\":%llu,\"misses\":%llu,"
		           "\"mismatches\":%llu,\"early_ends\":%llu,\"tsc_per_run\":%llu}",
		           i ? "," : "", (unsigned long long)tb[i]->rip_linear, tb[i]->nio, (unsigned long long)tb[i]->runs,
		           (unsigned long long)tb[i]->hits, (unsigned long long)tb[i]->misses,
		           (unsigned long long)tb[i]->mismatches, (unsigned long long)tb[i]->early_ends,
		           (unsigned long long)(tb[i]->root_tsc / tb[i]->runs));
	con_printf("]");
}

static void print_json(const struct dispatcher *d, enum stats_kind kind)
{
	const struct exit_stats *s = &d->stats;
	const struct stats_ctl *c = &d->sctl;
	const struct block_stats *b = &d->blockio.stats;
	u64 io_per_exit_milli = s->io_exits ? s->io_instructions * MILLI / s->io_exits : 0;
	con_log("stats {\"version\":%d,\"kind\":\"%s\",\"seq\":%llu,\"guest_ns\":%llu,\"host_tsc\":%llu,"
	        "\"guest_tsc\":%llu,",
	        STATS_JSON_VERSION, kind_names[kind], (unsigned long long)c->seq, (unsigned long long)c->now_ns,
	        (unsigned long long)c->host_tsc, (unsigned long long)c->guest_tsc);
	con_printf("\"exits\":%llu,\"io_instructions\":%llu,\"io_exits\":%llu,\"io_per_io_exit_milli\":%llu,"
	           "\"irqs_injected\":%llu,\"halted_exits\":%llu,\"root_tsc\":%llu,\"root_tsc_per_exit\":%llu,"
	           "\"block_io\":%s,\"blocks\":{\"runs\":%llu,\"insns\":%llu,\"io_in_blocks\":%llu,\"non_io_insns\":%llu,"
	           "\"singles\":%llu,\"hits\":%llu,\"misses\":%llu,\"mismatches\":%llu,\"early_ends\":%llu,"
	           "\"followed\":%llu,\"recordings\":%llu,\"tsc_replay\":%llu,\"tsc_check\":%llu,\"tsc_record\":%llu,"
	           "\"tsc_scan\":%llu,\"io_hist\":[",
	           (unsigned long long)s->exits, (unsigned long long)s->io_instructions, (unsigned long long)s->io_exits,
	           (unsigned long long)io_per_exit_milli, (unsigned long long)s->irqs_injected,
	           (unsigned long long)s->halted_exits, (unsigned long long)s->root_tsc,
	           (unsigned long long)(s->exits ? s->root_tsc / s->exits : 0), d->blockio.cfg.enabled ? "true" : "false",
	           (unsigned long long)b->runs, (unsigned long long)b->insns, (unsigned long long)b->io_in_blocks,
	           (unsigned long long)(b->insns - b->io_in_blocks), (unsigned long long)b->singles,
	           (unsigned long long)b->hits, (unsigned long long)b->misses, (unsigned long long)b->mismatches,
	           (unsigned long long)b->early_ends, (unsigned long long)b->followed, (unsigned long long)b->recordings,
	           (unsigned long long)b->tsc_replay, (unsigned long long)b->tsc_check, (unsigned long long)b->tsc_record,
	           (unsigned long long)b->tsc_scan);
	for (int i = 0; i < BLOCK_HIST_BUCKETS; i++)
		con_printf("%s%llu", i ? "," : "", (unsigned long long)b->io_hist[i]);
	con_printf("]}");
	print_by_reason(s, "by_reason", s->by_reason);
	print_by_reason(s, "reason_tsc", s->reason_tsc);
	u64 rd_milli = s->exits ? s->vmreads * MILLI / s->exits : 0, wr_milli = s->exits ? s->vmwrites * MILLI / s->exits : 0;
	con_printf(",\"vmcs\":{\"vmreads\":%llu,\"vmwrites\":%llu,\"vmreads_per_exit_milli\":%llu,"
	           "\"vmwrites_per_exit_milli\":%llu,\"vpid_flushes\":%llu},\"nmis\":{\"in_guest\":%llu,"
	           "\"in_root\":%llu,\"reflected\":%llu,\"dropped\":%llu,\"reflect\":%s}",
	           (unsigned long long)s->vmreads, (unsigned long long)s->vmwrites, (unsigned long long)rd_milli,
	           (unsigned long long)wr_milli, (unsigned long long)s->vpid_flushes, (unsigned long long)s->nmis_in_guest,
	           (unsigned long long)s->nmis_in_root, (unsigned long long)s->nmis_reflected,
	           (unsigned long long)s->nmis_dropped, s->nmis_reflect ? "true" : "false");
	print_code_gen_json(d);
	print_policy_json(d);
	print_ports(&s->ports);
	print_top_blocks(&d->blockio.top);
	con_printf("}\n");
}

void stats_print(struct dispatcher *d, enum stats_kind kind)
{
	if (kind != STATS_PERIODIC)
		print_table(d);
	print_json(d, kind);
	d->sctl.seq++;
}
