/*
 * dispatcher/guest_mem.c over a fake platform: 16 MiB of guest RAM with the legacy hole
 * [0xA0000, 0x100000) missing, page tables built in it for each paging mode, and the
 * expected results and #PF error codes taken from Intel SDM Vol. 3A 5.6 to 5.8.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "dispatcher/guest_mem.h"

#define RAM_SIZE (16 * MIB)
#define HOLE_START 0xa0000ULL
#define HOLE_END 0x100000ULL
#define TABLES_START 0x200000ULL /* page tables are allocated upwards from here */

#define CR0_PE (1ULL << 0)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR3_LAM_U57 (1ULL << 61)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE (1ULL << 22)
#define CR4_PKS (1ULL << 24)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define RFLAGS_AC (1ULL << 18)

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
static void *fake_gpa_ptr(void *ctx, u64 gpa, u32 len)
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

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	if (!ram)
		return -1;
	memset(ram, 0, RAM_SIZE);
	next_table = TABLES_START;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

static u64 new_table(void)
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

static void tvm_init_at(struct tvm *t, enum tmode mode, u64 root)
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

static void tvm_init(struct tvm *t, enum tmode mode) { tvm_init_at(t, mode, new_table()); }

static int top_level(const struct tvm *t)
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
static void *slot(struct tvm *t, u64 linear, int level)
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

static u64 ent(struct tvm *t, u64 linear, int level)
{
	void *e = slot(t, linear, level);
	return t->mode == T_32 ? *(u32 *)e : *(u64 *)e;
}

static void ent_set(struct tvm *t, u64 linear, int level, u64 val)
{
	void *e = slot(t, linear, level);
	if (t->mode == T_32)
		*(u32 *)e = (u32)val;
	else
		*(u64 *)e = val;
}

static void ent_or(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) | bits);
}

static void ent_clear(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) & ~bits);
}

/* Maps linear to gpa with a page of the given level (1: 4 KiB; 2: 2 or 4 MiB; 3: 1 GiB). */
static void map(struct tvm *t, u64 linear, u64 gpa, int level, u64 flags)
{
	ent_set(t, linear, level, gpa | flags | (level > 1 ? PS : 0));
}

/* Clears the accessed and dirty flags of every entry on linear's path. */
static void clear_ad(struct tvm *t, u64 linear, int leaf_level)
{
	for (int l = top_level(t); l >= leaf_level; l--)
		if (!(t->mode == T_PAE && l == 3))
			ent_clear(t, linear, l, A | D);
}

/* ---- expectations ---- */

static void expect_gpa(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u64 want)
{
	u64 gpa = ~0ULL;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_OK);
	assert_int_equal(gpa, want);
}

static void expect_pf(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u32 error)
{
	u64 gpa = 0x1234;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_false(f.non_canonical);
	assert_int_equal(f.linear, linear);
	assert_int_equal(f.pf_error, error);
	assert_int_equal(gpa, 0x1234); /* untouched */
}

static void expect_gp(struct tvm *t, u64 linear, enum vcpu_access acc, bool user)
{
	u64 gpa;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_true(f.non_canonical);
	assert_int_equal(f.pf_error, 0);
	assert_int_equal(f.linear, linear);
}

static void expect_result(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, int want)
{
	u64 gpa;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), want);
}

static void fill(u64 gpa, u8 seed, u32 len)
{
	for (u32 i = 0; i < len; i++)
		ram[gpa + i] = (u8)(seed + i);
}

/* ---- paging off ---- */

static void test_paging_off(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_OFF);
	u8 buf[16], want[16];
	struct gmem_fault f;
	fill(0x5000, 1, 16);
	memcpy(want, ram + 0x5000, 16);
	assert_int_equal(gmem_read(&t.v, 0x5000, buf, 16, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(buf, want, 16);
	/* No IA-32e mode without paging: linear addresses are 32 bits. */
	memset(buf, 0, 16);
	assert_int_equal(gmem_read(&t.v, 0x100005000ULL, buf, 16, VCPU_READ, true, &f), GMEM_OK);
	assert_memory_equal(buf, want, 16);
	expect_gpa(&t, 0xdead, VCPU_EXEC, true, 0xdead);
	expect_gpa(&t, 0x80000dead, VCPU_WRITE, false, 0xdead);
	/* No permission checks at all: writes anywhere in RAM, crossing pages. */
	const u8 w[4] = {0xa1, 0xa2, 0xa3, 0xa4};
	assert_int_equal(gmem_write(&t.v, 0x6ffe, w, 4, true, &f), GMEM_OK);
	assert_memory_equal(ram + 0x6ffe, w, 4);
	/* The hole, beyond RAM, and an access running from RAM into the hole. */
	assert_int_equal(gmem_read(&t.v, 0xb8000, buf, 2, VCPU_READ, false, &f), GMEM_NOT_RAM);
	assert_int_equal(gmem_read(&t.v, RAM_SIZE, buf, 2, VCPU_READ, false, &f), GMEM_NOT_RAM);
	memset(buf, 0xcc, sizeof(buf));
	assert_int_equal(gmem_read(&t.v, HOLE_START - 2, buf, 4, VCPU_READ, false, &f), GMEM_NOT_RAM);
	for (int i = 0; i < 4; i++)
		assert_int_equal(buf[i], 0xcc);
	ram[HOLE_START - 1] = 0x77;
	assert_int_equal(gmem_write(&t.v, HOLE_START - 2, w, 4, false, &f), GMEM_NOT_RAM);
	assert_int_equal(ram[HOLE_START - 1], 0x77);
}

/* ---- 32-bit paging ---- */

static void test_32bit_4k(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_32);
	map(&t, 0x40001000, 0x801000, 1, P | RW);
	fill(0x801123, 9, 8);
	expect_gpa(&t, 0x40001123, VCPU_READ, false, 0x801123);
	u8 buf[8];
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, 0x40001123, buf, 8, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(buf, ram + 0x801123, 8);
	/* Bits 63:32 of the linear address do not exist outside IA-32e mode. */
	expect_gpa(&t, 0x740001123ULL, VCPU_READ, false, 0x801123);
}

static void test_32bit_4m(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_32);
	map(&t, 0x80000000, 0xc00000, 2, P | RW);
	expect_gpa(&t, 0x80123456, VCPU_WRITE, false, 0xd23456);
	fill(0xd23456, 3, 4);
	u8 buf[4];
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, 0x80123456, buf, 4, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(buf, ram + 0xd23456, 4);
	/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
	map(&t, 0x80400000, 0x400000 | (1ULL << 13), 2, P | RW);
	expect_gpa(&t, 0x80400010, VCPU_READ, false, 0x100400010ULL);
	assert_int_equal(gmem_read(&t.v, 0x80400010, buf, 4, VCPU_READ, false, &f), GMEM_NOT_RAM);
	/* Bit 21 of a 4-MiB PDE is reserved (M = 40). */
	map(&t, 0x80800000, 0x800000 | (1ULL << 21), 2, P | RW);
	expect_pf(&t, 0x80800000, VCPU_READ, false, E_P | E_RSVD);
	expect_pf(&t, 0x80800000, VCPU_WRITE, true, E_P | E_RSVD | E_W | E_U);
	/* With CR4.PSE = 0, PS is ignored and the PDE points to a page table. */
	t.v.cr4 &= ~CR4_PSE;
	*(u32 *)(ram + 0xc00000) = 0x803000 | P;
	expect_gpa(&t, 0x80000010, VCPU_READ, false, 0x803010);
}

static void test_32bit_not_present_and_fetch(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_32);
	map(&t, 0x40000000, 0x801000, 1, P | RW);
	expect_pf(&t, 0x40400000, VCPU_READ, false, 0);      /* PDE not present */
	expect_pf(&t, 0x40001000, VCPU_WRITE, true, E_W | E_U); /* PTE not present */
	/* 32-bit paging has no XD: a fetch reports I/D only under SMEP. */
	t.v.efer = EFER_NXE;
	expect_pf(&t, 0x40001000, VCPU_EXEC, false, 0);
	t.v.cr4 |= CR4_SMEP;
	expect_pf(&t, 0x40001000, VCPU_EXEC, false, E_I);
	/* Bit 31 of a PTE is an address bit, not XD. */
	map(&t, 0x40002000, 0x80000000, 1, P);
	expect_gpa(&t, 0x40002000, VCPU_EXEC, false, 0x80000000);
}

static void test_32bit_wraps_at_4g(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_32);
	map(&t, 0xfffff000, 0x806000, 1, P | RW);
	map(&t, 0x00000000, 0x807000, 1, P | RW);
	ram[0x806ffe] = 1;
	ram[0x806fff] = 2;
	ram[0x807000] = 3;
	ram[0x807001] = 4;
	u8 buf[4];
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, 0xfffffffe, buf, 4, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(buf, "\x01\x02\x03\x04", 4);
	/* A fault in the wrapped-to page reports the 32-bit address, as CR2 would hold it. */
	ent_clear(&t, 0, 1, P);
	assert_int_equal(gmem_read(&t.v, 0xfffffffe, buf, 4, VCPU_READ, false, &f), GMEM_FAULT);
	assert_int_equal(f.linear, 0);
	assert_int_equal(f.pf_error, 0);
	u64 gpa;
	assert_int_equal(gmem_translate(&t.v, 0x100000000ULL, VCPU_READ, false, &gpa, &f), GMEM_FAULT);
	assert_int_equal(f.linear, 0);
}

/* ---- PAE paging ---- */

static void test_pae_4k_2m(void **state)
{
	(void)state;
	struct tvm t;
	/* CR3 bits 31:5 locate the PDPT: put it 32 bytes into a page. */
	tvm_init_at(&t, T_PAE, new_table() + 0x20);
	map(&t, 0x40002000, 0x802000, 1, P | RW);
	map(&t, 0xc0200000, 0xa00000, 2, P | RW);
	expect_gpa(&t, 0x40002abc, VCPU_READ, false, 0x802abc);
	expect_gpa(&t, 0xc0212345, VCPU_READ, false, 0xa12345);
	u64 pdpte = ent(&t, 0x40002000, 3);
	fill(0xa12345, 5, 4);
	u8 buf[4];
	struct gmem_fault f;
	assert_int_equal(gmem_write(&t.v, 0xc0212345, "abcd", 4, false, &f), GMEM_OK);
	assert_int_equal(gmem_read(&t.v, 0x40002abc, buf, 4, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(ram + 0xa12345, "abcd", 4);
	/* PDPTEs have no accessed flag: the processor holds them in registers. */
	assert_int_equal(ent(&t, 0x40002000, 3), pdpte);
	/* Not-present PDPTE; a PDPTE with reserved bits (documented approximation). */
	expect_pf(&t, 0x80000000, VCPU_READ, false, 0);
	ent_or(&t, 0x40002000, 3, RW);
	expect_pf(&t, 0x40002000, VCPU_READ, false, E_P | E_RSVD);
	ent_clear(&t, 0x40002000, 3, RW);
	/* PAE reserves bits 62:M of a PDE or PTE (M = 52 here), and 20:13 of a 2-MiB PDE. */
	ent_or(&t, 0x40002000, 1, 1ULL << 52);
	expect_pf(&t, 0x40002000, VCPU_WRITE, false, E_P | E_RSVD | E_W);
	ent_clear(&t, 0x40002000, 1, 1ULL << 52);
	ent_or(&t, 0xc0200000, 2, 1ULL << 13);
	expect_pf(&t, 0xc0200000, VCPU_READ, false, E_P | E_RSVD);
	ent_clear(&t, 0xc0200000, 2, 1ULL << 13);
	/* Bit 12 of a 2-MiB PDE is PAT, not an address bit. */
	ent_or(&t, 0xc0200000, 2, 1ULL << 12);
	expect_gpa(&t, 0xc0200000, VCPU_READ, false, 0xa00000);
}

/* ---- 4- and 5-level paging ---- */

static void test_4level_page_sizes(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, 0xffff800000201000ULL, 0x801000, 1, P | RW);
	map(&t, 0x0000000040600000ULL, 0xe00000, 2, P | RW);
	map(&t, 0x0000008040000000ULL, 0, 3, P | RW);
	expect_gpa(&t, 0xffff800000201fffULL, VCPU_READ, false, 0x801fff);
	expect_gpa(&t, 0x0000000040654321ULL, VCPU_READ, false, 0xe54321);
	expect_gpa(&t, 0x0000008040123450ULL, VCPU_READ, false, 0x123450);
	fill(0x123450, 0x40, 16);
	u8 buf[16];
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, 0x0000008040123450ULL, buf, 16, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(buf, ram + 0x123450, 16);
	/* Bits 62:52 are ignored in IA-32e paging (protection keys aside). */
	ent_or(&t, 0xffff800000201000ULL, 1, 0x7ffULL << 52);
	expect_gpa(&t, 0xffff800000201000ULL, VCPU_READ, false, 0x801000);
	/* Reserved: 29:13 of a 1-GiB PDPTE, 20:13 of a 2-MiB PDE, PS in a PML4E. */
	ent_or(&t, 0x0000008040000000ULL, 3, 1ULL << 29);
	expect_pf(&t, 0x0000008040000000ULL, VCPU_READ, false, E_P | E_RSVD);
	ent_or(&t, 0x0000000040600000ULL, 2, 1ULL << 20);
	expect_pf(&t, 0x0000000040600000ULL, VCPU_READ, false, E_P | E_RSVD);
	ent_or(&t, 0xffff800000201000ULL, 4, PS);
	expect_pf(&t, 0xffff800000201000ULL, VCPU_EXEC, false, E_P | E_RSVD | E_I);
	/* ... even where it would otherwise make a well-formed 512-GiB page. */
	ent_set(&t, 0xffff800000201000ULL, 4, P | RW | PS);
	expect_pf(&t, 0xffff800000201000ULL, VCPU_READ, false, E_P | E_RSVD);
	/* Bit 7 of a PTE is PAT, not PS. */
	map(&t, 0x1000, 0x801000, 1, P | RW | PS);
	expect_gpa(&t, 0x1234, VCPU_WRITE, false, 0x801234);
}

static void test_5level(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_5L);
	map(&t, 0x00ff800012345000ULL, 0x805000, 1, P | RW);
	map(&t, 0x0000800000000000ULL, 0x806000, 1, P | RW);
	map(&t, 0xff00000000200000ULL, 0x800000, 2, P | RW);
	expect_gpa(&t, 0x00ff800012345678ULL, VCPU_READ, false, 0x805678);
	expect_gpa(&t, 0x0000800000000010ULL, VCPU_WRITE, false, 0x806010);
	expect_gpa(&t, 0xff00000000212345ULL, VCPU_READ, false, 0x812345);
	expect_gp(&t, 0x0100000000000000ULL, VCPU_READ, false);
	expect_gp(&t, 0xfeff000000000000ULL, VCPU_READ, false);
	/* The PML5E takes part in the rights and the accessed flags. */
	struct gmem_fault f;
	u8 b;
	clear_ad(&t, 0x00ff800012345000ULL, 1);
	assert_int_equal(gmem_read(&t.v, 0x00ff800012345000ULL, &b, 1, VCPU_READ, false, &f), GMEM_OK);
	for (int l = 5; l >= 1; l--)
		assert_true(ent(&t, 0x00ff800012345000ULL, l) & A);
	ent_clear(&t, 0x00ff800012345000ULL, 5, US);
	expect_pf(&t, 0x00ff800012345000ULL, VCPU_READ, true, E_P | E_U);
	ent_clear(&t, 0x00ff800012345000ULL, 5, P);
	expect_pf(&t, 0x00ff800012345000ULL, VCPU_READ, false, 0);
	/* The same address under 4-level paging is not canonical. */
	t.v.cr4 &= ~CR4_LA57;
	expect_gp(&t, 0x0000800000000000ULL, VCPU_READ, false);
}

/* ---- faults ---- */

#define LIN4 0x00007f0012345000ULL

static void test_not_present_each_level(void **state)
{
	(void)state;
	for (int level = 4; level >= 1; level--) {
		struct tvm t;
		tvm_init(&t, T_4L);
		map(&t, LIN4, 0x801000, 1, P | RW | US);
		expect_gpa(&t, LIN4, VCPU_READ, true, 0x801000);
		ent_clear(&t, LIN4, level, P);
		expect_pf(&t, LIN4 + 0x10, VCPU_READ, false, 0);
		expect_pf(&t, LIN4 + 0x10, VCPU_WRITE, true, E_W | E_U);
		expect_pf(&t, LIN4 + 0x10, VCPU_EXEC, false, E_I);
		expect_pf(&t, LIN4 + 0x10, VCPU_EXEC, true, E_I | E_U);
		/* Without NXE or SMEP, a fetch does not report I/D. */
		t.v.efer &= ~EFER_NXE;
		expect_pf(&t, LIN4 + 0x10, VCPU_EXEC, false, 0);
		/* A not-present entry is not checked for reserved bits. */
		ent_or(&t, LIN4, level, XD);
		expect_pf(&t, LIN4 + 0x10, VCPU_READ, false, 0);
	}
}

static void test_write_read_only(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | US); /* read-only user page */
	t.v.cr0 |= CR0_WP;
	expect_pf(&t, LIN4, VCPU_WRITE, false, E_P | E_W);
	expect_pf(&t, LIN4, VCPU_WRITE, true, E_P | E_W | E_U);
	expect_gpa(&t, LIN4, VCPU_READ, true, 0x801000);
	t.v.cr0 &= ~CR0_WP;
	expect_gpa(&t, LIN4, VCPU_WRITE, false, 0x801000); /* supervisor ignores R/W with WP = 0 */
	expect_pf(&t, LIN4, VCPU_WRITE, true, E_P | E_W | E_U);
	/* R/W = 0 at any level makes the page read-only. */
	ent_or(&t, LIN4, 1, RW);
	ent_clear(&t, LIN4, 3, RW);
	t.v.cr0 |= CR0_WP;
	expect_pf(&t, LIN4, VCPU_WRITE, false, E_P | E_W);
	ent_or(&t, LIN4, 3, RW);
	expect_gpa(&t, LIN4, VCPU_WRITE, true, 0x801000);
}

static void test_user_supervisor(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW | US);
	ent_clear(&t, LIN4, 4, US); /* supervisor at the PML4E only */
	expect_pf(&t, LIN4, VCPU_READ, true, E_P | E_U);
	expect_pf(&t, LIN4, VCPU_WRITE, true, E_P | E_W | E_U);
	expect_pf(&t, LIN4, VCPU_EXEC, true, E_P | E_U | E_I);
	expect_gpa(&t, LIN4, VCPU_READ, false, 0x801000);
	/* gmem_read and gmem_write take CPL from their caller too. */
	u8 b = 0;
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, LIN4, &b, 1, VCPU_READ, true, &f), GMEM_FAULT);
	assert_int_equal(f.pf_error, E_P | E_U);
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, true, &f), GMEM_FAULT);
	assert_int_equal(f.pf_error, E_P | E_W | E_U);
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, false, &f), GMEM_OK);
}

static void test_execute_disable(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW | US);
	ent_or(&t, LIN4, 2, XD);
	expect_pf(&t, LIN4, VCPU_EXEC, false, E_P | E_I);
	expect_pf(&t, LIN4, VCPU_EXEC, true, E_P | E_I | E_U);
	expect_gpa(&t, LIN4, VCPU_READ, true, 0x801000);
	expect_gpa(&t, LIN4, VCPU_WRITE, false, 0x801000);
	/* With EFER.NXE = 0, bit 63 is reserved at every level. */
	t.v.efer &= ~EFER_NXE;
	expect_pf(&t, LIN4, VCPU_READ, false, E_P | E_RSVD);
	expect_pf(&t, LIN4, VCPU_EXEC, false, E_P | E_RSVD);
	ent_clear(&t, LIN4, 2, XD);
	ent_or(&t, LIN4, 4, XD);
	expect_pf(&t, LIN4, VCPU_WRITE, true, E_P | E_RSVD | E_W | E_U);
	ent_clear(&t, LIN4, 4, XD);
	expect_gpa(&t, LIN4, VCPU_EXEC, false, 0x801000);
	/* PAE paging likewise. */
	struct tvm p;
	tvm_init(&p, T_PAE);
	map(&p, 0x40000000, 0x802000, 1, P | RW | XD);
	expect_pf(&p, 0x40000000, VCPU_EXEC, false, E_P | E_I);
	p.v.efer &= ~EFER_NXE;
	expect_pf(&p, 0x40000000, VCPU_READ, false, E_P | E_RSVD);
}

static void test_smep(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW | US);
	map(&t, LIN4 + PAGE_SIZE, 0x802000, 1, P | RW); /* supervisor page */
	t.v.efer &= ~EFER_NXE;
	expect_gpa(&t, LIN4, VCPU_EXEC, false, 0x801000);
	t.v.cr4 |= CR4_SMEP;
	expect_pf(&t, LIN4, VCPU_EXEC, false, E_P | E_I);
	expect_gpa(&t, LIN4, VCPU_EXEC, true, 0x801000);
	expect_gpa(&t, LIN4, VCPU_READ, false, 0x801000); /* SMEP is about fetches only */
	expect_gpa(&t, LIN4 + PAGE_SIZE, VCPU_EXEC, false, 0x802000);
	/* 32-bit paging has SMEP too. */
	struct tvm s;
	tvm_init(&s, T_32);
	map(&s, 0x40000000, 0x803000, 1, P | US);
	s.v.cr4 |= CR4_SMEP;
	expect_pf(&s, 0x40000000, VCPU_EXEC, false, E_P | E_I);
}

static void test_smap(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW | US);
	map(&t, LIN4 + PAGE_SIZE, 0x802000, 1, P | US);          /* read-only user page */
	map(&t, LIN4 + 2 * PAGE_SIZE, 0x803000, 1, P | RW);      /* supervisor page */
	t.v.cr4 |= CR4_SMAP;
	expect_pf(&t, LIN4, VCPU_READ, false, E_P);
	expect_pf(&t, LIN4, VCPU_WRITE, false, E_P | E_W);
	expect_gpa(&t, LIN4, VCPU_EXEC, false, 0x801000); /* fetches are SMEP's business */
	expect_gpa(&t, LIN4, VCPU_READ, true, 0x801000);
	expect_gpa(&t, LIN4 + 2 * PAGE_SIZE, VCPU_WRITE, false, 0x803000);
	t.v.rflags |= RFLAGS_AC;
	expect_gpa(&t, LIN4, VCPU_READ, false, 0x801000);
	expect_gpa(&t, LIN4, VCPU_WRITE, false, 0x801000);
	/* AC lifts SMAP, not R/W under WP. */
	expect_pf(&t, LIN4 + PAGE_SIZE, VCPU_WRITE, false, E_P | E_W);
	t.v.cr0 &= ~CR0_WP;
	expect_gpa(&t, LIN4 + PAGE_SIZE, VCPU_WRITE, false, 0x802000);
}

static void test_non_canonical(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	expect_gp(&t, 0x0000800000000000ULL, VCPU_READ, false);
	expect_gp(&t, 0xffff7fffffffffffULL, VCPU_WRITE, true);
	expect_gp(&t, 0x8000000000000000ULL, VCPU_EXEC, false);
	map(&t, 0xffff800000000000ULL, 0x801000, 1, P | RW);
	expect_gpa(&t, 0xffff800000000000ULL, VCPU_READ, false, 0x801000);
	/* An access running off the top of the lower half: #GP, nothing read, no flag set. */
	u64 last = 0x00007ffffffff000ULL;
	map(&t, last, 0x802000, 1, P | RW);
	clear_ad(&t, last, 1);
	u8 buf[8];
	memset(buf, 0xcc, sizeof(buf));
	struct gmem_fault f = {0};
	assert_int_equal(gmem_read(&t.v, last + 0xffc, buf, 8, VCPU_READ, false, &f), GMEM_FAULT);
	assert_true(f.non_canonical);
	assert_int_equal(f.linear, 0x0000800000000000ULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0xcc);
	for (int l = 4; l >= 1; l--)
		assert_false(ent(&t, last, l) & A);
	/* #GP comes before a #PF on the first page. */
	ent_clear(&t, last, 1, P);
	assert_int_equal(gmem_write(&t.v, last + 0xffc, buf, 8, false, &f), GMEM_FAULT);
	assert_true(f.non_canonical);
	/* Paging off or 32-bit: no canonical check, addresses are 32-bit. */
	struct tvm s;
	tvm_init(&s, T_32);
	map(&s, 0, 0x803000, 1, P | RW);
	expect_gpa(&s, 0x0000800000000000ULL, VCPU_READ, false, 0x803000);
}

/* ---- accessed and dirty flags ---- */

static void test_accessed_dirty_4level(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW);
	map(&t, 0x40000000, 0xa00000, 2, P | RW);
	clear_ad(&t, LIN4, 1);
	clear_ad(&t, 0x40000000, 2);
	u8 b = 0;
	struct gmem_fault f;
	u64 gpa;
	/* Translation alone and peeking set nothing. */
	assert_int_equal(gmem_translate(&t.v, LIN4, VCPU_WRITE, false, &gpa, &f), GMEM_OK);
	assert_int_equal(gmem_peek(&t.v, LIN4, &b, 1, VCPU_EXEC, false, &f), GMEM_OK);
	for (int l = 4; l >= 1; l--)
		assert_false(ent(&t, LIN4, l) & (A | D));
	/* A read sets A at every level and D nowhere. */
	assert_int_equal(gmem_read(&t.v, LIN4, &b, 1, VCPU_READ, false, &f), GMEM_OK);
	for (int l = 4; l >= 1; l--) {
		assert_true(ent(&t, LIN4, l) & A);
		assert_false(ent(&t, LIN4, l) & D);
	}
	/* A write sets D in the entry that maps the page only. */
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, false, &f), GMEM_OK);
	assert_true(ent(&t, LIN4, 1) & D);
	for (int l = 4; l >= 2; l--)
		assert_false(ent(&t, LIN4, l) & D);
	assert_int_equal(gmem_write(&t.v, 0x40000000, &b, 1, false, &f), GMEM_OK);
	assert_int_equal(ent(&t, 0x40000000, 2) & (A | D), A | D);
	assert_int_equal(ent(&t, 0x40000000, 3) & (A | D), A);
	/* A faulting write sets nothing. */
	clear_ad(&t, LIN4, 1);
	ent_clear(&t, LIN4, 1, RW);
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, false, &f), GMEM_FAULT);
	for (int l = 4; l >= 1; l--)
		assert_false(ent(&t, LIN4, l) & (A | D));
	/* Nor does a walk that stops at a not-present PTE. */
	ent_clear(&t, LIN4, 1, P);
	assert_int_equal(gmem_read(&t.v, LIN4, &b, 1, VCPU_READ, false, &f), GMEM_FAULT);
	for (int l = 4; l >= 2; l--)
		assert_false(ent(&t, LIN4, l) & A);
}

static void test_accessed_dirty_32bit(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_32);
	map(&t, 0x40000000, 0x801000, 1, P | RW);
	map(&t, 0x80000000, 0xc00000, 2, P | RW);
	clear_ad(&t, 0x40000000, 1);
	u8 b = 0;
	struct gmem_fault f;
	assert_int_equal(gmem_read(&t.v, 0x40000000, &b, 1, VCPU_EXEC, false, &f), GMEM_OK);
	assert_int_equal(ent(&t, 0x40000000, 2) & (A | D), A);
	assert_int_equal(ent(&t, 0x40000000, 1) & (A | D), A);
	assert_int_equal(gmem_write(&t.v, 0x40000000, &b, 1, false, &f), GMEM_OK);
	assert_int_equal(ent(&t, 0x40000000, 2) & (A | D), A);
	assert_int_equal(ent(&t, 0x40000000, 1) & (A | D), A | D);
	assert_int_equal(gmem_write(&t.v, 0x80000000, &b, 1, false, &f), GMEM_OK);
	assert_int_equal(ent(&t, 0x80000000, 2) & (A | D), A | D);
	/* The entry's other bits survive (4-byte entries: nothing written past them). */
	assert_int_equal(ent(&t, 0x80000000, 2), 0xc00000 | P | RW | PS | A | D);
}

/* ---- accesses crossing pages ---- */

static void test_cross_page_ok(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	/* Linearly contiguous, physically apart and in reverse order. */
	map(&t, LIN4, 0x805000, 1, P | RW);
	map(&t, LIN4 + PAGE_SIZE, 0x803000, 1, P | RW);
	map(&t, LIN4 + 2 * PAGE_SIZE, 0x804000, 1, P | RW);
	u8 w[32], r[32];
	for (int i = 0; i < 32; i++)
		w[i] = (u8)(0x80 + i);
	struct gmem_fault f;
	assert_int_equal(gmem_write(&t.v, LIN4 + 0xff0, w, 32, false, &f), GMEM_OK);
	assert_memory_equal(ram + 0x805ff0, w, 16);
	assert_memory_equal(ram + 0x803000, w + 16, 16);
	assert_int_equal(gmem_read(&t.v, LIN4 + 0xff0, r, 32, VCPU_READ, false, &f), GMEM_OK);
	assert_memory_equal(r, w, 32);
	assert_true(ent(&t, LIN4, 1) & D);
	assert_true(ent(&t, LIN4 + PAGE_SIZE, 1) & D);
	/* The longest access touches three pages. */
	static u8 big[GMEM_MAX_LEN];
	fill(0x805fff, 7, 1);
	fill(0x803000, 8, PAGE_SIZE);
	fill(0x804000, 9, PAGE_SIZE - 1);
	assert_int_equal(gmem_read(&t.v, LIN4 + 0xfff, big, GMEM_MAX_LEN, VCPU_READ, false, &f), GMEM_OK);
	assert_int_equal(big[0], ram[0x805fff]);
	assert_memory_equal(big + 1, ram + 0x803000, PAGE_SIZE);
	assert_memory_equal(big + 1 + PAGE_SIZE, ram + 0x804000, PAGE_SIZE - 1);
	assert_int_equal(gmem_read(&t.v, LIN4, big, GMEM_MAX_LEN + 1, VCPU_READ, false, &f),
	                 GMEM_UNSUPPORTED);
	assert_int_equal(gmem_read(&t.v, LIN4, big, 0, VCPU_READ, false, &f), GMEM_OK);
}

static void test_cross_page_read_fault(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x805000, 1, P | RW);
	clear_ad(&t, LIN4, 1);
	fill(0x805ff0, 1, 16);
	u8 buf[16];
	memset(buf, 0xcc, sizeof(buf));
	struct gmem_fault f = {0};
	assert_int_equal(gmem_read(&t.v, LIN4 + 0xffa, buf, 16, VCPU_READ, false, &f), GMEM_FAULT);
	assert_int_equal(f.linear, LIN4 + PAGE_SIZE); /* CR2: the first byte in the faulting page */
	assert_int_equal(f.pf_error, 0);
	assert_false(f.non_canonical);
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0xcc);
	for (int l = 4; l >= 1; l--)
		assert_false(ent(&t, LIN4, l) & A);
}

static void test_cross_page_write_fault(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x805000, 1, P | RW | US);
	map(&t, LIN4 + PAGE_SIZE, 0x806000, 1, P | US); /* read-only */
	clear_ad(&t, LIN4, 1);
	clear_ad(&t, LIN4 + PAGE_SIZE, 1);
	fill(0x805ff8, 0x10, 8);
	fill(0x806000, 0x20, 8);
	u8 before[16], w[16];
	memcpy(before, ram + 0x805ff8, 8);
	memcpy(before + 8, ram + 0x806000, 8);
	memset(w, 0xee, sizeof(w));
	struct gmem_fault f = {0};
	assert_int_equal(gmem_write(&t.v, LIN4 + 0xff8, w, 16, true, &f), GMEM_FAULT);
	assert_int_equal(f.linear, LIN4 + PAGE_SIZE);
	assert_int_equal(f.pf_error, E_P | E_W | E_U);
	assert_memory_equal(ram + 0x805ff8, before, 8);
	assert_memory_equal(ram + 0x806000, before + 8, 8);
	assert_false(ent(&t, LIN4, 1) & (A | D));
	assert_false(ent(&t, LIN4 + PAGE_SIZE, 1) & (A | D));
	/* Fault before not-RAM: page one in the hole, page two faulting. */
	map(&t, LIN4, 0xbf000, 1, P | RW | US);
	assert_int_equal(gmem_write(&t.v, LIN4 + 0xff8, w, 16, true, &f), GMEM_FAULT);
	assert_int_equal(gmem_write(&t.v, LIN4 + 0xff8, w, 8, true, &f), GMEM_NOT_RAM);
}

/* ---- guest-physical addresses that are not RAM ---- */

static void test_not_ram(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	u8 b = 0;
	struct gmem_fault f;
	/* A page table beyond RAM, and one in the hole. */
	map(&t, LIN4, 0x801000, 1, P | RW);
	ent_set(&t, LIN4, 2, 0x2000000 | P | RW);
	expect_result(&t, LIN4, VCPU_READ, false, GMEM_NOT_RAM);
	ent_set(&t, LIN4, 2, 0xa0000 | P | RW);
	expect_result(&t, LIN4, VCPU_READ, false, GMEM_NOT_RAM);
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, false, &f), GMEM_NOT_RAM);
	/* CR3 beyond RAM. */
	u64 cr3 = t.v.cr3;
	t.v.cr3 = 0x40000000;
	expect_result(&t, LIN4, VCPU_READ, false, GMEM_NOT_RAM);
	t.v.cr3 = cr3;
	/* A translation into the hole: translate gives the address, the access refuses it. */
	map(&t, 0x40000000, 0xb8000, 1, P | RW);
	expect_gpa(&t, 0x40000010, VCPU_WRITE, false, 0xb8010);
	assert_int_equal(gmem_read(&t.v, 0x40000010, &b, 1, VCPU_READ, false, &f), GMEM_NOT_RAM);
	assert_int_equal(gmem_write(&t.v, 0x40000010, &b, 1, false, &f), GMEM_NOT_RAM);
	assert_false(ent(&t, 0x40000000, 1) & A); /* nothing happened */
	/* 32-bit paging and PAE: a PDE pointing beyond RAM, a PDPT in the hole. */
	struct tvm s;
	tvm_init(&s, T_32);
	ent_set(&s, 0x40000000, 2, 0xff000000ULL | P | RW);
	expect_result(&s, 0x40000000, VCPU_READ, false, GMEM_NOT_RAM);
	struct tvm p;
	tvm_init(&p, T_PAE);
	p.v.cr3 = 0xa0020;
	expect_result(&p, 0x40000000, VCPU_READ, false, GMEM_NOT_RAM);
}

/* ---- what this module leaves to native execution ---- */

static void test_protection_keys_unsupported(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	map(&t, LIN4, 0x801000, 1, P | RW | US);
	map(&t, LIN4 + PAGE_SIZE, 0x802000, 1, P | RW);
	t.v.cr4 |= CR4_PKE;
	expect_result(&t, LIN4, VCPU_READ, true, GMEM_UNSUPPORTED);
	expect_result(&t, LIN4, VCPU_WRITE, false, GMEM_UNSUPPORTED);
	expect_gpa(&t, LIN4, VCPU_EXEC, true, 0x801000);
	expect_gpa(&t, LIN4 + PAGE_SIZE, VCPU_READ, false, 0x802000);
	u8 b = 0x5a;
	struct gmem_fault f;
	assert_int_equal(gmem_write(&t.v, LIN4, &b, 1, true, &f), GMEM_UNSUPPORTED);
	assert_int_equal(ram[0x801000], 0);
	t.v.cr4 = (t.v.cr4 & ~CR4_PKE) | CR4_PKS;
	expect_result(&t, LIN4 + PAGE_SIZE, VCPU_READ, false, GMEM_UNSUPPORTED);
	expect_gpa(&t, LIN4, VCPU_READ, true, 0x801000);
	/* Keys exist only in IA-32e paging. */
	struct tvm p;
	tvm_init(&p, T_PAE);
	map(&p, 0x40000000, 0x803000, 1, P | RW | US);
	p.v.cr4 |= CR4_PKE | CR4_PKS;
	expect_gpa(&p, 0x40000000, VCPU_READ, true, 0x803000);
}

static void test_lam_unsupported(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	t.v.cr3 |= CR3_LAM_U57;
	expect_result(&t, 0x0100000000001000ULL, VCPU_READ, true, GMEM_UNSUPPORTED);
	expect_gp(&t, 0x0100000000001000ULL, VCPU_EXEC, true); /* LAM is for data pointers */
	/* The LAM bits of CR3 are not part of the PML4 address. */
	map(&t, LIN4, 0x801000, 1, P | RW);
	expect_gpa(&t, LIN4, VCPU_READ, false, 0x801000);
}

static void test_null_fault_pointer(void **state)
{
	(void)state;
	struct tvm t;
	tvm_init(&t, T_4L);
	u64 gpa;
	u8 b;
	assert_int_equal(gmem_translate(&t.v, LIN4, VCPU_READ, false, &gpa, NULL), GMEM_FAULT);
	assert_int_equal(gmem_read(&t.v, 0x0000800000000000ULL, &b, 1, VCPU_READ, false, NULL), GMEM_FAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_paging_off),
		T(test_32bit_4k),
		T(test_32bit_4m),
		T(test_32bit_not_present_and_fetch),
		T(test_32bit_wraps_at_4g),
		T(test_pae_4k_2m),
		T(test_4level_page_sizes),
		T(test_5level),
		T(test_not_present_each_level),
		T(test_write_read_only),
		T(test_user_supervisor),
		T(test_execute_disable),
		T(test_smep),
		T(test_smap),
		T(test_non_canonical),
		T(test_accessed_dirty_4level),
		T(test_accessed_dirty_32bit),
		T(test_cross_page_ok),
		T(test_cross_page_read_fault),
		T(test_cross_page_write_fault),
		T(test_not_ram),
		T(test_protection_keys_unsupported),
		T(test_lam_unsupported),
		T(test_null_fault_pointer),
#undef T
	};
	return UNIT_RUN(tests);
}
