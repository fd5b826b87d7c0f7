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
#include "emul/interp.h"
#include "vcpu/breakpoints.h"
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
#define IOI_ASZ_16 0u
#define IOI_ASZ_32 1u
/* Longest REP string run handled in one exit: bounds the time the guest is held. */
#define IO_STRING_MAX_ITERATIONS 4096

/* The guest's own accesses from an exit, counted per port (stats_ports.h). */
static u32 port_in(struct dispatcher *d, u16 port, u32 size)
{
	ports_access(&d->stats.ports, port, true, false);
	return dispatch_port_in(d, port, (u8)size);
}
static void port_out(struct dispatcher *d, u16 port, u32 size, u32 val)
{
	ports_access(&d->stats.ports, port, false, false);
	dispatch_port_out(d, port, (u8)size, val);
}

static u32 exit_bus_in(void *ctx, u16 port, u8 size) { return port_in(ctx, port, size); }
static void exit_bus_out(void *ctx, u16 port, u8 size, u32 val) { port_out(ctx, port, size, val); }

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

/* The INS/OUTS that the exit reports, as the interpreter describes an instruction: exit
 * qualification (SDM Vol. 3C 28.2.1, table 28-5) for the size and REP, the VM-exit instruction
 * information (28.2.5, table 28-8) for the address size and OUTS's segment. */
static struct insn string_insn(struct vcpu *v, u32 size, bool in, bool rep)
{
	u32 asz_code = (v->exit.instr_info >> IOI_ADDR_SIZE_SHIFT) & IOI_ADDR_SIZE_MASK;
	u32 segi = (v->exit.instr_info >> IOI_SEG_SHIFT) & IOI_SEG_MASK;
	struct insn i = {
		.length = (u8)v->exit.instr_len,
		.mode = (u8)interp_cpu_mode(v),
		.kind = in ? INSN_INS : INSN_OUTS,
		.opsize = (u8)(8 * size),
		.addrsize = asz_code == IOI_ASZ_16 ? 16 : asz_code == IOI_ASZ_32 ? 32 : 64,
		.rep = rep,
	};
	i.mem.seg = (u8)(in ? VCPU_ES : segi < VCPU_NSEGS ? segi : VCPU_DS);
	return i;
}

/* The exception an emulated instruction raises, as the processor would deliver it. */
static void inject_fault(struct vcpu *v, const struct interp_fault *f)
{
	if (f->vector == X86_EXC_PF)
		vcpu_inject_pf(v, f->cr2, f->error);
	else
		vcpu_inject_exception(v, f->vector, true, f->error);
}

/*
 * INS/OUTS, with REP: the interpreter's string-IO engine runs it (interp_string_exit: the
 * iterations, their faults and #DB traps as on the processor, at most IO_STRING_MAX_ITERATIONS
 * per exit); here its fault is delivered, or the guest ended on memory that is not RAM.
 */
static void string_io(struct dispatcher *d, struct vcpu *v, u16 port, u32 size, bool in, bool rep)
{
	struct insn i = string_insn(v, size, in, rep);
	struct interp_string_exit x = {
		.max_iterations = IO_STRING_MAX_ITERATIONS,
		.port = port,
		.ones_start = LEGACY_HOLE_START,
		.ones_end = LEGACY_HOLE_END,
	};
	struct interp_io bus = {d, exit_bus_in, exit_bus_out}; /* counted as the exit's own accesses */
	int r = interp_string_exit(v, &i, &bus, &x);
	if (r == INTERP_FAULT) {
		inject_fault(v, &x.fault);
	} else if (r == INTERP_STOP) {
		con_log("string IO at 0x%llx touches guest-physical memory that is not RAM\n",
		        (unsigned long long)x.linear);
		vcpu_end(v, HV_EXIT_GUEST_FAULT, "string IO outside guest RAM");
	}
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
