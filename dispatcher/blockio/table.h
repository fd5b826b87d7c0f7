/*
 * The table unit (claims 10, 11, 13, 17): a cache from the address of an IO
 * instruction to its block (size, hash, decoded form). Direct-mapped with
 * TABLE_ENTRIES slots indexed by a mix of the address and the code mode;
 * replacement policy: a new block takes its slot, whatever held it, and a
 * block whose bytes no longer hash the same is replaced by the re-scanned one.
 * Pure C.
 */
#ifndef DISPATCHER_TABLE_H
#define DISPATCHER_TABLE_H

#include "block.h"

#define TABLE_ENTRIES 256
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
	u64 replacements; /* a valid entry evicted by another address (or by a large store's reuse) */
};

void table_init(struct block_table *t);
/* The entry for (rip_linear, mode), or NULL. */
struct block *table_lookup(struct block_table *t, u64 rip_linear, u8 mode);
/* The slot a block for (rip_linear, mode) goes to; it is marked valid by table_commit. */
struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode);
/* Gives b (a slot from table_slot) a large store, for a followed block's recording. */
void table_grow(struct block_table *t, struct block *b);
void table_commit(struct block_table *t, struct block *b);
void table_invalidate(struct block_table *t, struct block *b);

#endif
