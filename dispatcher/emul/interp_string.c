/*
 * INS and OUTS with and without REP (SDM Vol. 2A "INS", Vol. 2B "OUTS", "REP"): the whole range
 * is checked as native execution would check each iteration before the first port access,
 * then the iterations run in order. Part of the interpreter (interp.h).
 */
#include "interp_priv.h"
#include "../vcpu/gmem.h"
#include "../../arch/x86.h"


/* The whole memory range of a string IO instruction, checked as native execution would
 * check each iteration. */
struct string_plan {
	u64 count;  /* iterations */
	u32 size;   /* element bytes */
	u64 start;  /* rSI/rDI, masked to the address size */
	u64 lo;     /* lowest offset touched */
	u64 linear; /* linear address of lo */
	u64 span;   /* bytes touched */
	bool down;  /* RFLAGS.DF */
	enum vcpu_reg idx;
};

/*
 * In 64-bit mode with a 32-bit address size the processor uses ECX/ESI/EDI; whether it clears
 * bits 63:32 of the registers it updates is not spelled out, so those cases go native.
 */
static bool string_plan(const struct vcpu *v, const struct insn *in, struct string_plan *p)
{
	bool ins = in->kind == INSN_INS;
	u64 amask = mask_bits(in->addrsize);
	p->idx = ins ? VCPU_RDI : VCPU_RSI;
	p->size = in->opsize / 8u;
	p->count = in->rep ? v->gpr[VCPU_RCX] & amask : 1;
	p->down = (v->rflags & RFLAGS_DF) != 0;
	p->start = v->gpr[p->idx] & amask;
	if (in->mode == CPU_MODE_64 && in->addrsize == 32 &&
	    ((v->gpr[p->idx] >> 32) || (in->rep && (v->gpr[VCPU_RCX] >> 32))))
		return false;
	if (p->count == 0)
		return true;
	if (p->count > INTERP_STRING_MAX_BYTES / p->size)
		return false;
	p->span = p->count * p->size;
	u64 back = (p->count - 1) * p->size;
	if (p->down && p->start < back)
		return false; /* wraps at the address size: left to native execution */
	p->lo = p->down ? p->start - back : p->start;
	if (p->lo + p->span - 1 > amask)
		return false;
	if (!interp_seg_linear(v, in->mode == CPU_MODE_64, in->mem.seg, p->lo, p->span, ins, &p->linear))
		return false;
	return !interp_alignment_fault(v, p->linear, p->size);
}

/* Every page of the range translated, permitted and RAM, with no flag set. */
static bool string_check(struct vcpu *v, const struct string_plan *p, bool write)
{
	enum vcpu_access acc = write ? VCPU_WRITE : VCPU_READ;
	u64 end = p->linear + p->span;
	for (u64 a = p->linear; a < end; a = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE) {
		u8 b;
		if (gmem_peek(v, a, &b, 1, acc, v->cpl == 3, NULL) != GMEM_OK)
			return false;
	}
	return true;
}

static void string_registers(struct vcpu *v, const struct insn *in, const struct string_plan *p,
                             u64 done)
{
	u64 amask = mask_bits(in->addrsize);
	u64 moved = done * p->size;
	u64 off = p->down ? p->start - moved : p->start + moved;
	vcpu_set_reg(v, p->idx, (v->gpr[p->idx] & ~amask) | (off & amask));
	if (in->rep)
		vcpu_set_reg(v, VCPU_RCX, (v->gpr[VCPU_RCX] & ~amask) | ((p->count - done) & amask));
}

/*
 * INS/OUTS, REP included (SDM Vol. 2A "INS", Vol. 2B "OUTS", "REP"): the whole range is checked
 * before the first port access, then the iterations run in order, each port access next to
 * its memory access, as the processor does them.
 */
int interp_exec_string(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                       struct interp_result *res)
{
	bool ins = in->kind == INSN_INS;
	struct string_plan p = {0};
	if (!string_plan(v, in, &p))
		return INTERP_STOP;
	if (p.count && !string_check(v, &p, ins))
		return INTERP_STOP;
	u16 port = 0;
	u8 size = 0;
	interp_io_ports(in, v, &port, &size);
	res->port = port;
	res->io_size = size;
	res->mem = p.count != 0;
	res->mem_write = ins && p.count;
	res->mem_linear = p.linear;
	res->mem_len = (u32)p.span;
	for (u64 i = 0; i < p.count; i++) {
		u64 off = p.down ? p.start - i * p.size : p.start + i * p.size;
		u64 linear = p.linear + (off - p.lo);
		bool ok;
		if (ins) {
			/* the element's memory is checked again before the port is read */
			u8 probe[4];
			ok = gmem_peek(v, linear, probe, p.size, VCPU_WRITE, v->cpl == 3, NULL) == GMEM_OK &&
			     interp_mem_store(v, linear, p.size, io->in(io->ctx, port, size));
		} else {
			struct memref m = {.linear = linear, .len = p.size};
			u64 val = 0;
			ok = interp_mem_load(v, &m, &val);
			if (ok)
				io->out(io->ctx, port, size, (u32)val);
		}
		if (!ok) { /* only if the accesses rewrote the range's own paging entries */
			string_registers(v, in, &p, i);
			res->rip = v->rip;
			return INTERP_PARTIAL;
		}
		res->io_count++;
	}
	string_registers(v, in, &p, p.count);
	interp_retire(v, interp_next_ip(v, in), res);
	return INTERP_OK;
}

int interp_string_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len)
{
	struct string_plan p = {0};
	if (!string_plan(v, in, &p) || p.count == 0)
		return -1;
	*linear = p.linear;
	*len = p.span;
	return 0;
}
