/* Per-block figures (block_top.h). */
#include "block_top.h"
#include "../../arch/topn.h"

#define BTOP_HASH_SHIFT 4 /* blocks are a few bytes apart: drop the low bits before hashing */
#define BTOP_HASH_MUL 0x9e3779b1U

struct block_top_entry *btop_entry(struct block_top *t, u64 rip_linear)
{
	u32 h = ((u32)(rip_linear >> BTOP_HASH_SHIFT) ^ (u32)rip_linear) * BTOP_HASH_MUL;
	for (u32 i = 0; i < BLOCK_TOP_ENTRIES; i++) {
		struct block_top_entry *e = &t->e[(h + i) & (BLOCK_TOP_ENTRIES - 1)];
		if (e->used && e->rip_linear == rip_linear)
			return e;
		if (!e->used) {
			e->used = true;
			e->rip_linear = rip_linear;
			return e;
		}
	}
	t->uncounted++;
	return 0;
}

u32 btop_busiest(const struct block_top *t, const struct block_top_entry **out, u32 max)
{
	u64 keys[BLOCK_TOP_ENTRIES];
	u32 n = 0;
	if (max > BLOCK_TOP_ENTRIES)
		max = BLOCK_TOP_ENTRIES;
	const void *items[BLOCK_TOP_ENTRIES];
	for (u32 i = 0; i < BLOCK_TOP_ENTRIES; i++)
		if (t->e[i].used && t->e[i].runs)
			topn_insert(items, keys, &n, max, &t->e[i], t->e[i].hits);
	for (u32 i = 0; i < n; i++)
		out[i] = items[i];
	return n;
}
