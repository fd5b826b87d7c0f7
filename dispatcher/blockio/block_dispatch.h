/*
 * Block dispatch (DESIGN.md section 3, claims 1, 10, 14, 18): on an IO exit,
 * look the instruction's address up in the table; on a hit whose bytes still
 * hash the same, emulate the cached block; otherwise scan, store and emulate;
 * with no further IO instruction in the extent, leave the single instruction to
 * the one-exit path. Pure C.
 */
#ifndef DISPATCHER_BLOCK_DISPATCH_H
#define DISPATCHER_BLOCK_DISPATCH_H

#include "block_top.h"
#include "block.h"
#include "table.h"
#include "../emul/interp.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/page_gen.h"

/*
 * The block units' whole view of the machine (in the spirit of KVM's emulator context: a
 * narrow context, never the whole dispatcher): their configuration, table and statistics, the
 * device bus a block's IO instructions go to, and a question the bus cannot answer — whether
 * the guest's run ended with the last port access (an exit code written, a reset requested).
 */
struct blockio {
	struct block_config cfg;
	struct block_table table;
	struct block_stats stats;
	struct block_top top; /* per-block figures for the statistics (block_top.h) */
	struct interp_io bus;
	bool (*run_over)(void *ctx);
	void *run_over_ctx;
	/* Does the interrupt controller hold a request the guest would take with RFLAGS.IF = 1
	 * (run_over_ctx)? NULL: never. */
	bool (*irq_pending)(void *ctx);
	/* Generations of the guest-physical pages holding cached code (page_gen.h): a hit whose
	 * pages kept theirs skips the hash. dispatch_exit attaches it to the vCPU. */
	struct page_gen pgen;
	/* Which blocks run, and the ledgers it judges by (block_policy.h). */
	struct block_policy pol;
};

void blockio_init(struct blockio *bio, const struct block_config *cfg, struct interp_io bus,
                  bool (*run_over)(void *ctx), void *run_over_ctx);

/* C, one VM exit and entry in TSC ticks, as measured at start (vmx/exit_cost.c): the policy
 * judges by it unless exit_cost= gave one. */
void blockio_exit_cost_measured(struct blockio *bio, u64 ticks);
/* The exit that just ended (stats.c): whether it was an IO exit, its root-mode TSC ticks beyond
 * the devices' (the run loop's measure less dispatcher.dev_tsc's share), and the ticks of its
 * port accesses alone: the ledger of the block it ran, or a sample of R1 (block_policy.h). */
void blockio_exit_done(struct blockio *bio, bool io_exit, u64 ticks, u64 bus_ticks);

/* Returns true when it emulated instructions of a block for this exit (*nio: the IO
 * instructions among them, at least the exiting one; RIP is past them), false when the exit
 * must be handled one instruction at a time (handle_io's path) and nothing changed. */
bool block_dispatch(struct blockio *bio, struct vcpu *v, u32 *nio);

#endif
