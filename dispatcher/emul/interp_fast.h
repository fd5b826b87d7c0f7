/*
 * The interpreter's precompiled forms (DESIGN.md section 3, claim 2: a cached block is emulated
 * "decoded form and all"): the register-only instructions that fill device code between port
 * accesses — MOV of an immediate or a register into a register, NOP and PAUSE, IN and OUT with
 * an imm8 or DX port, and a JMP whose target is an instruction of the same block — reduced when
 * the block is designated to the few operations they perform, so that a table hit runs them
 * without the general interpreter's operand walk.
 *
 * interp_fast_exec gives exactly the result of interp_exec on the same instruction (the unit
 * tests compare the two on random states); it may do so only under what interp_exec checks
 * first and a block run checks once (interp_fast_ready): the code mode the block was decoded in,
 * and all of the block's bytes within CS's limit. Anything else (memory operands, flags, RSP,
 * a branch that leaves the block) is INTERP_FAST_NONE and goes through interp_exec. Pure C.
 */
#ifndef DISPATCHER_INTERP_FAST_H
#define DISPATCHER_INTERP_FAST_H

#include "interp.h"

enum interp_fast_kind {
	INTERP_FAST_NONE, /* interp_exec it */
	INTERP_FAST_NOP,
	INTERP_FAST_MOV_IMM, /* reg = value */
	INTERP_FAST_MOV_REG, /* reg = (src >> shift) & mask */
	INTERP_FAST_OUT,
	INTERP_FAST_IN,
	INTERP_FAST_JMP, /* to the instruction at `target` bytes from the block's start */
};

struct interp_fast {
	u8 kind;
	u8 dst;       /* register written (IN: RAX) */
	u8 src;       /* MOV_REG: register read */
	u8 src_shift; /* MOV_REG: 8 for AH..BH */
	u8 dst_shift; /* 8 for AH..BH */
	u8 size;      /* IN/OUT: bytes */
	bool port_dx; /* IN/OUT: the port is DX */
	bool long64;  /* 64-bit code: RIP does not wrap at 32 bits */
	u16 port;     /* IN/OUT: the imm8 port */
	u16 target;   /* JMP */
	u8 length;
	u64 keep;     /* bits of the destination register kept (SDM Vol. 1 3.4.1.1) */
	u64 mask;     /* bits of the value written, before dst_shift */
	u64 value;    /* MOV_IMM: the value, already shifted and masked */
};

/* The precompiled form of `in` at `offset` bytes into a block whose instruction offsets are
 * offsets[0..n); INTERP_FAST_NONE when it has none. */
void interp_fast_prepare(const struct insn *in, u16 offset, const u16 *offsets, u32 n,
                         struct interp_fast *f);

/* Whether the vCPU may run the fast forms of a block of `len` bytes from RIP decoded in
 * `mode`: the mode is the vCPU's and every byte lies within CS (SDM Vol. 3A 6.3). */
bool interp_fast_ready(const struct vcpu *v, u8 mode, u32 len);

/*
 * Executes the fast form f (not INTERP_FAST_NONE) at v->rip, which is `offset` bytes into the
 * block that starts at start_rip. Sets RIP, the registers and the dirty bits as interp_exec
 * does; an IN or OUT goes through io. Returns true for a taken JMP. Inline: a table hit runs it
 * for most of a block's instructions.
 */
static inline bool interp_fast_exec(struct vcpu *v, const struct interp_fast *f, u64 start_rip,
                                    const struct interp_io *io)
{
	u64 next = v->rip + f->length;
	bool taken = false;
	u64 val;
	switch (f->kind) {
	case INTERP_FAST_MOV_IMM:
		v->gpr[f->dst] = (v->gpr[f->dst] & f->keep) | f->value;
		break;
	case INTERP_FAST_MOV_REG:
		val = v->gpr[f->src] >> f->src_shift;
		v->gpr[f->dst] = (v->gpr[f->dst] & f->keep) | (((val & f->mask) << f->dst_shift) & ~f->keep);
		break;
	case INTERP_FAST_OUT:
		io->out(io->ctx, f->port_dx ? (u16)v->gpr[VCPU_RDX] : f->port, f->size,
		        (u32)(v->gpr[VCPU_RAX] & f->mask));
		break;
	case INTERP_FAST_IN:
		val = io->in(io->ctx, f->port_dx ? (u16)v->gpr[VCPU_RDX] : f->port, f->size);
		v->gpr[VCPU_RAX] = (v->gpr[VCPU_RAX] & f->keep) | (val & f->mask);
		break;
	case INTERP_FAST_JMP:
		next = start_rip + f->target;
		taken = true;
		break;
	default: /* INTERP_FAST_NOP */
		break;
	}
	v->rip = f->long64 ? next : next & 0xffffffffULL;
	v->dirty |= VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED;
	return taken;
}

#endif
