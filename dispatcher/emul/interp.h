/*
 * The interpreter unit (DESIGN.md section 3, claim 23): executes one decoded instruction of the
 * subset (decode.h) on struct vcpu exactly as the processor would, or not at all.
 *
 * All or nothing: before any side effect (a register, RFLAGS, RIP, guest memory, an accessed or
 * dirty flag, a port access) every check that native execution would make is made: segment
 * type and limit (outside 64-bit mode), alignment check, paging with the guest's CPL, that the
 * memory is guest RAM, a branch target within CS or canonical. When native execution would
 * fault, or when the outcome depends on something not modelled here, the result is INTERP_STOP
 * and nothing has changed: the guest executes the instruction itself. The interpreter never
 * raises a guest exception: for an INS/OUTS that exited, interp_string_exit reports the fault
 * native execution raises and the caller (exits_io.c) delivers it.
 *
 * IO permission (CPL/IOPL, the TSS bitmap) is not checked here: the scanner checks it with the
 * ports that interp_io_ports names. Nor does it look at TF or debug registers (the scanner ends
 * blocks where those matter).
 *
 * Register writes follow SDM Vol. 1 3.4.1.1: an 8- or 16-bit write keeps the rest of the
 * register, a 32-bit write zero-extends in 64-bit mode and keeps bits 63:32 otherwise.
 *
 * Flags the SDM leaves undefined get fixed values, chosen as documented next to each
 * instruction in interp.c; the differential test (tests/diff/) compares them against the host.
 */
#ifndef DISPATCHER_INTERP_H
#define DISPATCHER_INTERP_H

#include "decode.h"
#include "../vcpu/vcpu.h"

enum interp_status {
	INTERP_OK = 0,
	/* Not executed, nothing changed: native execution must decide (a fault, memory that is not
	 * RAM, an unmodelled case, an instruction of another mode or outside the subset). */
	INTERP_STOP = -1,
	/* REP INS/OUTS only: some iterations ran (RCX, rSI/rDI and the ports reflect them) and RIP
	 * still points at the instruction, the state of a string instruction interrupted between
	 * iterations (SDM Vol. 2B "REP"). Only a string instruction that rewrites its own page
	 * tables gets here (the whole range is checked first). End the block and resume the guest. */
	INTERP_PARTIAL = -2,
	/* interp_string_exit only: the instruction faults, as the processor would fault on it; the
	 * fault to deliver is in struct interp_string_exit, the iterations before it stay done. */
	INTERP_FAULT = -3,
};

/* Longest string IO run executed at once (element size times count): longer ones return
 * INTERP_STOP and run natively, one exit each, like exits_io.c. */
#define INTERP_STRING_MAX_BYTES 4096

struct interp_io {
	void *ctx;
	u32 (*in)(void *ctx, u16 port, u8 size);
	void (*out)(void *ctx, u16 port, u8 size, u32 val);
};

struct interp_result {
	u64 rip;     /* RIP after the instruction (also in v->rip) */
	bool branch; /* a taken JMP or Jcc */
	/* Data memory accessed: one operand, or the whole range of a string IO instruction. */
	bool mem;
	bool mem_write;
	u64 mem_linear;
	u32 mem_len;
	/* Port accesses made (a REP string instruction makes one per iteration). */
	u32 io_count;
	u16 port;
	u8 io_size; /* bytes */
};

/*
 * Executes `in` (decoded from the bytes at v->rip in the vCPU's current mode) on v. Returns an
 * enum interp_status; on INTERP_OK the registers, RFLAGS, RIP and memory are updated, the dirty
 * bits set (VCPU_DIRTY_RETIRED included) and *res describes what was done.
 */
int interp_exec(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                struct interp_result *res);

/* The code mode of the vCPU: 64 with EFER.LMA and CS.L, else 32 with CS.D, else 16 (SDM Vol. 3A
 * 3.4.5). The one place the block units and the dispatcher take it from. */
enum cpu_mode interp_cpu_mode(const struct vcpu *v);

/*
 * For IN/OUT/INS/OUTS: the first port and the access size in bytes (ports port..port+size-1
 * are touched), with the vCPU's DX; returns 0. Returns -1 for any other instruction.
 */
int interp_io_ports(const struct insn *in, const struct vcpu *v, u16 *port, u8 *size);

/*
 * The linear range of guest memory that `in` would write when executed on v now (for a REP
 * INS: all iterations); returns 0 and fills *linear and *len, or -1 when it writes no memory
 * or interp_exec would stop. The scanner uses it to end a block before a write into its own
 * bytes.
 */
int interp_write_range(const struct vcpu *v, const struct insn *in, u64 *linear, u64 *len);

/* A fault that native execution raises: the vector (X86_EXC_GP, _SS, _PF or _AC), its error
 * code (these four always push one) and, for #PF, the linear address CR2 takes. */
struct interp_fault {
	u8 vector;
	u32 error;
	u64 cr2;
};

/* The one-exit path's INS/OUTS: what it asks (in) and what it gets back (out). */
struct interp_string_exit {
	u32 max_iterations;       /* in: iterations run at most in one exit (the guest is held) */
	u16 port;                 /* in: the port the processor reported (DX when it executed) */
	u64 ones_start, ones_end; /* in: guest-physical range with no RAM that reads all ones */
	struct interp_fault fault; /* out, INTERP_FAULT */
	u64 linear;               /* out, INTERP_STOP: the element's linear address */
};

/*
 * INS or OUTS, REP included, that the processor reported with an IO exit (SDM Vol. 2A "INS",
 * Vol. 2B "OUTS", "REP"): `in` says what it is (kind, opsize, addrsize, rep, mem.seg, mode,
 * length). Unlike interp_exec it never leaves the instruction to native execution: the
 * iterations run one at a time, each checked as the processor checks it (segment type and
 * limit, canonical address, alignment, paging with the guest's CPL), INS checking its store
 * before it reads the port, OUTS from x->ones reading all ones, rCX/rSI/rDI at the address
 * size. Debug traps are added to v->pending_dbg as the processor raises them: with RFLAGS.TF
 * one iteration runs and a single-step trap follows it; an iteration that hits an enabled I/O
 * or data breakpoint is the last this time (Vol. 3B 18.3.1.2, 18.3.1.4). Returns
 * INTERP_OK: complete, RIP past it, retired (RF cleared);
 * INTERP_PARTIAL: stopped between iterations (TF, a breakpoint, max_iterations), RIP on it and
 *   RF set, as after an interrupt between iterations (Vol. 3B 18.3.1.1);
 * INTERP_FAULT: x->fault is the fault to deliver, RIP on the instruction;
 * INTERP_STOP: an element in memory that is not RAM, or that this model cannot decide
 *   (protection keys, LAM): x->linear says where; nothing of that iteration was done.
 */
int interp_string_exit(struct vcpu *v, const struct insn *in, const struct interp_io *io,
                       struct interp_string_exit *x);

/* Whether `in` can write guest memory on some state (interp_write_range then tells where). */
bool interp_may_write(const struct insn *in);

#endif
