/* Exit-reason dispatch table and the handlers too small for a file of their own. */
#include "dispatch.h"
#include "../arch/console.h"
#include "../arch/shutdown.h"
#include "emul/decode.h"
#include "vcpu/gmem.h"
#include "emul/interp.h"
#include "interrupts.h"
#include "blockio/rip_update.h"
#include "blockio/scanner.h"
#include "../arch/x86.h"

#define EPT_QUAL_READ (1ULL << 0)
#define EPT_QUAL_WRITE (1ULL << 1)
#define EPT_QUAL_FETCH (1ULL << 2)
#define EPT_QUAL_LINEAR_VALID (1ULL << 7)

u32 dispatch_port_in(struct dispatcher *d, u16 port, u8 size)
{
	if (!d->now_tsc)
		return iobus_in(&d->board->bus, port, size);
	u64 t0 = d->now_tsc();
	u32 val = iobus_in(&d->board->bus, port, size);
	u64 t = d->now_tsc() - t0;
	d->dev_tsc += t;
	d->bus_tsc += t;
	return val;
}

void dispatch_port_out(struct dispatcher *d, u16 port, u8 size, u32 val)
{
	if (!d->now_tsc) {
		iobus_out(&d->board->bus, port, size, val);
		return;
	}
	u64 t0 = d->now_tsc();
	iobus_out(&d->board->bus, port, size, val);
	u64 t = d->now_tsc() - t0;
	d->dev_tsc += t;
	d->bus_tsc += t;
}

/* The block units' ports: the bus, each access counted as made inside a block. */
static u32 bus_in(void *ctx, u16 port, u8 size)
{
	struct dispatcher *d = ctx;
	ports_access(&d->stats.ports, port, true, true);
	tio_record(&d->tio, d->sctl.guest_ticks, d->io_rip, port, size, TIO_IN | TIO_BLOCK);
	return dispatch_port_in(d, port, size);
}
static void bus_out(void *ctx, u16 port, u8 size, u32 val)
{
	struct dispatcher *d = ctx;
	ports_access(&d->stats.ports, port, false, true);
	tio_record(&d->tio, d->sctl.guest_ticks, d->io_rip, port, size, TIO_BLOCK);
	dispatch_port_out(d, port, size, val);
}
/* A block stops once the guest's run is over: it wrote its exit code or asked for a reset. */
static bool board_run_over(void *ctx) { return ((struct board *)ctx)->dbg.fired || board_reset_requested(ctx, 0); }

typedef void (*exit_handler)(struct dispatcher *d, struct vcpu *v);

void dispatch_init(struct dispatcher *d, struct board *b, const struct dispatch_config *cfg)
{
	*d = (struct dispatcher){0};
	d->board = b;
	d->cfg = *cfg;
	d->pat = 0x0007040600070406ULL; /* the power-on value (SDM Vol. 3A 13.12.4) */
	stats_init(&d->sctl, cfg->stats_interval_s);
	blockio_init(&d->blockio, &cfg->block, (struct interp_io){d, bus_in, bus_out}, board_run_over, b);
}

void dispatch_dump_guest(const struct vcpu *v)
{
	static const char *const names[VCPU_NREGS] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	                                              "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
	static const char *const segs[VCPU_NSEGS] = {"es", "cs", "ss", "ds", "fs", "gs"};
	con_log("guest state: rip=0x%llx rflags=0x%llx cpl=%u\n", (unsigned long long)v->rip,
	        (unsigned long long)v->rflags, v->cpl);
	for (int i = 0; i < VCPU_NREGS; i += 4)
		con_log("  %-3s=%016llx %-3s=%016llx %-3s=%016llx %-3s=%016llx\n", names[i],
		        (unsigned long long)v->gpr[i], names[i + 1], (unsigned long long)v->gpr[i + 1], names[i + 2],
		        (unsigned long long)v->gpr[i + 2], names[i + 3], (unsigned long long)v->gpr[i + 3]);
	con_log("  cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx\n", (unsigned long long)v->cr0,
	        (unsigned long long)v->cr2, (unsigned long long)v->cr3, (unsigned long long)v->cr4,
	        (unsigned long long)v->efer);
	for (int i = 0; i < VCPU_NSEGS; i++)
		con_log("  %s: sel=%04x base=%llx limit=%x ar=%x\n", segs[i], vcpu_seg(v, i)->sel,
		        (unsigned long long)vcpu_seg(v, i)->base, vcpu_seg(v, i)->limit, vcpu_seg(v, i)->ar);
}

void dispatch_check_board_end(struct dispatcher *d, struct vcpu *v)
{
	const char *how;
	if (d->board->dbg.fired) {
		vcpu_end(v, (int)d->board->dbg.code, "the guest wrote its exit code to port 0xf4");
	} else if (board_reset_requested(d->board, &how)) {
		con_log("guest reset the machine (%s)\n", how);
		vcpu_end(v, HV_EXIT_OK, "the guest reset the machine");
	}
}

static void end_with_dump(struct vcpu *v, int code, const char *reason)
{
	con_log("guest stopped: %s (exit reason %u, %s, qualification 0x%llx)\n", reason, v->exit.reason,
	        exit_reason_name(v->exit.reason), (unsigned long long)v->exit.qual);
	dispatch_dump_guest(v);
	vcpu_end(v, code, reason);
}

static void handle_triple_fault(struct dispatcher *d, struct vcpu *v)
{
	end_with_dump(v, HV_EXIT_GUEST_FAULT, "triple fault");
}

static void handle_unhandled(struct dispatcher *d, struct vcpu *v)
{
	end_with_dump(v, HV_EXIT_GUEST_FAULT, "unhandled VM exit");
}

/* VMX instructions in the guest: microhv offers no nested VMX, so they are undefined (#UD). */
static void handle_vmx_instruction(struct dispatcher *d, struct vcpu *v)
{
	vcpu_inject_ud(v);
}

/* HLT (SDM Vol. 3C 26.1.2 makes it exit): with interrupts enabled the guest sleeps in the HLT
 * activity state until the next device deadline or interrupt; with them disabled nothing but an
 * NMI could wake it, and no device here raises one. */
static void handle_hlt(struct dispatcher *d, struct vcpu *v)
{
	if (!(v->rflags & RFLAGS_IF)) {
		/* what an OS does to power off a machine without ACPI: the run is over, cleanly */
		con_log("guest halted with interrupts disabled: nothing can wake it, its run is over\n");
		vcpu_end(v, HV_EXIT_OK, "the guest halted with interrupts disabled");
		return;
	}
	vcpu_skip_instruction(v);
	v->halted = true;
}

/* Interrupt windows and preemption-timer expiries only give the run loop a turn. */
static void handle_nothing(struct dispatcher *d, struct vcpu *v) {}

/* INVD would discard the host's dirty cache lines too; WBINVD's effect is a safe superset. */
static void handle_invd(struct dispatcher *d, struct vcpu *v) { vcpu_skip_instruction(v); }

/* Host NMIs and external interrupts exit; the host runs with interrupts masked, so count only. */
static void handle_host_event(struct dispatcher *d, struct vcpu *v) {}

/* A plain MOV store into the legacy hole: the write goes to no device and is dropped, as on a
 * board where nothing decodes those addresses. Other writers (read-modify-write, strings) would
 * need their reads of all ones emulated too; they stop the guest with a report instead. */
static bool drop_hole_store(struct vcpu *v)
{
	u8 bytes[INSN_MAX_LEN];
	struct gmem_fault f;
	struct insn in;
	if (v->exit.idt_vectoring_info & EVENT_INFO_VALID)
		return false; /* the write was the delivery of an event, not the instruction at RIP */
	u64 rip = scan_rip_linear(v);
	u32 n = INSN_MAX_LEN;
	while (n && gmem_peek(v, rip, bytes, n, VCPU_EXEC, v->cpl == 3, &f) != GMEM_OK)
		n--; /* the instruction may end before a page that is not mapped */
	if (!n || decode_insn(bytes, n, interp_cpu_mode(v), &in) != DECODE_OK)
		return false;
	if (in.kind != INSN_MOV || in.op[0].type != OPND_MEM)
		return false;
	/* all of it in the hole: a store that is partly in RAM must write those bytes natively */
	u64 lin, len, first, last;
	if (interp_write_range(v, &in, &lin, &len) ||
	    gmem_translate(v, lin, VCPU_WRITE, v->cpl == 3, &first, &f) != GMEM_OK ||
	    gmem_translate(v, lin + len - 1, VCPU_WRITE, v->cpl == 3, &last, &f) != GMEM_OK)
		return false;
	if (first < LEGACY_HOLE_START || first >= LEGACY_HOLE_END || last < LEGACY_HOLE_START ||
	    last >= LEGACY_HOLE_END)
		return false;
	/* and it is the write that exited, not a page-table A/D update on the way */
	u64 page = v->exit.guest_phys >> PAGE_SHIFT;
	if (page != first >> PAGE_SHIFT && page != last >> PAGE_SHIFT)
		return false;
	rip_update(v, v->rip + in.length);
	return true;
}

static void handle_ept_violation(struct dispatcher *d, struct vcpu *v)
{
	u64 q = v->exit.qual, gpa = v->exit.guest_phys;
	/* A write to a page microhv write-protected because it holds cached block code
	 * (page_gen.h): the page's generation moves, write access comes back, and the guest runs
	 * the same instruction again, RIP unchanged. Exit qualification bit 1: the access was a
	 * write (SDM Vol. 3C 28.2.1, table 28-7; an accessed/dirty update of a guest paging
	 * structure counts as one, 29.3.3.2). An IRET, whose NMI-unblocking bit 12 would need
	 * care on re-execution, writes no memory outside a task switch, which always exits. */
	if ((q & EPT_QUAL_WRITE) && pgen_guest_write(&d->blockio.pgen, v, gpa))
		return; /* counted there: faults, spurious */
	if ((q & EPT_QUAL_WRITE) && gpa >= LEGACY_HOLE_START && gpa < LEGACY_HOLE_END && drop_hole_store(v)) {
		d->stats.hole_writes_dropped++;
		return;
	}
	con_log("guest access outside its RAM: %s%s%s at guest-physical 0x%llx",
	        (q & EPT_QUAL_READ) ? "read" : "", (q & EPT_QUAL_WRITE) ? "write" : "", (q & EPT_QUAL_FETCH) ? "fetch" : "",
	        (unsigned long long)gpa);
	if (q & EPT_QUAL_LINEAR_VALID)
		con_printf(" (linear 0x%llx)", (unsigned long long)v->exit.guest_linear);
	con_printf("\n");
	end_with_dump(v, HV_EXIT_GUEST_FAULT, "access outside guest RAM");
}

static void handle_entry_failure(struct dispatcher *d, struct vcpu *v)
{
	end_with_dump(v, HV_EXIT_PANIC, "VM entry failed");
}

static const exit_handler handlers[EXIT_REASON_MAX + 1] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_host_event,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_host_event,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_nothing,
	[EXIT_REASON_NMI_WINDOW] = handle_nothing, /* vmx/ injects the NMI it waited for */
	[EXIT_REASON_PREEMPTION_TIMER] = handle_nothing,
	[EXIT_REASON_INVD] = handle_invd,
	[EXIT_REASON_VMCALL] = handle_vmx_instruction,
	[EXIT_REASON_VMCLEAR] = handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRST] = handle_vmx_instruction,
	[EXIT_REASON_VMREAD] = handle_vmx_instruction,
	[EXIT_REASON_VMRESUME] = handle_vmx_instruction,
	[EXIT_REASON_VMWRITE] = handle_vmx_instruction,
	[EXIT_REASON_VMXOFF] = handle_vmx_instruction,
	[EXIT_REASON_VMXON] = handle_vmx_instruction,
	[EXIT_REASON_INVEPT] = handle_vmx_instruction,
	[EXIT_REASON_INVVPID] = handle_vmx_instruction,
	[EXIT_REASON_VMFUNC] = handle_vmx_instruction,
	[EXIT_REASON_CR_ACCESS] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_RDMSR] = handle_rdmsr,
	[EXIT_REASON_WRMSR] = handle_wrmsr,
	[EXIT_REASON_ENTRY_FAIL_GUEST_STATE] = handle_entry_failure,
	[EXIT_REASON_ENTRY_FAIL_MSR_LOADING] = handle_entry_failure,
	[EXIT_REASON_MWAIT] = handle_vmx_instruction,  /* CPUID hides MONITOR/MWAIT: #UD as on such a CPU */
	[EXIT_REASON_MONITOR] = handle_vmx_instruction,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
};

void dispatch_exit(struct dispatcher *d, struct vcpu *v)
{
	u32 r = v->exit.reason;
	d->stats.exits++;
	if (r <= EXIT_REASON_MAX)
		d->stats.by_reason[r]++;
	if (d->cfg.trace_exits)
		con_log("exit %s rip=0x%llx qual=0x%llx\n", exit_reason_name(r), (unsigned long long)v->rip,
		        (unsigned long long)v->exit.qual);
	exit_handler h = r <= EXIT_REASON_MAX ? handlers[r] : 0;
	d->now_tsc = v->plat ? v->plat->now_tsc : 0;
	gmem_tlb_begin(&d->tlb, v);
	v->pgen = &d->blockio.pgen; /* every root-mode store of this exit moves code generations */
	(h ? h : handle_unhandled)(d, v);
	v->pgen = 0;
	gmem_tlb_end(v);
}

void dispatch_print_stats(struct dispatcher *d)
{
	tio_flush(&d->tio);
	stats_print(d, STATS_FINAL);
}
