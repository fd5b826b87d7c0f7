/*
 * What the interpreter's files share (interp.c: data, port IO and branches; interp_string.c:
 * INS/OUTS; interp_stack.c: the stack and the calls): operand access, memory access with the guest's checks, and retiring an
 * instruction. Not for use outside the interpreter. Pure C.
 */
#ifndef DISPATCHER_INTERP_PRIV_H
#define DISPATCHER_INTERP_PRIV_H

#include "interp.h"

/* A located memory operand: its linear address, length and whether it is written. */
struct memref {
	u64 linear;
	u32 len;
	bool write;
};

/* All ones in the low `bits` bits (8, 16, 32, 64): an operand or address of that width. */
static inline u64 mask_bits(u32 bits) { return bits >= 64 ? ~0ULL : (1ULL << bits) - 1; }

u64 interp_reg_read(const struct vcpu *v, const struct insn_operand *o);
void interp_reg_write(struct vcpu *v, const struct insn_operand *o, u64 val, bool long64);
/* The address of the next instruction (wrapped to 32 bits outside 64-bit mode). */
u64 interp_next_ip(const struct vcpu *v, const struct insn *in);
/* #AC would be raised (SDM Vol. 3A 7.15). */
bool interp_alignment_fault(const struct vcpu *v, u64 linear, u32 len);
/* Little-endian load and store through the guest's paging with its CPL; false where native
 * execution would fault or the memory is not RAM (nothing is then changed). */
bool interp_mem_load(struct vcpu *v, const struct memref *m, u64 *val);
bool interp_mem_store(struct vcpu *v, u64 linear, u32 len, u64 val);
/* Sets RIP and marks the instruction retired. */
void interp_retire(struct vcpu *v, u64 rip, struct interp_result *res);
bool interp_canonical(const struct vcpu *v, u64 addr);

/* The linear address of [ea, ea+len) in segment seg and 0, or the vector of the fault native
 * execution raises on segmentation (#GP or #SS, error code 0; SDM Vol. 3A 6.3, 6.4). */
int interp_seg_fault(const struct vcpu *v, bool long64, u8 seg, u64 ea, u64 len, bool write,
                     u64 *linear);
/* The same, false where it faults or where the model ends. */
bool interp_seg_linear(const struct vcpu *v, bool long64, u8 seg, u64 ea, u64 len, bool write,
                       u64 *linear);

/* interp_string.c: INS and OUTS, REP included; the range a REP INS writes, or -1. */
int interp_exec_string(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                       struct interp_result *res);
int interp_string_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len);

/* interp_stack.c: PUSH, POP, CALL, RET, CALL/JMP through a register (64-bit mode). */
int interp_exec_stack(struct vcpu *v, const struct insn *in, struct interp_result *res);
/* The 8 bytes a PUSH or CALL would write, or -1. */
int interp_stack_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len);

#endif
