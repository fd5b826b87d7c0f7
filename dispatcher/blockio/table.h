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
/* Large stores for followed blocks, lent round-robin: a followed block recorded takes the next
 * one, and the block that held it leaves the table. */
#define TABLE_FOLLOW_STORES 32
#define TABLE_NO_SLOT 0xffff

struct block_table {
	bool valid[TABLE_ENTRIES];
	struct block slot[TABLE_ENTRIES];
	struct block_store_scan small[TABLE_ENTRIES];
	struct block_store_follow large[TABLE_FOLLOW_STORES];
	u16 large_owner[TABLE_FOLLOW_STORES]; /* the slot holding each large store, or TABLE_NO_SLOT */
	u16 slot_large[TABLE_ENTRIES];        /* the large store a slot holds, or TABLE_NO_SLOT */
	u32 large_next;
	u32 used[TABLE_ENTRIES]; /* when each slot was last looked up, committed or continued on */
	u32 clock;
	u64 replacements; /* a valid entry evicted by another address (or by a large store's reuse) */
};

void table_init(struct block_table *t);
/* The entry for (rip_linear, mode), or NULL; of several paths, the one used last. */
struct block *table_lookup(struct block_table *t, u64 rip_linear, u8 mode);
/* The slot a block for (rip_linear, mode) goes to; it is marked valid by table_commit. A
 * scanned block of the same key leaves the table (there is one scan from an address); followed
 * ones stay (other paths). */
struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode);
/* A slot with a large store for another path from p's start (p valid, just used), neither p
 * nor p's store; NULL when the set has one way. */
struct block *table_slot_beside(struct block_table *t, const struct block *p);
/* Another followed path from b's start that the guest is on after b's first n instructions ran
 * and RIP left b for `lin`: the same addresses for its first n instructions, `lin` for its
 * (n+1)th. NULL when none. It becomes the one used last. */
struct block *table_path_from(struct block_table *t, const struct block *b, u32 n, u64 lin);
/* Gives b (a slot from table_slot) a large store, for a followed block's recording. */
void table_grow(struct block_table *t, struct block *b);
void table_commit(struct block_table *t, struct block *b);
void table_invalidate(struct block_table *t, struct block *b);

#endif
