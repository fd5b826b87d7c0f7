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

#define BLOCK_MAX_BYTES 512 /* longest block kept: bounds the table and the hash */
#define BLOCK_SCAN_MAX_BYTES 256 /* longest block the forward scan designates */
#define BLOCK_MAX_INSNS 128 /* longest block run in one exit: bounds interrupt latency */
#define BLOCK_SCAN_MAX_INSNS 32 /* longest block the forward scan designates */
#define BLOCK_EXTENT_CPU_MAX 4096 /* how far extent=cpu looks ahead, page by page */
/* A cached single (no further IO instruction in the extent) runs nothing from the cache, so its
 * bytes are re-checked only every SINGLE_RECHECK hits: enough to find a block that new code
 * brings, without the hash on every single IO exit. */
#define SINGLE_RECHECK 64
/* A followed block records one path through data-dependent code (the character a console
 * driver happened to print); after this many replays in a row leave that path before its last
 * IO instruction, it is recorded again from the path the guest takes now. */
#define FOLLOW_RERECORD 4

enum block_extent { BLOCK_EXTENT_BYTES, BLOCK_EXTENT_PAGE, BLOCK_EXTENT_CPU };

struct block_config {
	bool enabled;              /* block_io=on */
	enum block_extent extent;
	u32 extent_bytes;          /* for BLOCK_EXTENT_BYTES */
	bool trace;                /* trace=blocks */
	bool follow;               /* block_follow=on: trace.h, 64-bit code */
};

/* Most code ranges one block's bytes come from (a followed block jumps between functions). */
#define BLOCK_MAX_SEGS 32

/* A range of the block's code: `len` bytes at `linear`, kept at bytes[off]. */
struct block_seg {
	u64 linear;
	u16 off;
	u16 len;
};

/* A designated block: decoded form and the bytes it was decoded from. */
struct block {
	u64 rip_linear; /* CS base + RIP of the first (the exiting IO) instruction */
	u8 mode;        /* enum cpu_mode */
	u16 len;        /* bytes from rip_linear through the end of the last IO instruction */
	u8 ninsns;
	u8 nio;         /* IO instructions in it */
	u64 hash;
	u32 unverified; /* single-IO entries: hits since the bytes were last checked */
	u32 diverged;   /* followed blocks: replays in a row that left the recorded path early */
	/* Where the bytes are: the scanner's blocks are one range from rip_linear; a followed
	 * block (trace.h) has one range per stretch of straight-line code it ran through. */
	u8 nseg;
	bool followed;
	struct block_seg seg[BLOCK_MAX_SEGS];
	u64 lin[BLOCK_MAX_INSNS]; /* followed blocks: the linear address of each instruction */
	u8 bytes[BLOCK_MAX_BYTES];
	u16 offset[BLOCK_MAX_INSNS]; /* of each instruction from rip_linear */
	/* Linked by the scanner so a run needs no search: the index of the instruction that
	 * follows each one (fall-through, and the target of a taken JMP/Jcc), BLOCK_NO_INSN where
	 * that leaves the block; and what each one may do (BLOCK_I_*). */
	u8 next[BLOCK_MAX_INSNS];
	u8 taken[BLOCK_MAX_INSNS];
	u8 iflags[BLOCK_MAX_INSNS];
	struct interp_fast fast[BLOCK_MAX_INSNS]; /* the precompiled form of each, if it has one */
	struct insn insns[BLOCK_MAX_INSNS];
};

#define BLOCK_NO_INSN 0xff
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
};

#endif
