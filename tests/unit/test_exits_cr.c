/*
 * dispatcher/exits_cr.c: control-register access exits. Qualification: Intel SDM Vol. 3C
 * 28.2.1, table 28-3; rules: Vol. 2B "MOV—Move to/from Control Registers", Vol. 2A CLTS, LMSW,
 * Vol. 3A 2.5 (CR0/CR4 bits), 4.10.1 (PCIDE), 10.8.5 (IA-32e activation).
 */
#include "fake_vcpu.h"

#include <string.h>

#define V (&fk.v)

enum { MOV_TO = 0, MOV_FROM = 1, CLTS = 2, LMSW = 3 };

#define CR0_64 (CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG) /* the fake's 64-bit CR0 */

static u64 crq(u32 cr, u32 type, u32 gpr, u16 lmsw_src)
{
	return cr | (type << 4) | (gpr << 8) | ((u64)lmsw_src << 16);
}

static void cr_exit(u64 q)
{
	fake_exit(EXIT_REASON_CR_ACCESS, q, 3);
	dispatch_exit(&fk.d, V);
}

/* MOV CRn, reg with value in reg (RAX unless said otherwise). */
static void mov_to(u32 cr, u64 value)
{
	V->gpr[VCPU_RAX] = value;
	cr_exit(crq(cr, MOV_TO, VCPU_RAX, 0));
}

static void expect_gp(void)
{
	fake_assert_fault(X86_EXC_GP, true, 0);
	assert_false(V->dirty & VCPU_DIRTY_CR);
}

/* ---- MOV to CR0 ---- */

static void test_cr0_write(void **state)
{
	mov_to(0, CR0_64 | CR0_MP | CR0_TS);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64 | CR0_MP | CR0_TS);
	assert_true(V->dirty & VCPU_DIRTY_CR);
}

static void test_cr0_et_forced(void **state)
{
	mov_to(0, CR0_64 & ~CR0_ET);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64);
}

static void test_cr0_pg_without_pe_gp(void **state)
{
	fake_mode_prot32();
	mov_to(0, CR0_PG | CR0_ET);
	expect_gp();
	assert_int_equal(V->cr0, CR0_PE | CR0_ET);
}

static void test_cr0_nw_without_cd_gp(void **state)
{
	mov_to(0, CR0_64 | CR0_NW);
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	mov_to(0, CR0_64 | CR0_NW | CR0_CD);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64 | CR0_NW | CR0_CD);
}

static void test_cr0_upper_bits_gp_in_64bit_mode(void **state)
{
	mov_to(0, CR0_64 | (1ULL << 32));
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	mov_to(0, CR0_64 | (1ULL << 63));
	expect_gp();
}

/* Outside 64-bit mode the source is a 32-bit register: bits 63:32 of the GPR are not part of it. */
static void test_cr0_upper_gpr_bits_ignored_outside_64bit_mode(void **state)
{
	fake_mode_prot32();
	mov_to(0, 0xffffffff00000000ULL | CR0_PE | CR0_MP);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_PE | CR0_MP | CR0_ET);
}

static void test_cr0_clear_pg_in_64bit_mode_gp(void **state)
{
	mov_to(0, CR0_64 & ~CR0_PG);
	expect_gp();
	assert_int_equal(V->cr0, CR0_64);
}

/* Compatibility mode may leave paging (and so IA-32e mode); vmx/ recomputes LMA. */
static void test_cr0_clear_pg_in_compat_mode(void **state)
{
	fake_mode_compat();
	mov_to(0, CR0_64 & ~CR0_PG);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64 & ~CR0_PG);
}

static void test_cr0_pg_with_lme_needs_pae(void **state)
{
	fake_mode_prot32();
	V->efer = EFER_LME;
	mov_to(0, CR0_PE | CR0_PG);
	expect_gp();
	V->cr4 = CR4_PAE;
	V->inject.pending = false;
	mov_to(0, CR0_PE | CR0_PG);
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_PE | CR0_PG | CR0_ET);
}

static void test_cr0_pg_without_lme_needs_no_pae(void **state)
{
	fake_mode_prot32();
	mov_to(0, CR0_PE | CR0_PG);
	fake_assert_retired(3);
}

/* Reserved bits 31:0 of CR0 other than the defined ones are ignored, not stored (SDM Vol. 3A 2.5). */
static void test_cr0_reserved_low_bits_not_stored(void **state)
{
	mov_to(0, CR0_64 | (1ULL << 6) | (1ULL << 17) | (1ULL << 28));
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64);
}

/* PG may be cleared only with CR4.PCIDE = 0 (SDM Vol. 2B MOV CR, Vol. 3A 4.10.1). */
static void test_cr0_clear_pg_with_pcide_gp(void **state)
{
	fake_mode_compat();
	V->cr4 |= CR4_PCIDE;
	mov_to(0, CR0_64 & ~CR0_PG);
	expect_gp();
	assert_int_equal(V->cr0, CR0_64);
}

/* ---- MOV to CR4 ---- */

static void test_cr4_write(void **state)
{
	mov_to(4, CR4_PAE | CR4_OSXSAVE | (1ULL << 7));
	fake_assert_retired(3);
	assert_int_equal(V->cr4, CR4_PAE | CR4_OSXSAVE | (1ULL << 7));
	assert_true(V->dirty & VCPU_DIRTY_CR);
}

static void test_cr4_bits_outside_allowed_gp(void **state)
{
	static const u64 bad[] = {CR4_VMXE, 1ULL << 14, 1ULL << 15, 1ULL << 19, 1ULL << 22, 1ULL << 32, 1ULL << 63};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		mov_to(4, CR4_PAE | bad[i]);
		expect_gp();
		assert_int_equal(V->cr4, CR4_PAE);
	}
}

static void test_cr4_allowed_follows_config(void **state)
{
	fk.d.cfg.cr4_allowed = FAKE_CR4_ALLOWED | (1ULL << 22); /* a CPU with PKE */
	mov_to(4, CR4_PAE | (1ULL << 22));
	fake_assert_retired(3);
	assert_int_equal(fake_setup(state), 0);
	fk.d.cfg.cr4_allowed = FAKE_CR4_ALLOWED & ~CR4_OSXSAVE;
	mov_to(4, CR4_PAE | CR4_OSXSAVE);
	expect_gp();
}

static void test_cr4_clear_pae_in_ia32e_mode_gp(void **state)
{
	mov_to(4, 0);
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	fake_mode_compat();
	mov_to(4, 0);
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	fake_mode_prot32();
	V->cr4 = CR4_PAE;
	mov_to(4, 0);
	fake_assert_retired(3);
	assert_int_equal(V->cr4, 0);
}

static void test_cr4_pcide_with_cr3_pcid_gp(void **state)
{
	V->cr3 |= 0x5;
	mov_to(4, CR4_PAE | CR4_PCIDE);
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	mov_to(4, CR4_PAE | CR4_PCIDE);
	fake_assert_retired(3);
	assert_int_equal(V->cr4, CR4_PAE | CR4_PCIDE);
	/* already set: CR3 may hold a PCID */
	V->cr3 |= 0x5;
	V->rip = FAKE_RIP;
	mov_to(4, CR4_PAE | CR4_PCIDE | CR4_OSXSAVE);
	fake_assert_retired(3);
}

/* PCIDE can be set only in IA-32e mode (SDM Vol. 3A 4.10.1; Vol. 2B MOV CR, protected mode). */
static void test_cr4_pcide_outside_ia32e_mode_gp(void **state)
{
	fake_mode_prot32();
	mov_to(4, CR4_PCIDE);
	expect_gp();
	assert_int_equal(V->cr4, 0);
}

/* CR4.LA57 cannot change in IA-32e mode (SDM Vol. 2B MOV CR). */
static void test_cr4_la57_change_in_ia32e_mode_gp(void **state)
{
	mov_to(4, CR4_PAE | CR4_LA57);
	expect_gp();
	assert_int_equal(fake_setup(state), 0);
	fake_mode_prot32();
	mov_to(4, CR4_PAE | CR4_LA57);
	fake_assert_retired(3);
}

/* ---- CR3 and CR8 ---- */

static void test_cr3_write(void **state)
{
	V->gpr[VCPU_R11] = 0x123456789000ULL;
	cr_exit(crq(3, MOV_TO, VCPU_R11, 0));
	fake_assert_retired(3);
	assert_int_equal(V->cr3, 0x123456789000ULL);
	assert_true(V->dirty & VCPU_DIRTY_CR);
}

static void test_cr3_write_32bit_mode_truncates(void **state)
{
	fake_mode_prot32();
	mov_to(3, 0xabcd000000402000ULL);
	fake_assert_retired(3);
	assert_int_equal(V->cr3, 0x402000);
}

/* With CR4.PCIDE = 1, bit 63 of the source only says "do not flush"; CR3 bit 63 stays 0. */
static void test_cr3_pcide_no_flush_bit_not_stored(void **state)
{
	V->cr4 |= CR4_PCIDE;
	mov_to(3, (1ULL << 63) | 0x300005ULL);
	fake_assert_retired(3);
	assert_int_equal(V->cr3, 0x300005ULL);
}

static void test_cr8_write_and_read(void **state)
{
	mov_to(8, 0xf);
	fake_assert_retired(3);
	assert_int_equal(fk.d.cr8, 0xf);
	V->rip = FAKE_RIP;
	V->gpr[VCPU_RDX] = ~0ULL;
	cr_exit(crq(8, MOV_FROM, VCPU_RDX, 0));
	fake_assert_retired(3);
	assert_int_equal(V->gpr[VCPU_RDX], 0xf);
}

static void test_cr8_above_15_gp(void **state)
{
	mov_to(8, 3);
	assert_int_equal(fk.d.cr8, 3);
	static const u64 bad[] = {16, 0xff, 1ULL << 63};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		V->rip = FAKE_RIP;
		V->dirty = 0;
		V->inject.pending = false;
		mov_to(8, bad[i]);
		fake_assert_fault(X86_EXC_GP, true, 0);
		assert_int_equal(fk.d.cr8, 3);
	}
}

static void test_mov_to_other_cr_gp(void **state)
{
	static const u32 crs[] = {1, 2, 5, 7, 9, 15};
	for (size_t i = 0; i < ARRAY_SIZE(crs); i++) {
		assert_int_equal(fake_setup(state), 0);
		mov_to(crs[i], 0);
		fake_assert_fault(X86_EXC_GP, true, 0);
	}
}

/* ---- MOV from CR ---- */

static void test_mov_from_cr3_64bit(void **state)
{
	V->cr3 = 0x8000000000123000ULL;
	V->gpr[VCPU_RBX] = 0x1111111111111111ULL;
	cr_exit(crq(3, MOV_FROM, VCPU_RBX, 0));
	fake_assert_retired(3);
	assert_int_equal(V->gpr[VCPU_RBX], 0x8000000000123000ULL);
}

static void test_mov_from_cr_32bit_keeps_upper(void **state)
{
	fake_mode_prot32();
	V->cr3 = 0x5000;
	V->gpr[VCPU_RBX] = 0x1111111122222222ULL;
	cr_exit(crq(3, MOV_FROM, VCPU_RBX, 0));
	fake_assert_retired(3);
	assert_int_equal(V->gpr[VCPU_RBX], 0x1111111100005000ULL);
}

static void test_mov_from_cr0_cr4(void **state)
{
	V->gpr[VCPU_R9] = ~0ULL;
	cr_exit(crq(0, MOV_FROM, VCPU_R9, 0));
	assert_int_equal(V->gpr[VCPU_R9], CR0_64);
	V->rip = FAKE_RIP;
	cr_exit(crq(4, MOV_FROM, VCPU_R9, 0));
	assert_int_equal(V->gpr[VCPU_R9], CR4_PAE);
	fake_assert_retired(3);
}

static void test_mov_from_cr_into_rsp_marks_it(void **state)
{
	V->cr3 = 0x7000;
	cr_exit(crq(3, MOV_FROM, VCPU_RSP, 0));
	assert_int_equal(V->gpr[VCPU_RSP], 0x7000);
	assert_true(V->dirty & VCPU_DIRTY_RSP);
}

/* The GPR is bits 11:8, the CR bits 3:0, the access type bits 5:4 (table 28-3). */
static void test_qualification_fields(void **state)
{
	for (u32 r = 0; r < VCPU_NREGS; r++) {
		assert_int_equal(fake_setup(state), 0);
		for (u32 i = 0; i < VCPU_NREGS; i++)
			V->gpr[i] = 0x100 + i;
		V->gpr[r] = 0x9;
		cr_exit(crq(8, MOV_TO, r, 0));
		fake_assert_retired(3);
		assert_int_equal(fk.d.cr8, 0x9);
	}
}

/* ---- CLTS and LMSW ---- */

static void test_clts(void **state)
{
	V->cr0 = CR0_64 | CR0_TS | CR0_MP;
	cr_exit(crq(0, CLTS, 0, 0));
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64 | CR0_MP);
	assert_true(V->dirty & VCPU_DIRTY_CR);
}

static void test_lmsw_sets_pe(void **state)
{
	fake_mode_real();
	cr_exit(crq(0, LMSW, 0, 0x1));
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_PE | CR0_ET);
}

static void test_lmsw_never_clears_pe(void **state)
{
	fake_mode_prot32();
	V->cr0 |= CR0_TS | CR0_EM;
	cr_exit(crq(0, LMSW, 0, 0x2)); /* MP, PE clear in the source */
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_PE | CR0_MP | CR0_ET);
}

/* Only the low 4 bits of the source count: ET, NE and the rest of CR0 are not LMSW's. */
static void test_lmsw_only_low_four_bits(void **state)
{
	cr_exit(crq(0, LMSW, 0, 0xfffe));
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_64 | CR0_MP | CR0_EM | CR0_TS);
	V->rip = FAKE_RIP;
	cr_exit(crq(0, LMSW, 0, 0xfff0)); /* clears MP, EM, TS; NE, ET stay */
	assert_int_equal(V->cr0, CR0_64);
}

/* Bit 6 (LMSW operand type: memory) changes nothing. */
static void test_lmsw_memory_operand(void **state)
{
	fake_mode_real();
	cr_exit(crq(0, LMSW, 0, 0x9) | (1u << 6));
	fake_assert_retired(3);
	assert_int_equal(V->cr0, CR0_PE | CR0_TS | CR0_ET);
}

/* ---- PAE paging: the PDPTEs are loaded and checked (issue 12, defect 6) ---- */

#define PDPT 0x10000ULL /* the PDPT: 32-byte aligned, inside the fake RAM */
#define PDPTE_P 1ULL
#define PDPTE_RSVD_BIT5 (1ULL << 5)

static void put_pdpte(u32 i, u64 e) { memcpy(fk.ram + PDPT + 8 * i, &e, 8); }

/* The next instruction: RIP back on FAKE_RIP, nothing pending, nothing dirty. */
static void again(void)
{
	V->rip = FAKE_RIP;
	V->inject.pending = false;
	V->dirty = 0;
}

/* 32-bit protected mode with CR4.PAE and CR3 on the PDPT, paging still off. */
static void pae_ready(void)
{
	fake_mode_prot32();
	V->cr4 = CR4_PAE;
	V->cr3 = PDPT;
	put_pdpte(0, 0x20000 | PDPTE_P);
	put_pdpte(1, 0x21000 | PDPTE_P);
	put_pdpte(2, 0xdeadbeef000ULL | PDPTE_RSVD_BIT5); /* not present: its other bits are free */
	put_pdpte(3, 0);
}

/* Turning paging on loads the four PDPTEs into the registers vmx/ writes to the VMCS. */
static void test_cr0_pg_pae_loads_pdptes(void **state)
{
	pae_ready();
	mov_to(0, CR0_PE | CR0_ET | CR0_PG);
	fake_assert_retired(3);
	assert_true(V->dirty & VCPU_DIRTY_PDPTE);
	assert_int_equal(V->pdpte[0], 0x20000 | PDPTE_P);
	assert_int_equal(V->pdpte[1], 0x21000 | PDPTE_P);
	assert_int_equal(V->pdpte[2], 0xdeadbeef000ULL | PDPTE_RSVD_BIT5);
	assert_int_equal(V->pdpte[3], 0);
}

/* A present PDPTE with a reserved bit: #GP(0), CR0 unchanged, nothing for the VMCS. Before the
 * fix the write went through and VM entry failed on the PDPTE field (code 67). */
static void test_cr0_pg_pae_reserved_pdpte_gp(void **state)
{
	static const u64 bad[] = {1ULL << 1, 1ULL << 2, 1ULL << 5, 1ULL << 8, 1ULL << 36, 1ULL << 63};
	for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fake_setup(state), 0);
		pae_ready();
		put_pdpte(1, 0x21000 | PDPTE_P | bad[i]);
		mov_to(0, CR0_PE | CR0_ET | CR0_PG);
		expect_gp();
		assert_false(V->dirty & VCPU_DIRTY_PDPTE);
		assert_int_equal(V->cr0, CR0_PE | CR0_ET);
	}
}

/* MAXPHYADDR is the host's (CPUID 80000008H): bits below it are address bits. */
static void test_pdpte_reserved_above_host_maxphyaddr(void **state)
{
	fake_cpuid_set(0x80000000, 0, true, 0x80000008, 0, 0, 0);
	fake_cpuid_set(0x80000008, 0, true, 46, 0, 0, 0);
	pae_ready();
	put_pdpte(0, (1ULL << 45) | PDPTE_P);
	mov_to(0, CR0_PE | CR0_ET | CR0_PG);
	fake_assert_retired(3);
	assert_int_equal(V->pdpte[0], (1ULL << 45) | PDPTE_P);
	assert_int_equal(fake_setup(state), 0);
	fake_cpuid_set(0x80000000, 0, true, 0x80000008, 0, 0, 0);
	fake_cpuid_set(0x80000008, 0, true, 46, 0, 0, 0);
	pae_ready();
	put_pdpte(0, (1ULL << 46) | PDPTE_P);
	mov_to(0, CR0_PE | CR0_ET | CR0_PG);
	expect_gp();
}

/* A PDPT outside guest RAM reads all ones: present with reserved bits, #GP. */
static void test_pdpt_outside_ram_gp(void **state)
{
	pae_ready();
	V->cr3 = FAKE_RAM_SIZE;
	mov_to(0, CR0_PE | CR0_ET | CR0_PG);
	expect_gp();
}

/* CR4.PAE set under 32-bit paging, and CR4.PGE toggled under PAE paging, load them; CR0.TS does
 * not: the registers keep what was loaded, whatever memory holds now. */
static void test_cr4_and_cr0_loads_only_on_the_listed_bits(void **state)
{
	pae_ready();
	V->cr4 = 0;
	V->cr0 = CR0_PE | CR0_ET | CR0_PG;
	put_pdpte(0, 0x20000 | PDPTE_P | PDPTE_RSVD_BIT5);
	mov_to(4, CR4_PAE);
	expect_gp();
	assert_int_equal(V->cr4, 0);
	put_pdpte(0, 0x20000 | PDPTE_P);
	again();
	mov_to(4, CR4_PAE);
	fake_assert_retired(3);
	assert_int_equal(V->pdpte[0], 0x20000 | PDPTE_P);
	put_pdpte(0, 0x30000 | PDPTE_P | PDPTE_RSVD_BIT5);
	again();
	mov_to(0, V->cr0 | CR0_TS);
	fake_assert_retired(3);
	assert_false(V->dirty & VCPU_DIRTY_PDPTE);
	assert_int_equal(V->pdpte[0], 0x20000 | PDPTE_P);
	again();
	mov_to(4, CR4_PAE | (1ULL << 7)); /* PGE */
	expect_gp();
}

/* MOV to CR3 under PAE paging loads them too; with IA-32e mode coming (LME) nothing is loaded. */
static void test_cr3_pae_loads_and_lme_does_not(void **state)
{
	pae_ready();
	V->cr0 |= CR0_PG;
	put_pdpte(0, 0x20000 | PDPTE_P | PDPTE_RSVD_BIT5);
	mov_to(3, PDPT);
	expect_gp();
	put_pdpte(0, 0x20000 | PDPTE_P);
	again();
	mov_to(3, PDPT);
	fake_assert_retired(3);
	assert_int_equal(V->pdpte[0], 0x20000 | PDPTE_P);
	assert_int_equal(fake_setup(state), 0);
	pae_ready();
	V->efer = EFER_LME;
	put_pdpte(0, 0x20000 | PDPTE_P | PDPTE_RSVD_BIT5); /* a PML4 entry now: bit 5 is A */
	mov_to(0, CR0_PE | CR0_ET | CR0_PG);
	fake_assert_retired(3);
	assert_false(V->dirty & VCPU_DIRTY_PDPTE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cr0_write),
		T(test_cr0_et_forced),
		T(test_cr0_pg_without_pe_gp),
		T(test_cr0_nw_without_cd_gp),
		T(test_cr0_upper_bits_gp_in_64bit_mode),
		T(test_cr0_upper_gpr_bits_ignored_outside_64bit_mode),
		T(test_cr0_clear_pg_in_64bit_mode_gp),
		T(test_cr0_clear_pg_in_compat_mode),
		T(test_cr0_pg_with_lme_needs_pae),
		T(test_cr0_pg_without_lme_needs_no_pae),
		T(test_cr0_reserved_low_bits_not_stored),
		T(test_cr0_clear_pg_with_pcide_gp),
		T(test_cr4_write),
		T(test_cr4_bits_outside_allowed_gp),
		T(test_cr4_allowed_follows_config),
		T(test_cr4_clear_pae_in_ia32e_mode_gp),
		T(test_cr4_pcide_with_cr3_pcid_gp),
		T(test_cr4_pcide_outside_ia32e_mode_gp),
		T(test_cr4_la57_change_in_ia32e_mode_gp),
		T(test_cr3_write),
		T(test_cr3_write_32bit_mode_truncates),
		T(test_cr3_pcide_no_flush_bit_not_stored),
		T(test_cr8_write_and_read),
		T(test_cr8_above_15_gp),
		T(test_mov_to_other_cr_gp),
		T(test_mov_from_cr3_64bit),
		T(test_mov_from_cr_32bit_keeps_upper),
		T(test_mov_from_cr0_cr4),
		T(test_mov_from_cr_into_rsp_marks_it),
		T(test_qualification_fields),
		T(test_clts),
		T(test_lmsw_sets_pe),
		T(test_lmsw_never_clears_pe),
		T(test_lmsw_only_low_four_bits),
		T(test_lmsw_memory_operand),
		T(test_cr0_pg_pae_loads_pdptes),
		T(test_cr0_pg_pae_reserved_pdpte_gp),
		T(test_pdpte_reserved_above_host_maxphyaddr),
		T(test_pdpt_outside_ram_gp),
		T(test_cr4_and_cr0_loads_only_on_the_listed_bits),
		T(test_cr3_pae_loads_and_lme_does_not),
	};
	return UNIT_RUN(tests);
}
