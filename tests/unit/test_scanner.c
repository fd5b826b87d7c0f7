/*
 * dispatcher/blockio/scanner.c: the scanning unit of claims 2, 3, 5-7, 13, 14, 19, 20 and 23. Byte
 * sequences are placed at RIP in the fake guest's RAM (flat 32-bit protected mode with paging
 * off unless a test switches to 64-bit mode with 4-level paging) and scan_block must designate
 * the block that ends with the last IO instruction it can reach within the extent. Encodings:
 * Intel SDM Vol. 2 (EE OUT DX,AL; E6 OUT imm8,AL; EC/ED IN; B0 MOV AL,imm8; B8 MOV r,imm;
 * EB/E9 JMP; 7x Jcc; FA CLI; F4 HLT; E8 CALL; 6C/6E INSB/OUTSB; F3 REP).
 */
#include "fake_block.h"

#include <string.h>

#define V (&fk.v)
#define NOP 0x90
#define OUT_DX 0xee
#define MOV_EAX_IMM32 0xb8, 0x11, 0x22, 0x33, 0x44
#define MOV_RAX_IMM64 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 /* 10 bytes in 64-bit mode */

static struct block blk;

static int setup(void **state)
{
	memset(&blk, 0xcc, sizeof(blk));
	return bf_setup(state);
}

static int scan(void) { return scan_block(V, &fk.d.blockio.cfg, &blk); }

static void set_extent(enum block_extent e, u32 bytes)
{
	fk.d.blockio.cfg.extent = e;
	fk.d.blockio.cfg.extent_bytes = bytes;
}

/* n copies of one byte at gpa. */
static void fill(u64 gpa, u8 byte, size_t n) { memset(fk.ram + gpa, byte, n); }

static void put_mov_rax_imm64(u64 gpa, u32 count)
{
	static const u8 mov[] = {MOV_RAX_IMM64};
	for (u32 i = 0; i < count; i++)
		bf_put(gpa + i * sizeof(mov), mov, sizeof(mov));
}

static void assert_block(int nio, u32 ninsns, u32 len)
{
	assert_int_equal(scan(), nio);
	assert_int_equal(blk.nio, nio);
	assert_int_equal(blk.ninsns, ninsns);
	assert_int_equal(blk.len, len);
	/* what was kept is what guest memory holds, and its hash */
	assert_memory_equal(blk.bytes, fk.ram + blk.rip_linear, len);
	assert_int_equal(blk.hash, block_hash(blk.bytes, blk.len));
}

/* ---- designating the block ---- */

static void test_out_out(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX, 0xf4);
	assert_block(2, 2, 2);
	assert_int_equal(blk.rip_linear, FAKE_RIP);
	assert_int_equal(blk.mode, CPU_MODE_32);
	assert_int_equal(blk.offset[0], 0);
	assert_int_equal(blk.offset[1], 1);
	assert_int_equal(blk.insns[0].kind, INSN_OUT);
	assert_int_equal(blk.insns[1].kind, INSN_OUT);
}

static void test_out_mov_out(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xb0, 0x05, OUT_DX, 0xf4);
	assert_block(2, 3, 4);
	assert_int_equal(blk.insns[1].kind, INSN_MOV);
	assert_int_equal(blk.offset[1], 1);
	assert_int_equal(blk.offset[2], 3);
}

static void test_all_io_forms_count(void **state)
{
	/* out 0x80,al; in al,0x61; in al,dx; in eax,dx; out dx,ax; out dx,eax */
	BF_CODE(FAKE_RIP, 0xe6, 0x80, 0xe4, 0x61, 0xec, 0xed, 0x66, 0xef, 0xef, 0xf4);
	assert_block(6, 6, 9);
	assert_int_equal(blk.insns[0].kind, INSN_OUT);
	assert_int_equal(blk.insns[1].kind, INSN_IN);
	assert_int_equal(blk.insns[4].opsize, 16);
}

static void test_out_then_cli_is_single(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xfa, OUT_DX);
	assert_block(1, 1, 1);
}

static void test_out_then_call_is_single(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 0, 0, 0, 0, OUT_DX);
	assert_block(1, 1, 1);
}

static void test_out_then_hlt_is_single(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xf4, OUT_DX);
	assert_block(1, 1, 1);
}

static void test_block_ends_at_last_io(void **state)
{
	/* out; mov al,5; out; inc al; nop; mov al,1 -- the last three are not part of the block */
	BF_CODE(FAKE_RIP, OUT_DX, 0xb0, 0x05, OUT_DX, 0xfe, 0xc0, NOP, 0xb0, 0x01, 0xf4);
	assert_block(2, 3, 4);
	assert_int_equal(blk.insns[2].kind, INSN_OUT);
}

static void test_rep_outsb_after_first_ends_block(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xf3, 0x6e, OUT_DX);
	assert_block(1, 1, 1);
	BF_CODE(FAKE_RIP, OUT_DX, 0x6c, OUT_DX); /* a single INSB too */
	assert_block(1, 1, 1);
}

static void test_string_io_first_is_not_a_block(void **state)
{
	BF_CODE(FAKE_RIP, 0x6e, OUT_DX);
	assert_int_equal(scan(), -1);
	BF_CODE(FAKE_RIP, 0xf3, 0x6e, OUT_DX);
	assert_int_equal(scan(), -1);
	BF_CODE(FAKE_RIP, 0xf3, 0x6d, OUT_DX); /* rep insd */
	assert_int_equal(scan(), -1);
}

static void test_first_not_io_is_not_a_block(void **state)
{
	BF_CODE(FAKE_RIP, NOP, OUT_DX, OUT_DX);
	assert_int_equal(scan(), -1);
	BF_CODE(FAKE_RIP, 0xf4, OUT_DX, OUT_DX); /* outside the subset */
	assert_int_equal(scan(), -1);
	BF_CODE(FAKE_RIP, 0xf0, OUT_DX, OUT_DX); /* LOCK OUT: #UD natively, not the scanner's */
	assert_int_equal(scan(), -1);
}

static void test_unreadable_rip_is_not_a_block(void **state)
{
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX);
	fake_unmap(FAKE_RIP);
	assert_int_equal(scan(), -1);
}

static void test_scan_changes_no_guest_state(void **state)
{
	fake_mode_long64();
	BF_CODE(FAKE_RIP, OUT_DX, 0xfe, 0xc0, OUT_DX);
	static u8 before[FAKE_RAM_SIZE];
	memcpy(before, fk.ram, FAKE_RAM_SIZE);
	struct vcpu v0 = fk.v;
	assert_int_equal(scan(), 2);
	/* a look-ahead: no register, no accessed flag in the page tables (gmem_peek), no byte */
	assert_memory_equal(before, fk.ram, FAKE_RAM_SIZE);
	bf_assert_same_state(&v0, &fk.v);
	assert_int_equal(v0.dirty, fk.v.dirty);
	u64 pte;
	memcpy(&pte, fk.ram + FAKE_PT_BASE + 0x3000 + 8 * (FAKE_RIP / PAGE_SIZE), sizeof(pte));
	assert_false(pte & PTE_A);
}

/* ---- branches ---- */

static void test_backward_jmp_ends_scan(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xeb, 0xfd, OUT_DX); /* jmp back to the out */
	assert_block(1, 1, 1);
	BF_CODE(FAKE_RIP, OUT_DX, 0xeb, 0xfe, OUT_DX); /* jmp $ */
	assert_block(1, 1, 1);
	BF_CODE(FAKE_RIP, OUT_DX, 0xe9, 0xfa, 0xff, 0xff, 0xff, OUT_DX); /* jmp rel32 back */
	assert_block(1, 1, 1);
}

static void test_backward_jcc_ends_scan(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0x75, 0xfd, OUT_DX); /* jnz back */
	assert_block(1, 1, 1);
	BF_CODE(FAKE_RIP, OUT_DX, 0x0f, 0x85, 0xf9, 0xff, 0xff, 0xff, OUT_DX); /* jnz rel32 back */
	assert_block(1, 1, 1);
}

static void test_io_before_backward_branch_is_kept(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xfe, 0xc0, OUT_DX, 0xeb, 0xfa, OUT_DX);
	assert_block(2, 3, 4);
}

static void test_forward_jcc_keeps_fall_through(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0x74, 0x01, NOP, OUT_DX, 0xf4);
	assert_block(2, 4, 5);
	assert_int_equal(blk.insns[1].kind, INSN_JCC);
	assert_int_equal(blk.offset[3], 4);
}

static void test_forward_jmp_over_data(void **state)
{
	/* out; jmp +2; two bytes of data that are no instruction of the subset; out */
	BF_CODE(FAKE_RIP, OUT_DX, 0xeb, 0x02, 0xff, 0xff, OUT_DX, 0xf4);
	assert_block(2, 3, 6);
	assert_int_equal(blk.insns[1].kind, INSN_JMP);
	assert_int_equal(blk.offset[2], 5); /* the scan went on at the target */
}

static void test_forward_jmp_skipped_bytes_are_not_io(void **state)
{
	/* out; jmp +1; a data byte that would decode as OUT; hlt: the data is never executed */
	BF_CODE(FAKE_RIP, OUT_DX, 0xeb, 0x01, OUT_DX, 0xf4, OUT_DX);
	assert_block(1, 1, 1);
}

static void test_forward_jmp_rel32_over_data(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, 0xe9, 0x03, 0, 0, 0, 0xf4, 0xfa, 0xf4, OUT_DX, 0xf4);
	assert_block(2, 3, 10);
	assert_int_equal(blk.offset[2], 9);
}

static void test_forward_jmp_beyond_extent(void **state)
{
	set_extent(BLOCK_EXTENT_BYTES, 16);
	BF_CODE(FAKE_RIP, OUT_DX, OUT_DX, 0xeb, 0x20, OUT_DX);
	assert_block(2, 2, 2);
}

/* ---- the extent ---- */

static void test_extent_bytes_cuts_block(void **state)
{
	set_extent(BLOCK_EXTENT_BYTES, 16);
	/* out; three 5-byte movs; out at byte 16: beyond the 16-byte extent */
	BF_CODE(FAKE_RIP, OUT_DX, MOV_EAX_IMM32, MOV_EAX_IMM32, MOV_EAX_IMM32, OUT_DX, 0xf4);
	assert_block(1, 1, 1);
	set_extent(BLOCK_EXTENT_BYTES, 17);
	assert_block(2, 5, 17);
}

static void test_extent_bytes_includes_instruction_ending_at_limit(void **state)
{
	set_extent(BLOCK_EXTENT_BYTES, 16);
	BF_CODE(FAKE_RIP, OUT_DX, MOV_EAX_IMM32, MOV_EAX_IMM32, NOP, NOP, NOP, NOP, OUT_DX, OUT_DX);
	assert_block(2, 8, 16);
}

static void test_extent_bytes_instruction_straddling_limit(void **state)
{
	set_extent(BLOCK_EXTENT_BYTES, 16);
	fill(FAKE_RIP, NOP, 15);
	fk.ram[FAKE_RIP] = OUT_DX;
	BF_CODE(FAKE_RIP + 14, 0xe6, 0x80, OUT_DX); /* out imm8 at bytes 14..15 ends at 16: in */
	assert_block(2, 15, 16);
	BF_CODE(FAKE_RIP + 14, NOP, 0xe6, 0x80); /* bytes 15..16: crosses the limit */
	assert_block(1, 1, 1);
}

static void test_extent_page_stops_at_page_end(void **state)
{
	fk.v.rip = 0x1ff8;
	fill(0x1ff8, NOP, 16);
	fk.ram[0x1ff8] = OUT_DX;
	fk.ram[0x1fff] = OUT_DX; /* the last byte of the page */
	fk.ram[0x2000] = OUT_DX; /* the next page */
	assert_block(2, 8, 8);
	assert_int_equal(blk.rip_linear, 0x1ff8);
	fk.ram[0x1fff] = NOP;
	assert_block(1, 1, 1);
}

static void test_extent_page_instruction_crossing_page_end(void **state)
{
	fk.v.rip = 0x1ffd;
	BF_CODE(0x1ffd, OUT_DX, NOP, 0xe6, 0x80, OUT_DX); /* out imm8 at 0x1fff..0x2000 */
	assert_block(1, 1, 1);
	fk.v.rip = 0x1fff;
	BF_CODE(0x1fff, 0x66, OUT_DX); /* the exiting instruction itself crosses the page end */
	assert_int_equal(scan(), -1);
}

static void test_extent_cpu_crosses_into_mapped_page(void **state)
{
	fake_mode_long64();
	set_extent(BLOCK_EXTENT_CPU, 0);
	fk.v.rip = 0x1ffc;
	BF_CODE(0x1ffc, OUT_DX, NOP, NOP, NOP, OUT_DX, 0xf4);
	assert_block(2, 5, 5);
	set_extent(BLOCK_EXTENT_PAGE, 0);
	assert_block(1, 1, 1);
}

static void test_extent_cpu_stops_at_unmapped_page(void **state)
{
	fake_mode_long64();
	set_extent(BLOCK_EXTENT_CPU, 0);
	fk.v.rip = 0x1ffc;
	BF_CODE(0x1ffc, OUT_DX, NOP, NOP, OUT_DX, OUT_DX, 0xf4);
	fake_unmap(0x2000);
	assert_block(2, 4, 4);
	fk.ram[0x1fff] = NOP;
	assert_block(1, 1, 1);
}

static void test_extent_cpu_instruction_into_unmapped_page(void **state)
{
	fake_mode_long64();
	set_extent(BLOCK_EXTENT_CPU, 0);
	fk.v.rip = 0x1ffd;
	BF_CODE(0x1ffd, OUT_DX, NOP, 0xe6, 0x80, OUT_DX); /* out imm8 would need a byte of 0x2000 */
	fake_unmap(0x2000);
	assert_block(1, 1, 1);
}

static void test_extent_cpu_user_code_stops_at_supervisor_page(void **state)
{
	fake_mode_long64();
	set_extent(BLOCK_EXTENT_CPU, 0);
	fk.v.rip = 0x1ffe;
	BF_CODE(0x1ffe, OUT_DX, NOP, OUT_DX, 0xf4);
	bf_set_pte(0x2000, 0x2000 | PTE_P | PTE_RW); /* U/S = 0 */
	assert_block(2, 3, 3);
	fk.v.cpl = 3; /* a user-mode fetch there would #PF */
	assert_block(1, 1, 1);
}

static void test_extent_cpu_stops_at_no_execute_page(void **state)
{
	fake_mode_long64();
	fk.v.efer |= EFER_NXE;
	set_extent(BLOCK_EXTENT_CPU, 0);
	fk.v.rip = 0x1ffe;
	BF_CODE(0x1ffe, OUT_DX, NOP, OUT_DX, 0xf4);
	bf_set_pte(0x2000, 0x2000 | BF_PTE_PRESENT | PTE_XD);
	assert_block(1, 1, 1);
}

static void test_scan_extent_values(void **state)
{
	struct block_config c = {.enabled = true, .extent = BLOCK_EXTENT_BYTES, .extent_bytes = 48};
	assert_int_equal(scan_extent(&c, 0x1234), 48);
	c.extent = BLOCK_EXTENT_PAGE;
	assert_int_equal(scan_extent(&c, 0x1234), 0x1000 - 0x234);
	assert_int_equal(scan_extent(&c, 0x5000), 0x1000);
	assert_int_equal(scan_extent(&c, 0x5fff), 1);
	c.extent = BLOCK_EXTENT_CPU;
	assert_int_equal(scan_extent(&c, 0x1234), BLOCK_EXTENT_CPU_MAX);
}

/* ---- bounds ---- */

static void test_max_insns(void **state)
{
	fill(FAKE_RIP, OUT_DX, 40);
	assert_block(BLOCK_SCAN_MAX_INSNS, BLOCK_SCAN_MAX_INSNS, BLOCK_SCAN_MAX_INSNS);
}

static void test_io_past_max_insns_not_included(void **state)
{
	fill(FAKE_RIP, NOP, 40);
	fk.ram[FAKE_RIP] = OUT_DX;
	fk.ram[FAKE_RIP + BLOCK_SCAN_MAX_INSNS - 1] = OUT_DX; /* the 32nd instruction: in */
	fk.ram[FAKE_RIP + BLOCK_SCAN_MAX_INSNS] = OUT_DX;     /* the 33rd: out */
	assert_block(2, BLOCK_SCAN_MAX_INSNS, BLOCK_SCAN_MAX_INSNS);
	fk.ram[FAKE_RIP + BLOCK_SCAN_MAX_INSNS - 1] = NOP;
	assert_block(1, 1, 1);
}

static void test_max_bytes(void **state)
{
	fake_mode_long64();
	/* out; 24 ten-byte movs (1..240); out at 241; two movs (242..261) cross byte 256; out at 262 */
	fk.ram[FAKE_RIP] = OUT_DX;
	put_mov_rax_imm64(FAKE_RIP + 1, 24);
	fk.ram[FAKE_RIP + 241] = OUT_DX;
	put_mov_rax_imm64(FAKE_RIP + 242, 2);
	fk.ram[FAKE_RIP + 262] = OUT_DX;
	assert_block(2, 26, 242);
}

static void test_max_bytes_boundary(void **state)
{
	fake_mode_long64();
	/* out; 25 movs (1..250); 4 nops; out at 255 ends at byte 256 exactly; out at 256 */
	fk.ram[FAKE_RIP] = OUT_DX;
	put_mov_rax_imm64(FAKE_RIP + 1, 25);
	fill(FAKE_RIP + 251, NOP, 4);
	fk.ram[FAKE_RIP + 255] = OUT_DX;
	fk.ram[FAKE_RIP + 256] = OUT_DX;
	assert_block(2, 31, BLOCK_SCAN_MAX_BYTES);
}

/* ---- modes and addresses ---- */

/* out; then 48 b8 and nine EE bytes: 64-bit reads mov rax,imm64; 32-bit dec eax, mov eax,imm32;
 * 16-bit dec ax, mov ax,imm16 -- the rest are OUTs. */
static void put_mode_probe(void)
{
	fill(FAKE_RIP, OUT_DX, 12);
	BF_CODE(FAKE_RIP + 1, 0x48, 0xb8);
	fk.ram[FAKE_RIP + 12] = 0xf4;
}

static void test_mode_64(void **state)
{
	fake_mode_long64();
	put_mode_probe();
	assert_block(2, 3, 12);
	assert_int_equal(blk.mode, CPU_MODE_64);
	assert_int_equal(blk.insns[1].imm_size, 8);
}

static void test_mode_32(void **state)
{
	put_mode_probe();
	assert_block(6, 8, 12);
	assert_int_equal(blk.mode, CPU_MODE_32);
	assert_int_equal(blk.insns[1].kind, INSN_DEC);
}

static void test_mode_16(void **state)
{
	fk.v.seg[VCPU_CS].ar &= ~VCPU_AR_DB; /* 16-bit protected-mode code */
	put_mode_probe();
	assert_block(8, 10, 12);
	assert_int_equal(blk.mode, CPU_MODE_16);
	fake_mode_real();
	assert_block(8, 10, 12);
	assert_int_equal(blk.mode, CPU_MODE_16);
}

static void test_mode_compat(void **state)
{
	fake_mode_compat(); /* IA-32e mode, CS.L = 0, CS.D = 1 */
	put_mode_probe();
	assert_block(6, 8, 12);
	assert_int_equal(blk.mode, CPU_MODE_32);
}

static void test_interp_cpu_mode(void **state)
{
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_32);
	fk.v.seg[VCPU_CS].ar |= VCPU_AR_L; /* CS.L means nothing outside IA-32e mode */
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_32);
	fake_mode_real();
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_16);
	fake_mode_long64();
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_64);
	fk.v.seg[VCPU_CS].ar |= VCPU_AR_DB; /* L and D both set: 64-bit code still */
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_64);
	fake_mode_compat();
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_32);
	fk.v.seg[VCPU_CS].ar &= ~VCPU_AR_DB;
	assert_int_equal(interp_cpu_mode(V), CPU_MODE_16);
}

static void test_rip_linear_adds_cs_base_outside_64bit(void **state)
{
	fk.v.seg[VCPU_CS].base = 0x10000;
	fk.v.rip = 0x1000;
	assert_int_equal(scan_rip_linear(V), 0x11000);
	fk.v.seg[VCPU_CS].base = 0xfffff000ULL; /* wraps at 4 GiB */
	fk.v.rip = 0x2000;
	assert_int_equal(scan_rip_linear(V), 0x1000);
	fake_mode_real();
	fk.v.seg[VCPU_CS].base = 0xf0000;
	fk.v.rip = 0xfff0;
	assert_int_equal(scan_rip_linear(V), 0xffff0);
	fake_mode_compat();
	fk.v.seg[VCPU_CS].base = 0x10000;
	fk.v.rip = 0x1000;
	assert_int_equal(scan_rip_linear(V), 0x11000);
}

static void test_rip_linear_ignores_cs_base_in_64bit(void **state)
{
	fake_mode_long64();
	fk.v.seg[VCPU_CS].base = 0x10000;
	fk.v.rip = 0xffff800000001000ULL;
	assert_int_equal(scan_rip_linear(V), 0xffff800000001000ULL);
}

static void test_scan_reads_at_cs_base(void **state)
{
	fk.v.seg[VCPU_CS].base = 0x10000;
	BF_CODE(0x11000, OUT_DX, 0xfe, 0xc0, OUT_DX, 0xf4);
	BF_CODE(FAKE_RIP, NOP, NOP, NOP); /* what is at RIP without the base */
	assert_block(2, 3, 4);
	assert_int_equal(blk.rip_linear, 0x11000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_out_out),
		T(test_out_mov_out),
		T(test_all_io_forms_count),
		T(test_out_then_cli_is_single),
		T(test_out_then_call_is_single),
		T(test_out_then_hlt_is_single),
		T(test_block_ends_at_last_io),
		T(test_rep_outsb_after_first_ends_block),
		T(test_string_io_first_is_not_a_block),
		T(test_first_not_io_is_not_a_block),
		T(test_unreadable_rip_is_not_a_block),
		T(test_scan_changes_no_guest_state),
		T(test_backward_jmp_ends_scan),
		T(test_backward_jcc_ends_scan),
		T(test_io_before_backward_branch_is_kept),
		T(test_forward_jcc_keeps_fall_through),
		T(test_forward_jmp_over_data),
		T(test_forward_jmp_skipped_bytes_are_not_io),
		T(test_forward_jmp_rel32_over_data),
		T(test_forward_jmp_beyond_extent),
		T(test_extent_bytes_cuts_block),
		T(test_extent_bytes_includes_instruction_ending_at_limit),
		T(test_extent_bytes_instruction_straddling_limit),
		T(test_extent_page_stops_at_page_end),
		T(test_extent_page_instruction_crossing_page_end),
		T(test_extent_cpu_crosses_into_mapped_page),
		T(test_extent_cpu_stops_at_unmapped_page),
		T(test_extent_cpu_instruction_into_unmapped_page),
		T(test_extent_cpu_user_code_stops_at_supervisor_page),
		T(test_extent_cpu_stops_at_no_execute_page),
		T(test_scan_extent_values),
		T(test_max_insns),
		T(test_io_past_max_insns_not_included),
		T(test_max_bytes),
		T(test_max_bytes_boundary),
		T(test_mode_64),
		T(test_mode_32),
		T(test_mode_16),
		T(test_mode_compat),
		T(test_interp_cpu_mode),
		T(test_rip_linear_adds_cs_base_outside_64bit),
		T(test_rip_linear_ignores_cs_base_in_64bit),
		T(test_scan_reads_at_cs_base),
	};
	return UNIT_RUN(tests);
}
