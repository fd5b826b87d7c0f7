/*
 * The table unit (claims 10, 11, 13, 17): a cache from the address of an IO
 * instruction to its block (size, hash, decoded form). Set-associative: TABLE_ENTRIES slots in
 * sets of TABLE_WAYS, the set chosen by a mix of the address and the code mode. A start address
 * may hold several followed blocks at once, one per path the guest took from it (issue 11 item
 * 3: a console driver's accessor returns to several callers); it holds one scanned block (the
 * forward scan finds one block from an address). Replacement: a new block takes an invalid way
 * of its set, else the least recently used one; a block whose bytes no longer hash the same is
 * invalidated and replaced by the re-designated one. Pure C.
 */
#ifndef DISPATCHER_TABLE_H
#define DISPATCHER_TABLE_H

#include "block.h"

#define TABLE_ENTRIES 256
#define TABLE_WAYS 8 /* ways per set: the most paths kept per start address */
#define TABLE_SETS (TABLE_ENTRIES / TABLE_WAYS)
/*
 * Storage sized by what blocks hold (issue 11): one arena of instruction records and one of code
 * bytes, shared by all slots. A slot being filled reserves room at the arena's head (a scan
 * BLOCK_SCAN_MAX_*, a followed recording BLOCK_MAX_*), its commit gives back what the block does
 * not use, and the head goes round: the blocks whose storage a reservation takes leave the table
 * (first in, first out, as a trace cache's). The arena holds several of the longest blocks.
 */
#define TABLE_ARENA_INSNS 6144
#define TABLE_ARENA_BYTES (64 * 1024)
#define TABLE_NO_SLOT 0xffff

struct block_arena {
	u64 lin[TABLE_ARENA_INSNS];
	u16 offset[TABLE_ARENA_INSNS];
	u16 next[TABLE_ARENA_INSNS];
	u16 taken[TABLE_ARENA_INSNS];
	u8 iflags[TABLE_ARENA_INSNS];
	struct interp_fast fast[TABLE_ARENA_INSNS];
	struct replay_op rp[TABLE_ARENA_INSNS];
	struct insn insns[TABLE_ARENA_INSNS];
	u8 bytes[TABLE_ARENA_BYTES];
};

struct block_table {
	bool valid[TABLE_ENTRIES];
	struct block slot[TABLE_ENTRIES];
	u32 used[TABLE_ENTRIES]; /* when each slot was last looked up, committed or continued on */
	u32 clock;
	/* Each slot's storage: the first instruction record and byte it holds (its capacity is
	 * max_insns and max_bytes; 0 when it holds none). */
	u32 at_insn[TABLE_ENTRIES], at_byte[TABLE_ENTRIES];
	bool held[TABLE_ENTRIES]; /* whether the slot holds storage now */
	u32 head_insn, head_byte; /* where the next reservation goes */
	u16 last;                 /* the slot holding the latest reservation, or TABLE_NO_SLOT */
	u64 replacements; /* a valid entry evicted by another block (its way or its storage taken) */
	struct block_arena arena;
};

void table_init(struct block_table *t);
/* The entry for (rip_linear, mode), or NULL; of several paths, the one used last. */
struct block *table_lookup(struct block_table *t, u64 rip_linear, u8 mode);
/* The slot a block for (rip_linear, mode) goes to; it is marked valid by table_commit. A
 * scanned block of the same key leaves the table (there is one scan from an address); followed
 * ones stay (other paths). */
struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode);
/* A slot with room for a recording of another path from p's start (p valid, just used),
 * neither p nor p's storage; NULL when the set has one way. */
struct block *table_slot_beside(struct block_table *t, const struct block *p);
/* Another followed path from b's start that the guest is on after b's first n instructions ran
 * and RIP left b for `lin`: the same addresses for its first n instructions, `lin` for its
 * (n+1)th. NULL when none. It becomes the one used last. */
struct block *table_path_from(struct block_table *t, const struct block *b, u32 n, u64 lin);
/* Gives b (a slot from table_slot) room for a followed block's recording. */
void table_grow(struct block_table *t, struct block *b);
void table_commit(struct block_table *t, struct block *b);
void table_invalidate(struct block_table *t, struct block *b);
/* b (valid) stays in the table as a mark with no storage: no instructions, no code bytes. The
 * block policy keeps a declined start so (block_policy.h), where the arena's turnover would
 * otherwise drop it with its storage and forget the verdict. */
void table_release(struct block_table *t, struct block *b);
/* Whether b (a slot of t) holds a block now. */
bool table_valid(const struct block_table *t, const struct block *b);
/* The valid paths from b's start, b's own way among them (b valid): their count, in out[]. */
u32 table_paths(struct block_table *t, const struct block *b, struct block *out[TABLE_WAYS]);

#endif
