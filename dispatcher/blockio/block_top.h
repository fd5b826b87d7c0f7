/*
 * Per-block figures for the statistics' top blocks: for each block address (the exiting IO
 * instruction's linear address) the runs, table hits, misses and mismatches, early ends and the
 * root-mode TSC its exits cost. Kept apart from the block table, whose entries are evicted and
 * replaced; the first BLOCK_TOP_ENTRIES block addresses are counted, later ones are not.
 */
#ifndef DISPATCHER_BLOCKIO_BLOCK_TOP_H
#define DISPATCHER_BLOCKIO_BLOCK_TOP_H

#include "../../arch/types.h"

#define BLOCK_TOP_ENTRIES 128 /* a power of two */

struct block_top_entry {
	u64 rip_linear;
	bool used;
	u8 nio;           /* IO instructions in the block when it last ran */
	u64 runs;         /* exits that ran it */
	u64 hits, misses, mismatches;
	u64 early_ends;   /* runs that stopped before its last IO instruction */
	u64 root_tsc;     /* root-mode TSC of the exits that ran it (the run loop measures it) */
};

struct block_top {
	struct block_top_entry e[BLOCK_TOP_ENTRIES];
	struct block_top_entry *last; /* the entry of the block the last exit ran, until its TSC is in */
	u64 uncounted;                /* events of blocks that found the table full */
};

/* The entry of a block address, made on first use; 0 when the table is full. */
struct block_top_entry *btop_entry(struct block_top *t, u64 rip_linear);
/* Up to max entries with runs, most hits first; returns how many. */
u32 btop_busiest(const struct block_top *t, const struct block_top_entry **out, u32 max);

#endif
