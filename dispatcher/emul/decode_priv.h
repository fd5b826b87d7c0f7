/*
 * What the decoder's files share (decode.c: the instruction format; decode_subset.c: the
 * subset's kinds and operands). Not for use outside the decoder. Pure C.
 */
#ifndef DISPATCHER_DECODE_PRIV_H
#define DISPATCHER_DECODE_PRIV_H

#include "decode.h"

#define PFX_REPNE 0xf2
#define PFX_REP 0xf3
#define MODRM_MOD_REG 3

/* Operand size of instructions that are not byte-sized (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2). */
u8 decode_operand_size(const struct insn *in);
/* The segment of a memory operand: the override, else dflt (64-bit mode ignores CS, DS, ES
 * and SS overrides: SDM Vol. 2A 2.2.1.3, Vol. 1 3.3.7.1). */
u8 decode_effective_segment(const struct insn *in, u8 dflt);
/* Sets kind, opsize and operands of a read instruction; DECODE_OK or DECODE_NOT_SUBSET. */
int decode_classify(struct insn *in);

#endif
