/*
 * The precompiled forms; see interp_fast.h. Register widths: SDM Vol. 1 3.4.1.1 (an 8- or
 * 16-bit write keeps the rest of the register, a 32-bit write zero-extends in 64-bit mode and
 * keeps bits 63:32 elsewhere); IN/OUT: Vol. 2A "IN", Vol. 2B "OUT"; JMP: Vol. 2A "JMP".
 */
#include "interp_fast.h"

static u64 bits_mask(u32 bits) { return bits >= 64 ? ~0ULL : (1ULL << bits) - 1; }

/* keep/shift for a write of `size` bits to operand o in code that is (or is not) 64-bit */
static void dest(struct interp_fast *f, const struct insn_operand *o, bool long64)
{
	f->dst = o->high8 ? (u8)(o->reg - 4) : o->reg;
	f->dst_shift = o->high8 ? 8 : 0;
	f->mask = bits_mask(o->size);
	bool zero_ext = o->size == 64 || (o->size == 32 && long64);
	f->keep = zero_ext ? 0 : ~(f->mask << f->dst_shift);
}

static bool is_reg(const struct insn_operand *o) { return o->type == OPND_REG; }

static void prepare_port(const struct insn *in, struct interp_fast *f, bool long64)
{
	bool out = in->kind == INSN_OUT;
	const struct insn_operand *port = out ? &in->op[0] : &in->op[1];
	f->kind = out ? INTERP_FAST_OUT : INTERP_FAST_IN;
	f->size = (u8)(in->opsize / 8);
	f->port_dx = port->type != OPND_IMM;
	f->port = (u16)in->imm;
	struct insn_operand acc = {.type = OPND_REG, .size = in->opsize, .reg = VCPU_RAX};
	dest(f, &acc, long64);
}

void interp_fast_prepare(const struct insn *in, u16 offset, const u16 *offsets, u32 n,
                         struct interp_fast *f)
{
	*f = (struct interp_fast){.kind = INTERP_FAST_NONE, .length = in->length};
	bool long64 = in->mode == CPU_MODE_64;
	f->long64 = long64;
	switch (in->kind) {
	case INSN_NOP:
	case INSN_PAUSE:
		f->kind = INTERP_FAST_NOP;
		return;
	case INSN_IN:
	case INSN_OUT:
		prepare_port(in, f, long64);
		return;
	case INSN_MOV:
		/* RSP stays with interp_exec: its write marks VCPU_DIRTY_RSP */
		if (!is_reg(&in->op[0]) || (in->op[0].reg == VCPU_RSP && !in->op[0].high8))
			return;
		if (in->op[1].type == OPND_IMM) {
			dest(f, &in->op[0], long64);
			f->value = ((in->imm & f->mask) << f->dst_shift) & ~f->keep;
			f->kind = INTERP_FAST_MOV_IMM;
		} else if (is_reg(&in->op[1])) {
			dest(f, &in->op[0], long64);
			f->src = in->op[1].high8 ? (u8)(in->op[1].reg - 4) : in->op[1].reg;
			f->src_shift = in->op[1].high8 ? 8 : 0;
			f->kind = INTERP_FAST_MOV_REG;
		}
		return;
	case INSN_JMP: {
		/* only a target that is an instruction of the block: it is inside CS, canonical and
		 * reached without wrapping when the block is (interp_fast_ready); a 16-bit operand
		 * size outside 16-bit code wraps the target at 64 KiB: interp_exec decides */
		if (in->opsize == 16 && in->mode != CPU_MODE_16)
			return;
		u64 target = (u64)offset + in->length + in->imm;
		for (u32 i = 0; i < n; i++) {
			if (offsets[i] == target) {
				f->kind = INTERP_FAST_JMP;
				f->target = (u16)target;
			}
		}
		return;
	}
	default:
		return;
	}
}

bool interp_fast_ready(const struct vcpu *v, u8 mode, u32 len)
{
	if ((enum cpu_mode)mode != interp_cpu_mode(v))
		return false;
	if (mode == CPU_MODE_64)
		return true;
	/* every instruction, and every in-block JMP target, below the limit and without the
	 * instruction pointer wrapping (at 64 KiB for 16-bit code: its JMPs wrap there) */
	u64 wrap = mode == CPU_MODE_16 ? 0x10000ULL : 0x100000000ULL;
	return v->rip + len - 1 <= vcpu_seg(v, VCPU_CS)->limit && v->rip + len <= wrap;
}
