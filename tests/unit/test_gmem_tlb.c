/*
 * The translation cache (dispatcher/vcpu/gmem_tlb.h): guest-memory accesses with the
 * cache give exactly what they give without it — results, faults, bytes read, guest RAM with
 * its accessed and dirty flags — on random access sequences that rewrite their own page tables
 * through gmem_write within an exit and edit them directly between exits; and the directed
 * cases the rules name (a store into a paging structure, A/D flags, CR3 changes).
 */
#include "gmem_fixture.h"
#include "dispatcher/vcpu/gmem_tlb.h"

#define LIN_BASE 0x40000000ULL /* the linear pages used: LIN_BASE + k * 4 KiB */
#define NLIN 8
#define DATA_BASE 0x300000ULL /* guest-physical data pages: fewer than NLIN, so some alias */
#define NDATA 4
#define COMPARE_BYTES (4 * MIB) /* tables and data all lie below */
#define OPS 300
#define ROUNDS 60

enum op_kind { OP_READ, OP_WRITE, OP_PEEK, OP_TRANSLATE, OP_EXIT, OP_KINDS };

struct op {
	enum op_kind kind;
	u64 linear;
	u32 len;
	bool user;
	u64 val;
	int level; /* OP_EXIT: the entry level edited directly, 0 for none */
	u64 flip;  /* OP_EXIT: the bits flipped in it */
};

struct res {
	int rc;
	struct gmem_fault f;
	u64 data;
	u64 gpa;
};

static struct gmem_tlb tlb;

/* A 4-level (or 32-bit) guest whose linear pages map the data pages, one its own page table
 * and one its page directory, so that stores through them rewrite the translations. */
static void build(struct tvm *t, enum tmode mode, u64 *seed)
{
	memset(ram, 0, COMPARE_BYTES);
	next_table = TABLES_START;
	tvm_init(t, mode);
	for (u32 k = 0; k < NLIN; k++) {
		u64 flags = P | (unit_below(seed, 4) ? RW : 0) | (unit_below(seed, 3) ? US : 0);
		map(t, LIN_BASE + k * PAGE_SIZE, DATA_BASE + unit_below(seed, NDATA) * PAGE_SIZE, 1, flags);
	}
	/* the page table and the directory of LIN_BASE, mapped writable at the last two pages */
	u64 pt = (u64)((u8 *)slot(t, LIN_BASE, 1) - ram) & ~(PAGE_SIZE - 1);
	u64 pd = (u64)((u8 *)slot(t, LIN_BASE, 2) - ram) & ~(PAGE_SIZE - 1);
	map(t, LIN_BASE + (NLIN - 2) * PAGE_SIZE, pt, 1, P | RW | US);
	map(t, LIN_BASE + (NLIN - 1) * PAGE_SIZE, pd, 1, P | RW | US);
	t->v.cpl = 0;
}

static void gen_ops(struct op *ops, u32 n, u64 *seed)
{
	for (u32 i = 0; i < n; i++) {
		struct op *o = &ops[i];
		o->kind = (enum op_kind)unit_below(seed, OP_KINDS);
		u32 page = (u32)unit_below(seed, NLIN);
		/* writes into the table pages land on entries (8-byte aligned, low bits flipped) */
		u64 off = unit_below(seed, 4) ? unit_below(seed, PAGE_SIZE) : PAGE_SIZE - unit_below(seed, 8);
		o->linear = LIN_BASE + page * PAGE_SIZE + off;
		o->len = 1 + (u32)unit_below(seed, 8);
		o->user = unit_below(seed, 2);
		o->val = unit_rand(seed);
		if (page >= NLIN - 2 && o->kind == OP_WRITE) {
			o->linear &= ~7ULL;
			o->len = 8;
			o->val = 1ULL << unit_below(seed, 7); /* one of P, RW, US, PWT, PCD, A, D */
		}
		o->level = (int)unit_below(seed, 3);
		o->flip = 1ULL << unit_below(seed, 7);
	}
}

/* Runs the ops on t, with the cache (begun afresh at each OP_EXIT) or without. */
static void run_ops(struct tvm *t, const struct op *ops, u32 n, bool cached, struct res *out)
{
	if (cached)
		gmem_tlb_begin(&tlb, &t->v);
	for (u32 i = 0; i < n; i++) {
		const struct op *o = &ops[i];
		struct res *r = &out[i];
		memset(r, 0, sizeof *r);
		switch (o->kind) {
		case OP_READ:
			r->rc = gmem_read(&t->v, o->linear, &r->data, o->len, VCPU_READ, o->user, &r->f);
			break;
		case OP_WRITE: {
			u64 w = o->val;
			if (o->linear >= LIN_BASE + (NLIN - 2) * PAGE_SIZE) { /* flip bits of the entry there */
				if (gmem_peek(&t->v, o->linear, &w, 8, VCPU_READ, false, 0) == GMEM_OK)
					w ^= o->val;
			}
			r->rc = gmem_write(&t->v, o->linear, &w, o->len, o->user, &r->f);
			break;
		}
		case OP_PEEK:
			r->rc = gmem_peek(&t->v, o->linear, &r->data, o->len, VCPU_EXEC, o->user, &r->f);
			break;
		case OP_TRANSLATE:
			r->rc = gmem_translate(&t->v, o->linear, VCPU_WRITE, o->user, &r->gpa, &r->f);
			break;
		default: /* the guest runs: it edits an entry directly, no store of ours */
			if (cached)
				gmem_tlb_end(&t->v);
			if (o->level)
				ent_set(t, o->linear, o->level, ent(t, o->linear, o->level) ^ o->flip);
			if (cached)
				gmem_tlb_begin(&tlb, &t->v);
			break;
		}
	}
	if (cached)
		gmem_tlb_end(&t->v);
}

/* The cached runs' platform: one that asks gpa_ptr again for a carried entry, or one whose
 * guest RAM is mapped once (gpa_fixed: the host pointers a walk found are used again). */
static const struct vcpu_platform *cached_plat = &plat;

static void random_rounds(enum tmode mode, u64 seed0)
{
	static struct op ops[OPS];
	static struct res plain[OPS], cached[OPS];
	u8 *after = malloc(COMPARE_BYTES);
	assert_non_null(after);
	u64 hits = 0, drops = 0;
	for (u32 round = 0; round < ROUNDS; round++) {
		u64 seed = seed0 + round * 7919;
		struct tvm t;
		build(&t, mode, &seed);
		gen_ops(ops, OPS, &seed);
		u64 build_seed = seed0 + round * 7919;
		run_ops(&t, ops, OPS, false, plain);
		memcpy(after, ram, COMPARE_BYTES);
		build(&t, mode, &build_seed); /* the same guest again, from the same seed */
		t.v.plat = cached_plat;
		u64 h0 = tlb.hits, d0 = tlb.drops;
		run_ops(&t, ops, OPS, true, cached);
		hits += tlb.hits - h0;
		drops += tlb.drops - d0;
		for (u32 i = 0; i < OPS; i++) {
			if (memcmp(&plain[i], &cached[i], sizeof plain[i]))
				fail_msg("round %u op %u (kind %d at 0x%llx): rc %d/%d data 0x%llx/0x%llx", round, i,
				         ops[i].kind, (unsigned long long)ops[i].linear, plain[i].rc, cached[i].rc,
				         (unsigned long long)plain[i].data, (unsigned long long)cached[i].data);
		}
		assert_memory_equal(after, ram, COMPARE_BYTES);
	}
	/* the sequences exercise the cache and its drop rule, not only the walk */
	assert_true(hits > ROUNDS * 10);
	assert_true(drops > ROUNDS / 4);
	free(after);
}

static void test_random_4level(void **state)
{
	(void)state;
	random_rounds(T_4L, 1);
}

static void test_random_32bit(void **state)
{
	(void)state;
	random_rounds(T_32, 1000003);
}

static void test_random_4level_ram_fixed(void **state)
{
	(void)state;
	static struct vcpu_platform fixed;
	fixed = plat;
	fixed.gpa_fixed = true;
	cached_plat = &fixed;
	random_rounds(T_4L, 5);
	cached_plat = &plat;
}

#define X (LIN_BASE + PAGE_SIZE)

/* A store into the entry that maps a cached page drops the cache: after a write through the
 * page-table alias clears R/W, the next write to the page faults, as a fresh walk says. */
static void test_store_into_pte_drops(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, X, DATA_BASE, 1, P | RW);
	u64 pt = (u64)((u8 *)slot(&t, X, 1) - ram) & ~(PAGE_SIZE - 1);
	u64 alias = LIN_BASE + 5 * PAGE_SIZE;
	map(&t, alias, pt, 1, P | RW);
	u64 pte_lin = alias + (((u8 *)slot(&t, X, 1) - ram) & (PAGE_SIZE - 1));
	gmem_tlb_begin(&tlb, &t.v);
	u32 val = 0x1234;
	assert_int_equal(gmem_write(&t.v, X, &val, 4, false, 0), GMEM_OK);
	u64 pte = ent(&t, X, 1) & ~RW;
	assert_int_equal(gmem_write(&t.v, pte_lin, &pte, 8, false, 0), GMEM_OK);
	struct gmem_fault f;
	assert_int_equal(gmem_write(&t.v, X, &val, 4, false, &f), GMEM_FAULT);
	assert_int_equal(f.pf_error, E_P | E_W);
	/* and a remap through the alias is seen by the next read */
	pte = (DATA_BASE + PAGE_SIZE) | P | RW;
	fill(DATA_BASE + PAGE_SIZE, 0x40, 4);
	assert_int_equal(gmem_write(&t.v, pte_lin, &pte, 8, false, 0), GMEM_OK);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	assert_int_equal(val, 0x43424140);
	gmem_tlb_end(&t.v);
}

/* A translation cached by a read neither makes a write legal nor has set D: the first write
 * through it sets D; one cached by gmem_translate (no flags) still sets A at the first read. */
static void test_flags_as_a_walk(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, X, DATA_BASE, 1, P | RW);
	map(&t, X + PAGE_SIZE, DATA_BASE + PAGE_SIZE, 1, P);
	clear_ad(&t, X, 1);
	gmem_tlb_begin(&tlb, &t.v);
	u64 gpa;
	assert_int_equal(gmem_translate(&t.v, X, VCPU_READ, false, &gpa, 0), GMEM_OK);
	assert_int_equal(ent(&t, X, 1) & (A | D), 0);
	u32 val;
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	assert_int_equal(ent(&t, X, 1) & (A | D), A);
	assert_int_equal(ent(&t, X, 4) & A, A);
	assert_int_equal(gmem_write(&t.v, X, &val, 4, false, 0), GMEM_OK);
	assert_int_equal(ent(&t, X, 1) & (A | D), A | D);
	/* read-only page, cached by a read: a supervisor write with CR0.WP faults */
	assert_int_equal(gmem_read(&t.v, X + PAGE_SIZE, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	struct gmem_fault f;
	assert_int_equal(gmem_write(&t.v, X + PAGE_SIZE, &val, 4, false, &f), GMEM_FAULT);
	assert_int_equal(ent(&t, X + PAGE_SIZE, 1) & D, 0);
	gmem_tlb_end(&t.v);
}

/* Between exits the guest may clear A or remap: a new exit walks afresh. Within an exit, a
 * CR3 change (an emulated MOV to CR3) is seen at once. */
static void test_exit_and_cr3(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, X, DATA_BASE, 1, P | RW);
	fill(DATA_BASE, 1, 4);
	fill(DATA_BASE + PAGE_SIZE, 9, 4);
	u32 val;
	gmem_tlb_begin(&tlb, &t.v);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	gmem_tlb_end(&t.v);
	clear_ad(&t, X, 1);
	map(&t, X, DATA_BASE + PAGE_SIZE, 1, P | RW);
	gmem_tlb_begin(&tlb, &t.v);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	assert_int_equal(val, 0x0c0b0a09);
	assert_int_equal(ent(&t, X, 1) & A, A);
	/* another root that maps X elsewhere */
	struct tvm t2;
	tvm_init(&t2, T_4L);
	map(&t2, X, DATA_BASE, 1, P | RW);
	t.v.cr3 = t2.root;
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	assert_int_equal(val, 0x04030201);
	gmem_tlb_end(&t.v);
}

/*
 * Entries carry over to the next exit, checked by value before their first use there: an
 * unchanged walk is used again without a walk (verified, no fill); one whose upper-level entry
 * the guest changed between exits (the PDE's accessed flag cleared) is walked afresh and the
 * flag set again, as a fresh walk does.
 */
static void test_carried_entry_checked(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, X, DATA_BASE, 1, P | RW);
	fill(DATA_BASE, 1, 4);
	u32 val;
	gmem_tlb_begin(&tlb, &t.v);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	gmem_tlb_end(&t.v);
	u64 fills = tlb.fills, verified = tlb.verified;
	gmem_tlb_begin(&tlb, &t.v);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	gmem_tlb_end(&t.v);
	assert_int_equal(tlb.fills, fills);
	assert_int_equal(tlb.verified, verified + 1);
	clear_ad(&t, X, 2);
	gmem_tlb_begin(&tlb, &t.v);
	assert_int_equal(gmem_read(&t.v, X, &val, 4, VCPU_READ, false, 0), GMEM_OK);
	assert_int_equal(val, 0x04030201);
	assert_int_equal(ent(&t, X, 2) & A, A);
	gmem_tlb_end(&t.v);
	assert_int_equal(tlb.fills, fills + 1);
	assert_int_equal(tlb.verified, verified + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_4level_ram_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_into_pte_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_as_a_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_and_cr3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carried_entry_checked, setup, teardown),
	};
	return UNIT_RUN(tests);
}
