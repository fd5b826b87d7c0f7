/*
 * The VM-exit dispatcher: a table indexed by exit reason with a name and a
 * handler per reason, and the exit statistics (DESIGN.md sections 3 and 5).
 * Pure C: the vCPU is struct vcpu, the platform is struct board.
 */
#ifndef DISPATCHER_DISPATCH_H
#define DISPATCHER_DISPATCH_H

#include "../devices/board.h"
#include "blockio/block_dispatch.h"
#include "exit_reasons.h"
#include "vcpu/gmem_tlb.h"
#include "stats.h"
#include "stats_ports.h"
#include "trace_io.h"
#include "vcpu/vcpu.h"

struct exit_stats {
	u64 exits;
	u64 by_reason[EXIT_REASON_MAX + 1];
	u64 io_instructions; /* IO instructions the guest executed (a REP string instruction counts once) */
	u64 io_exits;        /* VM exits caused by IO instructions */
	u64 irqs_injected;   /* PIC vectors delivered to the guest */
	u64 root_tsc;        /* host TSC ticks spent in root mode between exits and entries */
	u64 halted_exits;    /* exits that found the guest in HLT: the idle path */
	u64 hole_writes_dropped; /* MOV stores into the legacy hole, dropped as on a board */
	u64 reason_tsc[EXIT_REASON_MAX + 1]; /* root-mode TSC ticks spent handling exits, per reason */
	struct port_table ports;             /* per IO port (stats_ports.h) */
	/* Filled by vmx/ (README "Statistics"): VMREADs and VMWRITEs since the first entry, host NMIs
	 * that arrived in the guest and what became of them, INVVPIDs after emulated paging changes. */
	u64 vmreads, vmwrites;
	u64 nmis_in_guest, nmis_reflected, nmis_dropped;
	u64 nmis_in_root;   /* host NMIs taken in root mode (the IDT's vector 2) */
	bool nmis_reflect;  /* the CPU can reflect them (virtual NMIs): "reflect":true, else false: dropped */
	u64 vpid_flushes;
};

/* The legacy hole of a PC (VGA memory and option ROMs): no device here, reads all ones. */
#define LEGACY_HOLE_START 0xa0000ULL
#define LEGACY_HOLE_END 0x100000ULL

struct dispatch_config {
	bool trace_exits;
	struct block_config block;
	bool user_wait_pause; /* the secondary control "enable user wait and pause" is set: WAITPKG shown */
	u64 cr4_allowed; /* CR4 bits the guest may set: what the CPU allows in VMX operation, less VMXE/SMXE */
	u32 stats_interval_s; /* stats_interval=: a stats line every so many seconds of guest time, 0: none */
	bool irq_pace; /* irq_pace=on: the minimum slice after an injection (interrupts.h, irq_pace) */
};

struct dispatcher {
	struct board *board;
	struct exit_stats stats;
	struct dispatch_config cfg;
	struct blockio blockio; /* the block units' context: cfg.block as in force, table, statistics */
	u64 pat, mtrr_def_type; /* MSRs the guest may write and read back */
	u64 cr8;                /* the task-priority register, with no local APIC behind it */
	struct stats_ctl sctl;  /* periodic and requested statistics (stats.h) */
	struct trace_io tio;    /* trace=io (trace_io.h); launch.c gives it its ring */
	u64 io_rip;             /* the RIP of the IO exit being handled, for trace records of blocks */
	struct gmem_tlb tlb;    /* guest translations, kept for one exit (gmem_tlb.h) */
	/* TSC ticks spent in the devices (the port bus, and the run loop's host-console service,
	 * vmx/run.c), from exits and blocks alike, and the clock
	 * that times them (the vCPU's, taken at each exit; NULL: not timed). The block policy
	 * compares root-mode work beyond these: both ways of running IO pay them. */
	u64 (*now_tsc)(void);
	u64 dev_tsc, dev_tsc_seen;
	u64 bus_tsc, bus_tsc_seen; /* the port bus's part of dev_tsc */
};

/* A port access of the guest's, timed into dev_tsc. */
u32 dispatch_port_in(struct dispatcher *d, u16 port, u8 size);
void dispatch_port_out(struct dispatcher *d, u16 port, u8 size, u32 val);

void dispatch_init(struct dispatcher *d, struct board *b, const struct dispatch_config *cfg);
/* Handles one exit; on return v says what to write back, what to inject, or that the guest ended. */
void dispatch_exit(struct dispatcher *d, struct vcpu *v);
/* "[hv] exit statistics" table and the "[hv] stats {json}" line at the end of a run (stats.h). */
void dispatch_print_stats(struct dispatcher *d);
/* After an IO access: ends the guest's run if it wrote its exit code or reset the machine. */
void dispatch_check_board_end(struct dispatcher *d, struct vcpu *v);
/* Every register and control register of the guest, as [hv] lines. */
void dispatch_dump_guest(const struct vcpu *v);

/* Handlers, one file per concern. */
void handle_io(struct dispatcher *d, struct vcpu *v);
/* handle_io's block path (blockio/): true when a block took the exit, its IO counted */
bool handle_io_block(struct dispatcher *d, struct vcpu *v);
void handle_cpuid(struct dispatcher *d, struct vcpu *v);
void handle_rdmsr(struct dispatcher *d, struct vcpu *v);
void handle_wrmsr(struct dispatcher *d, struct vcpu *v);
void handle_cr_access(struct dispatcher *d, struct vcpu *v);
void handle_xsetbv(struct dispatcher *d, struct vcpu *v);

#endif
