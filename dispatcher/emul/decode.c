/*
 * One-instruction decoder (see decode.h for the subset). The instruction format is Intel SDM
 * Vol. 2A chapter 2: legacy prefixes (2.1.1), REX (2.2.1), opcode, ModRM and SIB (2.1.5,
 * tables 2-1 to 2-3), displacement, immediate. The length of instructions outside the subset
 * comes from the opcode maps of Vol. 2D appendix A (tables and the groups of A-6):
 * which opcodes take a ModRM byte and which immediate. Where a length depends on something this
 * decoder does not model (VEX/EVEX/XOP, the three-byte maps, 3DNow!, vendor differences), the
 * result is DECODE_NOT_SUBSET with length 0: the caller ends the block there either way.
 */
#include "decode.h"
#include "decode_priv.h"
#include "../vcpu/vcpu.h"

/* Legacy prefixes (SDM Vol. 2A 2.1.1). */
#define PFX_LOCK 0xf0
#define PFX_OPSIZE 0x66
#define PFX_ADDRSIZE 0x67
#define PFX_ES 0x26
#define PFX_CS 0x2e
#define PFX_SS 0x36
#define PFX_DS 0x3e
#define PFX_FS 0x64
#define PFX_GS 0x65
#define REX_MIN 0x40
#define REX_MAX 0x4f
#define REX_W 0x8
#define REX_R 0x4
#define REX_X 0x2
#define REX_B 0x1
#define ESCAPE_0F 0x0f
#define ESCAPE_0F38 0x38
#define ESCAPE_0F3A 0x3a

#define RM_SIB 4
#define RM_DISP32 5    /* with mod 0: disp32, RIP-relative in 64-bit mode */
#define RM16_DISP16 6  /* with mod 0 in 16-bit addressing: disp16 */
#define SIB_NO_INDEX 4 /* without REX.X */
#define SIB_NO_BASE 5  /* with mod 0 */

/* Opcode attributes: the ModRM byte, the immediate, and special cases. */
enum {
	I_NONE = 0,
	I_B,     /* ib */
	I_W,     /* iw */
	I_Z,     /* iz: 16 or 32 bits by operand size */
	I_V,     /* iv: 16, 32 or 64 bits by operand size (B8+r) */
	I_MOFFS, /* offset of the address size (A0-A3) */
	I_AP,    /* far pointer: 16-bit selector and 16/32-bit offset */
	I_ENTER, /* iw, ib */
	I_REL8,
	I_RELZ, /* rel16/rel32 */
	I_MASK = 0xf,
};
#define A_MODRM 0x010
#define A_INV64 0x020   /* undefined in 64-bit mode (#UD) */
#define A_INVALID 0x040 /* undefined in every mode */
#define A_UNKNOWN 0x080 /* length not modelled */
#define A_PREFIX 0x100
#define A_GRP3 0x200    /* F6/F7: the immediate belongs to /0 and /1 only */
#define A_MODRM_REG 0x400 /* MOV CR/DR: ModRM always names registers, mod is ignored */
#define A_VEX 0x800     /* C4/C5, 62, 8F: VEX/EVEX/XOP escape in some encodings */

#define N I_NONE
#define M A_MODRM
#define MB (A_MODRM | I_B)
#define MZ (A_MODRM | I_Z)
#define B I_B
#define W I_W
#define Z I_Z
#define V I_V
#define R8 I_REL8
#define RZ I_RELZ
#define X6 A_INV64
#define BAD A_INVALID
#define UNK A_UNKNOWN
#define PFX A_PREFIX

/* Table A-2, the one-byte opcode map. */
static const u16 map1[256] = {
	/* 00 */ M, M, M, M, B, Z, X6, X6, M, M, M, M, B, Z, X6, N,
	/* 10 */ M, M, M, M, B, Z, X6, X6, M, M, M, M, B, Z, X6, X6,
	/* 20 */ M, M, M, M, B, Z, PFX, X6, M, M, M, M, B, Z, PFX, X6,
	/* 30 */ M, M, M, M, B, Z, PFX, X6, M, M, M, M, B, Z, PFX, X6,
	/* 40 */ N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
	/* 50 */ N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
	/* 60 */ X6, X6, M | X6 | A_VEX, M, PFX, PFX, PFX, PFX, Z, MZ, B, MB, N, N, N, N,
	/* 70 */ R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8,
	/* 80 */ MB, MZ, MB | X6, MB, M, M, M, M, M, M, M, M, M, M, M, M | A_VEX,
	/* 90 */ N, N, N, N, N, N, N, N, N, N, I_AP | X6, N, N, N, N, N,
	/* A0 */ I_MOFFS, I_MOFFS, I_MOFFS, I_MOFFS, N, N, N, N, B, Z, N, N, N, N, N, N,
	/* B0 */ B, B, B, B, B, B, B, B, V, V, V, V, V, V, V, V,
	/* C0 */ MB, MB, W, N, M | X6 | A_VEX, M | X6 | A_VEX, MB, MZ, I_ENTER, N, W, N, N, B, X6, N,
	/* D0 */ M, M, M, M, B | X6, B | X6, UNK, N, M, M, M, M, M, M, M, M,
	/* E0 */ R8, R8, R8, R8, B, B, B, B, RZ, RZ, I_AP | X6, R8, N, N, N, N,
	/* F0 */ PFX, N, PFX, PFX, N, N, M | A_GRP3, M | A_GRP3, N, N, N, N, N, N, M, M,
};

/* Table A-3, the two-byte (0F) opcode map. */
static const u16 map2[256] = {
	/* 00 */ M, M, M, M, BAD, N, N, N, N, N, BAD, N, BAD, M, UNK, UNK,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 */ M | A_MODRM_REG, M | A_MODRM_REG, M | A_MODRM_REG, M | A_MODRM_REG, UNK, BAD, UNK, BAD,
	         M, M, M, M, M, M, M, M,
	/* 30 */ N, N, N, N, N, N, BAD, N, UNK, BAD, UNK, BAD, BAD, BAD, BAD, BAD,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ MB, MB, MB, MB, M, M, M, N, M, M, BAD, BAD, M, M, M, M,
	/* 80 */ RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ N, N, N, M, MB, M, UNK, UNK, N, N, N, M, MB, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M, M, M, MB, M, M, M, M, M,
	/* C0 */ M, M, MB, M, MB, MB, MB, M, N, N, N, N, N, N, N, N,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, UNK,
};

#undef N
#undef M
#undef MB
#undef MZ
#undef B
#undef W
#undef Z
#undef V
#undef R8
#undef RZ
#undef X6
#undef BAD
#undef UNK
#undef PFX

/* Bytes are consumed one at a time: the 15-byte limit comes before running out of input. */
struct cursor {
	const u8 *bytes;
	u32 avail;
	u32 pos;
};

static int next_byte(struct cursor *c, u8 *b)
{
	if (c->pos >= INSN_MAX_LEN)
		return DECODE_INVALID;
	if (c->pos >= c->avail)
		return DECODE_NEED_MORE;
	*b = c->bytes[c->pos++];
	return DECODE_OK;
}

static int peek_byte(const struct cursor *c, u8 *b)
{
	if (c->pos >= INSN_MAX_LEN)
		return DECODE_INVALID;
	if (c->pos >= c->avail)
		return DECODE_NEED_MORE;
	*b = c->bytes[c->pos];
	return DECODE_OK;
}

/* Little-endian, sign-extended from `size` bytes. */
static int read_signed(struct cursor *c, u32 size, i64 *out)
{
	u64 v = 0;
	for (u32 i = 0; i < size; i++) {
		u8 b;
		int r = next_byte(c, &b);
		if (r != DECODE_OK)
			return r;
		v |= (u64)b << (8 * i);
	}
	if (size > 0 && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ULL << (8 * size);
	*out = (i64)v;
	return DECODE_OK;
}

static const i8 seg_of_prefix[256] = {
	[PFX_ES] = VCPU_ES + 1, [PFX_CS] = VCPU_CS + 1, [PFX_SS] = VCPU_SS + 1,
	[PFX_DS] = VCPU_DS + 1, [PFX_FS] = VCPU_FS + 1, [PFX_GS] = VCPU_GS + 1,
};

struct prefix_state {
	bool seg_conflict; /* two different segment overrides */
	bool both_reps;    /* F2 and F3 */
};

/* Legacy prefixes and REX (2.1.1, 2.2.1): a REX counts only right before the opcode. */
static int read_prefixes(struct cursor *c, struct insn *in, struct prefix_state *ps)
{
	for (;;) {
		u8 b;
		int r = peek_byte(c, &b);
		if (r != DECODE_OK)
			return r;
		if (in->mode == CPU_MODE_64 && b >= REX_MIN && b <= REX_MAX) {
			in->rex = b;
		} else if (b == PFX_LOCK) {
			in->p_lock = true;
		} else if (b == PFX_REP || b == PFX_REPNE) {
			if (in->p_rep && in->p_rep != b)
				ps->both_reps = true;
			in->p_rep = b;
		} else if (b == PFX_OPSIZE) {
			in->p_opsize = true;
		} else if (b == PFX_ADDRSIZE) {
			in->p_addrsize = true;
		} else if (seg_of_prefix[b]) {
			i8 s = (i8)(seg_of_prefix[b] - 1);
			if (in->p_seg >= 0 && in->p_seg != s)
				ps->seg_conflict = true;
			in->p_seg = s;
		} else {
			break;
		}
		if (b < REX_MIN || b > REX_MAX || in->mode != CPU_MODE_64)
			in->rex = 0; /* a legacy prefix after a REX cancels it */
		c->pos++;
		in->nprefixes++;
	}
	in->rex_w = (in->rex & REX_W) != 0;
	in->rex_r = (in->rex & REX_R) != 0;
	in->rex_x = (in->rex & REX_X) != 0;
	in->rex_b = (in->rex & REX_B) != 0;
	return DECODE_OK;
}

/* Operand size of instructions that are not byte-sized (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2). */
u8 decode_operand_size(const struct insn *in)
{
	if (in->mode == CPU_MODE_64)
		return in->rex_w ? 64 : in->p_opsize ? 16 : 32;
	if (in->mode == CPU_MODE_32)
		return in->p_opsize ? 16 : 32;
	return in->p_opsize ? 32 : 16;
}

static u8 address_size(const struct insn *in)
{
	if (in->mode == CPU_MODE_64)
		return in->p_addrsize ? 32 : 64;
	if (in->mode == CPU_MODE_32)
		return in->p_addrsize ? 16 : 32;
	return in->p_addrsize ? 32 : 16;
}

/* 16-bit addressing (table 2-1): base and index of r/m 0-7; r/m 6 with mod 0 is disp16. */
static const i8 base16[8] = {VCPU_RBX, VCPU_RBX, VCPU_RBP, VCPU_RBP, VCPU_RSI, VCPU_RDI,
                             VCPU_RBP, VCPU_RBX};
static const i8 index16[8] = {VCPU_RSI, VCPU_RDI, VCPU_RSI, VCPU_RDI, INSN_REG_NONE,
                              INSN_REG_NONE, INSN_REG_NONE, INSN_REG_NONE};

static int read_mem16(struct cursor *c, struct insn *in)
{
	struct insn_mem *m = &in->mem;
	u32 disp = 0;
	if (in->mod == 0 && in->rm == RM16_DISP16) {
		disp = 2;
	} else {
		m->base = base16[in->rm];
		m->index = index16[in->rm];
		disp = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
	}
	if (m->base == VCPU_RBP)
		m->seg = VCPU_SS; /* BP-based forms address the stack (SDM Vol. 1 3.7.4.1) */
	in->disp_size = (u8)disp;
	return read_signed(c, disp, &m->disp);
}

/* 32/64-bit addressing (tables 2-2, 2-3; 2.2.1.3 to 2.2.1.6 for REX and RIP-relative). */
static int read_mem32(struct cursor *c, struct insn *in)
{
	struct insn_mem *m = &in->mem;
	u32 disp = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;
	if (in->rm == RM_SIB) {
		int r = next_byte(c, &in->sib);
		if (r != DECODE_OK)
			return r;
		in->has_sib = true;
		u8 idx = (u8)(((in->sib >> 3) & 7) | (in->rex_x ? 8 : 0));
		u8 base = in->sib & 7;
		m->scale = (u8)(1u << (in->sib >> 6));
		m->index = idx == SIB_NO_INDEX ? INSN_REG_NONE : (i8)idx;
		if (base == SIB_NO_BASE && in->mod == 0) {
			disp = 4;
		} else {
			m->base = (i8)(base | (in->rex_b ? 8 : 0));
		}
	} else if (in->rm == RM_DISP32 && in->mod == 0) {
		disp = 4;
		if (in->mode == CPU_MODE_64)
			m->base = INSN_REG_RIP;
	} else {
		m->base = (i8)(in->rm | (in->rex_b ? 8 : 0));
	}
	if (m->base == VCPU_RSP || m->base == VCPU_RBP)
		m->seg = VCPU_SS;
	in->disp_size = (u8)disp;
	return read_signed(c, disp, &m->disp);
}

/* The segment of a memory operand: the override, else the default. In 64-bit mode the CS,
 * DS, ES and SS overrides are ignored (SDM Vol. 2A 2.2.1.3 note, Vol. 1 3.3.7.1). */
u8 decode_effective_segment(const struct insn *in, u8 dflt)
{
	if (in->p_seg < 0)
		return dflt;
	if (in->mode == CPU_MODE_64 && in->p_seg != VCPU_FS && in->p_seg != VCPU_GS)
		return dflt;
	return (u8)in->p_seg;
}

static int read_modrm(struct cursor *c, struct insn *in, bool reg_only)
{
	int r = next_byte(c, &in->modrm);
	if (r != DECODE_OK)
		return r;
	in->has_modrm = true;
	in->mod = in->modrm >> 6;
	in->reg = (in->modrm >> 3) & 7;
	in->rm = in->modrm & 7;
	in->mem.seg = VCPU_DS;
	in->mem.scale = 1;
	if (reg_only || in->mod == MODRM_MOD_REG)
		return DECODE_OK;
	r = in->addrsize == 16 ? read_mem16(c, in) : read_mem32(c, in);
	in->mem.seg = decode_effective_segment(in, in->mem.seg);
	return r;
}

/* Bytes of the immediate (or moffs, or far pointer) that `attr` names. */
static u32 imm_bytes(const struct insn *in, u16 attr)
{
	u8 osz = decode_operand_size(in);
	switch (attr & I_MASK) {
	case I_B:
	case I_REL8:
		return 1;
	case I_W:
		return 2;
	case I_Z:
		return osz == 16 ? 2 : 4;
	case I_V:
		return osz / 8;
	case I_MOFFS:
		return in->addrsize / 8;
	case I_AP:
		return osz == 16 ? 4 : 6;
	case I_ENTER:
		return 3;
	case I_RELZ:
		/* In 64-bit mode near branches take rel32 whatever 66 says (SDM Vol. 2A 2.2.1.7;
		 * AMD processors differ, which is why classify_branch keeps 66 out of the subset). */
		if (in->mode == CPU_MODE_64)
			return 4;
		return osz == 16 ? 2 : 4;
	default:
		return 0;
	}
}

/*
 * Escapes whose length this decoder does not model: VEX (C4/C5), EVEX (62) and XOP (8F).
 * Outside 64-bit mode C4, C5 and 62 are LES, LDS and BOUND unless ModRM.mod is 3 (2.3.5).
 */
static int check_vex(const struct cursor *c, const struct insn *in, bool *vex)
{
	u8 next;
	int r = peek_byte(c, &next);
	if (r != DECODE_OK)
		return r;
	if (in->opcode == 0x8f) /* POP Ev is /0; any other reg field is XOP (AMD) */
		*vex = ((next >> 3) & 7) != 0;
	else
		*vex = in->mode == CPU_MODE_64 || (next >> 6) == MODRM_MOD_REG;
	return DECODE_OK;
}

/* Opcode, ModRM/SIB/displacement and immediate; leaves in->length 0 when not modelled. */
static int read_body(struct cursor *c, struct insn *in)
{
	u8 b;
	int r = next_byte(c, &b);
	if (r != DECODE_OK)
		return r;
	in->map = 1;
	if (b == ESCAPE_0F) {
		r = next_byte(c, &b);
		if (r != DECODE_OK)
			return r;
		in->map = 2;
		if (b == ESCAPE_0F38 || b == ESCAPE_0F3A) {
			in->map = 3;
			in->opcode = b;
			return DECODE_NOT_SUBSET;
		}
	}
	in->opcode = b;
	u16 attr = in->map == 1 ? map1[b] : map2[b];
	if (attr & A_INVALID)
		return DECODE_INVALID;
	if ((attr & A_VEX)) {
		bool vex = false;
		r = check_vex(c, in, &vex);
		if (r != DECODE_OK)
			return r;
		if (vex)
			return DECODE_NOT_SUBSET;
	}
	if ((attr & A_INV64) && in->mode == CPU_MODE_64)
		return DECODE_INVALID;
	if (attr & A_UNKNOWN)
		return DECODE_NOT_SUBSET;
	/* 0F 78/79 are VMREAD/VMWRITE; with 66 or F2 they are AMD's EXTRQ/INSERTQ with immediates.
	 * 0F B8 is POPCNT only with F3. */
	if (in->map == 2 && (b == 0x78 || b == 0x79) && (in->p_opsize || in->p_rep))
		return DECODE_NOT_SUBSET;
	if (in->map == 2 && b == 0xb8 && in->p_rep != PFX_REP)
		return DECODE_NOT_SUBSET;
	if (attr & A_MODRM) {
		r = read_modrm(c, in, (attr & A_MODRM_REG) != 0);
		if (r != DECODE_OK)
			return r;
	}
	u32 n = imm_bytes(in, attr);
	if ((attr & A_GRP3) && in->reg == 0)
		n = b == 0xf6 ? 1 : decode_operand_size(in) == 16 ? 2 : 4;
	if ((attr & A_GRP3) && in->reg == 1)
		return DECODE_NOT_SUBSET; /* TEST alias, reserved in the SDM's group 3 */
	/* Group 11: /0 is MOV, C6 F8 XABORT ib, C7 F8 XBEGIN rel16/32; the rest is reserved. */
	if (in->map == 1 && (b == 0xc6 || b == 0xc7) && in->reg != 0 && in->modrm != 0xf8)
		return DECODE_INVALID;
	if (in->map == 1 && b == 0xfe && in->reg >= 2)
		return DECODE_INVALID; /* group 4 defines /0 and /1 only */
	if (in->map == 1 && b == 0xff && in->reg == 7)
		return DECODE_INVALID; /* group 5 leaves /7 undefined */
	i64 imm = 0;
	if ((attr & I_MASK) == I_MOFFS) {
		r = read_signed(c, n, &in->mem.disp);
		in->disp_size = (u8)n;
		if (n < 8)
			in->mem.disp &= (i64)((1ULL << (8 * n)) - 1);
	} else {
		r = read_signed(c, n, &imm);
		in->imm_size = (u8)n;
		in->imm = (u64)imm;
	}
	if (r != DECODE_OK)
		return r;
	in->length = (u8)c->pos;
	return DECODE_OK;
}

int decode_insn(const u8 *bytes, u32 avail, enum cpu_mode mode, struct insn *out)
{
	struct cursor c = {.bytes = bytes, .avail = avail};
	struct prefix_state ps = {0};
	*out = (struct insn){.mode = (u8)mode, .p_seg = -1};
	out->mem.base = out->mem.index = INSN_REG_NONE;
	int r = read_prefixes(&c, out, &ps);
	if (r != DECODE_OK)
		return r;
	out->addrsize = address_size(out);
	r = read_body(&c, out);
	if (r != DECODE_OK) {
		if (r != DECODE_NOT_SUBSET)
			out->length = 0;
		return r;
	}
	if (out->p_lock || ps.seg_conflict || ps.both_reps)
		return DECODE_NOT_SUBSET;
	r = decode_classify(out);
	if (r != DECODE_OK)
		out->nops = 0;
	return r;
}
