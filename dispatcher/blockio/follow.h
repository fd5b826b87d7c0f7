/*
 * Followed blocks (block_follow=on, 64-bit code; issue 6): where the scanner's forward scan
 * finds no second IO instruction, because the code between the guest's IO instructions goes
 * through calls, returns and indirect branches (a driver's port accessors behind function
 * pointers), the block is found by running it. From the exiting IO instruction each next
 * instruction is fetched at RIP, decoded and executed by the interpreter, exactly as the
 * processor would, and recorded with its address, until an instruction the interpreter cannot
 * finish exactly, an IO instruction the guest may not execute, BLOCK_MAX_INSNS instructions,
 * BLOCK_MAX_BYTES bytes of code or BLOCK_MAX_SEGS code ranges. The block designated is the
 * recorded run through its last IO instruction; it goes into the table like any block, with
 * its code ranges hashed.
 *
 * A table hit replays it: the code ranges are checked against the cached bytes (hash, then
 * bytes), and before each instruction RIP must be the address recorded for it — a return to
 * another caller, a branch the other way or another function pointer ends the block there,
 * after the instructions that did run, which is exact because each ran as the processor would.
 * The rules of a scanned block apply on the way (IO permission, no write into its own code).
 * Pure C.
 */
#ifndef DISPATCHER_FOLLOW_H
#define DISPATCHER_FOLLOW_H

#include "block.h"

struct blockio;

/*
 * Records into b by running from the exiting IO instruction at v's RIP. *insns and *nio get
 * the instructions and IO instructions executed (0 when not even the first could run: then
 * nothing changed). Returns the IO instructions of the designated block, or -1 when none.
 * With a prefix (another path of the same start whose first `at` instructions the replay ran
 * just now, RIP having left it after them), b begins with those instructions and the recording
 * goes on from RIP: the new path is recorded where it parts from the known ones (issue 11 item
 * 3). Then -1 also when the new part holds no IO instruction. Under block_policy=auto the
 * recording keeps its forecast (block_policy.h, record_budget): it stops where the forecast
 * says further instructions cannot pay, designates the block through the IO instruction of the
 * best balance, and returns FOLLOW_UNPROFITABLE where none past the first (or the prefix's
 * last) has a positive one.
 */
#define FOLLOW_UNPROFITABLE (-2)
int follow_record(struct blockio *bio, struct vcpu *v, struct block *b, const struct block *prefix, u32 at,
                  u32 *insns, u32 *nio);

/* trace=blocks: logs where and why the last recording ended, with the bytes there. */
void follow_print_stop(void);

/* Replays followed block b from its instruction `from` (pg: its code pages, block_run.h):
 * from 0, or where another path of the same start with the same first `from` addresses left
 * off (table_path_from); returns the IO instructions run and sets *insns to the instructions
 * run. */
struct block_pages;
u32 follow_run(struct blockio *bio, struct vcpu *v, const struct block *b, struct block_pages *pg,
               u32 from, u32 *insns);

#endif
