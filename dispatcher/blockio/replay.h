/*
 * Direct replay forms of followed blocks (issue 11 item 1): the stack and memory instructions
 * that fill the code between a driver's port accesses — PUSH r64, POP r64, CALL rel32, RET,
 * and MOV between a general register (or an immediate) and memory — reduced when the block is
 * recorded to an operation on the host address of the guest's bytes, found through the
 * per-exit translation cache (dispatcher/vcpu/gmem_tlb.h).
 *
 * A form runs only where the result is provably the general interpreter's: 64-bit code (the
 * only code followed blocks hold), a page the cache has already translated for an access of
 * the same kind in this exit (the rights held and the accessed/dirty flags are set, so the
 * walk would do nothing more), an access inside one page (canonical then, as the cached page
 * is), no alignment-check fault, and for a store a page that holds none of the block's code and
 * none of the paging structures of a cached walk. Anything else — the first access to a page,
 * FS/GS, a 67 prefix, AH..BH — returns REPLAY_SLOW with nothing changed, and the general
 * interpreter runs the instruction. The unit tests compare the two on random states with
 * random page-table changes between exits (test_replay.c). Pure C.
 */
#ifndef DISPATCHER_REPLAY_H
#define DISPATCHER_REPLAY_H

#include "../emul/decode.h"
#include "../vcpu/vcpu.h"

enum replay_kind { REPLAY_NONE, REPLAY_PUSH, REPLAY_POP, REPLAY_CALL, REPLAY_RET, REPLAY_LOAD, REPLAY_STORE,
                   REPLAY_STORE_IMM };

/* 4 bytes per instruction of a followed block's store; the memory operand and the immediate
 * stay in the decoded instruction. */
struct replay_op {
	u8 kind; /* enum replay_kind */
	u8 reg;  /* the register pushed, popped, loaded or stored */
	u8 size; /* LOAD/STORE: bytes */
	u8 pad;
};

enum replay_status { REPLAY_DONE = 0, REPLAY_SLOW = 1 };

/* The direct form of `in` (64-bit code), REPLAY_NONE when it has none. */
void replay_prepare(const struct insn *in, struct replay_op *op);

/*
 * What one block run remembers between its instructions: the last page loaded from and the
 * last page stored to, as gmem_tlb_fast validated them, while the translation cache is
 * unchanged (no drop: the same generation; for stores, no paging-structure page added since
 * the page was found free of them). The paging registers, CPL and RFLAGS.AC cannot change
 * within a run (no instruction of the subset writes them), so the #AC rule is fixed for it.
 */
struct gmem_tlb_entry;
struct replay_ctx {
	u32 gen;
	bool ac_check; /* CPL 3 with CR0.AM and RFLAGS.AC: misaligned accesses take the general path */
	u64 rpage, wpage; /* linear page numbers; ~0 for none */
	u8 *rhost, *whost;
	u32 wframes;
	struct gmem_tlb_entry *we;
};

/* Starts a run on v (inside an exit: v->tlb set). */
void replay_begin(struct replay_ctx *c, const struct vcpu *v);

/* The code pages of the running block, for the store check (block_run.h's struct block_pages). */
struct block_pages;

/*
 * Runs op (not REPLAY_NONE) for instruction `in` at v->rip: REPLAY_DONE with RIP, registers,
 * memory and dirty bits as interp_exec leaves them, or REPLAY_SLOW with nothing changed.
 */
int replay_exec(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                const struct block_pages *pg);

#endif
