/*
 * The fixture of test_guest_mem.c and test_guest_mem_faults.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in gmem_fixture.c.
 */
#ifndef TESTS_UNIT_GMEM_FIXTURE_H
#define TESTS_UNIT_GMEM_FIXTURE_H

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

extern u8 *ram;
extern u64 next_table;

/* Returns guest RAM for [gpa, gpa+len); the module must never ask across a 4-KiB page. */

extern const struct vcpu_platform plat;

int setup(void **state);

int teardown(void **state);

u64 new_table(void);

/* ---- a guest: paging mode, root table, vCPU ---- */

enum tmode { T_OFF, T_32, T_PAE, T_4L, T_5L };

struct tvm {
	enum tmode mode;
	u64 root;
	struct vcpu v;
};

void tvm_init_at(struct tvm *t, enum tmode mode, u64 root);

void tvm_init(struct tvm *t, enum tmode mode);

int top_level(const struct tvm *t);

/* Host address of the entry for linear at level (1 = page table), creating missing tables:
 * P|RW|US above (a PAE PDPTE gets P alone: its other low bits are reserved). */
void *slot(struct tvm *t, u64 linear, int level);

u64 ent(struct tvm *t, u64 linear, int level);

void ent_set(struct tvm *t, u64 linear, int level, u64 val);

void ent_or(struct tvm *t, u64 linear, int level, u64 bits);

void ent_clear(struct tvm *t, u64 linear, int level, u64 bits);

/* Maps linear to gpa with a page of the given level (1: 4 KiB; 2: 2 or 4 MiB; 3: 1 GiB). */
void map(struct tvm *t, u64 linear, u64 gpa, int level, u64 flags);

/* Clears the accessed and dirty flags of every entry on linear's path. */
void clear_ad(struct tvm *t, u64 linear, int leaf_level);

/* ---- expectations ---- */

void expect_gpa(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u64 want);

void expect_pf(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u32 error);

void expect_gp(struct tvm *t, u64 linear, enum vcpu_access acc, bool user);

void expect_result(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, int want);

void fill(u64 gpa, u8 seed, u32 len);

#endif
