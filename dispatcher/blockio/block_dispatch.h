/*
 * Block dispatch (DESIGN.md section 3, claims 1, 10, 14, 18): on an IO exit,
 * look the instruction's address up in the table; on a hit whose bytes still
 * hash the same, emulate the cached block; otherwise scan, store and emulate;
 * with no further IO instruction in the extent, leave the single instruction to
 * the one-exit path. Pure C.
 */
#ifndef DISPATCHER_BLOCK_DISPATCH_H
#define DISPATCHER_BLOCK_DISPATCH_H

#include "block.h"
#include "table.h"
#include "../vcpu/vcpu.h"

struct dispatcher;

/* Returns true when it emulated a block of two or more IO instructions for this exit, false
 * when the exit must be handled one instruction at a time (handle_io's path). */
bool block_dispatch(struct dispatcher *d, struct vcpu *v);

#endif
