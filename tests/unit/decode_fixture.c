/* The fixture of decode_fixture.h; one copy, linked into each test program that includes it. */
#include "decode_fixture.h"

const char *const reg8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                     "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
const char *const reg8h[4] = {"ah", "ch", "dh", "bh"};
const char *const reg16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                      "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
const char *const reg32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                      "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
const char *const reg64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
const char *const segs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
const char *reg_name(unsigned reg, unsigned size, bool high8)
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

void format_mem(char *out, const struct insn *in, unsigned size)
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

void format_operands(char *out, const struct insn *in)
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

unsigned parse_hex(const char *hex, u8 *b)
{
	unsigned n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		b[n++] = (u8)v;
	}
	return n;
}
