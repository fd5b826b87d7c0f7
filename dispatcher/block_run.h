/*
 * What block_dispatch.c and trace.c share to run a block's instructions under the rules of
 * DESIGN.md section 3 (IO permission, writes into the block's own code, the end of the guest's
 * run). Not for use outside the block units. Pure C.
 */
#ifndef DISPATCHER_BLOCK_RUN_H
#define DISPATCHER_BLOCK_RUN_H

#include "block.h"
#include "interp.h"
#include "vcpu.h"

struct dispatcher;

static inline bool block_is_io(enum insn_kind k)
{
	return k == INSN_IN || k == INSN_OUT || k == INSN_INS || k == INSN_OUTS;
}

/* IO permission without the TSS bitmap (SDM Vol. 1 19.5): real mode, or CPL <= IOPL outside
 * virtual-8086 mode. Anything else might #GP natively, so a block ends before such an IO. */
bool block_io_allowed(const struct vcpu *v);

/* Does a write to [lin, lin+len) touch one of the block's code ranges, by address or through
 * another mapping of the same physical page? (When that cannot be told: yes.) */
bool block_writes_into(struct vcpu *v, const struct block *b, u64 lin, u64 len);

/* The IO bus as the interpreter's port interface. */
struct interp_io block_bus(struct dispatcher *d);

/* The guest's run is over (a debug exit or a reset request): a block stops. */
bool block_run_over(struct dispatcher *d);

#endif
