/*
 * Direct replay forms of followed blocks (issue 11 item 1): the stack and memory instructions
 * that fill the code between a driver's port accesses — PUSH r64, POP r64, CALL rel32, RET,
 * CALL/JMP r64, MOV/MOVZX/MOVSX/MOVSXD between a general register (or an immediate) and memory,
 * the ALU group, TEST, INC/DEC/NOT/NEG and register shifts on registers, immediates and memory,
 * LEA, JMP and Jcc rel — reduced when the block is recorded to an operation on the registers and
 * the host address of the guest's bytes, found through the per-exit translation cache
 * (dispatcher/vcpu/gmem_tlb.h). Results and flags come from interp_alu.h, the interpreter's own
 * arithmetic. The IN and OUT between a block's first and last IO instruction run here too: the
 * bus called from the form, the block's stop after each checked as the general path checks it
 * (block_stops_after_io), lazy flags left pending (no device sees RFLAGS).
 *
 * A form runs only where the result is provably the general interpreter's: 64-bit code (the
 * only code followed blocks hold), a page the cache has already translated for an access of
 * the same kind in this exit (the rights held and the accessed/dirty flags are set, so the
 * walk would do nothing more), an access inside one page (canonical then, as the cached page
 * is), no alignment-check fault, and for a store a page that holds none of the block's code and
 * none of the paging structures of a cached walk. A read-modify-write of memory goes through
 * the page's write translation: a write that passed the rights check implies the read would
 * (no paging mode makes a page writable but not readable) and its flags include the read's.
 * Anything else — the first access to a page, a 67 prefix, AH..BH, a shift of memory, XCHG —
 * returns REPLAY_SLOW with nothing changed, and the general interpreter runs the instruction. The unit tests compare the two on random states with
 * random page-table changes between exits (test_replay.c). Pure C.
 */
#ifndef DISPATCHER_REPLAY_H
#define DISPATCHER_REPLAY_H

#include "../emul/decode.h"
#include "../emul/interp.h"
#include "../vcpu/vcpu.h"

enum replay_kind {
	REPLAY_NONE,
	REPLAY_PUSH, REPLAY_POP, REPLAY_CALL, REPLAY_RET, /* r64; rel32; near */
	REPLAY_LOAD, REPLAY_STORE, REPLAY_STORE_IMM,     /* MOV reg <- mem, mem <- reg / imm */
	REPLAY_ALU,       /* a data instruction through interp_compute (interp_alu.h): operands below */
	/* MOV between registers, of an immediate into one; MOVZX/MOVSX/MOVSXD between registers
	 * (alu: the kind); and LOAD: into a 32- or 64-bit register other than RSP (the others are
	 * REPLAY_ALU), so the write is one store of the value at its width */
	REPLAY_MOV_RR, REPLAY_MOV_RI,
	REPLAY_MOVX_RR,
	REPLAY_ALU_R,     /* ADD: a lazy-flag ALU instruction (REPLAY_F_LAZY) on a register, with a
	                   * register or an immediate (op.imm) of its width; the others below */
	REPLAY_LEA,
	REPLAY_JMP, REPLAY_JCC,         /* rel8/rel32 */
	REPLAY_CALL_REG, REPLAY_JMP_REG, /* FF /2, FF /4 with a register (retpolines off, or the thunk's) */
	REPLAY_NOP,       /* NOP (90, 0F 1F /0: the operand is not accessed) and PAUSE: RIP only */
	/* MOV r64 <- [base + disp], MOV [base + disp] <- r64: a base register, no index, no FS/GS,
	 * a displacement of 24 bits (replay_op.bd): the address without the decoded form */
	REPLAY_LOAD_B, REPLAY_STORE_B,
	REPLAY_SUB_R, REPLAY_AND_R, REPLAY_OR_R, REPLAY_XOR_R, /* as ALU_R: SUB/CMP, AND/TEST, OR, XOR */
	/* SHL/SHR/SAR of a 32- or 64-bit register by CL or an immediate (op.imm): lazy flags */
	REPLAY_SHIFT_R,
	/* a lazy-flag ALU instruction with its memory operand held in the op (REPLAY_F_BD): the
	 * memory the source (a register the destination), or the destination (a register or an
	 * immediate the source) */
	REPLAY_ALU_ML, REPLAY_ALU_MS,
	/* IN and OUT of AL/AX/EAX with an imm8 port (op.imm) or DX (REPLAY_F_PORT_DX), op.size
	 * bytes: the bus called directly (struct replay_ctx's io), only inside a block whose IO is
	 * allowed (block_io_allowed), never its last instruction (replay_mark_fetches) */
	REPLAY_IN, REPLAY_OUT,
	REPLAY_KINDS
};

/* REPLAY_ALU's operands and what it does (replay_op.flags). */
#define REPLAY_F_DST_MEM 0x01  /* the destination is the memory operand (else the register `reg`) */
#define REPLAY_F_SRC_REG 0x02  /* the source is register `src` */
#define REPLAY_F_SRC_IMM 0x04  /* the source is the immediate */
#define REPLAY_F_SRC_MEM 0x08  /* the source is the memory operand */
#define REPLAY_F_READS_DST 0x10
#define REPLAY_F_WRITES_DST 0x20
#define REPLAY_F_LAZY 0x40 /* its flags may wait (struct replay_ctx) */
/* In replay_op.kind beside any kind: the instruction's fetch may open a code page other than
 * the one the previous instruction of the recorded path ended on (block_fetch sets the
 * accessed flags there). In the kind, so that the dispatch's own range test finds it. */
#define REPLAY_K_FETCH 0x80
/* Beside REPLAY_K_FETCH: every page this fetch touches was fetched by an earlier instruction of
 * the path (one marked REPLAY_K_FETCH alone). A run that went through that one in this exit
 * (replay_ctx.seen_ok: the block ran from its first instruction) with the translation cache's
 * generation unchanged since (seen_gen) has nothing to do: the page's walk is marked for the
 * fetch and nothing cleared a flag since (a store into a paging structure drops the cache). */
#define REPLAY_K_SEEN 0x40
#define REPLAY_KIND(k) ((u8)((k) & (REPLAY_K_SEEN - 1))) /* the form, without the fetch marks */

/* 16 bytes per instruction of a followed block's store: the form and its operands, so that
 * the forms Linux's drivers run most never read the decoded instruction (64 bytes further
 * away); a memory operand other than a base register and a 24-bit displacement (an index, RIP,
 * FS/GS, a larger displacement) stays in the decoded instruction. */
struct replay_op {
	u8 kind;  /* enum replay_kind */
	u8 reg;   /* the register pushed, popped, loaded, stored, called or written (ALU, LEA); JCC: the condition */
	union {
		struct {
			u8 size;  /* LOAD/STORE: bytes of the memory operand; ALU, LEA: of the destination */
			u8 alu;   /* ALU: enum insn_kind; JCC: the condition; LOAD: the kind (MOV, MOVZX...) */
			u8 src;   /* ALU: the source register */
			u8 ssize; /* ALU: bytes of the source; LOAD: of the destination register */
		};
		/* LOAD_B, STORE_B: the base register in the low byte, the displacement (signed, 24
		 * bits) above it; CALL, JMP, JCC: the displacement (rel8/rel32, signed 32 bits);
		 * little-endian */
		u8 bd[4];
	};
	u8 flags; /* REPLAY_F_* */
	u8 len;   /* the instruction's length */
	union {
		/* ALU_R: the immediate (sign-extended to 64 bits, as decoded); MOV_RI: it at the
		 * destination's width; MOV_RR: the destination's width as a mask; CALL, JMP, JCC: the
		 * address of the next instruction (replay_bind) */
		u64 imm;
		/* the memory forms (REPLAY_F_BD): the memory operand as LOAD_B's bd (base register,
		 * 24-bit displacement); STORE_IMM and ALU with a memory operand: the immediate,
		 * sign-extended from 32 bits (no memory form takes a larger one) */
		struct {
			u32 ea;
			i32 imm32;
		};
	};
};
_Static_assert(sizeof(struct replay_op) == 16, "16 bytes per stored instruction");
#define REPLAY_BD_DISP_MIN (-(1 << 23))
#define REPLAY_BD_DISP_MAX ((1 << 23) - 1)
/* In replay_op.flags of the memory forms (LOAD, STORE, STORE_IMM, ALU, LEA): the memory
 * operand is replay_op.ea (a base register and a 24-bit displacement, no index, no FS/GS base),
 * the immediate replay_op.imm32: the decoded instruction is not read. */
#define REPLAY_F_BD 0x80
/* In replay_op.flags of CALL, JMP and JCC (replay_bind): the recorded next instruction is the
 * branch's target, or (JCC) the one after it; a way that is not the path's ends the run there. */
#define REPLAY_F_PATH_TAKEN 0x01
#define REPLAY_F_PATH_NEXT 0x02
/* In replay_op.flags of IN and OUT: the port is DX (else replay_op.imm, the imm8). */
#define REPLAY_F_PORT_DX 0x01

enum replay_status { REPLAY_DONE = 0, REPLAY_SLOW = 1 };

/* The direct form of `in` (64-bit code), REPLAY_NONE when it has none. */
void replay_prepare(const struct insn *in, struct replay_op *op);

/*
 * What one block run remembers between its instructions: the last page loaded from and the
 * last two pages stored to, as gmem_tlb_fast validated them, while the translation cache is
 * unchanged: the same generation (no drop) and, for the pages stored to, the same list of
 * paging-structure frames (nframes) they were found free of, so a store through them needs no
 * check (replay_mem.h). The paging registers, CPL and RFLAGS.AC cannot change within a run
 * (no instruction of the subset writes them), so the #AC rule is fixed for it.
 */
struct gmem_tlb_entry;
struct block_pages;
/* A remembered page: its linear base (REPLAY_NO_BASE: none), the end of the offsets an 8-byte
 * access may start at (PAGE_SIZE - 7; 0 for none: one unsigned compare tests both the page and
 * that the access stays inside it), its host bytes. */
struct replay_page {
	u64 base;
	u64 end8;
	u8 *host;
};
/* The fetch memo: direct-mapped by the linear page number's low bits (a page that shares a
 * slot with another just takes the out-of-line path again); REPLAY_FETCH_NONE: an empty slot. */
#define REPLAY_FETCH_PAGES 8
#define REPLAY_FETCH_NONE 1ULL
#define REPLAY_FETCH_SLOT(page) (((page) >> PAGE_SHIFT) % REPLAY_FETCH_PAGES)
struct replay_ctx {
	u32 gen;
	u32 nframes; /* the cache's nframes the write pages were found free of */
	bool ac_check; /* CPL 3 with CR0.AM and RFLAGS.AC: misaligned accesses take the general path */
	u8 canon_shift; /* 64 - the linear-address width (CR4.LA57), for the canonical checks */
	/* Lazy flags: the last ADD/OR/AND/SUB/XOR/CMP/TEST's, or register shift's by a count that
	 * is not 0, width and kind (lz_sk: replay_op's size in the low byte, its alu above; 0: none
	 * pending) and operands (a shift's: the value and the masked count); RFLAGS gets their
	 * status flags (interp_compute of the same inputs: those kinds read no flag) only when
	 * something reads RFLAGS or the run ends (replay_flush), and VCPU_DIRTY_RFLAGS with them.
	 * The next such instruction writes all six status flags, so a pending one is then dropped.
	 * A JE/JNE reads ZF from the result. */
	u16 lz_sk;
	u64 lz_a, lz_b, lz_r;
	/* the pages: the last written, the one written before it (a stack and a data page in
	 * turn), the last read (replay_mem.h) */
	struct replay_page w, w2, r;
	/* the code pages (linear) an instruction fetch of the run went through in the cache's
	 * generation fgen (replay.c fetch_memo) */
	u32 fgen;
	u64 fetch[REPLAY_FETCH_PAGES];
	/* the running block's code pages (store checks) and the last code page fetched from
	 * (block_fetch's *page), for the out-of-line paths */
	const struct block_pages *pg;
	u64 fetch_page;
	const struct insn *insns; /* the decoded forms of the ops run (immediates, memory operands) */
	/* IN and OUT (replay_io): the bus, whether the block may run them (io_ok: block_io_allowed,
	 * fixed for a run; false after replay_begin, so replay_exec never does), the block units'
	 * state for the stop after each (block_stops_after_io), how many ran and whether one
	 * stopped the run (the caller ends the block there) */
	struct interp_io io;
	const struct blockio *bio;
	bool io_ok, io_stop;
	u32 nio;
	/* REPLAY_K_SEEN holds while seen_ok and the cache's generation is seen_gen (replay_seen) */
	bool seen_ok;
	u32 seen_gen;
};

/* Starts a run on v (inside an exit: v->tlb set). */
void replay_begin(struct replay_ctx *c, const struct vcpu *v);
/* Lets the runs of c run the IN and OUT forms of a block (bio's): through io, allowed when
 * io_ok (block_io_allowed); the run then stops after one where block_stops_after_io says so,
 * setting c->io_stop, and counts them in c->nio. */
struct blockio;
void replay_io(struct replay_ctx *c, const struct blockio *bio, struct interp_io io, bool io_ok);
/* The runs of c replay a block from its first instruction in this exit, each instruction
 * fetched in order: REPLAY_K_SEEN may skip a fetch while the cache's generation holds. */
void replay_seen(struct replay_ctx *c);

/*
 * Runs op for instruction `in` at v->rip (pg: the running block's code pages, block_run.h, for
 * the store check): REPLAY_DONE with RIP, registers, memory and dirty bits as interp_exec
 * leaves them and RFLAGS as it leaves them once replay_flush has run, or REPLAY_SLOW with
 * nothing changed (flags still pending; REPLAY_NONE too). The same code as replay_run's (a
 * path of one instruction), which the differential tests reach through it.
 */
int replay_exec(struct vcpu *v, struct replay_ctx *c, const struct replay_op *op, const struct insn *in,
                const struct block_pages *pg);

/* Writes the pending lazy flags into RFLAGS: before anything but the direct forms runs. */
void replay_flush(struct vcpu *v, struct replay_ctx *c);

/*
 * Binds a relative branch (CALL, JMP, JCC) at linear lin to its place in the recorded path:
 * the next instruction's address in op->imm, the path's way in REPLAY_F_PATH_* (next: the
 * recorded next instruction's address, when there is one). A target that is not canonical for
 * 4-level paging (so for neither) makes it REPLAY_NONE: the general path decides the #GP. Other
 * kinds are left as they are.
 */
void replay_bind(struct replay_op *op, u64 lin, bool has_next, u64 next);

/*
 * Marks the instructions of a followed block whose fetch leaves the code page the previous one
 * ended on (REPLAY_K_FETCH): the path is fixed (replay_run's guard), so where block_fetch has
 * work to do is known when the block is recorded; and those whose pages an earlier such fetch
 * of the path touched already (REPLAY_K_SEEN). Also takes the direct form from a
 * non-branching instruction whose next recorded instruction is not at its end (replay_run
 * compares only branch targets with the path) and from the last instruction (replay_run's
 * stop), and binds the relative branches to the path (replay_bind).
 */
void replay_mark_fetches(struct replay_op *rp, const u64 *lin, const struct insn *insns, u32 n);

/*
 * The fetch of an instruction of len bytes at linear lin whose recorded path leaves the code
 * page the previous one ended on (REPLAY_K_FETCH): block_fetch's work (*fetch_page as it keeps
 * it), unless a fetch of this exit went through the page's cached walk already.
 */
void replay_fetch(struct vcpu *v, struct replay_ctx *c, u64 lin, u32 len, u64 *fetch_page);
/* Empties the fetch memo, for the cache's generation gen. */
void replay_fetch_forget(struct replay_ctx *c, u32 gen);

/*
 * Runs instructions i, i+1, ... of followed block b (64-bit code, v in 64-bit mode, an exit's
 * translation cache attached) through their direct forms while each has one, is where the
 * recorded path says (RIP = its linear address: CS base is 0 in 64-bit mode, SDM Vol. 3A 3.4.4)
 * and runs; *fetch_page as block_fetch keeps it. Returns the index of the first instruction it
 * did not run: the caller takes it through the general path (or ends the block, where
 * c->io_stop says an IN or OUT form ended it). RFLAGS is flushed (replay_flush) on return. Only a block whose last instruction has no direct form (a
 * followed block's ends with its IO instruction) is run directly: else none of it.
 */
struct block;
u32 replay_run(struct vcpu *v, struct replay_ctx *c, const struct block *b, u32 i, const struct block_pages *pg,
               u64 *fetch_page);

#endif
