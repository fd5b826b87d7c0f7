/*
 * The instruction decoder of the interpreter and scanner units (DESIGN.md section 3): decodes
 * ONE x86 instruction (Intel SDM Vol. 2, chapter 2 "Instruction Format" and appendix A
 * "Opcode Map") and says whether it belongs to the subset that the interpreter emulates.
 *
 * The subset (every mode unless noted; anything else is DECODE_NOT_SUBSET):
 *   IO     IN/OUT imm8 and DX forms (E4-E7, EC-EF); INS/OUTS (6C-6F) with or without F3 (REP),
 *          66, 67, and for OUTS a segment override.
 *   MOV    88-8B, B0-BF (REX.W B8+r: imm64), C6 /0, C7 /0, A0-A3 (moffs), MOVZX/MOVSX
 *          (0F B6/B7/BE/BF), MOVSXD (REX.W 63, 64-bit mode only).
 *   ALU    ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in the 00-3D forms and 80/81/83 /0-/7; TEST 84/85,
 *          A8/A9, F6 /0, F7 /0; INC/DEC FE/FF /0 /1 and 40-4F (16/32-bit modes); NOT/NEG
 *          F6/F7 /2 /3; SHL/SHR/SAR by 1, CL and imm8 (D0-D3, C0/C1 /4 /5 /7).
 *   LEA    8D with a memory operand (no memory is accessed).
 *   other  XCHG reg,reg (86/87 with mod = 3, 91-97 and REX.B 90); NOP (90, 0F 1F /0) and
 *          PAUSE (F3 90); JMP rel8/rel (EB/E9), Jcc rel8/rel (70-7F, 0F 80-8F). A branch with a
 *          negative displacement is decoded and flagged `backward`: the scanner decides.
 *   stack  64-bit mode only, without 66: PUSH/POP r64 (50-5F), CALL rel32 (E8), RET (C3),
 *          CALL/JMP r64 (FF /2, FF /4 with mod = 3). The static scanner ends a block before
 *          them; block_follow (trace.h) executes them.
 *   memory every ModRM/SIB form: base + index * scale + displacement, disp32 absolute,
 *          RIP-relative (64-bit mode), and the eight 16-bit forms (BX+SI ...).
 *
 * Not in the subset although the opcode is: a LOCK prefix; F2 or F3 on anything but INS/OUTS
 * (F3 only) and PAUSE (their meaning there is reserved or a hint that could change); two
 * different segment overrides or both F2 and F3 (the SDM leaves repeated prefixes of one
 * group undefined); 66 on a near branch in 64-bit mode (Intel and AMD disagree on its length);
 * XCHG with memory (implicitly locked).
 *
 * Pure C, no allocation: the scanner calls it on bytes read with gmem_peek.
 */
#ifndef DISPATCHER_DECODE_H
#define DISPATCHER_DECODE_H

#include "../../arch/types.h"

/* The default operand and address size of the code: CS.L with EFER.LMA, else CS.D (SDM Vol. 3A
 * 3.4.5; Vol. 1 3.6). */
enum cpu_mode { CPU_MODE_16 = 16, CPU_MODE_32 = 32, CPU_MODE_64 = 64 };

/* The longest instruction the processor accepts; a longer one raises #GP (SDM Vol. 2A 2.1.1). */
#define INSN_MAX_LEN 15

enum decode_result {
	DECODE_OK = 0,          /* in the subset: every field below is valid */
	DECODE_NOT_SUBSET = -1, /* a valid instruction outside the subset; length is 0 when unknown */
	DECODE_NEED_MORE = -2,  /* the bytes end before the instruction does */
	DECODE_INVALID = -3,    /* no instruction: longer than 15 bytes, or an undefined encoding */
};

enum insn_kind {
	INSN_NONE, /* not in the subset */
	INSN_IN, INSN_OUT, INSN_INS, INSN_OUTS,
	INSN_MOV, INSN_MOVZX, INSN_MOVSX, INSN_MOVSXD,
	INSN_ADD, INSN_OR, INSN_ADC, INSN_SBB, INSN_AND, INSN_SUB, INSN_XOR, INSN_CMP, /* opcode order */
	INSN_TEST, INSN_INC, INSN_DEC, INSN_NOT, INSN_NEG,
	INSN_SHL, INSN_SHR, INSN_SAR,
	INSN_XCHG, INSN_NOP, INSN_PAUSE,
	INSN_JMP, INSN_JCC,
	INSN_LEA,
	/* 64-bit mode only; block_follow runs them (the static scanner ends a block before them) */
	INSN_CALL, INSN_RET, INSN_PUSH, INSN_POP, INSN_CALL_IND, INSN_JMP_IND,
	INSN_KIND_COUNT
};

enum insn_operand_type { OPND_NONE, OPND_REG, OPND_MEM, OPND_IMM };

/* Register numbers are enum vcpu_reg numbers (0-15). */
#define INSN_REG_NONE (-1)
#define INSN_REG_RIP 16 /* mem.base of a RIP-relative operand */

struct insn_operand {
	u8 type; /* enum insn_operand_type */
	u8 size; /* bits: 8, 16, 32, 64 */
	u8 reg;  /* OPND_REG: 0-15 */
	bool high8; /* OPND_REG, size 8: AH, CH, DH, BH (register 4-7 without any REX prefix) */
};

/* The one memory operand an instruction of the subset has: seg:[base + index*scale + disp]. */
struct insn_mem {
	i8 base;  /* INSN_REG_NONE, 0-15, or INSN_REG_RIP */
	i8 index; /* INSN_REG_NONE or 0-15 */
	u8 scale; /* 1, 2, 4, 8 */
	u8 seg;   /* enum vcpu_seg: the override, else DS, or SS for an rSP/rBP base */
	i64 disp; /* sign-extended; a moffs offset is stored zero-extended */
};

/* 64 bytes, no hole larger than a byte (the 8-byte fields first, the kind in a byte): a block
 * stores one per instruction (blockio/table.h). */
struct insn {
	u64 imm;             /* sign-extended to 64 bits (a port number or a count is zero-extended) */
	struct insn_mem mem; /* valid when an operand is OPND_MEM */
	u8 length; /* bytes; 0 when unknown (DECODE_NOT_SUBSET only) */
	u8 mode;   /* enum cpu_mode it was decoded in */
	u8 kind;   /* enum insn_kind */

	/* Prefixes (SDM Vol. 2A 2.1.1, 2.2.1). */
	u8 nprefixes;  /* legacy and REX prefix bytes before the opcode */
	bool p_opsize; /* 66 */
	bool p_addrsize; /* 67 */
	bool p_lock;   /* F0 */
	u8 p_rep;      /* 0, 0xF2 or 0xF3: the last of them */
	i8 p_seg;      /* enum vcpu_seg of the last segment override, or -1 */
	u8 rex;        /* the REX byte in effect (64-bit mode, right before the opcode), else 0 */
	bool rex_w, rex_r, rex_x, rex_b;

	/* Opcode, ModRM, SIB, displacement, immediate. */
	u8 map; /* 1: one-byte map; 2: 0F map; 3: 0F 38 / 0F 3A (never in the subset) */
	u8 opcode;
	bool has_modrm, has_sib;
	u8 modrm, mod, reg, rm; /* reg and rm without the REX bits */
	u8 sib;
	u8 disp_size; /* bytes: 0, 1, 2, 4 (8 for a 64-bit moffs) */
	u8 imm_size;  /* bytes: 0, 1, 2, 4, 8 */

	/* Meaning. */
	u8 opsize;   /* bits: 8, 16, 32, 64: the size of the operation */
	u8 addrsize; /* bits: 16, 32, 64 */
	u8 cond;     /* INSN_JCC: the condition, opcode bits 3:0 (SDM Vol. 2B "Jcc") */
	bool backward; /* INSN_JMP, INSN_JCC: negative displacement */
	bool rep;    /* INSN_INS, INSN_OUTS: F3 */
	u8 nops;
	struct insn_operand op[2]; /* destination first (Intel order) */
};
_Static_assert(sizeof(struct insn) == 64, "64 bytes per decoded instruction");

/* The IO instructions (IN, OUT, INS, OUTS): the kinds that cause an IO exit (DESIGN.md section 3,
 * the interpreter unit's first job); the string forms among them. */
static inline bool insn_is_io(enum insn_kind k)
{
	return k == INSN_IN || k == INSN_OUT || k == INSN_INS || k == INSN_OUTS;
}
static inline bool insn_is_string_io(enum insn_kind k) { return k == INSN_INS || k == INSN_OUTS; }

/* Decodes the instruction at bytes[0..avail) as code of `mode`; see enum decode_result. */
int decode_insn(const u8 *bytes, u32 avail, enum cpu_mode mode, struct insn *out);

/* A static name for a kind ("add", "in", ...), for logs and tests. */
const char *insn_kind_name(enum insn_kind kind);

#endif
