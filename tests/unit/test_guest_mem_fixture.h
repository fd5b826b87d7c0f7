/*
 * The fixture of test_guest_mem.c and test_guest_mem_faults.c: the includes, constants, fake
 * platform and helpers the tests of both use. Each file is its own test program with its own
 * copy of this state; the helpers are static inline so that neither warns of unused ones.
 */
#ifndef TESTS_UNIT_TEST_GUEST_MEM_FIXTURE_H
#define TESTS_UNIT_TEST_GUEST_MEM_FIXTURE_H

#include "unit.h"
#include "arch/x86.h"

#include <stdlib.h>
#include <string.h>

#include "dispatcher/vcpu/gmem.h"

#define RAM_SIZE (16 * MIB)
#define HOLE_START 0xa0000ULL
#define HOLE_END 0x100000ULL
#define TABLES_START 0x200000ULL /* page tables are allocated upwards from here */


#define P (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define A (1ULL << 5)
#define D (1ULL << 6)
#define PS (1ULL << 7)
#define XD (1ULL << 63)
#define ADDR64 0x000ffffffffff000ULL
#define ADDR32 0xfffff000ULL

/* #PF error codes (SDM Vol. 3A 5.7). */
#define E_P GMEM_PF_P
#define E_W GMEM_PF_W
#define E_U GMEM_PF_U
#define E_RSVD GMEM_PF_RSVD
#define E_I GMEM_PF_I

static u8 *ram;
static u64 next_table;

/* Returns guest RAM for [gpa, gpa+len); the module must never ask across a 4-KiB page. */
static inline void *fake_gpa_ptr(void *ctx, u64 gpa, u32 len)
{
	(void)ctx;
	assert_true(len > 0);
	assert_true((gpa & (PAGE_SIZE - 1)) + len <= PAGE_SIZE);
	if (gpa >= RAM_SIZE || gpa + len > RAM_SIZE)
		return NULL;
	if (gpa < HOLE_END && gpa + len > HOLE_START)
		return NULL;
	return ram + gpa;
}

static const struct vcpu_platform plat = {.gpa_ptr = fake_gpa_ptr};

static inline int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	if (!ram)
		return -1;
	memset(ram, 0, RAM_SIZE);
	next_table = TABLES_START;
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

static inline u64 new_table(void)
{
	u64 t = next_table;
	next_table += PAGE_SIZE;
	memset(ram + t, 0, PAGE_SIZE);
	return t;
}

/* ---- a guest: paging mode, root table, vCPU ---- */

enum tmode { T_OFF, T_32, T_PAE, T_4L, T_5L };

struct tvm {
	enum tmode mode;
	u64 root;
	struct vcpu v;
};

static inline void tvm_init_at(struct tvm *t, enum tmode mode, u64 root)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->root = root;
	t->v.plat = &plat;
	t->v.cr3 = root;
	t->v.cr0 = mode == T_OFF ? CR0_PE : CR0_PE | CR0_PG | CR0_WP;
	if (mode == T_32)
		t->v.cr4 = CR4_PSE;
	if (mode == T_PAE || mode == T_4L || mode == T_5L)
		t->v.cr4 = CR4_PAE;
	if (mode == T_5L)
		t->v.cr4 |= CR4_LA57;
	if (mode == T_PAE)
		t->v.efer = EFER_NXE;
	if (mode == T_4L || mode == T_5L)
		t->v.efer = EFER_LME | EFER_LMA | EFER_NXE;
}

static inline void tvm_init(struct tvm *t, enum tmode mode) { tvm_init_at(t, mode, new_table()); }

static inline int top_level(const struct tvm *t)
{
	switch (t->mode) {
	case T_32: return 2;
	case T_PAE: return 3;
	case T_4L: return 4;
	default: return 5;
	}
}

/* Host address of the entry for linear at level (1 = page table), creating missing tables:
 * P|RW|US above (a PAE PDPTE gets P alone: its other low bits are reserved). */
static inline void *slot(struct tvm *t, u64 linear, int level)
{
	u64 table = t->root;
	for (int l = top_level(t);; l--) {
		if (t->mode == T_32) {
			u64 idx = (linear >> (l == 2 ? 22 : 12)) & 0x3ff;
			u32 *e = (u32 *)(ram + table + idx * 4);
			if (l == level)
				return e;
			if (!(*e & P))
				*e = (u32)(new_table() | P | RW | US);
			table = *e & ADDR32;
		} else {
			bool pdpte = t->mode == T_PAE && l == 3;
			u64 idx = (linear >> (12 + 9 * (l - 1))) & (pdpte ? 3 : 0x1ff);
			u64 *e = (u64 *)(ram + table + idx * 8);
			if (l == level)
				return e;
			if (!(*e & P))
				*e = new_table() | (pdpte ? P : P | RW | US);
			table = *e & ADDR64;
		}
	}
}

static inline u64 ent(struct tvm *t, u64 linear, int level)
{
	void *e = slot(t, linear, level);
	return t->mode == T_32 ? *(u32 *)e : *(u64 *)e;
}

static inline void ent_set(struct tvm *t, u64 linear, int level, u64 val)
{
	void *e = slot(t, linear, level);
	if (t->mode == T_32)
		*(u32 *)e = (u32)val;
	else
		*(u64 *)e = val;
}

static inline void ent_or(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) | bits);
}

static inline void ent_clear(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) & ~bits);
}

/* Maps linear to gpa with a page of the given level (1: 4 KiB; 2: 2 or 4 MiB; 3: 1 GiB). */
static inline void map(struct tvm *t, u64 linear, u64 gpa, int level, u64 flags)
{
	ent_set(t, linear, level, gpa | flags | (level > 1 ? PS : 0));
}

/* Clears the accessed and dirty flags of every entry on linear's path. */
static inline void clear_ad(struct tvm *t, u64 linear, int leaf_level)
{
	for (int l = top_level(t); l >= leaf_level; l--)
		if (!(t->mode == T_PAE && l == 3))
			ent_clear(t, linear, l, A | D);
}

/* ---- expectations ---- */

static inline void expect_gpa(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u64 want)
{
	u64 gpa = ~0ULL;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_OK);
	assert_int_equal(gpa, want);
}

static inline void expect_pf(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u32 error)
{
	u64 gpa = 0x1234;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_false(f.non_canonical);
	assert_int_equal(f.linear, linear);
	assert_int_equal(f.pf_error, error);
	assert_int_equal(gpa, 0x1234); /* untouched */
}

static inline void expect_gp(struct tvm *t, u64 linear, enum vcpu_access acc, bool user)
{
	u64 gpa;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_true(f.non_canonical);
	assert_int_equal(f.pf_error, 0);
	assert_int_equal(f.linear, linear);
}

static inline void expect_result(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, int want)
{
	u64 gpa;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), want);
}

static inline void fill(u64 gpa, u8 seed, u32 len)
{
	for (u32 i = 0; i < len; i++)
		ram[gpa + i] = (u8)(seed + i);
}

#endif
