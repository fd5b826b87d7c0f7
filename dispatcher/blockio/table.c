/* Direct-mapped block cache; see table.h. */
#include "table.h"

static u32 index_of(u64 rip_linear, u8 mode)
{
	u64 h = (rip_linear ^ ((u64)mode << 56)) * 0x9e3779b97f4a7c15ULL; /* Fibonacci hashing */
	return (u32)(h >> 56) % TABLE_ENTRIES;
}

void table_init(struct block_table *t)
{
	for (u32 i = 0; i < TABLE_ENTRIES; i++)
		t->valid[i] = false;
	t->replacements = 0;
}

struct block *table_lookup(struct block_table *t, u64 rip_linear, u8 mode)
{
	u32 i = index_of(rip_linear, mode);
	if (!t->valid[i] || t->slot[i].rip_linear != rip_linear || t->slot[i].mode != mode)
		return 0;
	return &t->slot[i];
}

struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode)
{
	u32 i = index_of(rip_linear, mode);
	if (t->valid[i] && (t->slot[i].rip_linear != rip_linear || t->slot[i].mode != mode))
		t->replacements++;
	t->valid[i] = false;
	return &t->slot[i];
}

void table_commit(struct block_table *t, struct block *b)
{
	t->valid[(u32)(b - t->slot)] = true;
}

void table_invalidate(struct block_table *t, struct block *b)
{
	t->valid[(u32)(b - t->slot)] = false;
}
