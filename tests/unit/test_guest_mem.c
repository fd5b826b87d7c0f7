/*
 * dispatcher/vcpu/gmem.c over a fake platform: 16 MiB of guest RAM with the legacy hole
 * [0xA0000, 0x100000) missing, page tables built in it for each paging mode, and the
 * expected results and #PF error codes taken from Intel SDM Vol. 3A 5.6 to 5.8.
 * This file: the sections before "faults";
 * from there on: test_guest_mem_faults.c.
 */
#include "gmem_fixture.h"

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
	/* Not-present PDPTE; a PDPTE register with reserved bits. */
	expect_pf(&t, 0x80000000, VCPU_READ, false, 0);
	t.v.pdpte[1] |= RW;
	expect_pf(&t, 0x40002000, VCPU_READ, false, E_P | E_RSVD);
	t.v.pdpte[1] &= ~RW;
	/* Issue 12 defect 5: the walk uses the PDPTE registers, as the processor does, not the PDPT
	 * in memory: a PDPT rewritten without a CR3 load changes no translation (SDM Vol. 3A 5.4.1).
	 * Before the fix the walk read memory and went to the new PD. */
	u64 other = new_table();
	u64 *pte_other = (u64 *)(ram + new_table());
	*(u64 *)(ram + other) = (u64)((u8 *)pte_other - ram) | P | RW; /* its PDE 0 */
	pte_other[2] = 0x900000 | P | RW;
	ent_set(&t, 0x40002000, 3, other | P);
	expect_gpa(&t, 0x40002abc, VCPU_READ, false, 0x802abc);
	ent_set(&t, 0x80000000, 3, other | P); /* a not-present PDPTE made present in memory */
	expect_pf(&t, 0x80002000, VCPU_READ, false, 0);
	t.v.pdpte[1] = other | P; /* the CR3 load */
	expect_gpa(&t, 0x40002abc, VCPU_READ, false, 0x900abc);
	ent_set(&t, 0x40002000, 3, pdpte);
	t.v.pdpte[1] = pdpte;
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
#undef T
	};
	return UNIT_RUN(tests);
}
