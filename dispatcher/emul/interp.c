/*
 * The interpreter unit: one instruction of the subset, exactly or not at all (interp.h).
 * Instruction semantics and flags: Intel SDM Vol. 2 (one page per instruction) and Vol. 1
 * appendix A ("EFLAGS Cross-Reference"); segmentation checks: Vol. 3A 6.3 (limit) and 6.4
 * (type); alignment check: Vol. 3A 7.15 (#AC); register widths: Vol. 1 3.4.1.1.
 *
 * Flags the SDM leaves undefined get one fixed value each, noted where it is set: AF = 0 after
 * AND/OR/XOR/TEST and after shifts, and for shifts by more than one the OF and CF that the
 * one-bit rules give for the last step. tests/diff/run.sh compares them with the processor it
 * runs on (masked, since the SDM allows any value): on the AMD EPYC used so far all agree but
 * AF after shifts, which AMD sets to 1. No Intel processor was at hand to check AF there; 0 is
 * what the common emulators model.
 */
#include "interp.h"
#include "../vcpu/gmem.h"
#include "interp_priv.h"
#include "interp_alu.h"
#include "../../arch/x86.h"

#define LINEAR32 0x100000000ULL
#define CANONICAL_BITS_4LEVEL 48
#define CANONICAL_BITS_5LEVEL 57

enum cpu_mode interp_cpu_mode(const struct vcpu *v)
{
	if (vcpu_long_mode(v))
		return CPU_MODE_64;
	return (vcpu_seg(v, VCPU_CS)->ar & VCPU_AR_DB) ? CPU_MODE_32 : CPU_MODE_16;
}

/* --- Registers. --- */

u64 interp_reg_read(const struct vcpu *v, const struct insn_operand *o)
{
	if (o->high8)
		return (v->gpr[o->reg - 4] >> 8) & 0xff;
	return v->gpr[o->reg] & mask_bits(o->size);
}

void interp_reg_write(struct vcpu *v, const struct insn_operand *o, u64 val, bool long64)
{
	u32 r = o->high8 ? o->reg - 4u : o->reg;
	u64 old = v->gpr[r];
	u64 neu;
	if (o->high8)
		neu = (old & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (o->size == 64 || (o->size == 32 && long64))
		neu = val & mask_bits(o->size);
	else
		neu = (old & ~mask_bits(o->size)) | (val & mask_bits(o->size));
	vcpu_set_reg(v, (enum vcpu_reg)r, neu);
}

/* --- Memory operands. --- */

u64 interp_next_ip(const struct vcpu *v, const struct insn *in)
{
	u64 ip = v->rip + in->length;
	return in->mode == CPU_MODE_64 ? ip : ip & mask_bits(32);
}

static u64 effective_address(const struct vcpu *v, const struct insn *in)
{
	const struct insn_mem *m = &in->mem;
	u64 ea = (u64)m->disp;
	if (m->base == INSN_REG_RIP)
		ea += interp_next_ip(v, in);
	else if (m->base != INSN_REG_NONE)
		ea += v->gpr[m->base];
	if (m->index != INSN_REG_NONE)
		ea += v->gpr[m->index] * m->scale;
	return ea & mask_bits(in->addrsize);
}

/*
 * The linear address of bytes [ea, ea + len) of segment seg, or the fault native execution
 * raises there (SDM Vol. 2 "Protected Mode Exceptions" of each instruction): 64-bit mode uses
 * only the FS and GS bases (Vol. 3A 3.4.4); elsewhere the type (6.4: no write to code or
 * read-only data, no read of execute-only code, no use of a null selector; real mode checks no
 * type) and the limit (6.3; an expand-down segment holds the offsets above it) are checked:
 * #SS(0) for SS, #GP(0) for the others. Outside 64-bit mode the address wraps at 4 GiB.
 */
int interp_seg_fault(const struct vcpu *v, bool long64, u8 seg, u64 ea, u64 len, bool write,
                     u64 *linear)
{
	if (long64) {
		*linear = (seg == VCPU_FS || seg == VCPU_GS ? vcpu_seg(v, (enum vcpu_seg)seg)->base : 0) + ea;
		return 0;
	}
	const struct vcpu_segment *s = vcpu_seg(v, (enum vcpu_seg)seg);
	u64 lo = 0, hi = s->limit;
	if ((v->cr0 & CR0_PE) && !(v->rflags & RFLAGS_VM)) {
		u32 type = s->ar & 0xf;
		if (s->ar & VCPU_AR_UNUSABLE)
			return X86_EXC_GP;
		if (type & VCPU_AR_TYPE_CODE) {
			if (write || !(type & VCPU_AR_TYPE_READABLE))
				return X86_EXC_GP;
		} else if (write && !(type & VCPU_AR_TYPE_WRITABLE)) {
			return X86_EXC_GP;
		} else if (type & VCPU_AR_TYPE_EXPAND_DOWN) {
			lo = (u64)s->limit + 1;
			hi = (s->ar & VCPU_AR_DB) ? mask_bits(32) : mask_bits(16);
		}
	}
	if (ea < lo || ea + len - 1 > hi)
		return seg == VCPU_SS ? X86_EXC_SS : X86_EXC_GP;
	*linear = (s->base + ea) & mask_bits(32);
	return 0;
}

/* interp_seg_fault where it finds no fault, less what this model leaves to native execution:
 * expand-down segments and accesses that wrap at 4 GiB. */
bool interp_seg_linear(const struct vcpu *v, bool long64, u8 seg, u64 ea, u64 len, bool write,
                       u64 *linear)
{
	if (interp_seg_fault(v, long64, seg, ea, len, write, linear))
		return false;
	if (long64)
		return true;
	const struct vcpu_segment *s = vcpu_seg(v, (enum vcpu_seg)seg);
	bool down = (v->cr0 & CR0_PE) && !(v->rflags & RFLAGS_VM) && !(s->ar & VCPU_AR_TYPE_CODE) &&
	            (s->ar & VCPU_AR_TYPE_EXPAND_DOWN);
	return !down && *linear + len <= LINEAR32;
}

/* #AC: CPL 3 with CR0.AM and RFLAGS.AC on a misaligned operand (Vol. 3A 7.15, vector 17). */
bool interp_alignment_fault(const struct vcpu *v, u64 linear, u32 len)
{
	return v->cpl == 3 && (v->cr0 & CR0_AM) && (v->rflags & RFLAGS_AC) && (linear & (len - 1));
}

static bool mem_locate(const struct vcpu *v, const struct insn *in, u32 len, bool write,
                       struct memref *m)
{
	bool long64 = in->mode == CPU_MODE_64;
	u64 ea = effective_address(v, in);
	if (!interp_seg_linear(v, long64, in->mem.seg, ea, len, write, &m->linear))
		return false;
	m->len = len;
	m->write = write;
	return !interp_alignment_fault(v, m->linear, len);
}

static bool user_access(const struct vcpu *v) { return v->cpl == 3; }

/* Little-endian load; a write-intent read checks write access (a read-modify-write). */
bool interp_mem_load(struct vcpu *v, const struct memref *m, u64 *val)
{
	u8 buf[8] = {0};
	enum vcpu_access acc = m->write ? VCPU_WRITE : VCPU_READ;
	if (gmem_read(v, m->linear, buf, m->len, acc, user_access(v), NULL) != GMEM_OK)
		return false;
	u64 x = 0;
	for (u32 i = 0; i < m->len; i++)
		x |= (u64)buf[i] << (8 * i);
	*val = x;
	return true;
}

bool interp_mem_store(struct vcpu *v, u64 linear, u32 len, u64 val)
{
	u8 buf[8];
	for (u32 i = 0; i < len; i++)
		buf[i] = (u8)(val >> (8 * i));
	return gmem_write(v, linear, buf, len, user_access(v), NULL) == GMEM_OK;
}

static void set_arith_flags(struct vcpu *v, const struct alu_out *o)
{
	if (!o->mask)
		return;
	v->rflags = (v->rflags & ~o->mask) | (o->flags & o->mask);
	v->dirty |= VCPU_DIRTY_RFLAGS;
}

/* --- Instructions. --- */

void interp_retire(struct vcpu *v, u64 rip, struct interp_result *res)
{
	vcpu_set_rip(v, rip);
	v->dirty |= VCPU_DIRTY_RETIRED;
	res->rip = rip;
}

static u64 operand_value(const struct vcpu *v, const struct insn *in, const struct insn_operand *o,
                         u64 memval)
{
	if (o->type == OPND_REG)
		return interp_reg_read(v, o);
	if (o->type == OPND_IMM)
		return in->imm & mask_bits(o->size);
	return memval & mask_bits(o->size);
}

static bool reads_destination(enum insn_kind k)
{
	return k != INSN_MOV && k != INSN_MOVZX && k != INSN_MOVSX && k != INSN_MOVSXD;
}

static bool writes_destination(enum insn_kind k) { return k != INSN_CMP && k != INSN_TEST; }

/* The value written to the destination (and the flags) of a data instruction. */
static struct alu_out compute(const struct vcpu *v, const struct insn *in, u64 a, u64 b)
{
	return interp_compute(v->rflags, in->kind, in->op[0].size, in->op[1].size, a, b);
}

static bool zero_shift_count(const struct vcpu *v, const struct insn *in)
{
	bool shift = in->kind == INSN_SHL || in->kind == INSN_SHR || in->kind == INSN_SAR;
	u32 mask = in->op[0].size == 64 ? SHIFT_COUNT_MASK64 : SHIFT_COUNT_MASK32;
	return shift && (operand_value(v, in, &in->op[1], 0) & mask) == 0;
}

/* MOV, MOVZX/MOVSX/MOVSXD, the ALU group, TEST, INC/DEC, NOT/NEG, shifts, XCHG. */
static int exec_data(struct vcpu *v, const struct insn *in, struct interp_result *res)
{
	const struct insn_operand *dst = &in->op[0], *src = &in->op[1];
	const struct insn_operand *mo = dst->type == OPND_MEM ? dst : src->type == OPND_MEM ? src : NULL;
	bool long64 = in->mode == CPU_MODE_64;
	bool rd_dst = reads_destination(in->kind), wr_dst = writes_destination(in->kind);
	struct memref m = {0};
	u64 memval = 0;
	if (mo) {
		bool write = mo == dst && wr_dst;
		/* A shift by 0 of memory: whether the processor writes (and may fault) is not
		 * documented, so native execution decides. */
		if (mo == dst && zero_shift_count(v, in))
			return INTERP_STOP;
		if (!mem_locate(v, in, mo->size / 8u, write, &m))
			return INTERP_STOP;
		bool read = mo == src || rd_dst;
		if (read && !interp_mem_load(v, &m, &memval))
			return INTERP_STOP;
		res->mem = true;
		res->mem_write = write;
		res->mem_linear = m.linear;
		res->mem_len = m.len;
	}
	u64 a = rd_dst ? operand_value(v, in, dst, memval) : 0;
	u64 b = src->type != OPND_NONE ? operand_value(v, in, src, memval) : 0;
	if (in->kind == INSN_XCHG) { /* register forms only: both are written */
		interp_reg_write(v, dst, b, long64);
		interp_reg_write(v, src, a, long64);
	} else {
		struct alu_out o = compute(v, in, a, b);
		if (wr_dst && mo == dst) {
			/* A plain store is checked here; after a read-modify-write's mem_load
			 * (which checked write access to the same bytes) it cannot fail. */
			if (!interp_mem_store(v, m.linear, m.len, o.val))
				return INTERP_STOP;
		} else if (wr_dst) {
			interp_reg_write(v, dst, o.val, long64);
		}
		set_arith_flags(v, &o);
	}
	interp_retire(v, interp_next_ip(v, in), res);
	return INTERP_OK;
}

bool interp_canonical(const struct vcpu *v, u64 addr)
{
	u32 bits = (v->cr4 & CR4_LA57) ? CANONICAL_BITS_5LEVEL : CANONICAL_BITS_4LEVEL;
	return alu_sign_extend(addr, bits) == addr;
}

/* JMP/Jcc rel: the target wraps to the operand size; outside CS's limit or non-canonical it
 * faults (#GP) on the branch itself (Vol. 2A "JMP"), so native execution takes it. */
static int exec_branch(struct vcpu *v, const struct insn *in, struct interp_result *res)
{
	u64 next = interp_next_ip(v, in);
	if (in->kind == INSN_JCC && !interp_condition(v->rflags, in->cond)) {
		interp_retire(v, next, res);
		return INTERP_OK;
	}
	u64 target = (next + in->imm) & mask_bits(in->opsize);
	if (in->mode == CPU_MODE_64 ? !interp_canonical(v, target) : target > vcpu_seg(v, VCPU_CS)->limit)
		return INTERP_STOP;
	res->branch = true;
	interp_retire(v, target, res);
	return INTERP_OK;
}

int interp_io_ports(const struct insn *in, const struct vcpu *v, u16 *port, u8 *size)
{
	if (!insn_is_io(in->kind))
		return -1;
	bool imm = (in->kind == INSN_IN && in->op[1].type == OPND_IMM) ||
	           (in->kind == INSN_OUT && in->op[0].type == OPND_IMM);
	*port = imm ? (u16)in->imm : (u16)v->gpr[VCPU_RDX];
	*size = (u8)(in->opsize / 8);
	return 0;
}

/* IN writes AL/AX/EAX (a 32-bit result zero-extends in 64-bit mode); OUT sends AL/AX/EAX. */
static int exec_port(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                     struct interp_result *res)
{
	u16 port = 0;
	u8 size = 0;
	interp_io_ports(in, v, &port, &size);
	struct insn_operand acc = {.type = OPND_REG, .size = in->opsize, .reg = VCPU_RAX};
	if (in->kind == INSN_IN)
		interp_reg_write(v, &acc, io->in(io->ctx, port, size), in->mode == CPU_MODE_64);
	else
		io->out(io->ctx, port, size, (u32)interp_reg_read(v, &acc));
	res->io_count = 1;
	res->port = port;
	res->io_size = size;
	interp_retire(v, interp_next_ip(v, in), res);
	return INTERP_OK;
}

int interp_exec(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                struct interp_result *res)
{
	*res = (struct interp_result){0};
	if (in->kind == INSN_NONE || in->kind >= INSN_KIND_COUNT || in->length == 0)
		return INTERP_STOP;
	if ((enum cpu_mode)in->mode != interp_cpu_mode(v))
		return INTERP_STOP;
	/* The instruction itself must lie within CS (Vol. 3A 6.3): else its fetch faults. */
	if (in->mode != CPU_MODE_64 && v->rip + in->length - 1 > vcpu_seg(v, VCPU_CS)->limit)
		return INTERP_STOP;
	switch (in->kind) {
	case INSN_MOV:
		/* the register forms, the most common between port accesses: no memory, no flags */
		if (in->op[0].type == OPND_REG && in->op[1].type != OPND_MEM) {
			interp_reg_write(v, &in->op[0], operand_value(v, in, &in->op[1], 0), in->mode == CPU_MODE_64);
			interp_retire(v, interp_next_ip(v, in), res);
			return INTERP_OK;
		}
		return exec_data(v, in, res);
	case INSN_IN:
	case INSN_OUT:
		return exec_port(v, in, io, res);
	case INSN_INS:
	case INSN_OUTS:
		return interp_exec_string(v, in, io, res);
	case INSN_JMP:
	case INSN_JCC:
		return exec_branch(v, in, res);
	case INSN_LEA: /* the effective address in the address size, then cut or zero-extended
	                * to the operand size (Vol. 2A "LEA"); no memory is touched */
		interp_reg_write(v, &in->op[0], effective_address(v, in), in->mode == CPU_MODE_64);
		interp_retire(v, interp_next_ip(v, in), res);
		return INTERP_OK;
	case INSN_CALL:
	case INSN_RET:
	case INSN_PUSH:
	case INSN_POP:
	case INSN_CALL_IND:
	case INSN_JMP_IND:
		return interp_exec_stack(v, in, res);
	case INSN_NOP:
	case INSN_PAUSE: /* the memory operand of 0F 1F is not accessed (Vol. 2B "NOP") */
		interp_retire(v, interp_next_ip(v, in), res);
		return INTERP_OK;
	default:
		return exec_data(v, in, res);
	}
}

int interp_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len)
{
	if (in->kind >= INSN_CALL && in->kind < INSN_KIND_COUNT)
		return interp_stack_write_range(v, in, linear, len);
	if (in->kind == INSN_INS)
		return interp_string_write_range(v, in, linear, len);
	if (in->kind == INSN_NONE || in->kind == INSN_NOP || in->kind == INSN_OUTS ||
	    in->op[0].type != OPND_MEM || !writes_destination(in->kind))
		return -1;
	struct memref m;
	if (!mem_locate(v, in, in->op[0].size / 8u, true, &m))
		return -1;
	*linear = m.linear;
	*len = m.len;
	return 0;
}

bool interp_may_write(const struct insn *in)
{
	if (in->kind == INSN_INS || in->kind == INSN_PUSH || in->kind == INSN_CALL || in->kind == INSN_CALL_IND)
		return true;
	return in->op[0].type == OPND_MEM && writes_destination(in->kind) && in->kind != INSN_NOP &&
	       in->kind != INSN_OUTS;
}
