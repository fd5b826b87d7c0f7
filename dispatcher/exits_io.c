/*
 * IO-instruction exits, one instruction per exit (the block-IO method of
 * DESIGN.md section 3 builds on this). Exit qualification: Intel SDM Vol. 3C
 * 28.2.1, table 28-5; instruction information for INS/OUTS: 28.2.5, table 28-8.
 * The emulated instruction raises the #DB traps the processor would: I/O
 * breakpoints on its ports, data breakpoints on the memory INS/OUTS touch,
 * single-step (breakpoints.h, vcpu_debug_trap).
 */
#include "dispatch.h"
#include "blockio/block_dispatch.h"
#include "vcpu/breakpoints.h"
#include "vcpu/gmem.h"
#include "../arch/console.h"
#include "../arch/shutdown.h"
#include "../arch/x86.h"

#define IOQ_SIZE_MASK 0x7ULL
#define IOQ_IN (1ULL << 3)
#define IOQ_STRING (1ULL << 4)
#define IOQ_REP (1ULL << 5)
#define IOQ_PORT_SHIFT 16
#define IOI_ADDR_SIZE_SHIFT 7
#define IOI_ADDR_SIZE_MASK 0x7u
#define IOI_SEG_SHIFT 15
#define IOI_SEG_MASK 0x7u
/* Longest REP string run handled in one exit: bounds the time the guest is held. */
#define IO_STRING_MAX_ITERATIONS 4096

/* The guest's own accesses from an exit, counted per port (stats_ports.h). */
static u32 port_in(struct dispatcher *d, u16 port, u32 size)
{
	ports_access(&d->stats.ports, port, true, false);
	return iobus_in(&d->board->bus, port, (u8)size);
}
static void port_out(struct dispatcher *d, u16 port, u32 size, u32 val)
{
	ports_access(&d->stats.ports, port, false, false);
	iobus_out(&d->board->bus, port, (u8)size, val);
}

static u64 mask_bytes(u32 bytes) { return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1; }

/* Writes an IN result to AL/AX/EAX: a 32-bit result zero-extends in 64-bit mode (SDM Vol. 1 3.4.1.1). */
static void set_accumulator(struct vcpu *v, u32 size, u32 value)
{
	u64 rax = v->gpr[VCPU_RAX];
	if (size == 4 && vcpu_long_mode(v))
		rax = value;
	else
		rax = (rax & ~mask_bytes(size)) | (value & mask_bytes(size));
	vcpu_set_reg(v, VCPU_RAX, rax);
}

static void inject_page_fault(struct vcpu *v, const struct gmem_fault *f)
{
	if (f->non_canonical) {
		vcpu_inject_gp(v, 0);
		return;
	}
	vcpu_inject_pf(v, f->linear, f->pf_error);
}

/* OUTS from the legacy hole reads all ones, as a MOV from it does (the hole is mapped to a page
 * of ones, README "Guest memory"); the walk sets its accessed flags as the processor's would. */
static bool hole_read(struct vcpu *v, u64 linear, u32 size, bool user, u32 *val)
{
	u64 gpa;
	if (gmem_touch(v, linear, size, VCPU_READ, user, &gpa, 0) != GMEM_OK ||
	    gpa < LEGACY_HOLE_START || gpa + size > LEGACY_HOLE_END)
		return false;
	*val = (u32)mask_bytes(size);
	return true;
}

/*
 * A REP string instruction stopped between iterations, RIP still on it: RF is set, as in the
 * RFLAGS image that an interrupt or a trap after any iteration but the last pushes (SDM Vol. 3B
 * 18.3.1.1), so that an instruction breakpoint on it does not fire again when it resumes.
 */
static void string_io_paused(struct vcpu *v)
{
	v->rflags |= RFLAGS_RF;
	v->dirty |= VCPU_DIRTY_RFLAGS;
	vcpu_single_step_trap(v);
}

/*
 * INS/OUTS, with REP: iterates through guest memory with the guest's paging.
 * A fault stops the instruction where native execution would stop it, with
 * RCX/RSI/RDI reflecting the iterations done, and delivers the fault.
 * A debug trap stops it after the iteration that raised it, as on the processor: with
 * RFLAGS.TF after every iteration (SDM Vol. 2B "REP" and Vol. 3B 18.3.1.4: a single-step
 * trap per iteration), and after an iteration whose port or memory access hit an enabled
 * I/O or data breakpoint (Vol. 3B 18.3.1.2: REP INS/OUTS raise an I/O breakpoint after the
 * first iteration, a data breakpoint after the iteration that accessed it). The guest
 * resumes the rest as after an interrupt.
 */
static void string_io(struct dispatcher *d, struct vcpu *v, u16 port, u32 size, bool in, bool rep)
{
	u32 asz_code = (v->exit.instr_info >> IOI_ADDR_SIZE_SHIFT) & IOI_ADDR_SIZE_MASK;
	u64 amask = asz_code == 0 ? 0xffff : asz_code == 1 ? 0xffffffffULL : ~0ULL;
	u32 segi = in ? VCPU_ES : ((v->exit.instr_info >> IOI_SEG_SHIFT) & IOI_SEG_MASK);
	if (segi >= VCPU_NSEGS)
		segi = VCPU_DS;
	enum vcpu_reg idx = in ? VCPU_RDI : VCPU_RSI;
	u64 seg_base = vcpu_long_mode(v) && segi < VCPU_FS ? 0 : vcpu_seg(v, (enum vcpu_seg)segi)->base;
	i64 delta = (v->rflags & RFLAGS_DF) ? -(i64)size : (i64)size;
	u64 count = rep ? (v->gpr[VCPU_RCX] & amask) : 1;
	u64 done = 0;
	bool user = v->cpl == 3;
	bool step = (v->rflags & RFLAGS_TF) != 0;
	u32 hits = 0;
	while (done < count && done < IO_STRING_MAX_ITERATIONS && !hits) {
		u64 off = v->gpr[idx] & amask;
		u64 linear = seg_base + off;
		if (!vcpu_long_mode(v))
			linear &= 0xffffffffULL;
		struct gmem_fault f;
		u32 val = 0;
		int r;
		if (in) {
			/* the store is checked before the port is read: a faulting INS reads nothing
			 * (SDM Vol. 2A "INS": the processor's order), so the retry sees the same value */
			r = gmem_peek(v, linear, &val, size, VCPU_WRITE, user, &f);
			if (r == GMEM_OK) {
				val = port_in(d, port, size);
				r = gmem_write(v, linear, &val, size, user, &f);
			}
		} else {
			r = gmem_read(v, linear, &val, size, VCPU_READ, user, &f);
			if (r == GMEM_NOT_RAM && hole_read(v, linear, size, user, &val))
				r = GMEM_OK;
			if (r == GMEM_OK)
				port_out(d, port, size, val);
		}
		if (r == GMEM_FAULT) {
			inject_page_fault(v, &f);
			return;
		}
		if (r != GMEM_OK) {
			con_log("string IO at 0x%llx touches guest-physical memory that is not RAM\n",
			        (unsigned long long)linear);
			vcpu_end(v, HV_EXIT_GUEST_FAULT, "string IO outside guest RAM");
			return;
		}
		vcpu_set_reg(v, idx, (v->gpr[idx] & ~amask) | ((off + (u64)delta) & amask));
		done++;
		if (rep)
			vcpu_set_reg(v, VCPU_RCX, (v->gpr[VCPU_RCX] & ~amask) | ((count - done) & amask));
		hits = bp_io_hits(v, port, size) | bp_data_hits(v, linear, size, in);
		if (step)
			break;
	}
	if (done == count)
		vcpu_skip_instruction(v);
	else /* RIP stays: the guest re-executes the rest */
		string_io_paused(v);
	vcpu_debug_trap(v, hits);
}

bool handle_io_block(struct dispatcher *d, struct vcpu *v)
{
	u32 nio;
	if (!block_dispatch(&d->blockio, v, &nio))
		return false;
	d->stats.io_exits++;
	d->stats.io_instructions += nio;
	dispatch_check_board_end(d, v);
	return true;
}

void handle_io(struct dispatcher *d, struct vcpu *v)
{
	ports_exit(&d->stats.ports, (u16)(v->exit.qual >> IOQ_PORT_SHIFT));
	d->io_rip = v->rip;
	if (handle_io_block(d, v))
		return;
	u64 q = v->exit.qual;
	u32 size = (u32)(q & IOQ_SIZE_MASK) + 1;
	bool in = (q & IOQ_IN) != 0;
	u16 port = (u16)(q >> IOQ_PORT_SHIFT);
	d->stats.io_exits++;
	d->stats.io_instructions++;
	tio_record(&d->tio, d->sctl.guest_ticks, v->rip, port, (u8)size, in ? TIO_IN : 0);
	if (q & IOQ_STRING) {
		string_io(d, v, port, size, in, (q & IOQ_REP) != 0);
	} else {
		if (in)
			set_accumulator(v, size, port_in(d, port, size));
		else
			port_out(d, port, size, (u32)(v->gpr[VCPU_RAX] & mask_bytes(size)));
		vcpu_skip_instruction(v);
		vcpu_debug_trap(v, bp_io_hits(v, port, size));
	}
	dispatch_check_board_end(d, v);
}
