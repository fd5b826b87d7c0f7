/*
 * Block IO virtualization (DESIGN.md section 3; the claims in shared/): the
 * data shared by the scanner, table, hash, RIP-update and block-dispatch units.
 * A block runs from the IO instruction that exited through the last IO
 * instruction the scanner could reach; every instruction in it is one the
 * interpreter emulates exactly. Pure C.
 */
#ifndef DISPATCHER_BLOCK_H
#define DISPATCHER_BLOCK_H

#include "../emul/decode.h"
#include "../emul/interp_fast.h"
#include "replay.h"
#include "block_policy.h"

#define BLOCK_MAX_BYTES 4096 /* most code bytes one block keeps: bounds the hash */
#define BLOCK_SCAN_MAX_BYTES 256 /* longest block the forward scan designates */
/* Longest block run in one exit (issue 11 item 4: a console line in few exits). A block ends
 * after an IO instruction that makes an interrupt deliverable (block_stops_after_io); a timer
 * deadline that passes inside a block is seen at the exit that ends it, so this bounds the
 * timer interrupt's lateness: 1,024 guest instructions. */
#define BLOCK_MAX_INSNS 1024
#define BLOCK_SCAN_MAX_INSNS 32 /* longest block the forward scan designates */
#define BLOCK_EXTENT_CPU_MAX 4096 /* how far extent=cpu looks ahead, page by page */
/* A cached single (no further IO instruction in the extent) runs nothing from the cache, so its
 * bytes are re-checked only every SINGLE_RECHECK hits: enough to find a block that new code
 * brings, without the hash on every single IO exit. */
#define SINGLE_RECHECK 64
/* A followed block records one path through data-dependent code (the character a console
 * driver happened to print, the caller an accessor returns to); after this many replays leave
 * that path before its last IO instruction with no other recorded path of the same start to go
 * on along, the path the guest takes then is recorded beside it, from where it parts (the table
 * keeps up to TABLE_WAYS paths per start address). */
#define FOLLOW_RERECORD 4

enum block_extent { BLOCK_EXTENT_BYTES, BLOCK_EXTENT_PAGE, BLOCK_EXTENT_CPU };

struct block_config {
	bool enabled;              /* block_io=on */
	enum block_extent extent;
	u32 extent_bytes;          /* for BLOCK_EXTENT_BYTES */
	bool trace;                /* trace=blocks */
	bool follow;               /* block_follow=on: trace.h, 64-bit code */
	bool code_gen;             /* block_wp=on: write-protect cached code, hash only when written */
	enum block_policy_mode policy;  /* block_policy= (block_policy.h) */
	u64 exit_cost;             /* exit_cost=N: C in TSC ticks; 0: as measured at start */
};

/* Most code ranges one block's bytes come from (a followed block jumps between functions). */
#define BLOCK_MAX_SEGS 32

/* A range of the block's code: `len` bytes at `linear`, kept at bytes[off]. */
struct block_seg {
	u64 linear;
	u16 off;
	u16 len;
};

/* Most code pages whose generations a block keeps: a followed hit touches about five. */
#define BLOCK_GEN_PAGES 8

/* A designated block: decoded form and the bytes it was decoded from. */
struct block {
	u64 rip_linear; /* CS base + RIP of the first (the exiting IO) instruction */
	u8 mode;        /* enum cpu_mode */
	u16 len;        /* bytes from rip_linear through the end of the last IO instruction */
	u16 ninsns;
	u16 nio;        /* IO instructions in it */
	u64 hash;
	u32 unverified; /* single-IO entries: hits since the bytes were last checked */
	u32 diverged;   /* followed blocks: replays that left this path for one not recorded */
	/* Where the bytes are: the scanner's blocks are one range from rip_linear; a followed
	 * block (follow.h) has one range per stretch of straight-line code it ran through. */
	u8 nseg;
	bool followed;
	struct block_seg seg[BLOCK_MAX_SEGS];
	/* Its storage in the table's arena (table.h), sized by what the block holds: capacity and
	 * arrays. Per instruction: its linear address (followed blocks), offset from rip_linear,
	 * the links the scanner made (the index of the instruction that follows it, and the target
	 * of a taken JMP/Jcc; BLOCK_NO_INSN where that leaves the block), what it may do
	 * (BLOCK_I_*), its precompiled forms and its decoded form; then the code bytes. */
	u16 max_insns, max_bytes;
	u64 *lin;
	u16 *offset;
	u16 *next, *taken;
	u8 *iflags;
	struct interp_fast *fast;
	struct replay_op *rp; /* followed blocks: the direct replay form of each (replay.h) */
	struct insn *insns;
	u8 *bytes;
	/* The generation of each of the code's guest-physical pages (page_gen.h) when its bytes
	 * were last hashed and found the same, in the order a walk of seg[] meets them; ngen 0
	 * when not known (a fresh block, more than BLOCK_GEN_PAGES pages, one not protected). */
	u8 ngen;
	u64 gen[BLOCK_GEN_PAGES];
	/* the linear pages of seg[], each once, in the order the ranges meet them */
	u8 ngen_lin;
	u64 gen_lin[BLOCK_GEN_PAGES];
	/* block_policy.h: this path's ledger (root-mode ticks its exits spent, and what its IO
	 * instructions would have cost one exit each), its runs since its start was last judged,
	 * whether its start is declined, and the one-exit handlings since it was */
	u64 spent, worth;
	u32 judge_runs;
	bool declined;
	u32 declined_hits;
	bool deferred; /* a single standing for a start not recorded yet (BPOL_HOT_HITS) */
	bool judged;   /* judged once: the next judgement after BPOL_JUDGE_RUNS runs */
};

/* A store for one block outside the table (the unit tests, micro_block), NI instructions and NB
 * bytes; the table's blocks live in its arena (table.h). */
#define BLOCK_STORE(name, NI, NB)                                                              \
	struct name {                                                                              \
		u64 lin[NI];                                                                           \
		u16 offset[NI];                                                                        \
		u16 next[NI];                                                                          \
		u16 taken[NI];                                                                         \
		u8 iflags[NI];                                                                         \
		struct interp_fast fast[NI];                                                           \
		struct replay_op rp[NI];                                                               \
		struct insn insns[NI];                                                                 \
		u8 bytes[NB];                                                                          \
	}
BLOCK_STORE(block_store_scan, BLOCK_SCAN_MAX_INSNS, BLOCK_SCAN_MAX_BYTES);

#define block_use_store(b, s) /* s: a struct block_store_scan */                               \
	do {                                                                                       \
		(b)->max_insns = (u16)ARRAY_SIZE((s)->insns);                                          \
		(b)->max_bytes = (u16)sizeof((s)->bytes);                                              \
		(b)->lin = (s)->lin;                                                                   \
		(b)->offset = (s)->offset;                                                             \
		(b)->next = (s)->next;                                                                 \
		(b)->taken = (s)->taken;                                                               \
		(b)->iflags = (s)->iflags;                                                             \
		(b)->fast = (s)->fast;                                                                 \
		(b)->rp = (s)->rp;                                                                     \
		(b)->insns = (s)->insns;                                                               \
		(b)->bytes = (s)->bytes;                                                               \
	} while (0)

#define BLOCK_NO_INSN 0xffff
#define BLOCK_I_IO 0x1     /* IN, OUT, INS, OUTS */
#define BLOCK_I_WRITES 0x2 /* may write guest memory: checked against the block's own bytes */

#define BLOCK_HIST_BUCKETS 8

struct block_stats {
	u64 runs;           /* exits handled as a block of two or more IO instructions */
	u64 singles;        /* IO exits with no further IO instruction in the extent */
	u64 hits, misses, mismatches; /* table lookups */
	u64 insns;          /* instructions emulated inside blocks */
	u64 io_in_blocks;   /* IO instructions emulated inside blocks */
	u64 early_ends;     /* blocks that stopped before their last IO instruction */
	u64 followed;       /* runs (of two or more IO instructions) of followed blocks */
	/* IO instructions per block run: [i] counts runs of i+2 IO instructions (the last bucket:
	 * BLOCK_HIST_BUCKETS+1 or more). */
	u64 io_hist[BLOCK_HIST_BUCKETS];
	/* Followed blocks recorded (follow_record calls that designated a block). */
	u64 recordings;
	/* Followed single-IO entries recorded again at their SINGLE_RECHECK'th hit. */
	u64 rerecorded_singles;
	/* Replays that left their path for another path recorded from the same start (table.h). */
	u64 path_switches;
	/* Root-mode TSC ticks spent in each part of block dispatch (issue 11 item 6): running cached
	 * blocks, checking their bytes (claim 10's hash), recording followed blocks, scanning. The
	 * rest of root_tsc is the exit itself and everything else. */
	u64 tsc_replay, tsc_check, tsc_record, tsc_scan;
	/* Code checks (claim 10) on table hits: hashes skipped because no code page's generation
	 * moved (page_gen.h), and hashes run. */
	u64 checks_skipped, checks_hashed;
};

#endif
