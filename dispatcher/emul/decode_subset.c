/*
 * The decoder's second half (decode.h): whether a decoded instruction belongs to the subset,
 * and its kind and operands (SDM Vol. 2 instruction pages). decode.c has read its prefixes,
 * opcode, ModRM/SIB, displacement and immediate.
 */
#include "decode.h"
#include "decode_priv.h"
#include "../vcpu/vcpu.h"

/* --- The subset: operands and kind. --- */

static struct insn_operand reg_operand(const struct insn *in, u8 reg, u8 size)
{
	return (struct insn_operand){
		.type = OPND_REG, .size = size, .reg = reg,
		.high8 = size == 8 && in->rex == 0 && reg >= 4 && reg < 8,
	};
}

static struct insn_operand modrm_reg(const struct insn *in, u8 size)
{
	return reg_operand(in, (u8)(in->reg | (in->rex_r ? 8 : 0)), size);
}

static struct insn_operand modrm_rm(const struct insn *in, u8 size)
{
	if (in->mod == MODRM_MOD_REG)
		return reg_operand(in, (u8)(in->rm | (in->rex_b ? 8 : 0)), size);
	return (struct insn_operand){.type = OPND_MEM, .size = size};
}

static struct insn_operand imm_operand(u8 size)
{
	return (struct insn_operand){.type = OPND_IMM, .size = size};
}

static void set_ops(struct insn *in, struct insn_operand a, struct insn_operand b)
{
	in->op[0] = a;
	in->op[1] = b;
	in->nops = b.type == OPND_NONE ? (a.type == OPND_NONE ? 0 : 1) : 2;
}

static const struct insn_operand no_operand;

static bool is_memory_operand(const struct insn *in) { return in->has_modrm && in->mod != MODRM_MOD_REG; }

/* Group 2 (C0/C1/D0-D3): /4 SHL, /5 SHR, /7 SAR; the rotates and the /6 alias are not in it. */
static int classify_shift(struct insn *in, u8 b, u8 osz)
{
	static const enum insn_kind kinds[8] = {INSN_NONE, INSN_NONE, INSN_NONE, INSN_NONE,
	                                        INSN_SHL, INSN_SHR, INSN_NONE, INSN_SAR};
	if (kinds[in->reg] == INSN_NONE)
		return DECODE_NOT_SUBSET;
	in->kind = kinds[in->reg];
	in->opsize = (b & 1) ? osz : 8;
	struct insn_operand count;
	if (b == 0xc0 || b == 0xc1) {
		count = imm_operand(8);
		in->imm &= 0xff;
	} else if (b == 0xd0 || b == 0xd1) {
		count = imm_operand(8);
		in->imm = 1;
	} else {
		count = reg_operand(in, VCPU_RCX, 8);
	}
	set_ops(in, modrm_rm(in, in->opsize), count);
	return DECODE_OK;
}

/* The size of an IN/OUT/INS/OUTS access: byte with opcode bit 0 clear, else 16 or 32 bits;
 * REX.W does not make a 64-bit port access (SDM Vol. 2A "IN"). */
static u8 io_size(u8 b, u8 osz) { return (b & 1) ? (osz == 16 ? 16 : 32) : 8; }

/* 6C-6F: INS ES:[rDI], DX; OUTS DX, seg:[rSI] (SDM Vol. 2A "INS", Vol. 2B "OUTS"). */
static int classify_string_io(struct insn *in, u8 b, u8 osz)
{
	u8 sz = io_size(b, osz);
	struct insn_operand dx = reg_operand(in, VCPU_RDX, 16);
	bool ins = b < 0x6e;
	in->opsize = sz;
	in->imm &= 0xff;
	if (in->p_rep == PFX_REPNE)
		return DECODE_NOT_SUBSET;
	in->rep = in->p_rep == PFX_REP;
	in->kind = ins ? INSN_INS : INSN_OUTS;
	in->mem = (struct insn_mem){.base = ins ? VCPU_RDI : VCPU_RSI, .index = INSN_REG_NONE,
	                            .scale = 1, .seg = VCPU_DS};
	/* INS always writes through ES; OUTS reads through DS unless overridden. */
	in->mem.seg = ins ? VCPU_ES : decode_effective_segment(in, VCPU_DS);
	struct insn_operand mem = {.type = OPND_MEM, .size = sz};
	if (ins)
		set_ops(in, mem, dx);
	else
		set_ops(in, dx, mem);
	return DECODE_OK;
}

static int classify_branch(struct insn *in, enum insn_kind kind, u8 cond)
{
	if (in->mode == CPU_MODE_64 && in->p_opsize)
		return DECODE_NOT_SUBSET; /* Intel ignores 66 here, AMD truncates RIP to 16 bits */
	in->kind = kind;
	in->cond = cond;
	in->opsize = in->mode == CPU_MODE_64 ? 64 : decode_operand_size(in);
	in->backward = (i64)in->imm < 0;
	set_ops(in, imm_operand(in->opsize), no_operand);
	return DECODE_OK;
}

/* 0F-map members of the subset: NOP Ev, Jcc rel, MOVZX, MOVSX. */
static int classify_map2(struct insn *in, u8 b, u8 osz)
{
	if (in->p_rep)
		return DECODE_NOT_SUBSET; /* F2/F3 select other instructions in this map */
	if (b == 0x1f && in->reg == 0) {
		in->kind = INSN_NOP;
		in->opsize = osz;
		set_ops(in, modrm_rm(in, osz), no_operand);
		return DECODE_OK;
	}
	if (b >= 0x80 && b <= 0x8f)
		return classify_branch(in, INSN_JCC, b & 0xf);
	if (b == 0xb6 || b == 0xb7 || b == 0xbe || b == 0xbf) {
		in->kind = b < 0xb8 ? INSN_MOVZX : INSN_MOVSX;
		in->opsize = osz;
		set_ops(in, modrm_reg(in, osz), modrm_rm(in, (b & 1) ? 16 : 8));
		return DECODE_OK;
	}
	return DECODE_NOT_SUBSET;
}

static int classify_nop_xchg(struct insn *in, u8 b, u8 osz)
{
	u8 reg = (u8)((b & 7) | (in->rex_b ? 8 : 0));
	if (reg == VCPU_RAX) { /* 90 is NOP, not XCHG: EAX keeps its upper half (Vol. 2B "XCHG") */
		in->kind = in->p_rep == PFX_REP ? INSN_PAUSE : INSN_NOP;
		in->opsize = osz;
		if (in->p_rep && (in->p_rep != PFX_REP || in->p_opsize))
			return DECODE_NOT_SUBSET;
		return DECODE_OK;
	}
	if (in->p_rep)
		return DECODE_NOT_SUBSET;
	in->kind = INSN_XCHG;
	in->opsize = osz;
	set_ops(in, reg_operand(in, reg, osz), reg_operand(in, VCPU_RAX, osz));
	return DECODE_OK;
}

/*
 * PUSH/POP r64, CALL rel32, RET, and group 5 (FF): INC/DEC in every mode, CALL/JMP through a
 * register in 64-bit mode. The stack forms exist here in 64-bit mode only, where the stack
 * operand size is 64 bits; with 66 they would push 16 bits (Vol. 2B "PUSH").
 */
static int classify_stack(struct insn *in, u8 b, u8 osz)
{
	if (b == 0xff && in->reg <= 1) {
		in->kind = in->reg == 0 ? INSN_INC : INSN_DEC;
		in->opsize = osz;
		set_ops(in, modrm_rm(in, osz), no_operand);
		return DECODE_OK;
	}
	if (in->mode != CPU_MODE_64 || in->p_opsize)
		return DECODE_NOT_SUBSET;
	in->opsize = 64;
	if (b == 0xe8)
		return classify_branch(in, INSN_CALL, 0);
	if (b == 0xc3) {
		in->kind = INSN_RET;
		return DECODE_OK;
	}
	if (b == 0xff) {
		if ((in->reg != 2 && in->reg != 4) || is_memory_operand(in))
			return DECODE_NOT_SUBSET;
		in->kind = in->reg == 2 ? INSN_CALL_IND : INSN_JMP_IND;
		set_ops(in, modrm_rm(in, 64), no_operand);
		return DECODE_OK;
	}
	in->kind = b < 0x58 ? INSN_PUSH : INSN_POP;
	set_ops(in, reg_operand(in, (u8)((b & 7) | (in->rex_b ? 8 : 0)), 64), no_operand);
	return DECODE_OK;
}

/* 63 in 64-bit mode with REX.W: MOVSXD Gq, Ed; without REX.W (or outside 64-bit mode, ARPL)
 * it is not in the subset. */
static int classify_movsxd(struct insn *in, u8 b, u8 osz)
{
	if (in->mode != CPU_MODE_64 || !in->rex_w)
		return DECODE_NOT_SUBSET;
	in->kind = INSN_MOVSXD;
	in->opsize = 64;
	set_ops(in, modrm_reg(in, 64), modrm_rm(in, 32));
	return DECODE_OK;
}

/* 8D: LEA Gv, M; #UD with a register operand (SDM Vol. 2A "LEA"). */
static int classify_lea(struct insn *in, u8 b, u8 osz)
{
	if (!is_memory_operand(in))
		return DECODE_NOT_SUBSET;
	in->kind = INSN_LEA;
	in->opsize = osz;
	/* the operand is an address: of the address size (as Zydis and the SDM's AGEN) */
	set_ops(in, modrm_reg(in, osz), modrm_rm(in, in->addrsize));
	/* no segment is used: an override has no effect; the default is kept for the record */
	in->mem.seg = in->mem.base == VCPU_RSP || in->mem.base == VCPU_RBP ? VCPU_SS : VCPU_DS;
	return DECODE_OK;
}

/* A0-A3: MOV between rAX and the absolute address moffs (SDM Vol. 2B "MOV"). */
static int classify_moffs(struct insn *in, u8 b, u8 osz)
{
	u8 sz = (b & 1) ? osz : 8;
	struct insn_operand mem = {.type = OPND_MEM, .size = sz};
	in->kind = INSN_MOV;
	in->opsize = sz;
	in->mem.base = in->mem.index = INSN_REG_NONE;
	in->mem.scale = 1;
	in->mem.seg = decode_effective_segment(in, VCPU_DS);
	if (b < 0xa2)
		set_ops(in, reg_operand(in, VCPU_RAX, sz), mem);
	else
		set_ops(in, mem, reg_operand(in, VCPU_RAX, sz));
	return DECODE_OK;
}

static int classify_jcc(struct insn *in, u8 b, u8 osz) { return classify_branch(in, INSN_JCC, b & 0xf); }
static int classify_jmp(struct insn *in, u8 b, u8 osz) { return classify_branch(in, INSN_JMP, 0); }

/*
 * The one-byte map as a table of opcode descriptors (SDM Vol. 2D appendix A, table A-2), in the
 * spirit of Xen's x86_emulate opcode table: each entry gives the kind, the destination and source
 * operand forms and the size rule; a group entry takes kind and operands from ModRM.reg (table
 * A-6); the few opcodes whose meaning needs code name a handler. A zero entry is outside the
 * subset. decode.c has already read the instruction's format; this only gives it a meaning.
 */
enum opnd_form {
	O_NONE,
	O_REG,   /* ModRM.reg (Xen's DstReg/SrcReg) */
	O_RM,    /* ModRM.rm: a register or the memory operand (DstMem/SrcMem) */
	O_ACC,   /* AL/AX/EAX/RAX */
	O_IMM,   /* the immediate */
	O_OPREG, /* the register in opcode bits 2:0, extended by REX.B */
	O_DX,    /* DX: the port of IN/OUT DX */
	O_PORT,  /* the immediate port number of IN/OUT imm8 */
};

#define D_BYTEOP (1u << 0) /* opcode bit 0 clear: byte operands, else the operand size (ByteOp) */
#define D_BYTE (1u << 1)   /* byte operands whatever the opcode */
#define D_REP (1u << 2)    /* the handler judges F2/F3 itself; elsewhere they leave the subset */
#define D_NOMEM (1u << 3)  /* register operands only (XCHG with memory is locked) */
#define D_IO (1u << 4)     /* IO size rule (io_size); the port number is a byte */

enum op_group { G_NONE, G_1, G_3, G_4, G_11, G_COUNT };

typedef int (*classify_fn)(struct insn *in, u8 b, u8 osz);

struct op_desc {
	u8 kind; /* enum insn_kind */
	u8 dst, src; /* enum opnd_form */
	u8 flags; /* D_* */
	u8 group; /* enum op_group: kind and operands by ModRM.reg */
	classify_fn handler;
};

#define OP(k, d, s, f) {.kind = (k), .dst = (d), .src = (s), .flags = (f)}
#define GRP(g, f) {.group = (g), .flags = (f)}
#define FN(h, f) {.handler = (h), .flags = (f)}
/* the same entry for 2, 4, 8, 16 opcodes from b (variadic: an entry's braces hold commas) */
#define ROW2(b, ...) [(b)] = __VA_ARGS__, [(b) + 1] = __VA_ARGS__
#define ROW4(b, ...) ROW2(b, __VA_ARGS__), ROW2((b) + 2, __VA_ARGS__)
#define ROW8(b, ...) ROW4(b, __VA_ARGS__), ROW4((b) + 4, __VA_ARGS__)
#define ROW16(b, ...) ROW8(b, __VA_ARGS__), ROW8((b) + 8, __VA_ARGS__)
/* 00-3D: ADD OR ADC SBB AND SUB XOR CMP in six forms each (table A-2, rows 0-3) */
#define ALU_ROW(b, k)                                                                       \
	ROW2(b, OP(k, O_RM, O_REG, D_BYTEOP)), ROW2((b) + 2, OP(k, O_REG, O_RM, D_BYTEOP)), \
	    ROW2((b) + 4, OP(k, O_ACC, O_IMM, D_BYTEOP))

static const struct op_desc map1[256] = {
	ALU_ROW(0x00, INSN_ADD), ALU_ROW(0x08, INSN_OR), ALU_ROW(0x10, INSN_ADC), ALU_ROW(0x18, INSN_SBB),
	ALU_ROW(0x20, INSN_AND), ALU_ROW(0x28, INSN_SUB), ALU_ROW(0x30, INSN_XOR), ALU_ROW(0x38, INSN_CMP),
	/* not REX: decode_insn only gets here outside 64-bit mode */
	ROW8(0x40, OP(INSN_INC, O_OPREG, O_NONE, 0)),
	ROW8(0x48, OP(INSN_DEC, O_OPREG, O_NONE, 0)),
	ROW16(0x50, FN(classify_stack, 0)),
	[0x63] = FN(classify_movsxd, 0),
	ROW4(0x6c, FN(classify_string_io, D_REP)),
	ROW16(0x70, FN(classify_jcc, 0)),
	ROW2(0x80, GRP(G_1, D_BYTEOP)),
	[0x83] = GRP(G_1, D_BYTEOP),
	ROW2(0x84, OP(INSN_TEST, O_RM, O_REG, D_BYTEOP)),
	ROW2(0x86, OP(INSN_XCHG, O_RM, O_REG, D_BYTEOP | D_NOMEM)),
	ROW2(0x88, OP(INSN_MOV, O_RM, O_REG, D_BYTEOP)),
	ROW2(0x8a, OP(INSN_MOV, O_REG, O_RM, D_BYTEOP)),
	[0x8d] = FN(classify_lea, 0),
	ROW8(0x90, FN(classify_nop_xchg, D_REP)),
	ROW4(0xa0, FN(classify_moffs, 0)),
	ROW2(0xa8, OP(INSN_TEST, O_ACC, O_IMM, D_BYTEOP)),
	ROW8(0xb0, OP(INSN_MOV, O_OPREG, O_IMM, D_BYTE)),
	ROW8(0xb8, OP(INSN_MOV, O_OPREG, O_IMM, 0)),
	ROW2(0xc0, FN(classify_shift, 0)),
	[0xc3] = FN(classify_stack, 0),
	ROW2(0xc6, GRP(G_11, D_BYTEOP)),
	ROW4(0xd0, FN(classify_shift, 0)),
	ROW2(0xe4, OP(INSN_IN, O_ACC, O_PORT, D_IO)),
	ROW2(0xe6, OP(INSN_OUT, O_PORT, O_ACC, D_IO)),
	[0xe8] = FN(classify_stack, 0),
	[0xe9] = FN(classify_jmp, 0),
	[0xeb] = FN(classify_jmp, 0),
	ROW2(0xec, OP(INSN_IN, O_ACC, O_DX, D_IO)),
	ROW2(0xee, OP(INSN_OUT, O_DX, O_ACC, D_IO)),
	ROW2(0xf6, GRP(G_3, D_BYTEOP)),
	[0xfe] = GRP(G_4, D_BYTEOP),
	[0xff] = FN(classify_stack, 0),
};

/* Groups by ModRM.reg (table A-6): 1 (80, 81, 83), 3 (F6, F7), 4 (FE), 11 (C6, C7: XABORT and
 * XBEGIN are not in the subset). */
static const struct op_desc groups[G_COUNT][8] = {
	[G_1] = {OP(INSN_ADD, O_RM, O_IMM, 0), OP(INSN_OR, O_RM, O_IMM, 0), OP(INSN_ADC, O_RM, O_IMM, 0),
	         OP(INSN_SBB, O_RM, O_IMM, 0), OP(INSN_AND, O_RM, O_IMM, 0), OP(INSN_SUB, O_RM, O_IMM, 0),
	         OP(INSN_XOR, O_RM, O_IMM, 0), OP(INSN_CMP, O_RM, O_IMM, 0)},
	[G_3] = {[0] = OP(INSN_TEST, O_RM, O_IMM, 0), [2] = OP(INSN_NOT, O_RM, O_NONE, 0),
	         [3] = OP(INSN_NEG, O_RM, O_NONE, 0)},
	[G_4] = {[0] = OP(INSN_INC, O_RM, O_NONE, 0), [1] = OP(INSN_DEC, O_RM, O_NONE, 0)},
	[G_11] = {[0] = OP(INSN_MOV, O_RM, O_IMM, 0)},
};

static struct insn_operand form_operand(const struct insn *in, u8 form, u8 b, u8 sz)
{
	switch (form) {
	case O_REG: return modrm_reg(in, sz);
	case O_RM: return modrm_rm(in, sz);
	case O_ACC: return reg_operand(in, VCPU_RAX, sz);
	case O_IMM: return imm_operand(sz);
	case O_OPREG: return reg_operand(in, (u8)((b & 7) | (in->rex_b ? 8 : 0)), sz);
	case O_DX: return reg_operand(in, VCPU_RDX, 16);
	case O_PORT: return imm_operand(8);
	default: return no_operand;
	}
}

static int classify_map1(struct insn *in, u8 b, u8 osz)
{
	const struct op_desc *d = &map1[b];
	if (in->p_rep && !(d->flags & D_REP))
		return DECODE_NOT_SUBSET;
	if (d->handler)
		return d->handler(in, b, osz);
	u8 sz = (d->flags & D_BYTE) || ((d->flags & D_BYTEOP) && !(b & 1)) ? 8 : osz;
	if (d->flags & D_IO) {
		sz = io_size(b, osz);
		in->imm &= 0xff;
	}
	const struct op_desc *e = d->group ? &groups[d->group][in->reg] : d;
	if (e->kind == INSN_NONE || ((d->flags & D_NOMEM) && is_memory_operand(in)))
		return DECODE_NOT_SUBSET;
	in->kind = (enum insn_kind)e->kind;
	in->opsize = sz;
	set_ops(in, form_operand(in, e->dst, b, sz), form_operand(in, e->src, b, sz));
	return DECODE_OK;
}

int decode_classify(struct insn *in)
{
	u8 osz = decode_operand_size(in);
	int r = in->map == 1 ? classify_map1(in, in->opcode, osz) : classify_map2(in, in->opcode, osz);
	if (r != DECODE_OK)
		in->kind = INSN_NONE;
	return r;
}

const char *insn_kind_name(enum insn_kind kind)
{
	static const char *const names[INSN_KIND_COUNT] = {
		"(none)", "in", "out", "ins", "outs", "mov", "movzx", "movsx", "movsxd",
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
		"test", "inc", "dec", "not", "neg", "shl", "shr", "sar",
		"xchg", "nop", "pause", "jmp", "jcc", "lea",
		"call", "ret", "push", "pop", "call", "jmp",
	};
	return (unsigned)kind < INSN_KIND_COUNT ? names[kind] : "?";
}
