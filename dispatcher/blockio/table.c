/* Direct-mapped block cache; see table.h. */
#include "table.h"

static u32 index_of(u64 rip_linear, u8 mode)
{
	u64 h = (rip_linear ^ ((u64)mode << 56)) * 0x9e3779b97f4a7c15ULL; /* Fibonacci hashing */
	return (u32)(h >> 56) % TABLE_ENTRIES;
}

void table_init(struct block_table *t)
{
	for (u32 i = 0; i < TABLE_ENTRIES; i++) {
		t->valid[i] = false;
		t->slot_large[i] = TABLE_NO_SLOT;
		block_use_store(&t->slot[i], &t->small[i]);
	}
	for (u32 k = 0; k < TABLE_FOLLOW_STORES; k++)
		t->large_owner[k] = TABLE_NO_SLOT;
	t->large_next = 0;
	t->replacements = 0;
}

/* Slot i goes back to its small store; its large one is free. */
static void shrink(struct block_table *t, u32 i)
{
	if (t->slot_large[i] == TABLE_NO_SLOT)
		return;
	t->large_owner[t->slot_large[i]] = TABLE_NO_SLOT;
	t->slot_large[i] = TABLE_NO_SLOT;
	block_use_store(&t->slot[i], &t->small[i]);
}

void table_grow(struct block_table *t, struct block *b)
{
	u32 i = (u32)(b - t->slot);
	if (t->slot_large[i] != TABLE_NO_SLOT)
		return;
	u32 k = t->large_next++ % TABLE_FOLLOW_STORES;
	u16 owner = t->large_owner[k];
	if (owner != TABLE_NO_SLOT) {
		t->replacements += t->valid[owner];
		t->valid[owner] = false;
		shrink(t, owner);
	}
	t->large_owner[k] = (u16)i;
	t->slot_large[i] = (u16)k;
	block_use_store(b, &t->large[k]);
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
	shrink(t, i);
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
