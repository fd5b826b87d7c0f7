/*
 * vmx/ept.c on the host: page tables live in malloc'd pages (their addresses serve as the
 * "physical" ones), guest RAM is handed out by a bump allocator of fake host addresses
 * (EPT never touches the RAM it maps). Every mapping is checked by walking the tables.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vmx/ept.h"

#define MAX_TABLES 4096
#define GARBAGE 0xa5
#define M2 EPT_PAGE_2M
#define K4 EPT_PAGE_4K
#define HOLE_START 0xa0000ULL
#define HOLE_END 0x100000ULL
#define FAKE_RAM_BASE (64 * GIB)

/* ---- page-table pages ---- */

struct table_pool {
	void *pages[MAX_TABLES];
	int count;
	int limit; /* allocations allowed before alloc_page fails; -1: no limit */
};

static int pool_alloc(void *ctx, u64 *phys)
{
	struct table_pool *p = ctx;
	if (p->count == MAX_TABLES || (p->limit >= 0 && p->count >= p->limit))
		return -1;
	void *pg = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!pg)
		return -1;
	memset(pg, GARBAGE, PAGE_SIZE); /* ept.c must zero what it gets */
	p->pages[p->count++] = pg;
	*phys = (u64)(uintptr_t)pg;
	return 0;
}

static void *pool_virt(void *ctx, u64 phys) { return (void *)(uintptr_t)phys; }

static struct table_pool pool;
static struct ept ept;

static int setup(void **state)
{
	memset(&pool, 0, sizeof(pool));
	pool.limit = -1;
	struct ept_env env = {.ctx = &pool, .alloc_page = pool_alloc, .phys_to_virt = pool_virt};
	return ept_init(&ept, &env);
}

static int teardown(void **state)
{
	for (int i = 0; i < pool.count; i++)
		free(pool.pages[i]);
	pool.count = 0;
	return 0;
}

/* ---- guest RAM chunks: fake host addresses ---- */

struct chunk_alloc {
	u64 next;
	u64 max_size;  /* refuse bigger requests (0: no limit) */
	u64 max_align; /* refuse stricter alignment (0: no limit) */
	int calls, fail_after; /* fail_after < 0: never */
	u64 given;
};

static int chunk_alloc(void *ctx, u64 size, u64 align, u64 *hpa)
{
	struct chunk_alloc *c = ctx;
	c->calls++;
	if ((c->max_size && size > c->max_size) || (c->max_align && align > c->max_align))
		return -1;
	if (c->fail_after >= 0 && c->calls > c->fail_after)
		return -1;
	/* A 4 KiB gap before each chunk, so aligned requests really have to be aligned. */
	u64 at = ALIGN_UP(c->next + K4, align);
	*hpa = at;
	c->next = at + size;
	c->given += size;
	return 0;
}

static struct chunk_alloc chunks(void) { return (struct chunk_alloc){.next = FAKE_RAM_BASE, .fail_after = -1}; }

/* ---- checks ---- */

static void expect_mapped(u64 gpa, u64 hpa_want, u32 perms_want)
{
	u64 hpa;
	u32 perms;
	if (ept_translate(&ept, gpa, &hpa, &perms))
		fail_msg("gpa 0x%llx is not mapped", (unsigned long long)gpa);
	if (hpa != hpa_want || perms != perms_want)
		fail_msg("gpa 0x%llx -> 0x%llx perms %u, expected 0x%llx perms %u", (unsigned long long)gpa,
		         (unsigned long long)hpa, perms, (unsigned long long)hpa_want, perms_want);
}

static void expect_unmapped(u64 gpa)
{
	u64 hpa;
	u32 perms;
	if (!ept_translate(&ept, gpa, &hpa, &perms))
		fail_msg("gpa 0x%llx is mapped to 0x%llx", (unsigned long long)gpa, (unsigned long long)hpa);
}

static u64 leaf_size(u64 gpa)
{
	u64 entry, size;
	if (ept_leaf(&ept, gpa, &entry, &size))
		fail_msg("gpa 0x%llx has no leaf", (unsigned long long)gpa);
	return size;
}

static u64 leaf_entry(u64 gpa)
{
	u64 entry, size;
	if (ept_leaf(&ept, gpa, &entry, &size))
		fail_msg("gpa 0x%llx has no leaf", (unsigned long long)gpa);
	return entry;
}

/* ---- basic structure ---- */

static void test_init_and_eptp(void **state)
{
	assert_int_equal(ept.pages_used, 1);
	assert_int_equal(pool.count, 1);
	const u8 *pml4 = pool_virt(NULL, ept.pml4_phys);
	for (u64 i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(pml4[i], 0);
	u64 eptp = ept_eptp(&ept);
	assert_int_equal(eptp & 0x7, 6);         /* WB paging structures */
	assert_int_equal((eptp >> 3) & 0x7, 3);  /* 4-level walk, minus 1 */
	assert_int_equal(eptp & (1ULL << 6), 0); /* no accessed/dirty flags */
	assert_int_equal(eptp & 0xf80, 0);       /* bits 11:7 reserved */
	assert_int_equal(eptp & ~0xfffULL, ept.pml4_phys);
	expect_unmapped(0);
}

static void test_init_fails_cleanly(void **state)
{
	struct table_pool none = {.limit = 0};
	struct ept e2;
	struct ept_env env = {.ctx = &none, .alloc_page = pool_alloc, .phys_to_virt = pool_virt};
	assert_int_equal(ept_init(&e2, &env), -1);
	env.alloc_page = NULL;
	assert_int_equal(ept_init(&e2, &env), -1);
}

static void test_map_4k(void **state)
{
	assert_int_equal(ept_map(&ept, 0x1000, 0x5000, K4, EPT_R | EPT_W, EPT_MT_WB), 0);
	expect_mapped(0x1000, 0x5000, EPT_R | EPT_W);
	expect_mapped(0x1234, 0x5234, EPT_R | EPT_W);
	expect_mapped(0x1fff, 0x5fff, EPT_R | EPT_W);
	expect_unmapped(0x0fff);
	expect_unmapped(0x2000);
	u64 e = leaf_entry(0x1000);
	assert_int_equal((e & EPTE_MEMTYPE_MASK) >> EPTE_MEMTYPE_SHIFT, EPT_MT_WB);
	assert_int_equal(e & EPTE_IGNORE_PAT, 0);
	assert_int_equal(e & EPTE_LARGE, 0);
	assert_int_equal(e & EPTE_ADDR_MASK, 0x5000);
	assert_int_equal(e & ~(EPTE_ADDR_MASK | 0x7f), 0); /* nothing else set */
	assert_int_equal(leaf_size(0x1000), K4);
	assert_int_equal(ept.pages_used, 4); /* PML4, PDPT, PD, PT */

	assert_int_equal(ept_map(&ept, 0x3000, 0xfee00000, K4, EPT_R, EPT_MT_UC), 0);
	expect_mapped(0x3008, 0xfee00008, EPT_R);
	assert_int_equal(leaf_entry(0x3000) & EPTE_MEMTYPE_MASK, 0);
	assert_int_equal(ept_map(&ept, 0x4000, 0x9000, K4, EPT_RWX, EPT_MT_WC), 0);
	expect_mapped(0x4000, 0x9000, EPT_RWX);
	assert_int_equal((leaf_entry(0x4000) & EPTE_MEMTYPE_MASK) >> EPTE_MEMTYPE_SHIFT, EPT_MT_WC);
	assert_int_equal(ept.pages_used, 4);
}

static void test_map_2m_leaves(void **state)
{
	assert_int_equal(ept_map(&ept, 0x200000, 0x40000000, 2 * M2, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(leaf_size(0x200000), M2);
	assert_int_equal(leaf_size(0x5fffff), M2);
	u64 e = leaf_entry(0x200000);
	assert_true(e & EPTE_LARGE);
	assert_int_equal(e & EPTE_ADDR_MASK, 0x40000000);
	assert_int_equal((e & EPTE_MEMTYPE_MASK) >> EPTE_MEMTYPE_SHIFT, EPT_MT_WB);
	expect_mapped(0x200000, 0x40000000, EPT_RWX);
	expect_mapped(0x3ff123, 0x401ff123, EPT_RWX);
	expect_mapped(0x400000, 0x40200000, EPT_RWX);
	expect_unmapped(0x1ff000);
	expect_unmapped(0x600000);
	assert_int_equal(ept.pages_used, 3); /* no page table at all */
}

/* A CPU without 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP bit 16 clear): the same range in 4 KiB
 * leaves, two page tables under one PD. */
static void test_map_no_2m(void **state)
{
	ept.no_2m = true;
	assert_int_equal(ept_map(&ept, 0x200000, 0x40000000, 2 * M2, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(leaf_size(0x200000), EPT_PAGE_4K);
	assert_int_equal(leaf_size(0x5ff000), EPT_PAGE_4K);
	assert_false(leaf_entry(0x200000) & EPTE_LARGE);
	expect_mapped(0x3ff123, 0x401ff123, EPT_RWX);
	assert_int_equal(ept.pages_used, 5);
}

/* Unaligned head and tail get 4 KiB leaves, the aligned middle a 2 MiB leaf. */
static void test_map_mixed(void **state)
{
	assert_int_equal(ept_map(&ept, 0x1ff000, 0x801ff000, M2 + 2 * K4, EPT_R | EPT_X, EPT_MT_WB), 0);
	assert_int_equal(leaf_size(0x1ff000), K4);
	assert_int_equal(leaf_size(0x200000), M2);
	assert_int_equal(leaf_size(0x400000), K4);
	expect_mapped(0x1ff800, 0x801ff800, EPT_R | EPT_X);
	expect_mapped(0x300000, 0x80300000, EPT_R | EPT_X);
	expect_mapped(0x400fff, 0x80400fff, EPT_R | EPT_X);
	expect_unmapped(0x401000);
	expect_unmapped(0x1fe000);
}

/* gpa 2 MiB aligned but hpa only 4 KiB aligned: 4 KiB leaves throughout. */
static void test_map_hpa_misaligned(void **state)
{
	assert_int_equal(ept_map(&ept, 0x200000, 0x10001000, M2, EPT_RWX, EPT_MT_WB), 0);
	for (u64 g = 0x200000; g < 0x400000; g += K4) {
		assert_int_equal(leaf_size(g), K4);
		expect_mapped(g, 0x10001000 + (g - 0x200000), EPT_RWX);
	}
}

/* Across a PML4 entry boundary (512 GiB) and near the top of the 48-bit space. */
static void test_map_far(void **state)
{
	u64 g = 512 * GIB - 2 * K4;
	assert_int_equal(ept_map(&ept, g, 0x7000000, 4 * K4, EPT_RWX, EPT_MT_WB), 0);
	for (u64 i = 0; i < 4; i++)
		expect_mapped(g + i * K4, 0x7000000 + i * K4, EPT_RWX);
	u64 top = EPT_GPA_LIMIT - M2;
	assert_int_equal(ept_map(&ept, top, 0xfffffffe00000ULL, M2, EPT_R, EPT_MT_WB), 0);
	expect_mapped(EPT_GPA_LIMIT - 1, 0xfffffffffffffULL, EPT_R);
	expect_unmapped(EPT_GPA_LIMIT);
	expect_unmapped(~0ULL);
}

static void test_refuses_bad_input(void **state)
{
	static const struct {
		u64 gpa, hpa, size;
		u32 perms, mt;
	} bad[] = {
		{0x1001, 0x1000, K4, EPT_RWX, EPT_MT_WB},       /* unaligned gpa */
		{0x1000, 0x1800, K4, EPT_RWX, EPT_MT_WB},       /* unaligned hpa */
		{0x1000, 0x1000, K4 + 1, EPT_RWX, EPT_MT_WB},   /* unaligned size */
		{0x1000, 0x1000, 0, EPT_RWX, EPT_MT_WB},        /* empty */
		{EPT_GPA_LIMIT, 0, K4, EPT_RWX, EPT_MT_WB},     /* gpa beyond 48 bits */
		{EPT_GPA_LIMIT - K4, 0, 2 * K4, EPT_RWX, EPT_MT_WB}, /* runs past 48 bits */
		{~0ULL & ~(K4 - 1), 0, K4, EPT_RWX, EPT_MT_WB}, /* wraps */
		{0, EPT_HPA_LIMIT, K4, EPT_RWX, EPT_MT_WB},     /* hpa beyond 52 bits */
		{0, EPT_HPA_LIMIT - K4, 2 * K4, EPT_RWX, EPT_MT_WB},
		{0, 0, K4, 0, EPT_MT_WB},                       /* not present */
		{0, 0, K4, EPT_W, EPT_MT_WB},                   /* write-only: misconfiguration */
		{0, 0, K4, EPT_W | EPT_X, EPT_MT_WB},
		{0, 0, K4, EPT_X, EPT_MT_WB},                   /* execute-only: needs a capability */
		{0, 0, K4, EPT_RWX | 8, EPT_MT_WB},             /* not a permission */
		{0, 0, K4, EPT_RWX, 2},                         /* reserved memory types */
		{0, 0, K4, EPT_RWX, 3},
		{0, 0, K4, EPT_RWX, 7},
		{0, 0, K4, EPT_RWX, 8},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (ept_map(&ept, bad[i].gpa, bad[i].hpa, bad[i].size, bad[i].perms, bad[i].mt) != -1)
			fail_msg("case %zu accepted", i);
	}
	assert_int_equal(ept.pages_used, 1); /* refused before any table was made */
	expect_unmapped(0);
	expect_unmapped(0x1000);
}

static void test_overlap_refused(void **state)
{
	assert_int_equal(ept_map(&ept, 0x200000, 0x200000, M2, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0x5000, 0x5000, K4, EPT_RWX, EPT_MT_WB), 0);
	/* Inside a 2 MiB leaf, exactly on it, straddling its start or end. */
	assert_int_equal(ept_map(&ept, 0x300000, 0x300000, K4, EPT_RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&ept, 0x200000, 0x900000, M2, EPT_RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&ept, 0x100000, 0x100000, M2, EPT_RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&ept, 0x3ff000, 0x3ff000, 2 * K4, EPT_RWX, EPT_MT_WB), -1);
	/* A 2 MiB range over a table holding one 4 KiB leaf, and that leaf itself. */
	assert_int_equal(ept_map(&ept, 0, 0x40000000, M2, EPT_RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&ept, 0x5000, 0x6000, K4, EPT_RWX, EPT_MT_WB), -1);
	/* A refused range maps none of its pages, not even those before the conflict. */
	expect_unmapped(0x100000);
	expect_unmapped(0x1ff000);
	expect_unmapped(0x400000);
	expect_unmapped(0x0);
	expect_mapped(0x5000, 0x5000, EPT_RWX);
	expect_mapped(0x3ff000, 0x3ff000, EPT_RWX);
	/* Next to existing mappings is fine. */
	assert_int_equal(ept_map(&ept, 0x4000, 0x14000, K4, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0x6000, 0x16000, K4, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0x400000, 0x400000, K4, EPT_RWX, EPT_MT_WB), 0);
}

/* A range that needs 6 tables (PDPT, PD, PT on each side of a 512 GiB boundary): every
 * allocation failure leaves nothing mapped, and a later call reuses the empty tables. */
static void test_alloc_failure(void **state)
{
	u64 g = 512 * GIB - 2 * K4;
	for (int allowed = 0; allowed < 6; allowed++) {
		pool.limit = 1 + allowed; /* the PML4 plus `allowed` tables, across all attempts */
		int before = pool.count;
		assert_int_equal(ept_map(&ept, g, 0x100000, 4 * K4, EPT_RWX, EPT_MT_WB), -1);
		assert_true(pool.count >= before);
		assert_int_equal(ept.pages_used, (u64)pool.count);
		for (u64 i = 0; i < 4; i++)
			expect_unmapped(g + i * K4);
	}
	pool.limit = -1;
	assert_int_equal(ept_map(&ept, g, 0x100000, 4 * K4, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept.pages_used, 7);
	for (u64 i = 0; i < 4; i++)
		expect_mapped(g + i * K4, 0x100000 + i * K4, EPT_RWX);
}

/* Tables left by a failed call are used by the next ones: no second PDPT or PD. */
static void test_leftover_tables_reused(void **state)
{
	pool.limit = 3; /* PML4, PDPT, PD: the PT for the 4 KiB mapping fails */
	assert_int_equal(ept_map(&ept, 0x800000, 0x1000, K4, EPT_RWX, EPT_MT_WB), -1);
	pool.limit = 4; /* allocates the PT now */
	assert_int_equal(ept_map(&ept, 0xa00000, 0x1000, K4, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0xa00000 + K4, 0x2000, K4, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(pool.count, 4);
	expect_mapped(0xa01000, 0x2000, EPT_RWX);
	assert_int_equal(ept_map(&ept, 0x600000, 0x20000000, M2, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(leaf_size(0x600000), M2);
	expect_mapped(0x7fffff, 0x201fffff, EPT_RWX);
}

/* An empty page table left by a failed call: a later 2 MiB mapping there uses 4 KiB leaves. */
static void test_leftover_table_after_pt_failure(void **state)
{
	/* Fail on the second PT so the first (at 0x800000) stays behind, empty. */
	pool.limit = 4;
	assert_int_equal(ept_map(&ept, 0x9ff000, 0x1000, 2 * K4, EPT_RWX, EPT_MT_WB), -1);
	expect_unmapped(0x9ff000);
	expect_unmapped(0xa00000);
	assert_int_equal(pool.count, 4);
	pool.limit = 4;
	/* 0x800000 now has an empty PT: mapping 2 MiB there needs no allocation, 4 KiB leaves. */
	assert_int_equal(ept_map(&ept, 0x800000, 0x40000000, M2, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(leaf_size(0x800000), K4);
	assert_int_equal(leaf_size(0x9ff000), K4);
	expect_mapped(0x9ff123, 0x401ff123, EPT_RWX);
	expect_mapped(0x800000, 0x40000000, EPT_RWX);
}

/* ---- guest RAM ---- */

/* Every page of [0, size) outside the hole: mapped RWX WB, host addresses increasing (the
 * bump allocator hands them out in order), no two guest pages on one host page. */
static void check_guest_ram(u64 size, u64 step, uint64_t *seed)
{
	u64 prev_hpa = 0;
	bool have_prev = false;
	for (u64 g = 0; g < size;) {
		u64 hpa, ent, lsz;
		u32 perms;
		bool in_hole = g >= HOLE_START && g < HOLE_END;
		if (in_hole) {
			expect_unmapped(g);
		} else {
			if (ept_translate(&ept, g, &hpa, &perms))
				fail_msg("size 0x%llx: gpa 0x%llx not mapped", (unsigned long long)size, (unsigned long long)g);
			assert_int_equal(perms, EPT_RWX);
			assert_int_equal(ept_leaf(&ept, g, &ent, &lsz), 0);
			assert_int_equal((ent & EPTE_MEMTYPE_MASK) >> EPTE_MEMTYPE_SHIFT, EPT_MT_WB);
			assert_true(hpa >= FAKE_RAM_BASE);
			if (have_prev && hpa <= prev_hpa)
				fail_msg("gpa 0x%llx -> 0x%llx not above the previous page's 0x%llx", (unsigned long long)g,
				         (unsigned long long)hpa, (unsigned long long)prev_hpa);
			prev_hpa = hpa;
			have_prev = true;
			/* 2 MiB leaves wherever a whole aligned 2 MiB of RAM lies past the hole. */
			bool whole_2m = ALIGN_DOWN(g, M2) >= HOLE_END && ALIGN_DOWN(g, M2) + M2 <= size;
			if (whole_2m && lsz != M2)
				fail_msg("gpa 0x%llx: %llu-byte leaf, expected 2 MiB", (unsigned long long)g,
				         (unsigned long long)lsz);
		}
		u64 adv = step ? step : K4 * (1 + unit_below(seed, 700));
		g += adv;
	}
	expect_unmapped(size);
	expect_unmapped(size + M2);
	for (u64 h = HOLE_START; h < HOLE_END && h < size; h += K4)
		expect_unmapped(h);
}

static void test_guest_ram_sizes(void **state)
{
	static const u64 sizes[] = {
		HOLE_START,         /* 640 KiB: ends where the hole starts */
		HOLE_START + K4,    /* ends inside the hole */
		MIB,                /* ends where the hole ends */
		MIB + K4,           /* one page past the hole */
		2 * MIB,
		3 * MIB + 3 * K4,
		16 * MIB,
		64 * MIB + 5 * K4,
		512 * MIB,
		GIB + M2 + 7 * K4,
		4 * GIB + 2 * M2,
	};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		teardown(NULL);
		assert_int_equal(setup(NULL), 0);
		struct chunk_alloc ca = chunks();
		if (ept_map_guest_ram(&ept, sizes[i], chunk_alloc, &ca, HOLE_START, HOLE_END))
			fail_msg("size 0x%llx refused", (unsigned long long)sizes[i]);
		u64 hole = sizes[i] > HOLE_START ? (sizes[i] < HOLE_END ? sizes[i] : HOLE_END) - HOLE_START : 0;
		assert_int_equal(ca.given, sizes[i] - hole);
		check_guest_ram(sizes[i], sizes[i] <= 64 * MIB + 5 * K4 ? K4 : 0, &seed);
	}
}

/* 1 GiB of RAM: the first 2 MiB need one page table, the rest are 2 MiB leaves. */
static void test_guest_ram_table_count(void **state)
{
	struct chunk_alloc ca = chunks();
	assert_int_equal(ept_map_guest_ram(&ept, GIB, chunk_alloc, &ca, HOLE_START, HOLE_END), 0);
	assert_int_equal(ept.pages_used, 4); /* PML4, PDPT, PD, one PT */
	assert_int_equal(leaf_size(0), K4);
	assert_int_equal(leaf_size(0x100000), K4);
	assert_int_equal(leaf_size(0x200000), M2);
	assert_int_equal(leaf_size(GIB - 1), M2);
}

/* No hole at all, and a hole beyond guest RAM. */
static void test_guest_ram_no_hole(void **state)
{
	struct chunk_alloc ca = chunks();
	assert_int_equal(ept_map_guest_ram(&ept, 4 * MIB, chunk_alloc, &ca, 0, 0), 0);
	for (u64 g = 0; g < 4 * MIB; g += K4) {
		u64 hpa;
		u32 perms;
		assert_int_equal(ept_translate(&ept, g, &hpa, &perms), 0);
	}
	assert_int_equal(leaf_size(0), M2);
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
	ca = chunks();
	assert_int_equal(ept_map_guest_ram(&ept, 4 * MIB, chunk_alloc, &ca, 8 * MIB, 9 * MIB), 0);
	assert_int_equal(ca.given, 4 * MIB);
	expect_unmapped(4 * MIB);
}

/* A fragmented host: no 2 MiB alignment and at most 12 KiB per chunk. Still all mapped. */
static void test_guest_ram_fragmented(void **state)
{
	struct chunk_alloc ca = chunks();
	ca.max_align = K4;
	ca.max_size = 3 * K4;
	assert_int_equal(ept_map_guest_ram(&ept, 6 * MIB + K4, chunk_alloc, &ca, HOLE_START, HOLE_END), 0);
	for (u64 g = 0; g < 6 * MIB + K4; g += K4) {
		if (g >= HOLE_START && g < HOLE_END) {
			expect_unmapped(g);
			continue;
		}
		u64 hpa;
		u32 perms;
		assert_int_equal(ept_translate(&ept, g, &hpa, &perms), 0);
		assert_int_equal(leaf_size(g), K4);
	}
	/* Only 2 MiB alignment refused: 2 MiB with 4 KiB alignment lands 4 KiB off, 4 KiB leaves. */
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
	ca = chunks();
	ca.max_align = K4;
	assert_int_equal(ept_map_guest_ram(&ept, 8 * MIB, chunk_alloc, &ca, HOLE_START, HOLE_END), 0);
	assert_int_equal(ca.given, 8 * MIB - (HOLE_END - HOLE_START));
	for (u64 g = 2 * MIB; g < 8 * MIB; g += K4)
		assert_int_equal(leaf_size(g), K4);
}

static void test_guest_ram_out_of_memory(void **state)
{
	for (int n = 0; n < 8; n++) {
		teardown(NULL);
		assert_int_equal(setup(NULL), 0);
		struct chunk_alloc ca = chunks();
		ca.fail_after = n;
		assert_int_equal(ept_map_guest_ram(&ept, 32 * MIB, chunk_alloc, &ca, HOLE_START, HOLE_END), -1);
		expect_unmapped(32 * MIB - K4); /* the last page never got memory */
	}
	/* Page tables run out instead. */
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
	pool.limit = 3;
	struct chunk_alloc ca = chunks();
	assert_int_equal(ept_map_guest_ram(&ept, 32 * MIB, chunk_alloc, &ca, HOLE_START, HOLE_END), -1);
}

static void test_guest_ram_bad_input(void **state)
{
	struct chunk_alloc ca = chunks();
	assert_int_equal(ept_map_guest_ram(&ept, 0, chunk_alloc, &ca, HOLE_START, HOLE_END), -1);
	assert_int_equal(ept_map_guest_ram(&ept, MIB + 1, chunk_alloc, &ca, HOLE_START, HOLE_END), -1);
	assert_int_equal(ept_map_guest_ram(&ept, 4 * MIB, chunk_alloc, &ca, HOLE_END, HOLE_START), -1);
	assert_int_equal(ept_map_guest_ram(&ept, 4 * MIB, chunk_alloc, &ca, HOLE_START + 1, HOLE_END), -1);
	assert_int_equal(ept_map_guest_ram(&ept, 4 * MIB, chunk_alloc, &ca, HOLE_START, HOLE_END - 1), -1);
	assert_int_equal(ept_map_guest_ram(&ept, EPT_GPA_LIMIT + M2, chunk_alloc, &ca, HOLE_START, HOLE_END), -1);
	assert_int_equal(ca.calls, 0);
	assert_int_equal(ept.pages_used, 1);
}

/* ept_set_write (issue 11, page_gen.h): one 4 KiB page loses write access; a 2 MiB leaf over
 * it is split into 512 leaves mapping the same memory with the same type first. */
static void test_set_write_splits_2m(void **state)
{
	const u64 gpa = 4 * M2, hpa = 8 * M2;
	assert_int_equal(ept_map(&ept, gpa, hpa, M2, EPT_RWX, EPT_MT_WB), 0);
	u64 used = ept.pages_used, ent, size, h;
	u32 perms;
	assert_int_equal(ept_set_write(&ept, gpa + 5 * K4 + 123, false), 0);
	assert_int_equal(ept.splits, 1);
	assert_int_equal(ept.pages_used, used + 1);
	assert_int_equal(ept_leaf(&ept, gpa + 5 * K4, &ent, &size), 0);
	assert_int_equal(size, K4);
	assert_int_equal((ent & EPTE_MEMTYPE_MASK) >> EPTE_MEMTYPE_SHIFT, EPT_MT_WB);
	for (u64 off = 0; off < M2; off += K4) {
		assert_int_equal(ept_translate(&ept, gpa + off + 7, &h, &perms), 0);
		assert_int_equal(h, hpa + off + 7);
		assert_int_equal(perms, off == 5 * K4 ? (EPT_R | EPT_X) : EPT_RWX);
	}
	assert_int_equal(ept_set_write(&ept, gpa + 5 * K4, false), 0); /* again: no change */
	assert_int_equal(ept_set_write(&ept, gpa + 5 * K4, true), 0);
	assert_int_equal(ept_translate(&ept, gpa + 5 * K4, &h, &perms), 0);
	assert_int_equal(perms, EPT_RWX);
	assert_int_equal(ept.splits, 1);
	assert_int_equal(ept_set_write(&ept, 64 * M2, false), -1); /* not mapped */
}

static void test_set_write_split_bound(void **state)
{
	assert_int_equal(ept_map(&ept, 0, 0, (EPT_MAX_SPLITS + 1) * M2, EPT_RWX, EPT_MT_WB), 0);
	for (u64 i = 0; i < EPT_MAX_SPLITS; i++)
		assert_int_equal(ept_set_write(&ept, i * M2, false), 0);
	u64 used = ept.pages_used;
	assert_int_equal(ept_set_write(&ept, EPT_MAX_SPLITS * M2, false), -1);
	assert_int_equal(ept.pages_used, used);
	u64 h;
	u32 perms;
	assert_int_equal(ept_translate(&ept, EPT_MAX_SPLITS * M2, &h, &perms), 0);
	assert_int_equal(perms, EPT_RWX); /* refused: left as it was */
	assert_int_equal(ept_set_write(&ept, 3 * K4, false), 0); /* in a split one: still fine */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_and_eptp),
		cmocka_unit_test(test_init_fails_cleanly),
		T(test_map_4k),
		T(test_map_2m_leaves),
		T(test_map_no_2m),
		T(test_map_mixed),
		T(test_map_hpa_misaligned),
		T(test_map_far),
		T(test_refuses_bad_input),
		T(test_overlap_refused),
		T(test_alloc_failure),
		T(test_leftover_tables_reused),
		T(test_leftover_table_after_pt_failure),
		T(test_guest_ram_sizes),
		T(test_guest_ram_table_count),
		T(test_guest_ram_no_hole),
		T(test_guest_ram_fragmented),
		T(test_guest_ram_out_of_memory),
		T(test_guest_ram_bad_input),
		T(test_set_write_splits_2m),
		T(test_set_write_split_bound),
	};
	return UNIT_RUN(tests);
}
