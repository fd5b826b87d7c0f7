/*
 * dispatcher/emul/decode.c: instructions outside the subset (their lengths where modelled), the 15-byte
 * limit, REX against INC/DEC, kind names, and random bytes decoding self-consistently.
 * The fixture, shared with test_decode.c, is decode_fixture.{h,c}.
 */
#include "decode_fixture.h"

struct ncase {
	int mode;
	const char *hex;
	int result;
	unsigned len;
};

/* Outside the subset: the length where this decoder models it, 0 where it does not. */
static const struct ncase other_cases[] = {
	/* the stack forms are in the subset in 64-bit mode only, and never with 66 */
	{32, "e800000000", DECODE_NOT_SUBSET, 5},   /* CALL rel32 */
	{32, "c3", DECODE_NOT_SUBSET, 1},           /* RET */
	{32, "50", DECODE_NOT_SUBSET, 1},           /* PUSH */
	{16, "58", DECODE_NOT_SUBSET, 1},           /* POP */
	{32, "ffd0", DECODE_NOT_SUBSET, 2},         /* CALL eax */
	{64, "6650", DECODE_NOT_SUBSET, 2},         /* PUSH ax */
	{64, "66c3", DECODE_NOT_SUBSET, 2},
	{64, "66e800000000", DECODE_NOT_SUBSET, 6}, /* Intel ignores 66 on a near CALL in 64-bit mode */
	{64, "c20800", DECODE_NOT_SUBSET, 3},       /* RET imm16 */
	{64, "ffd8", DECODE_NOT_SUBSET, 2},         /* CALL far: mod 3 is #UD, length modelled */
	{64, "f4", DECODE_NOT_SUBSET, 1},           /* HLT */
	{64, "fa", DECODE_NOT_SUBSET, 1},           /* CLI */
	{64, "9d", DECODE_NOT_SUBSET, 1},           /* POPF */
	{64, "cf", DECODE_NOT_SUBSET, 1},           /* IRET */
	{64, "a4", DECODE_NOT_SUBSET, 1},           /* MOVSB */
	{64, "f3a4", DECODE_NOT_SUBSET, 2},
	{64, "f3ab", DECODE_NOT_SUBSET, 2},         /* REP STOSD */
	{64, "8dc0", DECODE_NOT_SUBSET, 2},         /* LEA with a register operand: #UD */
	{64, "8ed8", DECODE_NOT_SUBSET, 2},         /* MOV DS, AX */
	{64, "0f01d8", DECODE_NOT_SUBSET, 3},       /* VMRUN */
	{64, "0f0110", DECODE_NOT_SUBSET, 3},       /* LGDT */
	{64, "0f22d8", DECODE_NOT_SUBSET, 3},       /* MOV CR3, RAX */
	{64, "0f2000", DECODE_NOT_SUBSET, 3},       /* MOV r, CR0: mod ignored, no SIB */
	{64, "0fa2", DECODE_NOT_SUBSET, 2},         /* CPUID */
	{64, "0f0b", DECODE_NOT_SUBSET, 2},         /* UD2 */
	{64, "f00100", DECODE_NOT_SUBSET, 3},       /* LOCK ADD */
	{64, "f30100", DECODE_NOT_SUBSET, 3},       /* REP on ADD */
	{64, "f20100", DECODE_NOT_SUBSET, 3},
	{64, "f2ed", DECODE_NOT_SUBSET, 2},         /* REPNE on IN (not string) */
	{64, "f2ec", DECODE_NOT_SUBSET, 2},
	{64, "f26c", DECODE_NOT_SUBSET, 2},         /* REPNE INS: reserved */
	{64, "f3f26c", DECODE_NOT_SUBSET, 3},
	{64, "2e3e0100", DECODE_NOT_SUBSET, 4},     /* two segment overrides */
	{64, "8600", DECODE_NOT_SUBSET, 2},         /* XCHG with memory */
	{64, "f34190", DECODE_NOT_SUBSET, 3},       /* F3 + XCHG r8d, eax */
	{64, "66f390", DECODE_NOT_SUBSET, 3},
	{64, "f30f1f00", DECODE_NOT_SUBSET, 4},
	{64, "f30fb6c0", DECODE_NOT_SUBSET, 4},
	{64, "0f1f08", DECODE_NOT_SUBSET, 3},       /* 0F 1F /1: not the documented NOP */
	{64, "0f1800", DECODE_NOT_SUBSET, 3},       /* PREFETCHNTA */
	{64, "66eb00", DECODE_NOT_SUBSET, 3},       /* 66 on a branch in 64-bit mode */
	{64, "66e900000000", DECODE_NOT_SUBSET, 6}, /* Intel: rel32 */
	{64, "660f8400000000", DECODE_NOT_SUBSET, 7},
	{64, "63c1", DECODE_NOT_SUBSET, 2},         /* MOVSXD without REX.W */
	{32, "63c1", DECODE_NOT_SUBSET, 2},         /* ARPL */
	{64, "d0c0", DECODE_NOT_SUBSET, 2},         /* ROL */
	{64, "c1f001", DECODE_NOT_SUBSET, 3},       /* /6 alias of SHL */
	{64, "f6e0", DECODE_NOT_SUBSET, 2},         /* MUL */
	{64, "f7f1", DECODE_NOT_SUBSET, 2},         /* DIV */
	{64, "f6c8", DECODE_NOT_SUBSET, 0},         /* TEST /1 alias: not modelled */
	{64, "ff10", DECODE_NOT_SUBSET, 2},         /* CALL [rax] */
	{64, "ff242500000000", DECODE_NOT_SUBSET, 7}, /* JMP [disp32] */
	{64, "ff30", DECODE_NOT_SUBSET, 2},         /* PUSH [rax] */
	{64, "c6f812", DECODE_NOT_SUBSET, 3},       /* XABORT */
	{64, "c7f810000000", DECODE_NOT_SUBSET, 6}, /* XBEGIN */
	{16, "c7f81000", DECODE_NOT_SUBSET, 4},
	{64, "c8100001", DECODE_NOT_SUBSET, 4},     /* ENTER */
	{64, "cd80", DECODE_NOT_SUBSET, 2},         /* INT */
	{64, "e2fe", DECODE_NOT_SUBSET, 2},         /* LOOP */
	{64, "69c078563412", DECODE_NOT_SUBSET, 6}, /* IMUL imm32 */
	{64, "6bc012", DECODE_NOT_SUBSET, 3},
	{64, "0fbae001", DECODE_NOT_SUBSET, 4},     /* BT imm8 */
	{64, "0fa4c001", DECODE_NOT_SUBSET, 4},     /* SHLD */
	{64, "0f4cc1", DECODE_NOT_SUBSET, 3},       /* CMOVL */
	{64, "0f94c0", DECODE_NOT_SUBSET, 3},       /* SETE */
	{64, "d9c0", DECODE_NOT_SUBSET, 2},         /* x87 */
	{64, "c5f877", DECODE_NOT_SUBSET, 0},       /* VEX: not modelled */
	{64, "c4e17d6fc0", DECODE_NOT_SUBSET, 0},
	{64, "62f17c486f00", DECODE_NOT_SUBSET, 0}, /* EVEX */
	{64, "0f38f0c0", DECODE_NOT_SUBSET, 0},     /* three-byte maps */
	{64, "660f3a0fc001", DECODE_NOT_SUBSET, 0},
	{64, "0f0f", DECODE_NOT_SUBSET, 0},         /* 3DNow! */
	{32, "c500", DECODE_NOT_SUBSET, 2},         /* LDS outside 64-bit mode */
	{32, "c5f877", DECODE_NOT_SUBSET, 0},       /* VEX in 32-bit mode */
	{32, "6200", DECODE_NOT_SUBSET, 2},         /* BOUND */
	{32, "9a785634121000", DECODE_NOT_SUBSET, 7}, /* CALL far */
	{16, "9a34121000", DECODE_NOT_SUBSET, 5},
	{16, "ea00007c00", DECODE_NOT_SUBSET, 5},
	{32, "06", DECODE_NOT_SUBSET, 1},           /* PUSH ES */
	{32, "82c001", DECODE_NOT_SUBSET, 3},
	{32, "d40a", DECODE_NOT_SUBSET, 2},         /* AAM */
	{16, "e8fdff", DECODE_NOT_SUBSET, 3},
	/* undefined encodings */
	{64, "06", DECODE_INVALID, 0},              /* PUSH ES in 64-bit mode */
	{64, "27", DECODE_INVALID, 0},
	{64, "60", DECODE_INVALID, 0},
	{64, "82c001", DECODE_INVALID, 0},
	{64, "9a000000000000", DECODE_INVALID, 0},
	{64, "ce", DECODE_INVALID, 0},
	{64, "d40a", DECODE_INVALID, 0},
	{64, "ea000000000000", DECODE_INVALID, 0},
	{64, "fed0", DECODE_INVALID, 0},            /* FE /2 */
	{64, "ff38", DECODE_INVALID, 0},            /* FF /7 */
	{64, "c60800", DECODE_INVALID, 0},         /* C6 /1 */
	{64, "0f04", DECODE_INVALID, 0},
	{64, "0f0a", DECODE_INVALID, 0},
	{64, "0f36", DECODE_INVALID, 0},
	{64, "0f7a", DECODE_INVALID, 0},
	{32, "0f25", DECODE_INVALID, 0},
};

static void test_other_instructions(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(other_cases); i++) {
		const struct ncase *c = &other_cases[i];
		u8 b[32] = {0};
		parse_hex(c->hex, b);
		struct insn in;
		int r = decode_insn(b, 15, (enum cpu_mode)c->mode, &in);
		if (r != c->result || in.length != c->len)
			fail_msg("mode %d %s: result %d length %u, expected %d length %u", c->mode, c->hex, r,
			         in.length, c->result, c->len);
		if (r != DECODE_OK && in.kind != INSN_NONE)
			fail_msg("mode %d %s: kind set outside the subset", c->mode, c->hex);
	}
}

/* Prefixes up to the 15-byte limit: one more byte and the instruction is invalid (#GP). */
static void test_length_limit(void **state)
{
	(void)state;
	struct insn in;
	u8 b[32];
	/* 13 prefixes + 01 C0 = 15 bytes: fine */
	memset(b, 0x66, 13);
	b[13] = 0x01;
	b[14] = 0xc0;
	assert_int_equal(decode_insn(b, 15, CPU_MODE_32, &in), DECODE_OK);
	assert_int_equal(in.length, 15);
	/* 14 prefixes + 01 C0 = 16 bytes */
	memset(b, 0x66, 14);
	b[14] = 0x01;
	b[15] = 0xc0;
	assert_int_equal(decode_insn(b, 16, CPU_MODE_32, &in), DECODE_INVALID);
	/* 15 prefixes and nothing else: invalid as soon as byte 16 would be needed */
	memset(b, 0x2e, 15);
	assert_int_equal(decode_insn(b, 32, CPU_MODE_64, &in), DECODE_INVALID);
	/* ...but need-more while fewer than 15 bytes are there */
	assert_int_equal(decode_insn(b, 14, CPU_MODE_64, &in), DECODE_NEED_MORE);
	/* the limit counts the immediate too: 6 prefixes + REX.W B8 imm64 = 16 */
	memset(b, 0x66, 6);
	b[6] = 0x48;
	b[7] = 0xb8;
	memset(b + 8, 0x11, 8);
	assert_int_equal(decode_insn(b, 32, CPU_MODE_64, &in), DECODE_INVALID);
	assert_int_equal(decode_insn(b + 1, 31, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.length, 15);
	/* no bytes at all */
	assert_int_equal(decode_insn(b, 0, CPU_MODE_64, &in), DECODE_NEED_MORE);
}

/* 40-4F are REX in 64-bit mode and INC/DEC elsewhere; a lone REX needs an opcode. */
static void test_rex_vs_incdec(void **state)
{
	(void)state;
	struct insn in;
	u8 b[] = {0x48, 0x90};
	assert_int_equal(decode_insn(b, 1, CPU_MODE_64, &in), DECODE_NEED_MORE);
	assert_int_equal(decode_insn(b, 1, CPU_MODE_32, &in), DECODE_OK);
	assert_int_equal(in.kind, INSN_DEC);
	assert_int_equal(in.length, 1);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(insn_kind_name(INSN_ADD), "add");
	assert_string_equal(insn_kind_name(INSN_JCC), "jcc");
	assert_string_equal(insn_kind_name(INSN_KIND_COUNT), "?");
	for (int k = 0; k < INSN_KIND_COUNT; k++)
		assert_non_null(insn_kind_name((enum insn_kind)k));
}

/* Random bytes: no crash, and the result is self-consistent. */
static void test_random_consistency(void **state)
{
	(void)state;
	uint64_t seed = 0x1234567;
	static const int modes[3] = {16, 32, 64};
	for (int i = 0; i < 300000; i++) {
		u8 b[16];
		for (int k = 0; k < 16; k++)
			b[k] = (u8)unit_rand(&seed);
		struct insn in;
		int mode = modes[i % 3];
		int r = decode_insn(b, 16, (enum cpu_mode)mode, &in);
		assert_true(r == DECODE_OK || r == DECODE_NOT_SUBSET || r == DECODE_INVALID);
		assert_true(in.length <= INSN_MAX_LEN);
		if (r == DECODE_OK) {
			assert_true(in.length > 0);
			assert_true(in.kind > INSN_NONE && in.kind < INSN_KIND_COUNT);
			assert_true(in.nops <= 2);
			assert_false(in.p_lock);
			/* decoding again from a longer buffer gives the same instruction */
			struct insn again;
			assert_int_equal(decode_insn(b, in.length, (enum cpu_mode)mode, &again), DECODE_OK);
			assert_int_equal(again.length, in.length);
		}
		if (r == DECODE_INVALID)
			assert_int_equal(in.length, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_instructions),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_rex_vs_incdec),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_random_consistency),
	};
	return UNIT_RUN(tests);
}
