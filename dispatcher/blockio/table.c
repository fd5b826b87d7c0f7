/* Set-associative block cache; see table.h. */
#include "table.h"

/* The first slot of the set for (rip_linear, mode). */
static u32 set_of(u64 rip_linear, u8 mode)
{
	u64 h = (rip_linear ^ ((u64)mode << 56)) * 0x9e3779b97f4a7c15ULL; /* Fibonacci hashing */
	return (u32)(h >> 56) % TABLE_SETS * TABLE_WAYS;
}

static bool holds(const struct block_table *t, u32 i, u64 rip_linear, u8 mode)
{
	return t->valid[i] && t->slot[i].rip_linear == rip_linear && t->slot[i].mode == mode;
}

void table_init(struct block_table *t)
{
	for (u32 i = 0; i < TABLE_ENTRIES; i++) {
		t->valid[i] = false;
		t->slot_large[i] = TABLE_NO_SLOT;
		t->slot[i].followed = false;
		block_use_store(&t->slot[i], &t->small[i]);
	}
	for (u32 k = 0; k < TABLE_FOLLOW_STORES; k++)
		t->large_owner[k] = TABLE_NO_SLOT;
	t->large_next = 0;
	t->replacements = 0;
	for (u32 i = 0; i < TABLE_ENTRIES; i++)
		t->used[i] = 0;
	t->clock = 0;
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
	u32 s0 = set_of(rip_linear, mode), best = TABLE_NO_SLOT;
	for (u32 i = s0; i < s0 + TABLE_WAYS; i++)
		if (holds(t, i, rip_linear, mode) && (best == TABLE_NO_SLOT || t->used[i] > t->used[best]))
			best = i;
	if (best == TABLE_NO_SLOT)
		return 0;
	t->used[best] = ++t->clock;
	return &t->slot[best];
}

struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode)
{
	u32 s0 = set_of(rip_linear, mode), pick = TABLE_NO_SLOT;
	for (u32 i = s0; i < s0 + TABLE_WAYS; i++) {
		if (holds(t, i, rip_linear, mode) && !t->slot[i].followed)
			t->valid[i] = false; /* a scanned block of this key: the new one replaces it */
		if (!t->valid[i] && pick == TABLE_NO_SLOT)
			pick = i;
	}
	if (pick == TABLE_NO_SLOT) { /* the least recently used way */
		pick = s0;
		for (u32 i = s0 + 1; i < s0 + TABLE_WAYS; i++)
			if (t->used[i] < t->used[pick])
				pick = i;
		t->replacements++;
	}
	t->valid[pick] = false;
	shrink(t, pick);
	return &t->slot[pick];
}

struct block *table_slot_beside(struct block_table *t, const struct block *p)
{
	struct block *b = table_slot(t, p->rip_linear, p->mode);
	if (b == p)
		return 0; /* p is the one used last: only a one-way set gives it back */
	u16 keep = t->slot_large[p - t->slot];
	if (keep != TABLE_NO_SLOT && t->large_next % TABLE_FOLLOW_STORES == keep)
		t->large_next++; /* p's instructions are the new block's prefix: its store stays */
	table_grow(t, b);
	return b;
}

struct block *table_path_from(struct block_table *t, const struct block *b, u32 n, u64 lin)
{
	u32 s0 = set_of(b->rip_linear, b->mode);
	for (u32 i = s0; i < s0 + TABLE_WAYS; i++) {
		const struct block *c = &t->slot[i];
		if (c == b || !holds(t, i, b->rip_linear, b->mode) || !c->followed || c->ninsns <= n || c->lin[n] != lin)
			continue;
		u32 k = 0;
		while (k < n && c->lin[k] == b->lin[k])
			k++;
		if (k == n) {
			t->used[i] = ++t->clock;
			return &t->slot[i];
		}
	}
	return 0;
}

/* Whether followed paths a and b begin with the same min(a, b) instruction addresses. */
static bool one_extends_other(const struct block *a, const struct block *b)
{
	u32 n = a->ninsns < b->ninsns ? a->ninsns : b->ninsns;
	for (u32 k = 0; k < n; k++)
		if (a->lin[k] != b->lin[k])
			return false;
	return true;
}

void table_commit(struct block_table *t, struct block *b)
{
	u32 i = (u32)(b - t->slot), s0 = set_of(b->rip_linear, b->mode);
	/* a path recorded again (its replays stopped early for another reason, an interrupt) is
	 * kept once: the longer of the two */
	for (u32 j = s0; b->followed && j < s0 + TABLE_WAYS; j++) {
		struct block *p = &t->slot[j];
		if (j == i || !holds(t, j, b->rip_linear, b->mode) || !p->followed || !one_extends_other(p, b))
			continue;
		if (p->ninsns >= b->ninsns)
			return; /* b adds nothing: it stays out of the table */
		t->valid[j] = false;
	}
	t->valid[i] = true;
	t->used[i] = ++t->clock;
}

void table_invalidate(struct block_table *t, struct block *b)
{
	t->valid[(u32)(b - t->slot)] = false;
}
