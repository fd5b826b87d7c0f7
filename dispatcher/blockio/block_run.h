/*
 * What block_dispatch.c and trace.c share to run a block's instructions under the rules of
 * DESIGN.md section 3 (IO permission, writes into the block's own code, the end of the guest's
 * run). Not for use outside the block units. Pure C.
 */
#ifndef DISPATCHER_BLOCK_RUN_H
#define DISPATCHER_BLOCK_RUN_H

#include "block.h"
#include "../emul/interp.h"
#include "../vcpu/vcpu.h"
#include "../vcpu/gmem.h"

struct blockio;

/* IO permission without the TSS bitmap (SDM Vol. 1 19.5): real mode, or CPL <= IOPL outside
 * virtual-8086 mode. Anything else might #GP natively, so a block ends before such an IO. */
bool block_io_allowed(const struct vcpu *v);

/* The guest-physical pages of a block's code, found once per run (when its bytes are checked
 * or before a fresh block runs), and the last page a write was translated for. */
#define BLOCK_MAX_PAGES (2 * BLOCK_MAX_SEGS)
struct block_pages {
	u32 n;
	bool unknown; /* a code page did not translate: every write is taken to touch the code */
	u64 gpa[BLOCK_MAX_PAGES];
	u64 wlin, wgpa; /* wlin is odd when no write page is cached */
	/* the pages holding the paging-structure entries of the cached write translation: a
	 * store into one of them may change it, so the cache is dropped */
	u32 nwtables;
	u64 wtables[GMEM_MAX_LEVELS];
};

/* Starts a run's page set (no page known yet). */
void block_pages_reset(struct block_pages *p);
/* Adds the code page at guest-physical gpa (page-aligned). */
void block_pages_add(struct block_pages *p, u64 gpa);
/* Translates the pages of every code range of b into p (for a block whose bytes were not just
 * checked page by page). */
void block_pages_collect(struct vcpu *v, const struct block *b, struct block_pages *p);

/* Claim 10's check on a hit (block_code.c): are b's bytes in guest memory still the ones it
 * was designated from? Compares the code pages' generations where they are kept, else hashes
 * and compares the bytes (then protects the pages and keeps their generations); p gets the
 * code's guest-physical pages for the run's write checks. */
bool block_code_same(struct blockio *bio, struct vcpu *v, struct block *b, struct block_pages *p);

/* Does a write to [lin, lin+len) touch one of the block's code ranges, by address or through
 * another mapping of one of its physical pages? (When that cannot be told: yes.) */
bool block_writes_into(struct vcpu *v, const struct block *b, struct block_pages *p, u64 lin, u64 len);

/*
 * Is `in` the IO instruction the processor reported in v->exit: direction, port, size, string,
 * REP, immediate or DX, length (SDM Vol. 3C 28.2.1, table 28-5)? The processor executed through
 * its TLB; the bytes a walk finds now may be another instruction (a PTE rewritten without
 * INVLPG), and a block must never emulate anything but the instruction that exited.
 */
bool block_insn_is_exit(const struct insn *in, const struct vcpu *v);

/* The guest's run is over (a debug exit or a reset request): a block stops. */
bool block_run_over(const struct blockio *bio);
/* The fetch of an instruction of len bytes at linear lin: on a page other than *page (the last
 * one fetched from, which the exiting instruction's fetch opened), the accessed flags of the
 * code's translation are set as the processor's fetch sets them (SDM Vol. 3A 5.8). */
void block_fetch(struct vcpu *v, u64 lin, u32 len, u64 *page);

/* After an IO instruction: the run is over, or an interrupt is now deliverable (RFLAGS.IF and
 * a pending request): the block ends there, as the one-exit path would enter the guest. */
bool block_stops_after_io(const struct blockio *bio, const struct vcpu *v);

#endif
