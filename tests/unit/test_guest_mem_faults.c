/*
 * dispatcher/vcpu/gmem.c: faults, accessed and dirty flags, accesses crossing pages,
 * guest-physical addresses that are not RAM, and what the module leaves to native execution.
 * The fixture, shared with test_guest_mem.c, is gmem_fixture.{h,c}.
 */
#include "gmem_fixture.h"

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
	/* 32-bit paging and PAE: a PDE pointing beyond RAM, a PDPTE register pointing into the hole. */
	struct tvm s;
	tvm_init(&s, T_32);
	ent_set(&s, 0x40000000, 2, 0xff000000ULL | P | RW);
	expect_result(&s, 0x40000000, VCPU_READ, false, GMEM_NOT_RAM);
	struct tvm p;
	tvm_init(&p, T_PAE);
	p.v.pdpte[1] = 0xa0000 | P;
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
