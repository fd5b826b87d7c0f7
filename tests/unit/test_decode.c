/*
 * dispatcher/emul/decode.c: every form of the subset in each mode (length, kind, operand and address
 * size, registers, memory operand, displacement, immediate), prefix combinations, the lengths
 * of instructions outside the subset, undefined encodings, DECODE_NEED_MORE at every
 * truncation point and the 15-byte limit. Expected values come from Intel SDM Vol. 2
 * (chapter 2 and the instruction pages). Operands are compared through a small formatter:
 * registers by name, memory as size[seg:base+index*scale+disp], immediates in hex.
 * This file: the subset's forms and fields; instructions outside the subset, the length limit
 * and random bytes: test_decode_other.c.
 */
#include "decode_fixture.h"

struct dcase {
	int mode;
	const char *hex;
	unsigned len;
	enum insn_kind kind;
	unsigned opsize, addrsize;
	const char *ops;
};

#define K(x) INSN_##x
/* Forms of the subset, per mode. */
static const struct dcase subset_cases[] = {
	/* IO */
	{64, "e480", 2, K(IN), 8, 64, "al, 0x80"},
	{64, "e5f0", 2, K(IN), 32, 64, "eax, 0xf0"},
	{64, "66e5f0", 3, K(IN), 16, 64, "ax, 0xf0"},
	{64, "48e5f0", 3, K(IN), 32, 64, "eax, 0xf0"}, /* REX.W: still EAX (Vol. 2A "IN") */
	{64, "e680", 2, K(OUT), 8, 64, "0x80, al"},
	{64, "e7ff", 2, K(OUT), 32, 64, "0xff, eax"},
	{64, "ec", 1, K(IN), 8, 64, "al, dx"},
	{64, "66ed", 2, K(IN), 16, 64, "ax, dx"},
	{64, "ee", 1, K(OUT), 8, 64, "dx, al"},
	{64, "ef", 1, K(OUT), 32, 64, "dx, eax"},
	{32, "ed", 1, K(IN), 32, 32, "eax, dx"},
	{32, "66ef", 2, K(OUT), 16, 32, "dx, ax"},
	{16, "ed", 1, K(IN), 16, 16, "ax, dx"},
	{16, "66ed", 2, K(IN), 32, 16, "eax, dx"},
	{16, "e461", 2, K(IN), 8, 16, "al, 0x61"},
	{64, "6c", 1, K(INS), 8, 64, "b[es:rdi], dx"},
	{64, "f36d", 2, K(INS), 32, 64, "d[es:rdi], dx"},
	{64, "66f36d", 3, K(INS), 16, 64, "w[es:rdi], dx"},
	{64, "67f36c", 3, K(INS), 8, 32, "b[es:edi], dx"},
	{64, "6e", 1, K(OUTS), 8, 64, "dx, b[ds:rsi]"},
	{64, "64f36f", 3, K(OUTS), 32, 64, "dx, d[fs:rsi]"},
	{64, "2e6f", 2, K(OUTS), 32, 64, "dx, d[ds:rsi]"}, /* CS override ignored in 64-bit mode */
	{32, "26f36e", 3, K(OUTS), 8, 32, "dx, b[es:esi]"},
	{32, "f36d", 2, K(INS), 32, 32, "d[es:edi], dx"},
	{32, "2ef36d", 3, K(INS), 32, 32, "d[es:edi], dx"}, /* INS ignores an override */
	{16, "f36c", 2, K(INS), 8, 16, "b[es:di], dx"},
	{16, "36f36f", 3, K(OUTS), 16, 16, "dx, w[ss:si]"},
	{16, "67f36f", 3, K(OUTS), 16, 32, "dx, w[ds:esi]"},
	/* MOV */
	{64, "89d8", 2, K(MOV), 32, 64, "eax, ebx"},
	{64, "4889d8", 3, K(MOV), 64, 64, "rax, rbx"},
	{64, "4d89c8", 3, K(MOV), 64, 64, "r8, r9"},
	{64, "88e0", 2, K(MOV), 8, 64, "al, ah"},
	{64, "4088e0", 3, K(MOV), 8, 64, "al, spl"},
	{64, "4488e0", 3, K(MOV), 8, 64, "al, r12b"},
	{64, "6689d8", 3, K(MOV), 16, 64, "ax, bx"},
	{64, "8b0d10000000", 6, K(MOV), 32, 64, "ecx, d[ds:rip+0x10]"},
	{64, "678b0df0ffffff", 7, K(MOV), 32, 32, "ecx, d[ds:rip-0x10]"},
	{64, "8b4c2408", 4, K(MOV), 32, 64, "ecx, d[ss:rsp+0x8]"},
	{64, "8b4508", 3, K(MOV), 32, 64, "eax, d[ss:rbp+0x8]"},
	{64, "418b4508", 4, K(MOV), 32, 64, "eax, d[ds:r13+0x8]"},
	{64, "418b0424", 4, K(MOV), 32, 64, "eax, d[ds:r12]"},
	{64, "8b04b3", 3, K(MOV), 32, 64, "eax, d[ds:rbx+rsi*4]"},
	{64, "428b04b3", 4, K(MOV), 32, 64, "eax, d[ds:rbx+r14*4]"},
	{64, "8b04f5f0ffffff", 7, K(MOV), 32, 64, "eax, d[ds:rsi*8-0x10]"},
	{64, "8b042578563412", 7, K(MOV), 32, 64, "eax, d[ds:0x12345678]"},
	{64, "418b042578563412", 8, K(MOV), 32, 64, "eax, d[ds:0x12345678]"}, /* REX.B ignored */
	{64, "8b0c2480", 3, K(MOV), 32, 64, "ecx, d[ss:rsp]"},
	{64, "4a8b0c2380", 4, K(MOV), 64, 64, "rcx, q[ds:rbx+r12*1]"}, /* REX.X: index r12 */
	{64, "65488b042528000000", 9, K(MOV), 64, 64, "rax, q[gs:0x28]"},
	{64, "c60001", 3, K(MOV), 8, 64, "b[ds:rax], 0x1"},
	{64, "c7442404ffffffff", 8, K(MOV), 32, 64, "d[ss:rsp+0x4], 0xffffffff"},
	{64, "48c7c0ffffffff", 7, K(MOV), 64, 64, "rax, 0xffffffffffffffff"},
	{64, "66c7001234", 5, K(MOV), 16, 64, "w[ds:rax], 0x3412"},
	{64, "b012", 2, K(MOV), 8, 64, "al, 0x12"},
	{64, "b412", 2, K(MOV), 8, 64, "ah, 0x12"},
	{64, "40b412", 3, K(MOV), 8, 64, "spl, 0x12"},
	{64, "41b712", 3, K(MOV), 8, 64, "r15b, 0x12"},
	{64, "b978563412", 5, K(MOV), 32, 64, "ecx, 0x12345678"},
	{64, "66b93412", 4, K(MOV), 16, 64, "cx, 0x1234"},
	{64, "48b8efcdab8967452301", 10, K(MOV), 64, 64, "rax, 0x123456789abcdef"},
	{64, "49bf0100000000000080", 10, K(MOV), 64, 64, "r15, 0x8000000000000001"},
	{64, "a0efcdab8967452301", 9, K(MOV), 8, 64, "al, b[ds:0x123456789abcdef]"},
	{64, "67a178563412", 6, K(MOV), 32, 32, "eax, d[ds:0x12345678]"},
	{64, "48a3efcdab8967452301", 10, K(MOV), 64, 64, "q[ds:0x123456789abcdef], rax"},
	{32, "a178563412", 5, K(MOV), 32, 32, "eax, d[ds:0x12345678]"},
	{16, "a13412", 3, K(MOV), 16, 16, "ax, w[ds:0x1234]"},
	{16, "2ea23412", 4, K(MOV), 8, 16, "b[cs:0x1234], al"},
	{64, "0fb6c1", 3, K(MOVZX), 32, 64, "eax, cl"},
	{64, "480fb7c1", 4, K(MOVZX), 64, 64, "rax, cx"},
	{64, "660fb6c4", 4, K(MOVZX), 16, 64, "ax, ah"},
	{64, "0fbe03", 3, K(MOVSX), 32, 64, "eax, b[ds:rbx]"},
	{64, "480fbf4310", 5, K(MOVSX), 64, 64, "rax, w[ds:rbx+0x10]"},
	{64, "4863c1", 3, K(MOVSXD), 64, 64, "rax, ecx"},
	{64, "4c634508", 4, K(MOVSXD), 64, 64, "r8, d[ss:rbp+0x8]"},
	{32, "8b4508", 3, K(MOV), 32, 32, "eax, d[ss:ebp+0x8]"},
	{32, "8b44b310", 4, K(MOV), 32, 32, "eax, d[ds:ebx+esi*4+0x10]"},
	{32, "89c8", 2, K(MOV), 32, 32, "eax, ecx"},
	{32, "678b00", 3, K(MOV), 32, 16, "eax, d[ds:bx+si*1]"},
	{32, "0fb7c0", 3, K(MOVZX), 32, 32, "eax, ax"},
	/* 16-bit addressing: all eight r/m forms and the disp16 form (table 2-1) */
	{16, "8b00", 2, K(MOV), 16, 16, "ax, w[ds:bx+si*1]"},
	{16, "8b01", 2, K(MOV), 16, 16, "ax, w[ds:bx+di*1]"},
	{16, "8b02", 2, K(MOV), 16, 16, "ax, w[ss:bp+si*1]"},
	{16, "8b03", 2, K(MOV), 16, 16, "ax, w[ss:bp+di*1]"},
	{16, "8b04", 2, K(MOV), 16, 16, "ax, w[ds:si]"},
	{16, "8b05", 2, K(MOV), 16, 16, "ax, w[ds:di]"},
	{16, "8b063412", 4, K(MOV), 16, 16, "ax, w[ds:0x1234]"},
	{16, "8b07", 2, K(MOV), 16, 16, "ax, w[ds:bx]"},
	{16, "8b46fe", 3, K(MOV), 16, 16, "ax, w[ss:bp-0x2]"},
	{16, "8b870001", 4, K(MOV), 16, 16, "ax, w[ds:bx+0x100]"},
	{16, "3e8b4600", 4, K(MOV), 16, 16, "ax, w[ds:bp]"},
	{16, "6689c8", 3, K(MOV), 32, 16, "eax, ecx"},
	{16, "678b0424", 4, K(MOV), 16, 32, "ax, w[ss:esp]"},
	{16, "c606341212", 5, K(MOV), 8, 16, "b[ds:0x1234], 0x12"},
	{16, "c7063412cdab", 6, K(MOV), 16, 16, "w[ds:0x1234], 0xabcd"},
	{16, "66b878563412", 6, K(MOV), 32, 16, "eax, 0x12345678"},
	/* ALU */
	{64, "00d8", 2, K(ADD), 8, 64, "al, bl"},
	{64, "01d8", 2, K(ADD), 32, 64, "eax, ebx"},
	{64, "4801d8", 3, K(ADD), 64, 64, "rax, rbx"},
	{64, "0203", 2, K(ADD), 8, 64, "al, b[ds:rbx]"},
	{64, "0412", 2, K(ADD), 8, 64, "al, 0x12"},
	{64, "0578563412", 5, K(ADD), 32, 64, "eax, 0x12345678"},
	{64, "4805f0ffffff", 6, K(ADD), 64, 64, "rax, 0xfffffffffffffff0"},
	{64, "66053412", 4, K(ADD), 16, 64, "ax, 0x1234"},
	{64, "09c8", 2, K(OR), 32, 64, "eax, ecx"},
	{64, "11c8", 2, K(ADC), 32, 64, "eax, ecx"},
	{64, "19c8", 2, K(SBB), 32, 64, "eax, ecx"},
	{64, "21c8", 2, K(AND), 32, 64, "eax, ecx"},
	{64, "29c8", 2, K(SUB), 32, 64, "eax, ecx"},
	{64, "31c8", 2, K(XOR), 32, 64, "eax, ecx"},
	{64, "39c8", 2, K(CMP), 32, 64, "eax, ecx"},
	{64, "3c7f", 2, K(CMP), 8, 64, "al, 0x7f"},
	{64, "800001", 3, K(ADD), 8, 64, "b[ds:rax], 0x1"},
	{64, "8008ff", 3, K(OR), 8, 64, "b[ds:rax], 0xff"},
	{64, "811078563412", 6, K(ADC), 32, 64, "d[ds:rax], 0x12345678"},
	{64, "831880", 3, K(SBB), 32, 64, "d[ds:rax], 0xffffff80"},
	{64, "4883e0f0", 4, K(AND), 64, 64, "rax, 0xfffffffffffffff0"},
	{64, "6683e8ff", 4, K(SUB), 16, 64, "ax, 0xffff"},
	{64, "83f07f", 3, K(XOR), 32, 64, "eax, 0x7f"},
	{64, "807d0000", 4, K(CMP), 8, 64, "b[ss:rbp], 0x0"},
	{64, "84c0", 2, K(TEST), 8, 64, "al, al"},
	{64, "85c8", 2, K(TEST), 32, 64, "eax, ecx"},
	{64, "a801", 2, K(TEST), 8, 64, "al, 0x1"},
	{64, "48a9ffffff7f", 6, K(TEST), 64, 64, "rax, 0x7fffffff"},
	{64, "f6c380", 3, K(TEST), 8, 64, "bl, 0x80"},
	{64, "f70378563412", 6, K(TEST), 32, 64, "d[ds:rbx], 0x12345678"},
	{64, "66f7c33412", 5, K(TEST), 16, 64, "bx, 0x1234"},
	{64, "fec0", 2, K(INC), 8, 64, "al"},
	{64, "fec8", 2, K(DEC), 8, 64, "al"},
	{64, "ffc0", 2, K(INC), 32, 64, "eax"},
	{64, "48ff08", 3, K(DEC), 64, 64, "q[ds:rax]"},
	{64, "f6d0", 2, K(NOT), 8, 64, "al"},
	{64, "48f7d8", 3, K(NEG), 64, 64, "rax"},
	{64, "f718", 2, K(NEG), 32, 64, "d[ds:rax]"},
	{32, "40", 1, K(INC), 32, 32, "eax"},
	{32, "4f", 1, K(DEC), 32, 32, "edi"},
	{32, "6647", 2, K(INC), 16, 32, "di"},
	{16, "43", 1, K(INC), 16, 16, "bx"},
	{16, "6648", 2, K(DEC), 32, 16, "eax"},
	{32, "83c310", 3, K(ADD), 32, 32, "ebx, 0x10"},
	{16, "83c3f0", 3, K(ADD), 16, 16, "bx, 0xfff0"},
	{16, "0500f0", 3, K(ADD), 16, 16, "ax, 0xf000"},
	{16, "6605ffffff7f", 6, K(ADD), 32, 16, "eax, 0x7fffffff"},
	/* shifts */
	{64, "d0e0", 2, K(SHL), 8, 64, "al, 0x1"},
	{64, "d1e8", 2, K(SHR), 32, 64, "eax, 0x1"},
	{64, "48d1f8", 3, K(SAR), 64, 64, "rax, 0x1"},
	{64, "d2e0", 2, K(SHL), 8, 64, "al, cl"},
	{64, "d3e8", 2, K(SHR), 32, 64, "eax, cl"},
	{64, "66d3f8", 3, K(SAR), 16, 64, "ax, cl"},
	{64, "c0e003", 3, K(SHL), 8, 64, "al, 0x3"},
	{64, "c1e8ff", 3, K(SHR), 32, 64, "eax, 0xff"},
	{64, "49c1f83f", 4, K(SAR), 64, 64, "r8, 0x3f"},
	{64, "c164240804", 5, K(SHL), 32, 64, "d[ss:rsp+0x8], 0x4"},
	{64, "d2fc", 2, K(SAR), 8, 64, "ah, cl"},
	{16, "d1e0", 2, K(SHL), 16, 16, "ax, 0x1"},
	/* XCHG, NOP, PAUSE */
	{64, "91", 1, K(XCHG), 32, 64, "ecx, eax"},
	{64, "4891", 2, K(XCHG), 64, 64, "rcx, rax"},
	{64, "4190", 2, K(XCHG), 32, 64, "r8d, eax"},
	{64, "6697", 2, K(XCHG), 16, 64, "di, ax"},
	{64, "87d8", 2, K(XCHG), 32, 64, "eax, ebx"},
	{64, "86e0", 2, K(XCHG), 8, 64, "al, ah"},
	{64, "87c0", 2, K(XCHG), 32, 64, "eax, eax"},
	{64, "90", 1, K(NOP), 32, 64, ""},
	{64, "4890", 2, K(NOP), 64, 64, ""},
	{64, "6690", 2, K(NOP), 16, 64, ""},
	{64, "f390", 2, K(PAUSE), 32, 64, ""},
	{64, "0f1f00", 3, K(NOP), 32, 64, "d[ds:rax]"},
	{64, "0f1f4000", 4, K(NOP), 32, 64, "d[ds:rax]"},
	{64, "0f1f440000", 5, K(NOP), 32, 64, "d[ds:rax+rax*1]"},
	{64, "660f1f440000", 6, K(NOP), 16, 64, "w[ds:rax+rax*1]"},
	{64, "0f1f8000000000", 7, K(NOP), 32, 64, "d[ds:rax]"},
	{64, "0f1f840000000000", 8, K(NOP), 32, 64, "d[ds:rax+rax*1]"},
	{64, "662e0f1f840000000000", 10, K(NOP), 16, 64, "w[ds:rax+rax*1]"},
	{32, "90", 1, K(NOP), 32, 32, ""},
	{16, "f390", 2, K(PAUSE), 16, 16, ""},
	/* branches */
	{64, "eb10", 2, K(JMP), 64, 64, "0x10"},
	{64, "ebfe", 2, K(JMP), 64, 64, "0xfffffffffffffffe"},
	{64, "e900010000", 5, K(JMP), 64, 64, "0x100"},
	{64, "7405", 2, K(JCC), 64, 64, "0x5"},
	{64, "e800000000", 5, K(CALL), 64, 64, "0x0"},
	{64, "e8f6ffffff", 5, K(CALL), 64, 64, "0xfffffffffffffff6"},
	{64, "c3", 1, K(RET), 64, 64, ""},
	{64, "488d0424", 4, K(LEA), 64, 64, "rax, q[ss:rsp]"},
	{64, "8d4708", 3, K(LEA), 32, 64, "eax, q[ds:rdi+0x8]"},
	{64, "50", 1, K(PUSH), 64, 64, "rax"},
	{64, "4150", 2, K(PUSH), 64, 64, "r8"},
	{64, "5d", 1, K(POP), 64, 64, "rbp"},
	{64, "415f", 2, K(POP), 64, 64, "r15"},
	{64, "ffd0", 2, K(CALL_IND), 64, 64, "rax"},
	{64, "41ffe3", 3, K(JMP_IND), 64, 64, "r11"},
	{64, "0f8500010000", 6, K(JCC), 64, 64, "0x100"},
	{64, "2e7405", 3, K(JCC), 64, 64, "0x5"}, /* branch hint */
	{32, "e9f0ffffff", 5, K(JMP), 32, 32, "0xfffffffffffffff0"},
	{32, "66e91000", 4, K(JMP), 16, 32, "0x10"},
	{32, "0f8f10000000", 6, K(JCC), 32, 32, "0x10"},
	{16, "e91000", 3, K(JMP), 16, 16, "0x10"},
	{16, "0f841000", 4, K(JCC), 16, 16, "0x10"},
	{16, "66e910000000", 6, K(JMP), 32, 16, "0x10"},
	{16, "7ffe", 2, K(JCC), 16, 16, "0xfffffffffffffffe"},
};

static void check_case(const struct dcase *c)
{
	u8 b[32];
	unsigned n = parse_hex(c->hex, b);
	struct insn in;
	int r = decode_insn(b, n, (enum cpu_mode)c->mode, &in);
	char ops[160];
	format_operands(ops, &in);
	if (r != DECODE_OK || in.length != c->len || in.kind != c->kind || in.opsize != c->opsize ||
	    in.addrsize != c->addrsize || strcmp(ops, c->ops) != 0) {
		print_message("mode %d %s: result %d length %u kind %s opsize %u addrsize %u ops \"%s\"\n",
		              c->mode, c->hex, r, in.length, insn_kind_name(in.kind), in.opsize, in.addrsize, ops);
		fail_msg("expected length %u kind %s opsize %u addrsize %u ops \"%s\"", c->len,
		         insn_kind_name(c->kind), c->opsize, c->addrsize, c->ops);
	}
}

static void test_subset_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(subset_cases); i++)
		if (subset_cases[i].len)
			check_case(&subset_cases[i]);
}

/* Every truncation of every subset form needs more bytes; the full form never does. */
static void test_need_more_at_every_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(subset_cases); i++) {
		const struct dcase *c = &subset_cases[i];
		if (!c->len)
			continue;
		u8 b[32];
		parse_hex(c->hex, b);
		for (unsigned k = 0; k < c->len; k++) {
			struct insn in;
			int r = decode_insn(b, k, (enum cpu_mode)c->mode, &in);
			if (r != DECODE_NEED_MORE)
				fail_msg("mode %d %s truncated to %u: result %d", c->mode, c->hex, k, r);
		}
	}
}

static void test_fields(void **state)
{
	(void)state;
	struct insn in;
	u8 d[] = {0x67, 0x66, 0x4c, 0x89, 0x84, 0x8b, 0x78, 0x56, 0x34, 0x12};
	assert_int_equal(decode_insn(d, sizeof d, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.length, 10);
	assert_int_equal(in.nprefixes, 3);
	assert_true(in.p_opsize);
	assert_true(in.p_addrsize);
	assert_int_equal(in.rex, 0x4c);
	assert_true(in.rex_w && in.rex_r && !in.rex_x && !in.rex_b);
	assert_int_equal(in.map, 1);
	assert_int_equal(in.opcode, 0x89);
	assert_true(in.has_modrm && in.has_sib);
	assert_int_equal(in.modrm, 0x84);
	assert_int_equal(in.mod, 2);
	assert_int_equal(in.reg, 0);
	assert_int_equal(in.rm, 4);
	assert_int_equal(in.sib, 0x8b);
	assert_int_equal(in.disp_size, 4);
	assert_int_equal(in.mem.disp, 0x12345678);
	assert_int_equal(in.mem.base, VCPU_RBX);
	assert_int_equal(in.mem.index, VCPU_RCX);
	assert_int_equal(in.mem.scale, 4);
	assert_int_equal(in.opsize, 64); /* REX.W wins over 66 */
	assert_int_equal(in.addrsize, 32);
	assert_int_equal(in.op[1].reg, VCPU_R8);
	assert_int_equal(in.p_seg, -1);
	assert_int_equal(in.p_rep, 0);

	u8 e[] = {0x0f, 0x85, 0xfb, 0xff, 0xff, 0xff};
	assert_int_equal(decode_insn(e, sizeof e, CPU_MODE_32, &in), DECODE_OK);
	assert_int_equal(in.map, 2);
	assert_int_equal(in.cond, 5);
	assert_true(in.backward);
	assert_int_equal(in.imm_size, 4);
	assert_int_equal((i64)in.imm, -5);

	u8 f[] = {0xeb, 0x00};
	assert_int_equal(decode_insn(f, sizeof f, CPU_MODE_16, &in), DECODE_OK);
	assert_false(in.backward);

	u8 g[] = {0xf3, 0x65, 0x6e};
	assert_int_equal(decode_insn(g, sizeof g, CPU_MODE_32, &in), DECODE_OK);
	assert_true(in.rep);
	assert_int_equal(in.p_rep, 0xf3);
	assert_int_equal(in.p_seg, VCPU_GS);
	assert_int_equal(in.mem.seg, VCPU_GS);
	assert_int_equal(in.mem.base, VCPU_RSI);

	u8 h[] = {0xc1, 0xe0, 0xff}; /* a count immediate is zero-extended */
	assert_int_equal(decode_insn(h, sizeof h, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.imm, 0xff);
	u8 p[] = {0xe4, 0xff}; /* and a port */
	assert_int_equal(decode_insn(p, sizeof p, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.imm, 0xff);
}

/* A REX prefix followed by a legacy prefix is ignored (SDM Vol. 2A 2.2.1). */
static void test_rex_position(void **state)
{
	(void)state;
	struct insn in;
	u8 a[] = {0x48, 0x66, 0x89, 0xc8};
	assert_int_equal(decode_insn(a, sizeof a, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.opsize, 16);
	u8 b[] = {0x41, 0x48, 0x89, 0xc8}; /* two REX: the last one counts */
	assert_int_equal(decode_insn(b, sizeof b, CPU_MODE_64, &in), DECODE_OK);
	assert_int_equal(in.rex, 0x48);
	assert_int_equal(in.op[0].reg, VCPU_RAX);
	assert_int_equal(in.opsize, 64);
	u8 c[] = {0x40, 0x88, 0xe0}; /* an empty REX still selects SPL..DIL */
	assert_int_equal(decode_insn(c, sizeof c, CPU_MODE_64, &in), DECODE_OK);
	assert_false(in.op[1].high8);
	assert_int_equal(in.op[1].reg, VCPU_RSP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subset_forms),
		cmocka_unit_test(test_need_more_at_every_truncation),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_rex_position),
	};
	return UNIT_RUN(tests);
}
