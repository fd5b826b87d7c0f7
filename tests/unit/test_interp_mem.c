/*
 * dispatcher/emul/interp.c on the fake platform of fake_interp.h: memory with 4-level paging,
 * faults that change nothing, segmentation outside 64-bit mode, real mode, IO and string IO,
 * branches, what must stop and the dirty bits, write ranges, and random bytes on random states
 * (a STOP never changes anything). Results hand-computed from the Intel SDM Vol. 2 pages.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "fake_interp.h"

/* --- Memory with 4-level paging. --- */

static void test_memory_64(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RBX] = DATA;
	v.gpr[VCPU_RAX] = 0xcafef00d;
	assert_int_equal(EXEC(&v, 0x89, 0x43, 0x08), INTERP_OK); /* mov [rbx+8], eax */
	assert_int_equal(rd32(DATA + 8), 0xcafef00d);
	assert_true(res.mem && res.mem_write);
	assert_int_equal(res.mem_linear, DATA + 8);
	assert_int_equal(res.mem_len, 4);
	/* the walk set accessed flags everywhere and dirty on the PTE */
	assert_true(*pte(PML4, 0) & PTE_A);
	assert_true(*pte(PT, DATA >> 12) & PTE_A);
	assert_true(*pte(PT, DATA >> 12) & PTE_D);

	v.gpr[VCPU_RSI] = 2;
	assert_int_equal(EXEC(&v, 0x81, 0x44, 0xb3, 0x00, 0x03, 0x00, 0x00, 0x00), INTERP_OK);
	assert_int_equal(rd32(DATA + 8), 0xcafef010); /* add [rbx+rsi*4+0], 3 */
	assert_int_equal(res.mem_linear, DATA + 8);
	assert_true(res.mem_write);

	/* a read does not set dirty */
	*pte(PT, (DATA + 0x1000) >> 12) &= ~(PTE_A | PTE_D);
	wr32(DATA + 0x1000, 0x55);
	assert_int_equal(EXEC(&v, 0x8b, 0x8b, 0x00, 0x10, 0x00, 0x00), INTERP_OK); /* mov ecx, [rbx+0x1000] */
	assert_int_equal(v.gpr[VCPU_RCX], 0x55);
	assert_true(*pte(PT, (DATA + 0x1000) >> 12) & PTE_A);
	assert_false(*pte(PT, (DATA + 0x1000) >> 12) & PTE_D);
	assert_false(res.mem_write);

	/* RIP-relative: next RIP + disp */
	v.rip = CODE;
	wr32(CODE + 6 + 0x100, 0xabcd);
	assert_int_equal(EXEC(&v, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0xabcd);

	/* FS override uses the FS base; DS/ES/SS bases are ignored in 64-bit mode */
	v.seg[VCPU_FS].base = DATA;
	v.seg[VCPU_DS].base = 0x5000;
	wr32(DATA + 0x10, 0x77);
	assert_int_equal(EXEC(&v, 0x64, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0x77);
	assert_int_equal(EXEC(&v, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x02, 0x00), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0x77); /* [0x20010] */

	/* moffs, 64-bit offset */
	assert_int_equal(EXEC(&v, 0xa0, 0x10, 0x00, 0x02, 0, 0, 0, 0, 0), INTERP_OK); /* mov al, [0x20010] */
	assert_int_equal(v.gpr[VCPU_RAX], 0x77);
	v.gpr[VCPU_RAX] = 0x99;
	assert_int_equal(EXEC(&v, 0xa2, 0x20, 0x00, 0x02, 0, 0, 0, 0, 0), INTERP_OK);
	assert_int_equal(ram[DATA + 0x20], 0x99);

	/* 67: a 32-bit address, the upper halves of the registers ignored */
	v.gpr[VCPU_RBX] = 0xffffffff00000000ULL | DATA;
	assert_int_equal(EXEC(&v, 0x67, 0x8b, 0x43, 0x10), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0x77);

	/* MOV to memory with an immediate, TEST/CMP with memory write nothing */
	v.gpr[VCPU_RBX] = DATA;
	assert_int_equal(EXEC(&v, 0x66, 0xc7, 0x43, 0x30, 0x34, 0x12), INTERP_OK);
	assert_int_equal(rd32(DATA + 0x30), 0x1234);
	assert_int_equal(EXEC(&v, 0x83, 0x7b, 0x30, 0x01), INTERP_OK); /* cmp dword [rbx+0x30], 1 */
	assert_int_equal(rd32(DATA + 0x30), 0x1234);
	assert_false(res.mem_write);

	/* an access that crosses into the next page */
	v.gpr[VCPU_RBX] = DATA + 0xffe;
	v.gpr[VCPU_RAX] = 0x11223344;
	assert_int_equal(EXEC(&v, 0x89, 0x03), INTERP_OK);
	assert_int_equal(rd32(DATA + 0xffe), 0x11223344);
}

static void test_faults_change_nothing(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = 0x12345678;

	/* not present: read, write, read-modify-write */
	v.gpr[VCPU_RBX] = PAGE_NP;
	EXPECT_STOP(&v, 0x89, 0x03);
	EXPECT_STOP(&v, 0x8b, 0x03);
	EXPECT_STOP(&v, 0x01, 0x03);
	EXPECT_STOP(&v, 0x0f, 0xb6, 0x03);
	/* crossing from a good page into a not-present one: not even the first bytes are written */
	v.gpr[VCPU_RBX] = PAGE_NP - 2;
	EXPECT_STOP(&v, 0x89, 0x03);

	/* read-only page: reads fine, writes and RMW fault (CR0.WP = 1) */
	v.gpr[VCPU_RBX] = PAGE_RO;
	assert_int_equal(EXEC(&v, 0x8b, 0x0b), INTERP_OK);
	assert_int_equal(EXEC(&v, 0x3b, 0x03), INTERP_OK); /* cmp: read only */
	EXPECT_STOP(&v, 0x89, 0x03);
	EXPECT_STOP(&v, 0x01, 0x03);
	EXPECT_STOP(&v, 0xf7, 0x13); /* not [rbx] */
	/* supervisor writes to read-only pages are allowed with CR0.WP = 0 */
	v.cr0 &= ~CR0_WP;
	assert_int_equal(EXEC(&v, 0x89, 0x03), INTERP_OK);
	assert_int_equal(rd32(PAGE_RO), 0x12345678);
	v.cr0 |= CR0_WP;

	/* user mode: supervisor page refused, read-only write refused */
	v.cpl = 3;
	v.gpr[VCPU_RBX] = PAGE_SUP;
	EXPECT_STOP(&v, 0x8b, 0x03);
	v.cr0 &= ~CR0_WP;
	v.gpr[VCPU_RBX] = PAGE_RO;
	EXPECT_STOP(&v, 0x89, 0x03);
	v.cr0 |= CR0_WP;
	v.cpl = 0;

	/* mapped, but guest-physical memory that is not RAM */
	v.gpr[VCPU_RBX] = HOLE + 0x10;
	EXPECT_STOP(&v, 0x8b, 0x03);
	EXPECT_STOP(&v, 0x89, 0x03);

	/* non-canonical: #GP natively */
	v.gpr[VCPU_RBX] = 0x0000800000000000ULL;
	EXPECT_STOP(&v, 0x8b, 0x03);

	/* alignment check: CPL 3, CR0.AM and RFLAGS.AC, misaligned */
	v.cpl = 3;
	v.cr0 |= CR0_AM;
	v.rflags |= ACF;
	v.gpr[VCPU_RBX] = DATA + 2;
	EXPECT_STOP(&v, 0x8b, 0x03);
	assert_int_equal(EXEC(&v, 0x66, 0x8b, 0x03), INTERP_OK); /* 2-byte access at 2: aligned */
	assert_int_equal(EXEC(&v, 0x8a, 0x03), INTERP_OK);

	/* the stopped instructions set no accessed flag on the page they would touch */
	assert_false(*pte(PT, PAGE_SUP >> 12) & PTE_A);
}

/* --- Segmentation outside 64-bit mode. --- */

static void test_segments_32(void **state)
{
	(void)state;
	struct vcpu v = vcpu32();
	v.gpr[VCPU_RAX] = 0x42;
	v.seg[VCPU_DS].base = 0x100000;
	v.seg[VCPU_DS].limit = 0xfff;
	v.gpr[VCPU_RBX] = 0xffc;
	assert_int_equal(EXEC(&v, 0x89, 0x03), INTERP_OK); /* mov [ebx], eax: bytes ffc..fff */
	assert_int_equal(rd32(0x100ffc), 0x42);
	assert_int_equal(res.mem_linear, 0x100ffc);
	v.gpr[VCPU_RBX] = 0xffd;
	EXPECT_STOP(&v, 0x89, 0x03); /* last byte beyond the limit: #GP */
	EXPECT_STOP(&v, 0x8b, 0x03);

	/* stack segment for EBP/ESP bases */
	v.seg[VCPU_SS].base = 0x200000;
	v.gpr[VCPU_RBP] = 0x10;
	assert_int_equal(EXEC(&v, 0x89, 0x45, 0x00), INTERP_OK);
	assert_int_equal(rd32(0x200010), 0x42);

	/* a read-only data segment: reads only */
	v.seg[VCPU_ES] = (struct vcpu_segment){.base = 0, .limit = 0xffffffff, .ar = 0x91};
	v.gpr[VCPU_RBX] = DATA;
	assert_int_equal(EXEC(&v, 0x26, 0x8b, 0x03), INTERP_OK);
	EXPECT_STOP(&v, 0x26, 0x89, 0x03);
	/* code segments: never written, read only when readable */
	EXPECT_STOP(&v, 0x2e, 0x89, 0x03);
	assert_int_equal(EXEC(&v, 0x2e, 0x8b, 0x03), INTERP_OK);
	v.seg[VCPU_CS].ar = 0x99 | VCPU_AR_DB; /* execute-only */
	EXPECT_STOP(&v, 0x2e, 0x8b, 0x03);
	v.seg[VCPU_CS].ar = AR_CODE | VCPU_AR_DB;
	/* unusable (null) and expand-down segments */
	v.seg[VCPU_GS].ar = 1u << 16;
	EXPECT_STOP(&v, 0x65, 0x8b, 0x03);
	v.seg[VCPU_GS] = (struct vcpu_segment){.base = 0, .limit = 0xfff, .ar = 0x97};
	EXPECT_STOP(&v, 0x65, 0x8b, 0x03);

	/* the 32-bit linear address wraps at 4 GiB only within an access: left native */
	v.seg[VCPU_FS] = (struct vcpu_segment){.base = 0xfffff000, .limit = 0xffffffff, .ar = AR_DATA};
	v.gpr[VCPU_RBX] = 0x1000 + DATA;
	assert_int_equal(EXEC(&v, 0x64, 0x8b, 0x03), INTERP_OK); /* wraps to DATA */
	assert_int_equal(res.mem_linear, DATA);
	v.gpr[VCPU_RBX] = 0xffe;
	EXPECT_STOP(&v, 0x64, 0x8b, 0x03);

}

static void test_real_mode(void **state)
{
	(void)state;
	struct vcpu v = vcpu16();
	real_segment(&v, VCPU_SS, 0x2000);
	v.gpr[VCPU_RBP] = 0x10;
	v.gpr[VCPU_RSI] = 0x6;
	v.gpr[VCPU_RAX] = 0xaaaa5555;
	assert_int_equal(EXEC(&v, 0x89, 0x42, 0x02), INTERP_OK); /* mov [bp+si+2], ax */
	assert_int_equal(rd32(0x20018) & 0xffff, 0x5555);
	assert_int_equal(v.rip, 0x103);
	/* BX+SI wraps at 16 bits */
	v.gpr[VCPU_RBX] = 0xfff0;
	v.gpr[VCPU_RSI] = 0x20;
	assert_int_equal(EXEC(&v, 0x8b, 0x08), INTERP_OK); /* mov cx, [bx+si] -> DS:0x10 */
	assert_int_equal(res.mem_linear, 0x10010);
	/* a word at offset 0xffff crosses the limit: #GP natively */
	v.gpr[VCPU_RBX] = 0xffff;
	EXPECT_STOP(&v, 0x8b, 0x07);
	assert_int_equal(EXEC(&v, 0x8a, 0x07), INTERP_OK); /* a byte there is fine */
	/* 16-bit ops keep the upper bits; 66 selects 32 bits */
	v.gpr[VCPU_RAX] = 0x1234ffff;
	assert_int_equal(EXEC(&v, 0x40), INTERP_OK); /* inc ax */
	assert_int_equal(v.gpr[VCPU_RAX], 0x12340000);
	assert_int_equal(FLAGS(v), ZF | AF | PF);
	assert_int_equal(EXEC(&v, 0x66, 0x05, 0x01, 0x00, 0x00, 0x00), INTERP_OK); /* add eax, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x12340001);
}

/* --- IO. --- */

static void test_in_out(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	reset_io(0xa1b2c3d4);
	v.gpr[VCPU_RAX] = 0x1111111111111111ULL;
	assert_int_equal(EXEC(&v, 0xe4, 0x60), INTERP_OK); /* in al, 0x60 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x11111111111111d4ULL);
	assert_int_equal(io.n, 1);
	assert_true(io.ev[0].in);
	assert_int_equal(io.ev[0].port, 0x60);
	assert_int_equal(io.ev[0].size, 1);
	assert_int_equal(res.io_count, 1);
	assert_int_equal(res.port, 0x60);
	assert_int_equal(v.rip, CODE + 2);

	v.gpr[VCPU_RDX] = 0xffff03f8;
	assert_int_equal(EXEC(&v, 0x66, 0xed), INTERP_OK); /* in ax, dx */
	assert_int_equal(v.gpr[VCPU_RAX], 0x111111111111c3d5ULL);
	assert_int_equal(io.ev[1].port, 0x3f8);
	assert_int_equal(io.ev[1].size, 2);
	assert_int_equal(EXEC(&v, 0xed), INTERP_OK); /* in eax, dx: zero-extends */
	assert_int_equal(v.gpr[VCPU_RAX], 0xa1b2c3d6);

	v.gpr[VCPU_RAX] = 0xdeadbeefcafef00dULL;
	assert_int_equal(EXEC(&v, 0xee), INTERP_OK); /* out dx, al */
	assert_false(io.ev[3].in);
	assert_int_equal(io.ev[3].val, 0x0d);
	assert_int_equal(EXEC(&v, 0xe7, 0x80), INTERP_OK); /* out 0x80, eax */
	assert_int_equal(io.ev[4].port, 0x80);
	assert_int_equal(io.ev[4].size, 4);
	assert_int_equal(io.ev[4].val, 0xcafef00d);
	assert_int_equal(v.gpr[VCPU_RAX], 0xdeadbeefcafef00dULL);

	struct vcpu w = vcpu32();
	w.gpr[VCPU_RAX] = 0x5555555500000000ULL;
	assert_int_equal(EXEC(&w, 0xe5, 0x40), INTERP_OK); /* in eax, 0x40 in 32-bit mode */
	assert_int_equal(w.gpr[VCPU_RAX], 0x55555555a1b2c3d7ULL);

	u16 port = 0;
	u8 size = 0;
	struct insn in;
	decode_insn(BYTES(0x66, 0xef), 2, CPU_MODE_64, &in);
	v.gpr[VCPU_RDX] = 0x10071;
	assert_int_equal(interp_io_ports(&in, &v, &port, &size), 0);
	assert_int_equal(port, 0x71);
	assert_int_equal(size, 2);
	decode_insn(BYTES(0xe5, 0x92), 2, CPU_MODE_64, &in);
	assert_int_equal(interp_io_ports(&in, &v, &port, &size), 0);
	assert_int_equal(port, 0x92);
	assert_int_equal(size, 4);
	decode_insn(BYTES(0xf3, 0x6c), 2, CPU_MODE_64, &in);
	assert_int_equal(interp_io_ports(&in, &v, &port, &size), 0);
	assert_int_equal(port, 0x71);
	assert_int_equal(size, 1);
	decode_insn(BYTES(0x01, 0xc0), 2, CPU_MODE_64, &in);
	assert_int_equal(interp_io_ports(&in, &v, &port, &size), -1);
}

static void test_string_io(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	reset_io(0x61);
	v.gpr[VCPU_RDX] = 0x3f8;
	v.gpr[VCPU_RDI] = DATA;
	v.gpr[VCPU_RCX] = 5;
	assert_int_equal(EXEC(&v, 0xf3, 0x6c), INTERP_OK); /* rep insb */
	assert_int_equal(io.n, 5);
	assert_int_equal(memcmp(ram + DATA, "abcde", 5), 0);
	assert_int_equal(v.gpr[VCPU_RCX], 0);
	assert_int_equal(v.gpr[VCPU_RDI], DATA + 5);
	assert_int_equal(res.io_count, 5);
	assert_true(res.mem_write);
	assert_int_equal(res.mem_linear, DATA);
	assert_int_equal(res.mem_len, 5);
	assert_int_equal(v.rip, CODE + 2);

	/* OUTSW downwards (DF = 1) from FS:RSI */
	reset_io(0);
	v.rflags |= DF;
	v.seg[VCPU_FS].base = DATA;
	v.gpr[VCPU_RSI] = 2;
	v.gpr[VCPU_RCX] = 2;
	assert_int_equal(EXEC(&v, 0x66, 0x64, 0xf3, 0x6f), INTERP_OK);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.ev[0].val, 0x6463); /* "cd" at DATA+2 */
	assert_int_equal(io.ev[1].val, 0x6261); /* "ab" at DATA+0 */
	assert_int_equal(io.ev[0].size, 2);
	assert_int_equal(v.gpr[VCPU_RSI], (u64)-2);
	assert_int_equal(res.mem_linear, DATA);
	assert_int_equal(res.mem_len, 4);
	v.rflags &= ~DF;

	/* REP with RCX = 0: no iteration, RIP moves */
	reset_io(0);
	v.rip = CODE;
	v.gpr[VCPU_RCX] = 0;
	assert_int_equal(EXEC(&v, 0xf3, 0x6d), INTERP_OK);
	assert_int_equal(io.n, 0);
	assert_int_equal(v.rip, CODE + 2);

	/* one element without REP; RCX untouched */
	v.gpr[VCPU_RCX] = 77;
	v.gpr[VCPU_RDI] = DATA + 0x100;
	assert_int_equal(EXEC(&v, 0x6d), INTERP_OK); /* insd */
	assert_int_equal(io.n, 1);
	assert_int_equal(v.gpr[VCPU_RCX], 77);
	assert_int_equal(v.gpr[VCPU_RDI], DATA + 0x104);

	/* a range that reaches a not-present page: stops before the first port access */
	reset_io(0);
	v.gpr[VCPU_RDI] = PAGE_NP - 3;
	v.gpr[VCPU_RCX] = 4;
	EXPECT_STOP(&v, 0xf3, 0x6c);
	v.gpr[VCPU_RSI] = PAGE_NP - 3; /* OUTS reads it */
	EXPECT_STOP(&v, 0xf3, 0x6e);
	/* INS into a read-only page */
	v.gpr[VCPU_RDI] = PAGE_RO;
	v.gpr[VCPU_RCX] = 1;
	EXPECT_STOP(&v, 0xf3, 0x6c);
	/* longer than INTERP_STRING_MAX_BYTES: native */
	v.gpr[VCPU_RDI] = DATA;
	v.gpr[VCPU_RCX] = INTERP_STRING_MAX_BYTES / 4 + 1;
	EXPECT_STOP(&v, 0xf3, 0x6d);
	v.gpr[VCPU_RCX] = INTERP_STRING_MAX_BYTES / 4;
	assert_int_equal(EXEC(&v, 0xf3, 0x6d), INTERP_OK);
	/* 67 in 64-bit mode with bits 63:32 set: native decides */
	v.gpr[VCPU_RDI] = 0x100000000ULL | DATA;
	v.gpr[VCPU_RCX] = 1;
	EXPECT_STOP(&v, 0x67, 0xf3, 0x6c);
	v.gpr[VCPU_RDI] = DATA;
	assert_int_equal(EXEC(&v, 0x67, 0xf3, 0x6c), INTERP_OK);
	/* downward run that would wrap below 0 */
	v.rflags |= DF;
	v.gpr[VCPU_RDI] = 1;
	v.gpr[VCPU_RCX] = 3;
	EXPECT_STOP(&v, 0xf3, 0x6c);
	v.rflags &= ~DF;

	/* 16-bit address size in 32-bit mode: CX and DI, upper halves kept */
	struct vcpu w = vcpu32();
	reset_io(0x30);
	w.seg[VCPU_ES].base = 0x30000;
	w.gpr[VCPU_RDI] = 0xabcd0010;
	w.gpr[VCPU_RCX] = 0x12340003;
	assert_int_equal(EXEC(&w, 0x67, 0xf3, 0x6c), INTERP_OK);
	assert_int_equal(memcmp(ram + 0x30010, "012", 3), 0);
	assert_int_equal(w.gpr[VCPU_RDI], 0xabcd0013);
	assert_int_equal(w.gpr[VCPU_RCX], 0x12340000);
	/* ES limit checked over the whole range */
	w.seg[VCPU_ES].limit = 0x11;
	w.gpr[VCPU_RCX] = 3;
	w.gpr[VCPU_RDI] = 0x10;
	EXPECT_STOP(&w, 0x67, 0xf3, 0x6c);
}

/* A REP INS that overwrites the page-table entry of its own next page (PAGE_SELF maps the page
 * table): the iterations up to the page boundary run, then it is interrupted. */
static void test_string_partial(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	reset_io(0);
	u64 last_pte = PAGE_SELF + 511 * 8; /* PTE 511 maps linear 0x1ff000 */
	v.gpr[VCPU_RDI] = last_pte;
	v.gpr[VCPU_RCX] = 9;
	v.gpr[VCPU_RDX] = 0x80;
	assert_int_equal(EXEC(&v, 0xf3, 0x6c), INTERP_PARTIAL);
	assert_int_equal(io.n, 8);
	assert_int_equal(*pte(PT, 511), 0x0706050403020100ULL);
	assert_int_equal(v.gpr[VCPU_RCX], 1);
	assert_int_equal(v.gpr[VCPU_RDI], 0x1ff000);
	assert_int_equal(v.rip, CODE);
	assert_int_equal(res.io_count, 8);
}

/* --- Branches. --- */

static void test_branches(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	assert_int_equal(EXEC(&v, 0xeb, 0x10), INTERP_OK);
	assert_int_equal(v.rip, CODE + 0x12);
	assert_true(res.branch);
	assert_int_equal(EXEC(&v, 0xe9, 0xee, 0xff, 0xff, 0xff), INTERP_OK); /* back by 0x12 - 5 */
	assert_int_equal(v.rip, CODE + 0x12 + 5 - 0x12);

	/* the 16 conditions against a flag pattern each way */
	static const u64 pats[] = {0, CF, ZF, SF, OF, PF, SF | OF, ZF | SF, CF | ZF | SF | OF | PF};
	for (size_t p = 0; p < ARRAY_SIZE(pats); p++) {
		u64 f = pats[p];
		bool of = f & OF, cf = f & CF, zf = f & ZF, sf = f & SF, pf = f & PF;
		bool t[8] = {of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of};
		for (u8 cc = 0; cc < 16; cc++) {
			v.rip = CODE;
			v.rflags = RFLAGS_FIXED1 | f;
			assert_int_equal(EXEC(&v, (u8)(0x70 + cc), 0x20), INTERP_OK);
			bool want = t[cc >> 1] != (cc & 1);
			if (v.rip != (want ? CODE + 0x22 : CODE + 2) || res.branch != want)
				fail_msg("flags %llx condition %u: rip %llx", (unsigned long long)f, cc,
				         (unsigned long long)v.rip);
			v.rip = CODE;
			assert_int_equal(EXEC(&v, 0x0f, (u8)(0x80 + cc), 0x00, 0x01, 0x00, 0x00), INTERP_OK);
			assert_int_equal(v.rip, want ? CODE + 0x106 : CODE + 6);
		}
	}

	/* non-canonical target: #GP on the branch */
	v.rip = 0x00007ffffffffff0ULL;
	EXPECT_STOP(&v, 0xe9, 0x00, 0x01, 0x00, 0x00);

	/* 16-bit code: IP wraps at 64 KiB; a target beyond CS.limit faults */
	struct vcpu r = vcpu16();
	r.rip = 0xfff0;
	assert_int_equal(EXEC(&r, 0xeb, 0x20), INTERP_OK);
	assert_int_equal(r.rip, 0x12);
	r.seg[VCPU_CS].limit = 0x1000;
	r.rip = 0xf00;
	EXPECT_STOP(&r, 0xe9, 0x00, 0x02);
	assert_int_equal(EXEC(&r, 0xe9, 0x00, 0x00), INTERP_OK);

	/* 66 in 32-bit code: a 16-bit branch truncates EIP */
	struct vcpu w = vcpu32();
	w.rip = 0x12345;
	assert_int_equal(EXEC(&w, 0x66, 0xe9, 0x10, 0x00), INTERP_OK);
	assert_int_equal(w.rip, (0x12345 + 4 + 0x10) & 0xffff);
}

/* --- Everything else that must stop, and what the result and dirty bits say. --- */

static void test_stop_and_dirty(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	struct insn in;
	/* decoded in another mode than the vCPU's */
	assert_int_equal(decode_insn(BYTES(0x40), 1, CPU_MODE_32, &in), DECODE_OK);
	struct vcpu before = v;
	assert_int_equal(interp_exec(&v, &in, &fake_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &v, sizeof v);
	/* outside the subset */
	assert_int_equal(decode_insn(BYTES(0xf4), 1, CPU_MODE_64, &in), DECODE_NOT_SUBSET);
	assert_int_equal(interp_exec(&v, &in, &fake_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &v, sizeof v);

	/* dirty bits */
	v.dirty = 0;
	assert_int_equal(EXEC(&v, 0x90), INTERP_OK);
	assert_int_equal(v.dirty, VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED);
	v.dirty = 0;
	assert_int_equal(EXEC(&v, 0x01, 0xc0), INTERP_OK);
	assert_int_equal(v.dirty, VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED | VCPU_DIRTY_RFLAGS);
	v.dirty = 0;
	assert_int_equal(EXEC(&v, 0x89, 0xc4), INTERP_OK); /* mov esp, eax */
	assert_true(v.dirty & VCPU_DIRTY_RSP);
	assert_false(v.dirty & VCPU_DIRTY_RFLAGS);

	/* the instruction must lie within CS outside 64-bit mode */
	struct vcpu w = vcpu32();
	w.seg[VCPU_CS].limit = CODE;
	EXPECT_STOP(&w, 0x89, 0xc0);
	assert_int_equal(EXEC(&w, 0x90), INTERP_OK);
}

static void test_write_range(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	struct insn in;
	u64 lin = 0, len = 0;
	v.gpr[VCPU_RBX] = DATA;
	decode_insn(BYTES(0x89, 0x43, 0x10), 3, CPU_MODE_64, &in);
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), 0);
	assert_int_equal(lin, DATA + 0x10);
	assert_int_equal(len, 4);
	decode_insn(BYTES(0x8b, 0x43, 0x10), 3, CPU_MODE_64, &in); /* a load */
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), -1);
	decode_insn(BYTES(0x85, 0x03), 2, CPU_MODE_64, &in); /* test */
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), -1);
	decode_insn(BYTES(0x0f, 0x1f, 0x03), 3, CPU_MODE_64, &in); /* nop */
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), -1);
	v.gpr[VCPU_RDI] = DATA + 0x10;
	v.gpr[VCPU_RCX] = 3;
	v.rflags |= DF;
	decode_insn(BYTES(0xf3, 0x66, 0x6d), 3, CPU_MODE_64, &in);
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), 0);
	assert_int_equal(lin, DATA + 0xc);
	assert_int_equal(len, 6);
	decode_insn(BYTES(0xf3, 0x6e), 2, CPU_MODE_64, &in); /* outs reads memory */
	assert_int_equal(interp_write_range(&v, &in, &lin, &len), -1);
}

/* Random instruction bytes on random states never crash, and a STOP never changes anything. */
static void test_random_all_or_nothing(void **state)
{
	(void)state;
	uint64_t seed = 0xfeedface;
	struct vcpu base64 = vcpu64(), base32 = vcpu32(), base16 = vcpu16();
	for (int i = 0; i < 100000; i++) {
		struct vcpu v = i % 3 == 0 ? base64 : i % 3 == 1 ? base32 : base16;
		for (int r = 0; r < VCPU_NREGS; r++) {
			u64 x = unit_rand(&seed);
			/* mostly pointers into the special pages, sometimes anything */
			static const u64 ptrs[] = {DATA, PAGE_NP - 4, PAGE_RO, PAGE_SUP, HOLE, PT, 0xffe};
			v.gpr[r] = (x & 3) ? ptrs[(x >> 2) % ARRAY_SIZE(ptrs)] + ((x >> 8) & 0xf) : x;
		}
		v.rflags = RFLAGS_FIXED1 | (unit_rand(&seed) & (ARITH | DF));
		v.cpl = (unit_rand(&seed) & 1) ? 3 : 0;
		u8 b[16];
		for (int k = 0; k < 16; k++)
			b[k] = (u8)unit_rand(&seed);
		struct insn in;
		if (decode_insn(b, 16, interp_cpu_mode(&v), &in) != DECODE_OK)
			continue;
		struct vcpu before = v;
		reset_io(0);
		ntracked = 0;
		tracking = true;
		int r = interp_exec(&v, &in, &fake_io, &res);
		tracking = false;
		assert_true(r == INTERP_OK || r == INTERP_STOP || r == INTERP_PARTIAL);
		if (r == INTERP_STOP) {
			assert_memory_equal(&before, &v, sizeof v);
			assert_int_equal(io.n, 0);
		} else if (r == INTERP_OK) {
			assert_true(v.dirty & VCPU_DIRTY_RETIRED);
		}
		for (int t = 0; t < ntracked; t++) {
			if (r == INTERP_STOP)
				assert_memory_equal(tracked[t].data, ram + tracked[t].page, PAGE_SIZE);
			memcpy(ram + tracked[t].page, tracked[t].data, PAGE_SIZE);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_64),
		cmocka_unit_test(test_faults_change_nothing),
		cmocka_unit_test(test_segments_32),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_in_out),
		cmocka_unit_test(test_string_io),
		cmocka_unit_test(test_string_partial),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_stop_and_dirty),
		cmocka_unit_test(test_write_range),
		cmocka_unit_test(test_random_all_or_nothing),
	};
	return UNIT_RUN_GROUP(tests, group_setup, group_teardown);
}
