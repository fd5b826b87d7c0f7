/*
 * The stack and call instructions of the subset, 64-bit mode only (decode.h): PUSH r64, POP r64
 * (SDM Vol. 2B "PUSH", "POP"), CALL rel32 and CALL r64 (Vol. 2A "CALL", near forms), JMP r64
 * (Vol. 2A "JMP"), RET (Vol. 2B "RET", near form without an immediate). In 64-bit mode the
 * stack operand is 8 bytes at SS:RSP with SS's base ignored (Vol. 3A 3.4.4); the stack address
 * must be canonical (else #SS) and the target of a branch canonical (else #GP, raised by the
 * branch itself: nothing changes). Every access goes through the guest's paging with its CPL
 * and the #AC rule; where native execution would fault, nothing is changed and the result is
 * INTERP_STOP, as for every instruction of the interpreter.
 */
#include "interp_priv.h"
#include "../vcpu/gmem.h"
#include "../../arch/le.h"

#define STACK_BYTES 8u

/* The slot a push would write: [RSP - 8, RSP). */
static bool push_slot(const struct vcpu *v, u64 *linear)
{
	u64 slot = v->gpr[VCPU_RSP] - STACK_BYTES;
	if (!interp_canonical(v, slot) || !interp_canonical(v, slot + STACK_BYTES - 1) ||
	    interp_alignment_fault(v, slot, STACK_BYTES))
		return false;
	*linear = slot;
	return true;
}

/* Pushes val: the store first, RSP only once it succeeded. */
static bool push(struct vcpu *v, u64 val)
{
	u64 slot;
	if (!push_slot(v, &slot) || !interp_mem_store(v, slot, STACK_BYTES, val))
		return false;
	vcpu_set_reg(v, VCPU_RSP, slot);
	return true;
}

/* Reads the value at the top of the stack without popping it; `access` sets the accessed
 * flags of the walk as the load does, else nothing changes. */
static bool peek_top(struct vcpu *v, u64 *val, bool access)
{
	u64 top = v->gpr[VCPU_RSP];
	if (!interp_canonical(v, top) || !interp_canonical(v, top + STACK_BYTES - 1) ||
	    interp_alignment_fault(v, top, STACK_BYTES))
		return false;
	if (!access) {
		u8 b[STACK_BYTES];
		if (gmem_peek(v, top, b, STACK_BYTES, VCPU_READ, v->cpl == 3, NULL) != GMEM_OK)
			return false;
		*val = le_rd64(b);
		return true;
	}
	struct memref m = {.linear = top, .len = STACK_BYTES, .write = false};
	return interp_mem_load(v, &m, val);
}

static int branch_to(struct vcpu *v, u64 target, struct interp_result *res)
{
	res->branch = true;
	interp_retire(v, target, res);
	return INTERP_OK;
}

int interp_exec_stack(struct vcpu *v, const struct insn *in, struct interp_result *res)
{
	if (in->mode != CPU_MODE_64)
		return INTERP_STOP;
	u64 next = interp_next_ip(v, in);
	u64 val;
	switch (in->kind) {
	case INSN_PUSH: /* PUSH RSP pushes RSP as it was before the instruction */
		if (!push(v, interp_reg_read(v, &in->op[0])))
			return INTERP_STOP;
		res->mem = res->mem_write = true;
		res->mem_linear = v->gpr[VCPU_RSP];
		res->mem_len = STACK_BYTES;
		interp_retire(v, next, res);
		return INTERP_OK;
	case INSN_POP:
		if (!peek_top(v, &val, true))
			return INTERP_STOP;
		res->mem = true;
		res->mem_linear = v->gpr[VCPU_RSP];
		res->mem_len = STACK_BYTES;
		/* RSP is incremented first; POP RSP then loads the value read (Vol. 2B "POP") */
		vcpu_set_reg(v, VCPU_RSP, v->gpr[VCPU_RSP] + STACK_BYTES);
		interp_reg_write(v, &in->op[0], val, true);
		interp_retire(v, next, res);
		return INTERP_OK;
	case INSN_CALL:
	case INSN_CALL_IND: {
		u64 target = in->kind == INSN_CALL ? next + in->imm : interp_reg_read(v, &in->op[0]);
		if (!interp_canonical(v, target) || !push(v, next))
			return INTERP_STOP;
		res->mem = res->mem_write = true;
		res->mem_linear = v->gpr[VCPU_RSP];
		res->mem_len = STACK_BYTES;
		return branch_to(v, target, res);
	}
	case INSN_JMP_IND: {
		u64 target = interp_reg_read(v, &in->op[0]);
		if (!interp_canonical(v, target))
			return INTERP_STOP;
		return branch_to(v, target, res);
	}
	case INSN_RET:
		/* the target is checked before the load that would set accessed flags */
		if (!peek_top(v, &val, false) || !interp_canonical(v, val) || !peek_top(v, &val, true))
			return INTERP_STOP;
		res->mem = true;
		res->mem_linear = v->gpr[VCPU_RSP];
		res->mem_len = STACK_BYTES;
		vcpu_set_reg(v, VCPU_RSP, v->gpr[VCPU_RSP] + STACK_BYTES);
		return branch_to(v, val, res);
	default:
		return INTERP_STOP;
	}
}

int interp_stack_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len)
{
	if (in->mode != CPU_MODE_64 ||
	    (in->kind != INSN_PUSH && in->kind != INSN_CALL && in->kind != INSN_CALL_IND))
		return -1;
	if (!push_slot(v, linear))
		return -1;
	*len = STACK_BYTES;
	return 0;
}
