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

struct block_table {
	bool valid[TABLE_ENTRIES];
	struct block slot[TABLE_ENTRIES];
	u64 replacements; /* a valid entry evicted by another address */
};

void table_init(struct block_table *t);
/* The entry for (rip_linear, mode), or NULL. */
struct block *table_lookup(struct block_table *t, u64 rip_linear, u8 mode);
/* The slot a block for (rip_linear, mode) goes to; it is marked valid by table_commit. */
struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode);
void table_commit(struct block_table *t, struct block *b);
void table_invalidate(struct block_table *t, struct block *b);

#endif
