/*
 * INS and OUTS with and without REP (SDM Vol. 2A "INS", Vol. 2B "OUTS", "REP"), the one
 * string-IO engine of microhv: a block runs them through interp_exec (all or nothing: the whole
 * range is checked first), an IO exit through interp_string_exit (iteration by iteration, with
 * the fault the processor would raise). Both do each element with string_element and move
 * rCX/rSI/rDI with string_advance. Part of the interpreter (interp.h).
 */
#include "interp_priv.h"
#include "../vcpu/breakpoints.h"
#include "../vcpu/gmem.h"
#include "../../arch/x86.h"

/* What every iteration of one string IO instruction shares. */
struct string_iter {
	bool ins;
	bool long64;
	bool rep;
	u8 seg;            /* INS: always ES; OUTS: DS or the override */
	u32 size;          /* element bytes */
	u16 port;          /* DX */
	u64 amask;         /* the address size: rCX, rSI/rDI and the offsets wrap there */
	enum vcpu_reg idx; /* RDI for INS, RSI for OUTS */
	u64 count;         /* iterations: rCX at the address size with REP, else 1 */
};

static void string_iter(const struct vcpu *v, const struct insn *in, struct string_iter *it)
{
	u8 size = 0;
	it->ins = in->kind == INSN_INS;
	it->long64 = in->mode == CPU_MODE_64;
	it->rep = in->rep;
	it->seg = it->ins ? VCPU_ES : in->mem.seg;
	interp_io_ports(in, v, &it->port, &size);
	it->size = size;
	it->amask = mask_bits(in->addrsize);
	it->idx = it->ins ? VCPU_RDI : VCPU_RSI;
	it->count = in->rep ? v->gpr[VCPU_RCX] & it->amask : 1;
}

/* One iteration done: rSI/rDI moves by the element size (down with RFLAGS.DF), rCX counts down;
 * both at the address size, the bits above it kept. */
static void string_advance(struct vcpu *v, const struct string_iter *it)
{
	u64 off = v->gpr[it->idx];
	off = (v->rflags & RFLAGS_DF) ? off - it->size : off + it->size;
	vcpu_set_reg(v, it->idx, (v->gpr[it->idx] & ~it->amask) | (off & it->amask));
	if (it->rep)
		vcpu_set_reg(v, VCPU_RCX, (v->gpr[VCPU_RCX] & ~it->amask) | ((v->gpr[VCPU_RCX] - 1) & it->amask));
}

/* OUTS from memory with no RAM in the `ones` range reads all ones, as a MOV from there does;
 * the walk sets its accessed flags as the processor's would. */
static bool ones_read(struct vcpu *v, const struct string_iter *it, u64 linear,
                      const struct interp_string_exit *ones, u32 *val)
{
	u64 gpa;
	if (gmem_touch(v, linear, it->size, VCPU_READ, v->cpl == 3, &gpa, NULL) != GMEM_OK ||
	    gpa < ones->ones_start || gpa + it->size > ones->ones_end)
		return false;
	*val = (u32)mask_bits(8 * it->size);
	return true;
}

/*
 * One element at linear, in the processor's order: INS checks its store before it reads the
 * port (a faulting INS consumes nothing, SDM Vol. 2A "INS"), OUTS reads memory, then writes the
 * port. A gmem result; the fault in *f. `ones` (may be NULL): where OUTS reads all ones.
 */
static int string_element(struct vcpu *v, const struct string_iter *it, u64 linear,
                          const struct interp_io *io, const struct interp_string_exit *ones,
                          struct gmem_fault *f)
{
	bool user = v->cpl == 3;
	u32 val = 0;
	int r;
	if (it->ins) {
		r = gmem_peek(v, linear, &val, it->size, VCPU_WRITE, user, f);
		if (r == GMEM_OK) {
			val = io->in(io->ctx, it->port, (u8)it->size);
			r = gmem_write(v, linear, &val, it->size, user, f);
		}
		return r;
	}
	r = gmem_read(v, linear, &val, it->size, VCPU_READ, user, f);
	if (r == GMEM_NOT_RAM && ones && ones_read(v, it, linear, ones, &val))
		r = GMEM_OK;
	if (r == GMEM_OK)
		io->out(io->ctx, it->port, (u8)it->size, val);
	return r;
}

/* --- Block mode: interp_exec. --- */

/* The whole memory range of a string IO instruction, checked as native execution would
 * check each iteration. */
struct string_plan {
	u64 start;  /* rSI/rDI, masked to the address size */
	u64 lo;     /* lowest offset touched */
	u64 linear; /* linear address of lo */
	u64 span;   /* bytes touched */
};

/*
 * In 64-bit mode with a 32-bit address size the processor uses ECX/ESI/EDI; whether it clears
 * bits 63:32 of the registers it updates is not spelled out, so those cases go native.
 */
static bool string_plan(const struct vcpu *v, const struct insn *in, const struct string_iter *it,
                        struct string_plan *p)
{
	p->start = v->gpr[it->idx] & it->amask;
	if (it->long64 && in->addrsize == 32 &&
	    ((v->gpr[it->idx] >> 32) || (in->rep && (v->gpr[VCPU_RCX] >> 32))))
		return false;
	if (it->count == 0)
		return true;
	if (it->count > INTERP_STRING_MAX_BYTES / it->size)
		return false;
	p->span = it->count * it->size;
	u64 back = (it->count - 1) * it->size;
	bool down = (v->rflags & RFLAGS_DF) != 0;
	if (down && p->start < back)
		return false; /* wraps at the address size: left to native execution */
	p->lo = down ? p->start - back : p->start;
	if (p->lo + p->span - 1 > it->amask)
		return false;
	if (!interp_seg_linear(v, it->long64, it->seg, p->lo, p->span, it->ins, &p->linear))
		return false;
	return !interp_alignment_fault(v, p->linear, it->size);
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

/*
 * The whole range is checked before the first port access, then the iterations run in order,
 * each port access next to its memory access, as the processor does them.
 */
int interp_exec_string(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                       struct interp_result *res)
{
	struct string_iter it;
	struct string_plan p = {0};
	string_iter(v, in, &it);
	if (!string_plan(v, in, &it, &p))
		return INTERP_STOP;
	if (it.count && !string_check(v, &p, it.ins))
		return INTERP_STOP;
	res->port = it.port;
	res->io_size = (u8)it.size;
	res->mem = it.count != 0;
	res->mem_write = it.ins && it.count;
	res->mem_linear = p.linear;
	res->mem_len = (u32)p.span;
	for (u64 i = 0; i < it.count; i++) {
		u64 linear = p.linear + ((v->gpr[it.idx] & it.amask) - p.lo);
		if (string_element(v, &it, linear, io, NULL, NULL) != GMEM_OK) {
			/* only if the accesses rewrote the range's own paging entries */
			res->rip = v->rip;
			return INTERP_PARTIAL;
		}
		string_advance(v, &it);
		res->io_count++;
	}
	interp_retire(v, interp_next_ip(v, in), res);
	return INTERP_OK;
}

int interp_string_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len)
{
	struct string_iter it;
	struct string_plan p = {0};
	string_iter(v, in, &it);
	if (!string_plan(v, in, &it, &p) || it.count == 0)
		return -1;
	*linear = p.linear;
	*len = p.span;
	return 0;
}

/* --- One exit: interp_string_exit. --- */

static int string_fault(struct interp_string_exit *x, u8 vector, u32 error, u64 cr2)
{
	x->fault = (struct interp_fault){.vector = vector, .error = error, .cr2 = cr2};
	return INTERP_FAULT;
}

/*
 * One iteration at the current rSI/rDI, with the checks and the fault of the processor in their
 * order (SDM Vol. 2B "OUTS" and Vol. 2A "INS", "Protected Mode Exceptions" and "64-Bit Mode
 * Exceptions"): segment type and limit (#GP(0), #SS(0) for SS), a non-canonical address (#GP(0),
 * #SS(0) for SS), alignment at CPL 3 (#AC(0)), paging (#PF with its error code and CR2).
 */
static int exit_element(struct vcpu *v, const struct string_iter *it, const struct interp_io *io,
                        struct interp_string_exit *x, u32 *hits)
{
	u64 off = v->gpr[it->idx] & it->amask;
	u64 linear;
	int vector = interp_seg_fault(v, it->long64, it->seg, off, it->size, it->ins, &linear);
	if (vector)
		return string_fault(x, (u8)vector, 0, 0);
	/* a non-canonical address faults first; gmem reports it below */
	if (interp_alignment_fault(v, linear, it->size) && (!it->long64 || interp_canonical(v, linear)))
		return string_fault(x, X86_EXC_AC, 0, 0);
	struct gmem_fault f;
	int r = string_element(v, it, linear, io, x, &f);
	if (r == GMEM_FAULT && f.non_canonical)
		return string_fault(x, it->seg == VCPU_SS ? X86_EXC_SS : X86_EXC_GP, 0, 0);
	if (r == GMEM_FAULT)
		return string_fault(x, X86_EXC_PF, f.pf_error, f.linear);
	if (r != GMEM_OK) {
		x->linear = linear;
		return INTERP_STOP;
	}
	*hits = bp_io_hits(v, it->port, it->size) | bp_data_hits(v, linear, it->size, it->ins);
	string_advance(v, it);
	return INTERP_OK;
}

int interp_string_exit(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                       struct interp_string_exit *x)
{
	struct string_iter it;
	string_iter(v, in, &it);
	it.port = x->port;
	bool step = (v->rflags & RFLAGS_TF) != 0;
	u64 done = 0;
	u32 hits = 0;
	while (done < it.count && done < x->max_iterations && !hits) {
		int r = exit_element(v, &it, io, x, &hits);
		if (r != INTERP_OK)
			return r;
		done++;
		if (step)
			break;
	}
	vcpu_debug_trap(v, hits);
	if (done == it.count) {
		struct interp_result res;
		interp_retire(v, interp_next_ip(v, in), &res);
		vcpu_retire(v);
		return INTERP_OK;
	}
	/* RIP stays: the guest executes the rest, RF set as in the RFLAGS image an interrupt or a
	 * trap between iterations pushes, so that an instruction breakpoint on it does not fire
	 * again when it resumes (SDM Vol. 3B 18.3.1.1) */
	v->rflags |= RFLAGS_RF;
	v->dirty |= VCPU_DIRTY_RFLAGS;
	vcpu_single_step_trap(v);
	return INTERP_PARTIAL;
}
