/*
 * Block dispatch; see block_dispatch.h. The correctness principle of DESIGN.md section 3 is
 * kept here at run time: the block ends before an instruction the interpreter cannot finish
 * exactly (it says so, changing nothing), before an IO instruction the guest may not execute
 * at its privilege, before a write into the block's own bytes, when RIP leaves the block, and
 * it never starts with single-stepping (RFLAGS.TF) or an enabled debug breakpoint.
 */
#include "block_dispatch.h"
#include "block_run.h"
#include "../vcpu/breakpoints.h"
#include "../vcpu/gmem.h"
#include "hash.h"
#include "../emul/interp.h"
#include "rip_update.h"
#include "scanner.h"
#include "follow.h"
#include "../../arch/console.h"
#include "../../arch/string.h"
#include "../../arch/x86.h"

/* Exit qualification for I/O instructions (SDM Vol. 3C 28.2.1, table 28-5). */
#define IOQ_SIZE_MASK 0x7ULL
#define IOQ_IN (1ULL << 3)
#define IOQ_STRING (1ULL << 4)
#define IOQ_REP (1ULL << 5)
#define IOQ_IMM (1ULL << 6)
#define IOQ_PORT_SHIFT 16
#define IOQ_PORT_MASK 0xffffULL

bool block_insn_is_exit(const struct insn *in, const struct vcpu *v)
{
	u16 port;
	u8 size;
	if (interp_io_ports(in, v, &port, &size) != 0 || in->length != v->exit.instr_len)
		return false;
	bool string = in->kind == INSN_INS || in->kind == INSN_OUTS;
	u64 want = (u64)(size - 1) | ((u64)port << IOQ_PORT_SHIFT);
	if (in->kind == INSN_IN || in->kind == INSN_INS)
		want |= IOQ_IN;
	if (string)
		want |= IOQ_STRING | (in->rep ? IOQ_REP : 0);
	else if (in->imm_size)
		want |= IOQ_IMM;
	/* REP is reported for string instructions; elsewhere the bit says nothing */
	u64 mask = IOQ_SIZE_MASK | IOQ_IN | IOQ_STRING | IOQ_IMM | (IOQ_PORT_MASK << IOQ_PORT_SHIFT) |
	           (string ? IOQ_REP : 0);
	return (v->exit.qual & mask) == want;
}

bool block_io_allowed(const struct vcpu *v)
{
	if (!(v->cr0 & CR0_PE))
		return true;
	if (v->rflags & RFLAGS_VM)
		return false;
	return v->cpl <= ((v->rflags >> RFLAGS_IOPL_SHIFT) & RFLAGS_IOPL_MASK);
}

void blockio_init(struct blockio *bio, const struct block_config *cfg, struct interp_io bus,
                  bool (*run_over)(void *ctx), void *run_over_ctx)
{
	bio->cfg = *cfg;
	table_init(&bio->table);
	bio->stats = (struct block_stats){0};
	bio->bus = bus;
	bio->run_over = run_over;
	bio->run_over_ctx = run_over_ctx;
	pgen_init(&bio->pgen, cfg->enabled && cfg->code_gen);
	bpol_init(&bio->pol, cfg->policy, cfg->exit_cost);
}

bool block_run_over(const struct blockio *bio) { return bio->run_over(bio->run_over_ctx); }

/* The TSC now, for the statistics' split of root-mode time (0 without a clock). */
static u64 tsc_now(const struct vcpu *v) { return v->plat->now_tsc ? v->plat->now_tsc() : 0; }

/*
 * With one exit per IO instruction, an interrupt that an IO instruction makes deliverable (a PIC
 * unmask, a device's interrupt enable, an EOI) is injected at the VM entry right after it, before
 * the next instruction; so is one that waited only for the STI/MOV-SS shadow the exiting
 * instruction was in, which ends when it retires (SDM Vol. 3C 27.6 "Event Injection", 25.4.2
 * interruptibility state). No instruction of the subset changes RFLAGS.IF and only port
 * accesses change the devices, so checking after each IO instruction is exact.
 */
static bool irq_deliverable(const struct blockio *bio, const struct vcpu *v)
{
	return (v->rflags & RFLAGS_IF) && bio->irq_pending && bio->irq_pending(bio->run_over_ctx);
}

void block_fetch(struct vcpu *v, u64 lin, u32 len, u64 *page)
{
	u64 last = (lin + len - 1) & ~(u64)(PAGE_SIZE - 1);
	if ((lin & ~(u64)(PAGE_SIZE - 1)) == *page && last == *page)
		return;
	u64 gpa;
	(void)gmem_touch(v, lin, len, VCPU_EXEC, v->cpl == 3, &gpa, 0);
	*page = last;
}

bool block_stops_after_io(const struct blockio *bio, const struct vcpu *v)
{
	return block_run_over(bio) || irq_deliverable(bio, v);
}

/*
 * Runs the block from its first instruction; returns the IO instructions executed. What can
 * change between instructions is checked where it can change: IO permission depends on CPL,
 * IOPL, CR0.PE and RFLAGS.VM, which no instruction of the subset writes, so it is read once;
 * the devices' state (a debug exit, a reset request) changes only with a port access; a write
 * into the block's own bytes only with an instruction that may write memory (BLOCK_I_WRITES).
 * The code mode and CS limit checks of interp_exec are made once for the whole block
 * (interp_fast_ready), and the instructions with a precompiled form run it.
 */
static u32 run_block(struct blockio *bio, struct vcpu *v, const struct block *b, struct block_pages *pg,
                     u32 *insns)
{
	struct interp_io io = bio->bus;
	u64 start_rip = v->rip;
	bool io_ok = block_io_allowed(v);
	bool fast = interp_fast_ready(v, b->mode, b->len);
	u32 nio = 0;
	u32 i = 0, n = 0;
	u64 fetch_page = b->rip_linear & ~(u64)(PAGE_SIZE - 1);
	if (!block_insn_is_exit(&b->insns[0], v))
		i = BLOCK_NO_INSN; /* not what the processor executed: the one-exit path takes it */
	while (i < b->ninsns && n < BLOCK_MAX_INSNS) {
		const struct insn *in = &b->insns[i];
		u8 f = b->iflags[i];
		if ((f & BLOCK_I_IO) && !io_ok && n > 0)
			break;
		block_fetch(v, b->rip_linear + b->offset[i], in->length, &fetch_page);
		bool taken;
		if (fast && b->fast[i].kind != INTERP_FAST_NONE) {
			/* in-block links only: RIP stays on the block's offsets */
			taken = interp_fast_exec(v, &b->fast[i], start_rip, &io);
			i = taken ? b->taken[i] : b->next[i];
		} else {
			u64 wl, wlen;
			if ((f & BLOCK_I_WRITES) && interp_write_range(v, in, &wl, &wlen) == 0 &&
			    block_writes_into(v, b, pg, wl, wlen))
				break;
			struct interp_result res;
			if (interp_exec(v, in, &io, &res) != INTERP_OK)
				break;
			i = res.branch ? b->taken[i] : b->next[i];
			/* a target that wrapped at the operand size is somewhere else: leave the block */
			if (i < b->ninsns && v->rip - start_rip != b->offset[i])
				i = BLOCK_NO_INSN;
		}
		n++;
		if (f & BLOCK_I_IO) {
			nio++;
			if (block_stops_after_io(bio, v))
				break; /* the guest's run is over, or an interrupt comes now */
		}
	}
	*insns = n;
	return nio;
}

static void trace_block(const struct block *b)
{
	con_log("block at 0x%llx: %u bytes, %u instructions, %u IO, hash 0x%016llx%s\n",
	        (unsigned long long)b->rip_linear, b->len, b->ninsns, b->nio, (unsigned long long)b->hash,
	        b->followed ? ", followed" : "");
	for (u32 i = 0; b->followed && i < b->nseg; i++)
		con_log("  code 0x%llx: %u bytes\n", (unsigned long long)b->seg[i].linear, b->seg[i].len);
}

/* A followed recording that designated a block: counted, its counters fresh, in the table. */
static void commit_recording(struct blockio *bio, struct block *b)
{
	bio->stats.recordings++;
	b->unverified = 0;
	b->diverged = 0;
	table_commit(&bio->table, b);
	if (bio->cfg.trace) {
		trace_block(b);
		follow_print_stop();
	}
}

/* Statistics and the end of an exit that ran instructions of a block (nio of them IO). */
static bool finish(struct blockio *bio, struct vcpu *v, struct block *b, u32 insns, u32 nio,
                   u32 *nio_out)
{
	struct block_stats *s = &bio->stats;
	if (b->nio >= 2) { /* a designated block ran (perhaps only its start) */
		bio->pol.ran = b; /* the exit's root-mode ticks go to its ledger (block_policy.h) */
		bio->pol.ran_nio = nio;
		bio->pol.ran_insns = insns;
		s->runs++;
		s->insns += insns;
		s->io_in_blocks += nio;
		if (nio >= 2)
			s->io_hist[nio - 2 < BLOCK_HIST_BUCKETS ? nio - 2 : BLOCK_HIST_BUCKETS - 1]++;
		s->followed += b->followed && nio >= 2;
		if (nio < b->nio)
			s->early_ends++;
		struct block_top_entry *e = btop_entry(&bio->top, b->rip_linear);
		if (e) {
			e->runs++;
			e->nio = b->nio;
			e->early_ends += nio < b->nio;
		}
		bio->top.last = e;
	} else { /* a record that found no second IO instruction */
		s->singles++;
	}
	*nio_out = nio;
	rip_update(v, v->rip);
	v->dirty |= VCPU_DIRTY_RFLAGS | VCPU_DIRTY_RSP;
	return true;
}

/* The guest left path *bp after its first `at` instructions for a path the table does not
 * hold: the recording goes on from here (follow_record with *bp as the prefix) into another way
 * of the same start, which becomes *bp when it designates a block. Returns the IO instructions
 * run; adds the instructions run to *insns. */
static u32 record_beside(struct blockio *bio, struct vcpu *v, struct block **bp, u32 at, u32 *insns)
{
	struct block *c = table_slot_beside(&bio->table, *bp);
	if (!c)
		return 0;
	u32 n, nio;
	bpol_fresh(c);
	u64 t0 = tsc_now(v);
	int r = follow_record(bio, v, c, *bp, at, &n, &nio);
	bio->stats.tsc_record += tsc_now(v) - t0;
	*insns += n;
	if (r > 0) {
		commit_recording(bio, c);
		*bp = c;
	}
	return nio;
}

/*
 * Replays followed block *bp; where the guest leaves its path for another recorded path from
 * the same start (table_path_from), that path's bytes are checked and the run goes on along it,
 * and so on. The instructions before the divergence ran as the processor ran them, and the
 * other path's first instructions are at the same addresses with (both checked now) the same
 * bytes, so going on is the run that path's own replay would have made. A run that stopped for
 * any other reason (a write into its code, IO not permitted, an instruction declined) stopped
 * with RIP at its next recorded instruction, or right after an IO instruction that ends the run
 * (block_stops_after_io, asked again: it answers the same). *bp: the path the run ended on.
 */
static u32 follow_paths(struct blockio *bio, struct vcpu *v, struct block **bp, struct block_pages *pg,
                        u32 *insns)
{
	struct block *b = *bp;
	u32 n, nio = follow_run(bio, v, b, pg, 0, &n), at = n;
	*insns = n;
	while (at > 0 && at < b->ninsns) {
		u64 lin = scan_rip_linear(v);
		if (lin == b->lin[at] || block_stops_after_io(bio, v))
			break; /* not a divergence */
		struct block *c = table_path_from(&bio->table, b, at, lin);
		if (!c) {
			/* a path not recorded yet: after FOLLOW_RERECORD of these, recorded from here */
			if (++b->diverged >= FOLLOW_RERECORD) {
				b->diverged = 0;
				nio += record_beside(bio, v, &b, at, insns);
			}
			break;
		}
		u64 t0 = tsc_now(v);
		bool same = block_code_same(bio, v, c, pg); /* generations where kept, else the hash */
		bio->stats.tsc_check += tsc_now(v) - t0;
		if (!same) {
			bio->stats.mismatches++;
			table_invalidate(&bio->table, c);
			break;
		}
		bio->stats.path_switches++;
		b = c;
		nio += follow_run(bio, v, b, pg, at, &n);
		*insns += n;
		at += n;
	}
	*bp = b;
	return nio;
}

/* A miss: scan; where the scan finds no second IO instruction in 64-bit code, follow. */
static bool designate_and_run(struct blockio *bio, struct vcpu *v, u64 rip_linear, u8 mode, bool hot,
                               u32 *nio_out)
{
	struct block *b = table_slot(&bio->table, rip_linear, mode);
	b->ngen = 0; /* its pages' generations are kept at its first hit's hash (block_code_same) */
	bpol_fresh(b);
	u64 t0 = tsc_now(v);
	int n = scan_block(v, &bio->cfg, b);
	u64 t1 = tsc_now(v);
	bio->stats.tsc_scan += t1 - t0;
	if (n < 0)
		return false;
	bool follow = n < 2 && bio->cfg.follow && mode == CPU_MODE_64;
	if (follow && !hot && bio->pol.mode == BLOCK_POLICY_AUTO) {
		/* block_policy=auto records a start only once it is hot (block_policy.h): until then
		 * the scan's single stands for it */
		b->deferred = true;
	} else if (follow) {
		u32 insns, nio;
		table_grow(&bio->table, b);
		int t = follow_record(bio, v, b, 0, 0, &insns, &nio);
		bio->stats.tsc_record += tsc_now(v) - t1;
		if (t > 0)
			commit_recording(bio, b);
		else if (t == FOLLOW_UNPROFITABLE)
			bpol_forecast_decline(bio, b);
		if (insns > 0)
			return finish(bio, v, b, insns, nio, nio_out);
		/* not even the IO instruction ran: nothing changed, the one-exit path takes it */
		return false;
	}
	b->unverified = 0;
	table_commit(&bio->table, b);
	if (bio->cfg.trace)
		trace_block(b);
	if (b->nio < 2) {
		bio->stats.singles++;
		return false;
	}
	u32 insns;
	struct block_pages pg;
	t0 = tsc_now(v);
	block_pages_collect(v, b, &pg);
	u32 nio = run_block(bio, v, b, &pg, &insns);
	bio->stats.tsc_replay += tsc_now(v) - t0;
	return insns ? finish(bio, v, b, insns, nio, nio_out) : false;
}

bool block_dispatch(struct blockio *bio, struct vcpu *v, u32 *nio_out)
{
	struct block_stats *s = &bio->stats;
	if (!bio->cfg.enabled || bio->pol.mode == BLOCK_POLICY_NEVER || (v->rflags & RFLAGS_TF) ||
	    (v->dr7 & DR7_ENABLE_MASK))
		return false;
	u64 rip_linear = scan_rip_linear(v);
	u8 mode = (u8)interp_cpu_mode(v);
	bio->top.last = 0;
	struct block *b = table_lookup(&bio->table, rip_linear, mode);
	if (b && b->declined) {
		if (bpol_declined(bio, b)) {
			s->hits++;
			return false; /* block_policy=auto found its replays dearer than the exits they save */
		}
		b = 0; /* judged afresh: its paths left the table */
	}
	bool hot = false;
	if (b && b->deferred) { /* a start block_policy=auto records once hot */
		if (++b->unverified < BPOL_HOT_HITS - 1) { /* the first exit designated it */
			s->hits++;
			s->singles++;
			return false;
		}
		table_invalidate(&bio->table, b);
		b = 0;
		hot = true;
	}
	if (b && b->nio < 2 && ++b->unverified % SINGLE_RECHECK) {
		s->hits++;
		s->singles++;
		return false; /* the one-exit path uses nothing cached: no check needed for exactness */
	}
	if (b && b->nio < 2 && b->followed) {
		/* A followed recording that found no second IO instruction was cut by the state it ran
		 * in (a fetch that faulted, a deliverable interrupt, data that led elsewhere), not by its
		 * bytes alone: every SINGLE_RECHECK hits it is recorded again rather than re-checked. */
		table_invalidate(&bio->table, b);
		s->rerecorded_singles++;
		b = 0;
	}
	if (!b) {
		s->misses++;
		bool ran = designate_and_run(bio, v, rip_linear, mode, hot, nio_out);
		if (bio->top.last) /* a block was designated here and ran */
			bio->top.last->misses++;
		return ran;
	}
	struct block_pages pg;
	u64 t0 = tsc_now(v);
	bool same = block_code_same(bio, v, b, &pg);
	u64 t1 = tsc_now(v);
	s->tsc_check += t1 - t0;
	if (!same) {
		s->mismatches++;
		table_invalidate(&bio->table, b);
		bool ran = designate_and_run(bio, v, rip_linear, mode, false, nio_out);
		if (bio->top.last)
			bio->top.last->mismatches++;
		return ran;
	}
	s->hits++;
	if (b->nio < 2) {
		s->singles++;
		return false;
	}
	struct block_top_entry *e = btop_entry(&bio->top, rip_linear);
	if (e)
		e->hits++;
	u32 insns;
	u64 other = s->tsc_check + s->tsc_record; /* a path switch's check, a recording beside */
	bio->pol.ran_hit = true; /* a recording in this exit is of another path: upkeep (block_policy.h) */
	u32 nio = b->followed ? follow_paths(bio, v, &b, &pg, &insns) : run_block(bio, v, b, &pg, &insns);
	s->tsc_replay += tsc_now(v) - t1 - (s->tsc_check + s->tsc_record - other);
	if (insns == 0)
		return false; /* the exiting instruction itself: the one-exit path handles it */
	return finish(bio, v, b, insns, nio, nio_out);
}
