/*
 * dispatcher/vcpu/page_gen.c and its use in block_dispatch.c (issue 11 item 2): a table hit
 * skips the hash of its code while no code page's generation moved, and every way the code can
 * change moves one — a guest write through any mapping (the fake EPT's write violation), a
 * store microhv's interpreter makes, code that rewrites itself between exits — while a page
 * written too often stops being protected. Each block scenario also runs with block IO off
 * and on from the same state (bf_run_both) where it can.
 */
#include "block_dispatch_fixture.h"
#include "dispatcher/vcpu/page_gen.h"
#include "dispatcher/vcpu/gmem_tlb.h"

#define XOR_MEM8_RBX(imm) 0x80, 0x33, (imm) /* xor byte [rbx], imm8 */
#define MOV_MEM8_RBX_AL 0x88, 0x03         /* mov [rbx], al */
#define DEC_CL 0xfe, 0xc9
#define CODE_PAGE (FAKE_RIP / PAGE_SIZE)
#define PG (&fk.d.blockio.pgen)
#define BS (&fk.d.blockio.stats)

static int gen_setup(void **state)
{
	if (setup(state))
		return -1;
	fk.d.blockio.cfg.code_gen = true;
	pgen_init(PG, true);
	return 0;
}

/* The processor's IO exit at rip, through dispatch_exit (which attaches the generations). */
static void exit_at(u64 rip)
{
	fk.v.rip = rip;
	bf_io_exit(V);
	dispatch_exit(&fk.d, V);
	assert_null(fk.v.pgen); /* attached for the exit only */
}

/* ---- the generation table alone ---- */

static void test_protect_write_bump(void **state)
{
	u64 g1 = pgen_protect(PG, V, 0x5123);
	assert_int_not_equal(g1, PGEN_NONE);
	assert_true(fk.wp[5]);
	assert_int_equal(pgen_current(PG, 0x5fff), g1);
	assert_int_equal(pgen_protect(PG, V, 0x5000), g1); /* already protected: no platform call */
	assert_int_equal(fk.wp_calls, 1);
	assert_true(pgen_guest_write(PG, V, 0x5800));
	assert_false(fk.wp[5]);
	assert_int_equal(pgen_current(PG, 0x5000), PGEN_NONE); /* open: hash again */
	assert_true(pgen_guest_write(PG, V, 0x5800)); /* a stale translation's second violation */
	assert_int_equal(PG->st.faults, 1);
	assert_int_equal(PG->st.spurious, 1);
	u64 g2 = pgen_protect(PG, V, 0x5000);
	assert_true(g2 > g1);
	assert_true(fk.wp[5]);
	assert_false(pgen_guest_write(PG, V, 0x6000)); /* not ours: the legacy-hole path decides */
}

static void test_root_store_bumps_and_keeps_protection(void **state)
{
	u64 a = pgen_protect(PG, V, 0x5000), b = pgen_protect(PG, V, 0x6000);
	fk.v.pgen = PG;
	pgen_store(V, 0x5ffe, 4); /* crosses into the next page: both move */
	fk.v.pgen = 0;
	assert_true(pgen_current(PG, 0x5000) > b);
	assert_true(pgen_current(PG, 0x6000) > pgen_current(PG, 0x5000));
	assert_int_not_equal(pgen_current(PG, 0x5000), a);
	assert_true(fk.wp[5] && fk.wp[6]); /* root stores do not fault: protection stays */
	assert_int_equal(PG->st.root_bumps, 2);
}

static void test_direct_store_pointer_bumps(void **state)
{
	/* the replay's direct stores (replay.c) write through gmem_tlb_fast's host pointer, once
	 * a store of the exit has gone through the cached walk: handing out the pointer moves the
	 * page's generation, for every store the holder may make through it */
	fake_mode_long64();
	struct gmem_tlb tlb = {0};
	gmem_tlb_begin(&tlb, V);
	fk.v.pgen = PG;
	u64 g0 = pgen_protect(PG, V, 0x5000);
	u64 val = 1, gpa;
	struct gmem_tlb_entry *e;
	assert_int_equal(gmem_write(V, 0x5000, &val, sizeof val, false, NULL), GMEM_OK);
	u64 g1 = pgen_current(PG, 0x5000);
	assert_true(g1 > g0);
	assert_int_equal(gmem_read(V, 0x5000, &val, sizeof val, VCPU_READ, false, NULL), GMEM_OK);
	assert_non_null(gmem_tlb_fast(V, 0x5008, 8, VCPU_READ, false, &gpa, &e));
	assert_int_equal(pgen_current(PG, 0x5000), g1); /* a load moves nothing */
	u8 *h = gmem_tlb_fast(V, 0x5008, 8, VCPU_WRITE, false, &gpa, &e);
	assert_non_null(h);
	assert_int_equal(gpa, 0x5000);
	assert_true(pgen_current(PG, 0x5000) > g1);
	assert_int_equal(PG->st.root_bumps, 2);
	fk.v.pgen = 0;
	gmem_tlb_end(V);
}

static void test_store_filter(void **state)
{
	/* the filter counts protected pages per page number mod PGEN_FILTER: a page sharing a
	 * bucket with a protected one is looked up and left alone, and the count follows
	 * protection as it comes and goes */
	const u64 page = 5, twin = page + PGEN_FILTER;
	u64 g = pgen_protect(PG, V, page * PAGE_SIZE);
	assert_int_equal(PG->filter[page % PGEN_FILTER], 1);
	fk.v.pgen = PG;
	pgen_store(V, twin * PAGE_SIZE, 8);
	assert_int_equal(pgen_current(PG, page * PAGE_SIZE), g);
	assert_int_equal(PG->st.root_bumps, 0);
	pgen_store(V, (page - 1) * PAGE_SIZE + PAGE_SIZE - 1, 2); /* the last byte crosses into it */
	assert_int_equal(PG->st.root_bumps, 1);
	assert_true(pgen_guest_write(PG, V, page * PAGE_SIZE));
	assert_int_equal(PG->filter[page % PGEN_FILTER], 0);
	pgen_store(V, page * PAGE_SIZE, 8); /* open now: nothing to move */
	assert_int_equal(PG->st.root_bumps, 1);
	fk.v.pgen = 0;
}

static void test_untracked_violation_keeps_old_path(void **state)
{
	/* a write violation on a page not tracked here is what it was before: outside RAM */
	pgen_protect(PG, V, FAKE_RIP);
	fk.v.exit = (struct vcpu_exit){.reason = EXIT_REASON_EPT_VIOLATION, .qual = BF_EPT_QUAL_WRITE,
	                               .guest_phys = FAKE_RAM_SIZE + PAGE_SIZE};
	dispatch_exit(&fk.d, V);
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, HV_EXIT_GUEST_FAULT);
	assert_int_equal(PG->st.faults, 0);
	assert_true(fk.wp[CODE_PAGE]);
}

static void test_no_platform_or_disabled(void **state)
{
	fk.plat.write_protect = 0;
	assert_int_equal(pgen_protect(PG, V, 0x5000), PGEN_NONE);
	assert_int_equal(PG->st.refused, 1);
	pgen_init(PG, false);
	fk.plat = (struct vcpu_platform){0};
	assert_int_equal(pgen_protect(PG, V, 0x5000), PGEN_NONE);
	assert_int_equal(pgen_current(PG, 0x5000), PGEN_NONE);
}

static void test_table_full(void **state)
{
	for (u64 i = 0; i < PGEN_MAX_FILL; i++)
		assert_int_not_equal(pgen_protect(PG, V, i * PAGE_SIZE), PGEN_NONE);
	assert_int_equal(pgen_protect(PG, V, 0x3ff000), PGEN_NONE);
	assert_int_equal(PG->st.full, 1);
	assert_false(fk.wp[0x3ff]);
}

/* ---- block dispatch ---- */

static void test_hit_skips_hash_until_written(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	exit_at(FAKE_RIP); /* miss: designated and run; its pages are not protected yet */
	assert_false(fk.wp[CODE_PAGE]);
	exit_at(FAKE_RIP); /* hit: hashed, then protected */
	assert_int_equal(BS->checks_hashed, 1);
	assert_true(fk.wp[CODE_PAGE]);
	exit_at(FAKE_RIP); /* hit: no page moved, no hash */
	assert_int_equal(BS->checks_hashed, 1);
	assert_int_equal(BS->checks_skipped, 1);
	ASSERT_WRITES(0x7f, 0x80, 0x80, 0x81, 0x81, 0x82);
	/* the guest rewrites INC AL into DEC AL: the write exits, the next hit hashes */
	static const u8 dec[] = {DEC_AL};
	bf_guest_store(V, FAKE_RIP + 1, dec, sizeof dec);
	assert_int_equal(PG->st.faults, 1);
	bf_rec.n = 0;
	exit_at(FAKE_RIP);
	assert_int_equal(BS->checks_hashed, 2);
	assert_int_equal(BS->mismatches, 1);
	ASSERT_WRITES(0x82, 0x81);
}

static void test_write_through_another_mapping(void **state)
{
	/* the code page is mapped twice; the guest rewrites it through the second mapping, which
	 * no linear-address check of the block can see: the EPT sees the guest-physical page */
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	BF_CODE(0x3000, XOR_MEM8_RBX(0x08), HLT); /* inc al <-> dec al */
	bf_set_pte(0x200000, FAKE_RIP | BF_PTE_PRESENT);
	exit_at(FAKE_RIP);
	exit_at(FAKE_RIP);
	assert_true(fk.wp[CODE_PAGE]);
	fk.v.rip = 0x3000;
	fk.v.gpr[VCPU_RBX] = 0x200000 + 2;
	u32 exits = 0;
	bf_cpu_run(V, 4, &exits);
	assert_int_equal(exits, 1); /* the write violation */
	assert_int_equal(fk.ram[FAKE_RIP + 2], 0xc8);
	assert_int_equal(PG->st.faults, 1);
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	struct bf_outcome on;
	bf_run_both(8, NULL, &on);
	ASSERT_WRITES(0x81, 0x80);
	assert_int_equal(on.bstats.checks_skipped, 0);
	assert_int_equal(on.bstats.mismatches, 1);
}

static void test_remap_between_exits(void **state)
{
	/* the guest points the code's linear page at another physical page (other bytes there):
	 * the hit still walks, finds a page it kept no generation for, and hashes */
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	BF_CODE(0x7000, OUT_DX, DEC_AL, OUT_DX, HLT);
	exit_at(FAKE_RIP);
	exit_at(FAKE_RIP);
	exit_at(FAKE_RIP);
	assert_int_equal(BS->checks_skipped, 1);
	bf_set_pte(FAKE_RIP, 0x7000 | BF_PTE_PRESENT);
	fk.v.gpr[VCPU_RAX] = 0x10;
	bf_rec.n = 0;
	exit_at(FAKE_RIP);
	ASSERT_WRITES(0x10, 0x0f);
	assert_int_equal(BS->checks_skipped, 1);
	assert_int_equal(BS->mismatches, 1);
}

static void test_store_by_interpreter(void **state)
{
	/* block B (page 3), run by microhv, stores into block A's code (page 1): a root-mode store,
	 * which no EPT sees; it must move page 1's generation */
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	BF_CODE(0x3000, OUT_DX, MOV_MEM8_RBX_AL, OUT_DX, HLT);
	exit_at(FAKE_RIP);
	exit_at(FAKE_RIP);
	assert_true(fk.wp[CODE_PAGE]);
	fk.v.gpr[VCPU_RAX] = 0xc8;
	fk.v.gpr[VCPU_RBX] = FAKE_RIP + 2;
	exit_at(0x3000);
	assert_int_equal(fk.v.rip, 0x3000 + 4); /* the store ran inside the block */
	assert_int_equal(fk.ram[FAKE_RIP + 2], 0xc8);
	assert_int_equal(PG->st.root_bumps, 1);
	assert_int_equal(PG->st.faults, 0);
	fk.v.gpr[VCPU_RAX] = 0x10;
	bf_rec.n = 0;
	exit_at(FAKE_RIP);
	ASSERT_WRITES(0x10, 0x0f); /* DEC, not the cached INC */
	assert_int_equal(BS->mismatches, 1);
}

static void test_self_modifying_between_exits(void **state)
{
	/* out; inc al; out; xor byte [rbx],8 (rbx -> the INC's ModRM); dec cl; jnz top; hlt */
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, XOR_MEM8_RBX(0x08), DEC_CL, 0x75, 0xf5, HLT);
	fk.v.gpr[VCPU_RBX] = FAKE_RIP + 2;
	exit_at(FAKE_RIP);
	exit_at(FAKE_RIP);
	assert_true(fk.wp[CODE_PAGE]);
	fk.v.rip = FAKE_RIP;
	fk.v.gpr[VCPU_RCX] = 4;
	bf_rec.n = 0;
	struct bf_outcome on;
	bf_run_both(64, NULL, &on);
	ASSERT_WRITES(0x81, 0x82, 0x82, 0x81, 0x81, 0x82, 0x82, 0x81);
	assert_int_equal(on.bstats.checks_skipped, 1); /* the first pass only */
	assert_true(on.bstats.mismatches >= 3);
	assert_true(PG->st.faults >= 1);
}

static void test_hot_page_stops_being_protected(void **state)
{
	/* the loop stores into its own code page (data beside the code) every pass */
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, MOV_MEM8_RBX_AL, DEC_CL, 0x75, 0xf6, HLT);
	fk.v.gpr[VCPU_RBX] = FAKE_RIP + 0x800;
	fk.v.gpr[VCPU_RCX] = 2 * PGEN_HOT_BUMPS + 8;
	struct bf_outcome on;
	bf_run_both(1024, NULL, &on);
	assert_int_equal(PG->st.hot, 1);
	assert_int_equal(PG->st.faults, PGEN_HOT_BUMPS);
	assert_false(fk.wp[CODE_PAGE]);
	/* after it turned hot every hit hashed again, and nothing was protected any more */
	assert_int_equal(on.bstats.checks_skipped, 0);
	assert_int_equal(on.bstats.checks_hashed, on.bstats.hits);
	assert_int_equal(PG->st.protects, PGEN_HOT_BUMPS);
}

static void test_off_protects_nothing(void **state)
{
	pgen_init(PG, false);
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	for (int i = 0; i < 3; i++)
		exit_at(FAKE_RIP);
	assert_int_equal(BS->checks_hashed, 2);
	assert_int_equal(BS->checks_skipped, 0);
	assert_int_equal(fk.wp_calls, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, gen_setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_protect_write_bump),
		T(test_root_store_bumps_and_keeps_protection),
		T(test_direct_store_pointer_bumps),
		T(test_store_filter),
		T(test_untracked_violation_keeps_old_path),
		T(test_no_platform_or_disabled),
		T(test_table_full),
		T(test_hit_skips_hash_until_written),
		T(test_write_through_another_mapping),
		T(test_remap_between_exits),
		T(test_store_by_interpreter),
		T(test_self_modifying_between_exits),
		T(test_hot_page_stops_being_protected),
		T(test_off_protects_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
