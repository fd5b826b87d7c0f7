/*
 * dispatcher/emul/interp.c on a fake platform: 4 MiB of guest RAM with one guest-physical page that
 * is not RAM, and three vCPU set-ups: 64-bit mode with 4-level paging (one not-present, one
 * read-only and one supervisor-only page), flat 32-bit protected mode with paging off, and real
 * mode (the fixture is fake_interp.h). This file: arithmetic, flags and register widths;
 * memory, segmentation, IO, branches and the all-or-nothing rule are in test_interp_mem.c.
 * Results and flags are hand-computed from the Intel SDM Vol. 2 instruction pages; the
 * all-or-nothing rule is checked by comparing the whole vCPU and all of RAM before and after
 * every INTERP_STOP.
 */
#include "unit.h"

#include <string.h>

#include "fake_interp.h"

/* --- Arithmetic and flags. --- */

static void test_add_adc(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = 0x7f;
	v.gpr[VCPU_RBX] = 0x01;
	assert_int_equal(EXEC(&v, 0x00, 0xd8), INTERP_OK); /* add al, bl */
	assert_int_equal(v.gpr[VCPU_RAX], 0x80);
	assert_int_equal(FLAGS(v), OF | SF | AF);
	assert_int_equal(v.rip, CODE + 2);

	v.gpr[VCPU_RAX] = 0x12345678ffffffffULL;
	v.gpr[VCPU_RBX] = 1;
	assert_int_equal(EXEC(&v, 0x01, 0xd8), INTERP_OK); /* add eax, ebx: zero-extends */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), CF | ZF | AF | PF);

	v.gpr[VCPU_RAX] = 0x7fffffffffffffffULL;
	assert_int_equal(EXEC(&v, 0x48, 0x83, 0xc0, 0x01), INTERP_OK); /* add rax, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x8000000000000000ULL);
	assert_int_equal(FLAGS(v), OF | SF | AF | PF);

	v.gpr[VCPU_RAX] = 0xffff00ff;
	v.rflags |= CF;
	assert_int_equal(EXEC(&v, 0x14, 0x00), INTERP_OK); /* adc al, 0 with CF */
	assert_int_equal(v.gpr[VCPU_RAX], 0xffff0000);
	assert_int_equal(FLAGS(v), CF | ZF | AF | PF);

	v.gpr[VCPU_RAX] = 0x1234;
	v.gpr[VCPU_RCX] = 0xffff;
	v.rflags |= CF;
	assert_int_equal(EXEC(&v, 0x66, 0x11, 0xc8), INTERP_OK); /* adc ax, cx: 0x1234 + 0xffff + 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x1234);
	assert_int_equal(FLAGS(v), CF | AF);

	v.gpr[VCPU_RAX] = 0x80;
	v.rflags &= ~CF;
	assert_int_equal(EXEC(&v, 0x04, 0x80), INTERP_OK); /* add al, 0x80 */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), CF | ZF | OF | PF);
}

static void test_sub_sbb_cmp(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = 0x80;
	assert_int_equal(EXEC(&v, 0x2c, 0x01), INTERP_OK); /* sub al, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x7f);
	assert_int_equal(FLAGS(v), OF | AF);

	v.gpr[VCPU_RAX] = 0;
	v.rflags |= CF;
	assert_int_equal(EXEC(&v, 0x1c, 0x00), INTERP_OK); /* sbb al, 0 with CF: 0 - 0 - 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0xff);
	assert_int_equal(FLAGS(v), CF | SF | AF | PF);

	v.gpr[VCPU_RAX] = 5;
	v.gpr[VCPU_RBX] = 5;
	v.rflags |= CF;
	assert_int_equal(EXEC(&v, 0x48, 0x19, 0xd8), INTERP_OK); /* sbb rax, rbx with CF */
	assert_int_equal(v.gpr[VCPU_RAX], ~0ULL);
	assert_int_equal(FLAGS(v), CF | SF | AF | PF);

	v.gpr[VCPU_RAX] = 0xdeadbeef00000003ULL;
	v.gpr[VCPU_RCX] = 4;
	v.rflags = RFLAGS_FIXED1;
	assert_int_equal(EXEC(&v, 0x39, 0xc8), INTERP_OK); /* cmp eax, ecx: writes nothing */
	assert_int_equal(v.gpr[VCPU_RAX], 0xdeadbeef00000003ULL);
	assert_int_equal(FLAGS(v), CF | SF | AF | PF);

	v.gpr[VCPU_RAX] = 0x8000;
	assert_int_equal(EXEC(&v, 0x66, 0x3d, 0x01, 0x00), INTERP_OK); /* cmp ax, 1 */
	assert_int_equal(FLAGS(v), OF | AF | PF);
}

static void test_logic(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.rflags = RFLAGS_FIXED1 | CF | OF | AF;
	v.gpr[VCPU_RAX] = 0xff00ff00ff00ff00ULL;
	v.gpr[VCPU_RBX] = 0x0ff00ff00ff00ff0ULL;
	assert_int_equal(EXEC(&v, 0x48, 0x21, 0xd8), INTERP_OK); /* and rax, rbx */
	assert_int_equal(v.gpr[VCPU_RAX], 0x0f000f000f000f00ULL);
	assert_int_equal(FLAGS(v), PF); /* CF, OF cleared; AF cleared (undefined, see interp.c) */

	v.gpr[VCPU_RAX] = 0x80;
	assert_int_equal(EXEC(&v, 0x0c, 0x01), INTERP_OK); /* or al, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x81);
	assert_int_equal(FLAGS(v), SF | PF);

	v.gpr[VCPU_RAX] = 0x1234;
	assert_int_equal(EXEC(&v, 0x31, 0xc0), INTERP_OK); /* xor eax, eax */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), ZF | PF);

	v.gpr[VCPU_RBX] = 0x80000000;
	assert_int_equal(EXEC(&v, 0x85, 0xdb), INTERP_OK); /* test ebx, ebx */
	assert_int_equal(v.gpr[VCPU_RBX], 0x80000000);
	assert_int_equal(FLAGS(v), SF | PF);

	v.gpr[VCPU_RAX] = 0x0100;
	assert_int_equal(EXEC(&v, 0xf6, 0xc4, 0x01), INTERP_OK); /* test ah, 1 */
	assert_int_equal(FLAGS(v), 0);
}

static void test_inc_dec_neg_not(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.rflags = RFLAGS_FIXED1 | CF;
	v.gpr[VCPU_RAX] = 0x7fffffff;
	assert_int_equal(EXEC(&v, 0xff, 0xc0), INTERP_OK); /* inc eax: CF kept */
	assert_int_equal(v.gpr[VCPU_RAX], 0x80000000);
	assert_int_equal(FLAGS(v), CF | OF | SF | AF | PF);

	v.rflags = RFLAGS_FIXED1;
	v.gpr[VCPU_RCX] = 0;
	assert_int_equal(EXEC(&v, 0xfe, 0xc9), INTERP_OK); /* dec cl */
	assert_int_equal(v.gpr[VCPU_RCX], 0xff);
	assert_int_equal(FLAGS(v), SF | AF | PF);

	v.gpr[VCPU_RAX] = 0;
	assert_int_equal(EXEC(&v, 0xf7, 0xd8), INTERP_OK); /* neg eax, 0 */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), ZF | PF);

	v.gpr[VCPU_RAX] = 0x80;
	assert_int_equal(EXEC(&v, 0xf6, 0xd8), INTERP_OK); /* neg al, 0x80 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x80);
	assert_int_equal(FLAGS(v), CF | OF | SF);

	v.gpr[VCPU_RAX] = 1;
	assert_int_equal(EXEC(&v, 0x48, 0xf7, 0xd8), INTERP_OK); /* neg rax */
	assert_int_equal(v.gpr[VCPU_RAX], ~0ULL);
	assert_int_equal(FLAGS(v), CF | SF | AF | PF);

	u64 fl = v.rflags;
	v.gpr[VCPU_RAX] = 0xffffffff0000ffffULL;
	assert_int_equal(EXEC(&v, 0x66, 0xf7, 0xd0), INTERP_OK); /* not ax: no flags */
	assert_int_equal(v.gpr[VCPU_RAX], 0xffffffff00000000ULL);
	assert_int_equal(v.rflags, fl);

	struct vcpu w = vcpu32();
	w.gpr[VCPU_RDI] = 0xaaaaaaaa0000ffffULL;
	assert_int_equal(EXEC(&w, 0x47), INTERP_OK); /* inc edi (40+r, 32-bit mode) */
	assert_int_equal(w.gpr[VCPU_RDI], 0xaaaaaaaa00010000ULL);
	assert_int_equal(FLAGS(w), AF | PF);
}

static void test_shifts(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = 0x81;
	assert_int_equal(EXEC(&v, 0xd0, 0xe0), INTERP_OK); /* shl al, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x02);
	assert_int_equal(FLAGS(v), CF | OF); /* OF = MSB(result) XOR CF */

	v.gpr[VCPU_RAX] = 0x81;
	assert_int_equal(EXEC(&v, 0xd0, 0xe8), INTERP_OK); /* shr al, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x40);
	assert_int_equal(FLAGS(v), CF | OF); /* OF = MSB of the original */

	v.gpr[VCPU_RAX] = 0x81;
	assert_int_equal(EXEC(&v, 0xd0, 0xf8), INTERP_OK); /* sar al, 1 */
	assert_int_equal(v.gpr[VCPU_RAX], 0xc0);
	assert_int_equal(FLAGS(v), CF | SF | PF);

	/* count 0: no flag changes, but a 32-bit destination is still written (zero-extended) */
	v.rflags = RFLAGS_FIXED1 | OF | CF | ZF;
	v.gpr[VCPU_RAX] = 0xffffffff12345678ULL;
	v.gpr[VCPU_RCX] = 0x20; /* masked to 0 for a 32-bit operand */
	assert_int_equal(EXEC(&v, 0xd3, 0xe0), INTERP_OK); /* shl eax, cl */
	assert_int_equal(v.gpr[VCPU_RAX], 0x12345678);
	assert_int_equal(FLAGS(v), OF | CF | ZF);

	/* 64-bit operands mask the count to 6 bits: 0x41 -> 1 */
	v.gpr[VCPU_RAX] = 0x8000000000000001ULL;
	assert_int_equal(EXEC(&v, 0x48, 0xc1, 0xe0, 0x41), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 2);
	assert_int_equal(FLAGS(v), CF | OF);

	/* 8-bit operand, count 9 (within the 5-bit mask, beyond the size) */
	v.gpr[VCPU_RAX] = 0xff;
	assert_int_equal(EXEC(&v, 0xc0, 0xe0, 0x09), INTERP_OK); /* shl al, 9 */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), ZF | PF);
	v.gpr[VCPU_RAX] = 0x80;
	assert_int_equal(EXEC(&v, 0xc0, 0xe8, 0x08), INTERP_OK); /* shr al, 8: CF = bit 7 */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), CF | ZF | PF);
	v.gpr[VCPU_RAX] = 0x88;
	assert_int_equal(EXEC(&v, 0xc0, 0xf8, 0x09), INTERP_OK); /* sar al, 9: sign fill, CF = sign */
	assert_int_equal(v.gpr[VCPU_RAX], 0xff);
	assert_int_equal(FLAGS(v), CF | SF | PF);

	v.gpr[VCPU_RAX] = 0x4000;
	v.gpr[VCPU_RCX] = 17;
	assert_int_equal(EXEC(&v, 0x66, 0xd3, 0xf8), INTERP_OK); /* sar ax, 17 */
	assert_int_equal(v.gpr[VCPU_RAX], 0);
	assert_int_equal(FLAGS(v), ZF | PF);

	v.gpr[VCPU_RAX] = 0xf0;
	assert_int_equal(EXEC(&v, 0xc0, 0xe8, 0x04), INTERP_OK); /* shr al, 4 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x0f);
	assert_int_equal(FLAGS(v), PF);

	/* a memory shift by 0 goes native; by 1 it is a read-modify-write */
	wr32(DATA, 0x80000001);
	v.gpr[VCPU_RBX] = DATA;
	v.gpr[VCPU_RCX] = 0;
	EXPECT_STOP(&v, 0xd3, 0x23);
	assert_int_equal(EXEC(&v, 0xd1, 0x23), INTERP_OK); /* shl dword [rbx], 1 */
	assert_int_equal(rd32(DATA), 2);
	assert_int_equal(FLAGS(v), CF | OF);
}

/* --- Register widths (SDM Vol. 1 3.4.1.1). --- */

static void test_register_widths(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = 0x1111111111111111ULL;
	assert_int_equal(EXEC(&v, 0xb4, 0xab), INTERP_OK); /* mov ah, 0xab */
	assert_int_equal(v.gpr[VCPU_RAX], 0x111111111111ab11ULL);
	assert_int_equal(EXEC(&v, 0xb0, 0xcd), INTERP_OK); /* mov al, 0xcd */
	assert_int_equal(v.gpr[VCPU_RAX], 0x111111111111abcdULL);
	assert_int_equal(EXEC(&v, 0x66, 0xb8, 0x34, 0x12), INTERP_OK); /* mov ax, 0x1234 */
	assert_int_equal(v.gpr[VCPU_RAX], 0x1111111111111234ULL);
	assert_int_equal(EXEC(&v, 0xb8, 0x78, 0x56, 0x34, 0x12), INTERP_OK); /* mov eax: zero-extends */
	assert_int_equal(v.gpr[VCPU_RAX], 0x12345678);
	assert_int_equal(EXEC(&v, 0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], ~0ULL); /* imm32 sign-extended to 64 */
	assert_int_equal(EXEC(&v, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0x0807060504030201ULL);

	v.gpr[VCPU_RSI] = 0x2222222222222222ULL;
	v.gpr[VCPU_RDX] = 0xff;
	assert_int_equal(EXEC(&v, 0x40, 0x88, 0xd6), INTERP_OK); /* mov sil, dl */
	assert_int_equal(v.gpr[VCPU_RSI], 0x22222222222222ffULL);
	v.gpr[VCPU_RDX] = 0x3333333333333333ULL;
	assert_int_equal(EXEC(&v, 0x88, 0xf6), INTERP_OK); /* mov dh, dh (no REX) */
	assert_int_equal(v.gpr[VCPU_RDX], 0x3333333333333333ULL);
	v.gpr[VCPU_R15] = 0;
	assert_int_equal(EXEC(&v, 0x41, 0xb7, 0x7f), INTERP_OK); /* mov r15b, 0x7f */
	assert_int_equal(v.gpr[VCPU_R15], 0x7f);

	/* 90 is NOP; 87 C0 (xchg eax, eax) writes EAX and zero-extends */
	v.gpr[VCPU_RAX] = 0xffffffff00000001ULL;
	assert_int_equal(EXEC(&v, 0x90), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 0xffffffff00000001ULL);
	assert_int_equal(EXEC(&v, 0x87, 0xc0), INTERP_OK);
	assert_int_equal(v.gpr[VCPU_RAX], 1);
	v.gpr[VCPU_RAX] = 0xaaaaaaaaaaaaaaaaULL;
	v.gpr[VCPU_RCX] = 0xbbbbbbbbbbbbbbbbULL;
	assert_int_equal(EXEC(&v, 0x91), INTERP_OK); /* xchg ecx, eax */
	assert_int_equal(v.gpr[VCPU_RAX], 0xbbbbbbbb);
	assert_int_equal(v.gpr[VCPU_RCX], 0xaaaaaaaa);
	v.gpr[VCPU_RAX] = 0x1234;
	assert_int_equal(EXEC(&v, 0x86, 0xe0), INTERP_OK); /* xchg al, ah */
	assert_int_equal(v.gpr[VCPU_RAX], 0x3412);
	v.gpr[VCPU_R8] = 5;
	v.gpr[VCPU_RAX] = 6;
	assert_int_equal(EXEC(&v, 0x49, 0x90), INTERP_OK); /* xchg r8, rax */
	assert_int_equal(v.gpr[VCPU_R8], 6);
	assert_int_equal(v.gpr[VCPU_RAX], 5);

	/* outside 64-bit mode a 32-bit write keeps bits 63:32 */
	struct vcpu w = vcpu32();
	w.gpr[VCPU_RAX] = 0xaaaaaaaa00000000ULL;
	assert_int_equal(EXEC(&w, 0xb8, 0x78, 0x56, 0x34, 0x12), INTERP_OK);
	assert_int_equal(w.gpr[VCPU_RAX], 0xaaaaaaaa12345678ULL);
	w.gpr[VCPU_RBX] = 0xbbbbbbbb00000001ULL;
	assert_int_equal(EXEC(&w, 0x01, 0xd8), INTERP_OK); /* add eax, ebx */
	assert_int_equal(w.gpr[VCPU_RAX], 0xaaaaaaaa12345679ULL);
}

static void test_movzx_movsx(void **state)
{
	(void)state;
	struct vcpu v = vcpu64();
	v.gpr[VCPU_RAX] = ~0ULL;
	v.gpr[VCPU_RCX] = 0x80;
	assert_int_equal(EXEC(&v, 0x0f, 0xb6, 0xc1), INTERP_OK); /* movzx eax, cl */
	assert_int_equal(v.gpr[VCPU_RAX], 0x80);
	assert_int_equal(EXEC(&v, 0x48, 0x0f, 0xbe, 0xc1), INTERP_OK); /* movsx rax, cl */
	assert_int_equal(v.gpr[VCPU_RAX], 0xffffffffffffff80ULL);
	v.gpr[VCPU_RCX] = 0x8000;
	assert_int_equal(EXEC(&v, 0x0f, 0xbf, 0xc1), INTERP_OK); /* movsx eax, cx */
	assert_int_equal(v.gpr[VCPU_RAX], 0xffff8000);
	v.gpr[VCPU_RAX] = 0x1111111111111111ULL;
	v.gpr[VCPU_RCX] = 0x85;
	assert_int_equal(EXEC(&v, 0x66, 0x0f, 0xbe, 0xc1), INTERP_OK); /* movsx ax, cl */
	assert_int_equal(v.gpr[VCPU_RAX], 0x111111111111ff85ULL);
	v.gpr[VCPU_RCX] = 0x0000000080000000ULL;
	assert_int_equal(EXEC(&v, 0x48, 0x63, 0xc1), INTERP_OK); /* movsxd rax, ecx */
	assert_int_equal(v.gpr[VCPU_RAX], 0xffffffff80000000ULL);
	wr32(DATA, 0x7ffffffe);
	v.gpr[VCPU_RBX] = DATA;
	assert_int_equal(EXEC(&v, 0x48, 0x63, 0x03), INTERP_OK); /* movsxd rax, [rbx] */
	assert_int_equal(v.gpr[VCPU_RAX], 0x7ffffffe);
	assert_int_equal(EXEC(&v, 0x0f, 0xb7, 0x43, 0x02), INTERP_OK); /* movzx eax, word [rbx+2] */
	assert_int_equal(v.gpr[VCPU_RAX], 0x7fff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_adc),
		cmocka_unit_test(test_sub_sbb_cmp),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_inc_dec_neg_not),
		cmocka_unit_test(test_shifts),
		cmocka_unit_test(test_register_widths),
		cmocka_unit_test(test_movzx_movsx),
	};
	return UNIT_RUN_GROUP(tests, group_setup, group_teardown);
}
