/*
 * dispatcher/decode.c: every form of the subset in each mode (length, kind, operand and address
 * size, registers, memory operand, displacement, immediate), prefix combinations, the lengths
 * of instructions outside the subset, undefined encodings, DECODE_NEED_MORE at every
 * truncation point and the 15-byte limit. Expected values come from Intel SDM Vol. 2
 * (chapter 2 and the instruction pages). Operands are compared through a small formatter:
 * registers by name, memory as size[seg:base+index*scale+disp], immediates in hex.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "dispatcher/decode.h"
#include "dispatcher/vcpu.h"

static const char *const reg8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                     "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const reg8h[4] = {"ah", "ch", "dh", "bh"};
static const char *const reg16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                      "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const reg32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                      "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const reg64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const segs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

static const char *reg_name(unsigned reg, unsigned size, bool high8)
{
	if (high8)
		return reg8h[reg - 4];
	switch (size) {
	case 8: return reg8[reg];
	case 16: return reg16[reg];
	case 32: return reg32[reg];
	default: return reg64[reg];
	}
}

static void format_mem(char *out, const struct insn *in, unsigned size)
{
	const struct insn_mem *m = &in->mem;
	char *p = out;
	p += sprintf(p, "%c[%s:", size == 8 ? 'b' : size == 16 ? 'w' : size == 32 ? 'd' : 'q', segs[m->seg]);
	const char *const *names = in->addrsize == 16 ? reg16 : in->addrsize == 32 ? reg32 : reg64;
	bool any = false;
	if (m->base == INSN_REG_RIP) {
		p += sprintf(p, "rip");
		any = true;
	} else if (m->base != INSN_REG_NONE) {
		p += sprintf(p, "%s", names[m->base]);
		any = true;
	}
	if (m->index != INSN_REG_NONE) {
		p += sprintf(p, "%s%s*%u", any ? "+" : "", names[m->index], m->scale);
		any = true;
	}
	if (m->disp || !any) {
		if (m->disp < 0)
			p += sprintf(p, "-0x%llx", (unsigned long long)-m->disp);
		else
			p += sprintf(p, "%s0x%llx", any ? "+" : "", (unsigned long long)m->disp);
	}
	sprintf(p, "]");
}

/* "eax, d[ds:rbx+rsi*4+0x10]" */
static void format_operands(char *out, const struct insn *in)
{
	out[0] = 0;
	for (int i = 0; i < in->nops; i++) {
		const struct insn_operand *o = &in->op[i];
		char *p = out + strlen(out);
		if (i)
			p += sprintf(p, ", ");
		if (o->type == OPND_REG) {
			sprintf(p, "%s", reg_name(o->reg, o->size, o->high8));
		} else if (o->type == OPND_MEM) {
			format_mem(p, in, o->size);
		} else if (o->type == OPND_IMM) {
			unsigned bits = (in->kind == INSN_JMP || in->kind == INSN_JCC) ? 64 : o->size;
			unsigned long long v = bits >= 64 ? in->imm : in->imm & ((1ULL << bits) - 1);
			sprintf(p, "0x%llx", v);
		}
	}
}

static unsigned parse_hex(const char *hex, u8 *b)
{
	unsigned n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		b[n++] = (u8)v;
	}
	return n;
}

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
		cmocka_unit_test(test_subset_forms),
		cmocka_unit_test(test_need_more_at_every_truncation),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_rex_position),
		cmocka_unit_test(test_other_instructions),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_rex_vs_incdec),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_random_consistency),
	};
	return UNIT_RUN(tests);
}
