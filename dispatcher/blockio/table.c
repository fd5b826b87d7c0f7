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

/* Slot i holds no storage. */
static void drop(struct block_table *t, u32 i)
{
	struct block *b = &t->slot[i];
	b->max_insns = b->max_bytes = 0;
	b->ninsns = 0;
	t->at_insn[i] = t->at_byte[i] = 0;
	t->held[i] = false;
	if (t->last == i)
		t->last = TABLE_NO_SLOT;
}

/* Slot i's arrays: ni records from record at, nb bytes from byte ab. */
static void point(struct block_table *t, u32 i, u32 at, u32 ni, u32 ab, u32 nb)
{
	struct block *b = &t->slot[i];
	struct block_arena *a = &t->arena;
	t->at_insn[i] = at;
	t->at_byte[i] = ab;
	b->max_insns = (u16)ni;
	b->max_bytes = (u16)nb;
	b->lin = a->lin + at;
	b->offset = a->offset + at;
	b->next = a->next + at;
	b->taken = a->taken + at;
	b->iflags = a->iflags + at;
	b->fast = a->fast + at;
	b->rp = a->rp + at;
	b->insns = a->insns + at;
	b->bytes = a->bytes + ab;
}

static bool overlaps(u32 a, u32 na, u32 b, u32 nb) { return na && nb && a < b + nb && b < a + na; }

/* Where n units go from head in an arena of size units, past [ks, ks+kn) (storage to keep). */
static u32 place(u32 head, u32 n, u32 size, u32 ks, u32 kn)
{
	if (head + n > size)
		head = 0;
	if (overlaps(head, n, ks, kn)) {
		head = ks + kn;
		if (head + n > size)
			head = 0; /* ks >= n here: the keep cannot be at the start as well */
	}
	return head;
}

/* Gives slot i room for ni records and nb bytes at the arena's head, keeping slot keep's
 * storage (TABLE_NO_SLOT: none); the slots whose storage that takes leave the table. */
static void reserve(struct block_table *t, u32 i, u32 ni, u32 nb, u32 keep)
{
	if (t->last != TABLE_NO_SLOT && !t->valid[t->last] && t->last != keep) {
		/* the latest reservation was not committed: its room is free again */
		t->head_insn = t->at_insn[t->last];
		t->head_byte = t->at_byte[t->last];
		drop(t, t->last);
	}
	drop(t, i);
	u32 ki = 0, kn = 0, kb = 0, knb = 0;
	if (keep != TABLE_NO_SLOT) {
		ki = t->at_insn[keep], kn = t->slot[keep].max_insns;
		kb = t->at_byte[keep], knb = t->slot[keep].max_bytes;
	}
	u32 hi = place(t->head_insn, ni, TABLE_ARENA_INSNS, ki, kn);
	u32 hb = place(t->head_byte, nb, TABLE_ARENA_BYTES, kb, knb);
	for (u32 j = 0; j < TABLE_ENTRIES; j++) {
		if (j == i || j == keep)
			continue;
		if (overlaps(hi, ni, t->at_insn[j], t->slot[j].max_insns) ||
		    overlaps(hb, nb, t->at_byte[j], t->slot[j].max_bytes)) {
			t->replacements += t->valid[j];
			t->valid[j] = false;
			drop(t, j);
		}
	}
	point(t, i, hi, ni, hb, nb);
	t->held[i] = true;
	t->head_insn = hi + ni;
	t->head_byte = hb + nb;
	t->last = (u16)i;
}

void table_init(struct block_table *t)
{
	t->last = TABLE_NO_SLOT;
	for (u32 i = 0; i < TABLE_ENTRIES; i++) {
		t->valid[i] = false;
		t->slot[i].followed = false;
		t->slot[i].len = 0;
		drop(t, i);
		point(t, i, 0, 0, 0, 0);
		t->used[i] = 0;
	}
	t->head_insn = t->head_byte = 0;
	t->replacements = 0;
	t->clock = 0;
}

void table_grow(struct block_table *t, struct block *b)
{
	reserve(t, (u32)(b - t->slot), BLOCK_MAX_INSNS, BLOCK_MAX_BYTES, TABLE_NO_SLOT);
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

/* The way a new block for (rip_linear, mode) takes: an invalid one, else the least recently
 * used; marked invalid, its storage not yet reserved. */
static u32 pick_way(struct block_table *t, u64 rip_linear, u8 mode)
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
	return pick;
}

struct block *table_slot(struct block_table *t, u64 rip_linear, u8 mode)
{
	u32 i = pick_way(t, rip_linear, mode);
	reserve(t, i, BLOCK_SCAN_MAX_INSNS, BLOCK_SCAN_MAX_BYTES, TABLE_NO_SLOT);
	return &t->slot[i];
}

struct block *table_slot_beside(struct block_table *t, const struct block *p)
{
	u32 keep = (u32)(p - t->slot);
	if (TABLE_WAYS < 2)
		return 0; /* p's own way would be taken */
	/* p is valid and the one used last: another way is picked, and p's instructions are the new
	 * block's prefix, so its storage stays */
	u32 i = pick_way(t, p->rip_linear, p->mode);
	reserve(t, i, BLOCK_MAX_INSNS, BLOCK_MAX_BYTES, keep);
	return &t->slot[i];
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
	if (!t->held[i])
		return; /* its storage went to another block */
	if (t->last == i && b->ninsns <= b->max_insns && b->len <= b->max_bytes) {
		/* what the block does not use goes back */
		t->head_insn = t->at_insn[i] + b->ninsns;
		t->head_byte = t->at_byte[i] + b->len;
		b->max_insns = b->ninsns;
		b->max_bytes = b->len;
		t->last = TABLE_NO_SLOT;
	}
	t->valid[i] = true;
	t->used[i] = ++t->clock;
}

void table_invalidate(struct block_table *t, struct block *b)
{
	t->valid[(u32)(b - t->slot)] = false;
}

bool table_valid(const struct block_table *t, const struct block *b) { return t->valid[(u32)(b - t->slot)]; }

void table_release(struct block_table *t, struct block *b)
{
	u32 i = (u32)(b - t->slot);
	if (t->last == i) { /* the latest reservation: its room is the arena's head again */
		t->head_insn = t->at_insn[i];
		t->head_byte = t->at_byte[i];
	}
	drop(t, i);
	b->nseg = 0;
	b->len = 0;
}

u32 table_paths(struct block_table *t, const struct block *b, struct block *out[TABLE_WAYS])
{
	u32 s0 = set_of(b->rip_linear, b->mode), n = 0;
	for (u32 i = s0; i < s0 + TABLE_WAYS; i++)
		if (holds(t, i, b->rip_linear, b->mode))
			out[n++] = &t->slot[i];
	return n;
}
