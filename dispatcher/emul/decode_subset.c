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

/* 00-3D: ADD OR ADC SBB AND SUB XOR CMP in six forms each (table A-2, rows 0-3). */
static int classify_alu(struct insn *in, u8 b, u8 osz)
{
	in->kind = (enum insn_kind)(INSN_ADD + (b >> 3));
	u8 sz = (b & 1) ? osz : 8;
	switch (b & 7) {
	case 0:
	case 1:
		set_ops(in, modrm_rm(in, sz), modrm_reg(in, sz));
		break;
	case 2:
	case 3:
		set_ops(in, modrm_reg(in, sz), modrm_rm(in, sz));
		break;
	case 4:
	case 5:
		set_ops(in, reg_operand(in, VCPU_RAX, sz), imm_operand(sz));
		break;
	default:
		return DECODE_NOT_SUBSET;
	}
	in->opsize = sz;
	return DECODE_OK;
}

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

static int classify_io(struct insn *in, u8 b, u8 osz)
{
	u8 sz = (b & 1) ? (osz == 16 ? 16 : 32) : 8; /* REX.W does not make a 64-bit port access */
	struct insn_operand acc = reg_operand(in, VCPU_RAX, sz);
	struct insn_operand dx = reg_operand(in, VCPU_RDX, 16);
	struct insn_operand port = imm_operand(8);
	in->opsize = sz;
	in->imm &= 0xff;
	switch (b) {
	case 0xe4:
	case 0xe5:
		in->kind = INSN_IN;
		set_ops(in, acc, port);
		break;
	case 0xe6:
	case 0xe7:
		in->kind = INSN_OUT;
		set_ops(in, port, acc);
		break;
	case 0xec:
	case 0xed:
		in->kind = INSN_IN;
		set_ops(in, acc, dx);
		break;
	case 0xee:
	case 0xef:
		in->kind = INSN_OUT;
		set_ops(in, dx, acc);
		break;
	default: { /* 6C-6F: INS ES:[rDI], DX; OUTS DX, seg:[rSI] (SDM Vol. 2A "INS", Vol. 2B "OUTS") */
		bool ins = b < 0x6e;
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
	} break;
	}
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

/* Groups 1, 3, 4, 11 and the plain one-byte members of the subset. */
static int classify_map1(struct insn *in, u8 b, u8 osz)
{
	if (b >= 0x6c && b <= 0x6f)
		return classify_io(in, b, osz);
	if (b >= 0x90 && b <= 0x97)
		return classify_nop_xchg(in, b, osz);
	if (in->p_rep)
		return DECODE_NOT_SUBSET;
	if (b < 0x40)
		return classify_alu(in, b, osz);
	if ((b >= 0xe4 && b <= 0xe7) || (b >= 0xec && b <= 0xef))
		return classify_io(in, b, osz);
	if (b >= 0x40 && b <= 0x4f) { /* not REX: decode_insn only gets here outside 64-bit mode */
		in->kind = b < 0x48 ? INSN_INC : INSN_DEC;
		in->opsize = osz;
		set_ops(in, reg_operand(in, b & 7, osz), no_operand);
		return DECODE_OK;
	}
	if (b >= 0x70 && b <= 0x7f)
		return classify_branch(in, INSN_JCC, b & 0xf);
	if ((b >= 0x50 && b <= 0x5f) || b == 0xc3 || b == 0xe8 || b == 0xff)
		return classify_stack(in, b, osz);
	if (b >= 0xb0 && b <= 0xbf) {
		u8 sz = b < 0xb8 ? 8 : osz;
		in->kind = INSN_MOV;
		in->opsize = sz;
		set_ops(in, reg_operand(in, (u8)((b & 7) | (in->rex_b ? 8 : 0)), sz), imm_operand(sz));
		return DECODE_OK;
	}
	u8 sz = (b & 1) ? osz : 8;
	in->opsize = sz;
	switch (b) {
	case 0x63:
		if (in->mode != CPU_MODE_64 || !in->rex_w)
			return DECODE_NOT_SUBSET; /* ARPL; MOVSXD without REX.W */
		in->kind = INSN_MOVSXD;
		in->opsize = 64;
		set_ops(in, modrm_reg(in, 64), modrm_rm(in, 32));
		return DECODE_OK;
	case 0x80:
	case 0x81:
	case 0x83:
		in->kind = (enum insn_kind)(INSN_ADD + in->reg);
		set_ops(in, modrm_rm(in, sz), imm_operand(sz));
		return DECODE_OK;
	case 0x84:
	case 0x85:
		in->kind = INSN_TEST;
		set_ops(in, modrm_rm(in, sz), modrm_reg(in, sz));
		return DECODE_OK;
	case 0x86:
	case 0x87:
		if (is_memory_operand(in))
			return DECODE_NOT_SUBSET; /* XCHG with memory is locked */
		in->kind = INSN_XCHG;
		set_ops(in, modrm_rm(in, sz), modrm_reg(in, sz));
		return DECODE_OK;
	case 0x88:
	case 0x89:
		in->kind = INSN_MOV;
		set_ops(in, modrm_rm(in, sz), modrm_reg(in, sz));
		return DECODE_OK;
	case 0x8d:
		if (!is_memory_operand(in))
			return DECODE_NOT_SUBSET; /* #UD with a register operand */
		in->kind = INSN_LEA;
		in->opsize = osz;
		/* the operand is an address: of the address size (as Zydis and the SDM's AGEN) */
		set_ops(in, modrm_reg(in, osz), modrm_rm(in, in->addrsize));
		/* no segment is used: an override has no effect; the default is kept for the record */
		in->mem.seg = in->mem.base == VCPU_RSP || in->mem.base == VCPU_RBP ? VCPU_SS : VCPU_DS;
		return DECODE_OK;
	case 0x8a:
	case 0x8b:
		in->kind = INSN_MOV;
		set_ops(in, modrm_reg(in, sz), modrm_rm(in, sz));
		return DECODE_OK;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3: {
		struct insn_operand mem = {.type = OPND_MEM, .size = sz};
		in->kind = INSN_MOV;
		in->mem.base = in->mem.index = INSN_REG_NONE;
		in->mem.scale = 1;
		in->mem.seg = decode_effective_segment(in, VCPU_DS);
		if (b < 0xa2)
			set_ops(in, reg_operand(in, VCPU_RAX, sz), mem);
		else
			set_ops(in, mem, reg_operand(in, VCPU_RAX, sz));
		return DECODE_OK;
	}
	case 0xa8:
	case 0xa9:
		in->kind = INSN_TEST;
		set_ops(in, reg_operand(in, VCPU_RAX, sz), imm_operand(sz));
		return DECODE_OK;
	case 0xc0:
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		return classify_shift(in, b, osz);
	case 0xc6:
	case 0xc7:
		if (in->reg != 0)
			return DECODE_NOT_SUBSET; /* XABORT, XBEGIN */
		in->kind = INSN_MOV;
		set_ops(in, modrm_rm(in, sz), imm_operand(sz));
		return DECODE_OK;
	case 0xe9:
	case 0xeb:
		return classify_branch(in, INSN_JMP, 0);
	case 0xf6:
	case 0xf7: {
		static const enum insn_kind grp3[8] = {INSN_TEST, INSN_NONE, INSN_NOT, INSN_NEG};
		if (grp3[in->reg] == INSN_NONE)
			return DECODE_NOT_SUBSET;
		in->kind = grp3[in->reg];
		set_ops(in, modrm_rm(in, sz), in->reg == 0 ? imm_operand(sz) : no_operand);
		return DECODE_OK;
	}
	case 0xfe:
		if (in->reg > 1)
			return DECODE_NOT_SUBSET;
		in->kind = in->reg == 0 ? INSN_INC : INSN_DEC;
		set_ops(in, modrm_rm(in, sz), no_operand);
		return DECODE_OK;
	default:
		return DECODE_NOT_SUBSET;
	}
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
