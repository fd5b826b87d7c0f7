/*
 * The run loop: VM entry, exit information into struct vcpu, the dispatcher,
 * and back into the VMCS what it changed (Intel SDM Vol. 3C 27 and 28).
 */
#include "vmx.h"
#include "diag.h"
#include "nmi.h"
#include "vcpu_sync.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "conlink.h"
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/shutdown.h"
#include "../arch/tsc.h"
#include "../dispatcher/vcpu/breakpoints.h"
#include "../dispatcher/interrupts.h"

#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_TYPE_SHIFT 8
#define PREEMPTION_TIMER_MAX 0xffffffffULL
/* The longest the timer is armed for on a CPU whose timer is on the errata list (caps.h). */
#define BROKEN_TIMER_SLICE_NS 1000000ULL

static void *plat_gpa_ptr(void *ctx, u64 gpa, u32 len) { return guest_ram_ptr(ctx, gpa, len); }

static void plat_cpuid(u32 leaf, u32 sub, u32 regs[4]) { cpuid(leaf, sub, &regs[0], &regs[1], &regs[2], &regs[3]); }

/* The guest's XCR0 is the processor's while it runs; the core itself uses no extended state. */
static int plat_xsetbv(u32 index, u64 value)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
	return 0;
}

static u64 plat_rdmsr(u32 msr) { return rdmsr(msr); }
static u64 plat_tsc(void) { return rdtsc(); }

static void set_interrupt_window(struct vmx_cpu *c, bool on)
{
	if (c->window_on == on)
		return;
	c->window_on = on;
	vmx_write_proc_controls(c);
}

/* Injects the PIC's vector when the guest can take it, else asks for an interrupt window. */
static void deliver_interrupt(struct vmx_cpu *c, struct dispatcher *d, struct vcpu *v)
{
	struct board *b = d->board;
	bool pending = board_irq_pending(b);
	u32 intr = pending ? vmx_guest_interruptibility(c) : 0;
	u64 rflags = pending ? vmx_guest_rflags(c, v) : 0;
	/* An event store_vcpu set up for this entry goes first: injecting the interrupt would
	 * replace an injected exception, and would drop a pending debug trap, which VM entry
	 * discards when it injects an external interrupt (SDM Vol. 3C 27.7.3) while natively the
	 * trap comes first (Vol. 3A 7.9, priority of traps on the previous instruction). */
	enum irq_action a = irq_decide(v->inject.pending || v->pending_dbg, pending, rflags, intr);
	set_interrupt_window(c, a == IRQ_WINDOW);
	if (a != IRQ_INJECT)
		return;
	int vector = board_irq_acknowledge(b);
	if (vector < 0)
		return;
	vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((u32)VCPU_EVENT_EXT_INT << INTR_INFO_TYPE_SHIFT) | (u32)vector);
	vmx_set_activity(c, VMX_ACTIVITY_ACTIVE);
	v->halted = false;
	d->stats.irqs_injected++;
}

/* The VMX-preemption timer ends guest execution at the next device deadline (SDM Vol. 3C 26.5.1),
 * or sooner when the host console needs an exit (conlink.h). Where the timer is known
 * not to count at the rate IA32_VMX_MISC gives, it is armed for BROKEN_TIMER_SLICE_NS at most:
 * deadlines are compared with the TSC at each exit, so a wrong rate costs extra exits, or makes
 * an event late by the rate error times one slice, instead of by the error times the wait. */
static u64 preemption_ticks(const struct vmx_cpu *c, const struct board *b)
{
	u64 now = clock_now(&b->clock), deadline = board_next_deadline(b);
	u64 wait = deadline == CLOCK_NEVER ? CLOCK_NEVER : deadline < now ? 0 : deadline - now;
	u64 con = conlink_wait_ns(conlink_current(), now);
	if (con < wait)
		wait = con;
	if (c->caps.preemption_timer_broken && wait > BROKEN_TIMER_SLICE_NS)
		wait = BROKEN_TIMER_SLICE_NS;
	u64 ticks = tsc_ticks_for_ns(wait) >> c->caps.preemption_timer_shift;
	return ticks > PREEMPTION_TIMER_MAX ? PREEMPTION_TIMER_MAX : ticks;
}

/* The VT-x layer's statistics, kept current at every exit so that stats printed at any time
 * have them: VMREADs and VMWRITEs since the run began (vmcs.h), NMIs, INVVPIDs. */
static void count_vmx_stats(struct dispatcher *d, const struct vmx_cpu *c, const struct vmcs_counts *base)
{
	d->stats.vmreads = vmcs_counts.reads - base->reads;
	d->stats.vmwrites = vmcs_counts.writes - base->writes;
	d->stats.nmis_in_guest = c->nmi.in_guest;
	d->stats.nmis_reflected = c->nmi.reflected;
	d->stats.nmis_dropped = c->nmi.dropped;
	d->stats.vpid_flushes = c->vpid_flushes;
}

int vmx_run(struct vmx_cpu *c, struct dispatcher *d, const struct guest_ram *r, const struct guest_entry_state *s,
            const char **reason)
{
	static const struct vcpu_platform plat_ops = {0, plat_gpa_ptr, plat_cpuid, plat_xsetbv, plat_rdmsr, plat_tsc,
	                                              vmx_load_seg};
	struct vcpu_platform plat = plat_ops;
	plat.ctx = (void *)r;
	const struct vmcs_counts base = vmcs_counts;
	struct vcpu v = {0};
	for (int i = 0; i < VCPU_NREGS; i++)
		v.gpr[i] = s->gpr[i];
	v.plat = &plat;
	int launched = 0;
	u64 exit_tsc = 0;
	while (!v.ended) {
		struct board *b = d->board;
		conlink_service(conlink_current(), clock_now(&b->clock));
		u64 now_tsc = rdtsc(); /* no TSC offsetting (vmx/controls.c): the guest's TSC is the host's */
		if (stats_poll(d, clock_now(&b->clock), now_tsc, now_tsc) && launched)
			exit_tsc += rdtsc() - now_tsc; /* printing statistics is no exit's root-mode time */
		board_tick(b);
		vmx_nmi_deliver(c, &v);
		deliver_interrupt(c, d, &v);
		/* Without the HLT activity state (IA32_VMX_MISC bit 6, SDM Vol. 3D A.6) a halted guest
		 * stays out of VMX non-root operation until the PIC has an interrupt for it. */
		if (v.halted && !c->caps.hlt_state) {
			pause();
			continue;
		}
		vmcs_write(VMCS_PREEMPTION_TIMER, preemption_ticks(c, b));
		if (launched)
			stats_add_root_tsc(d, v.exit.reason, rdtsc() - exit_tsc);
		u64 host_rsp = c->host_rsp;
		u64 entry_tsc = rdtsc();
		int rc = vmx_enter(v.gpr, launched, &c->host_rsp);
		exit_tsc = rdtsc();
		stats_guest_ran(d, entry_tsc, exit_tsc); /* the trace=io clock (dispatcher/stats.h) */
		if (c->host_rsp != host_rsp)
			vmcs_count_write();
		v.inject.pending = false; /* delivered by that entry, or re-reported as vectoring */
		if (rc) {
			vmx_report_entry_failure(c, rc);
			vcpu_end(&v, HV_EXIT_PANIC, "VM entry failed");
			break;
		}
		launched = 1;
		if (v.halted)
			d->stats.halted_exits++;
		vmx_load_vcpu(c, &v, d->cfg.trace_exits);
		if (v.exit.entry_failure)
			vmx_report_entry_failure(c, 0);
		else
			irq_reinject_vectoring(&v);
		vmx_nmi_exit(c, &v);
		dispatch_exit(d, &v);
		if (!v.ended)
			vmx_store_vcpu(c, &v);
		count_vmx_stats(d, c, &base);
	}
	con_log("guest ended: %s (code %d)\n", v.end_reason, v.end_code);
	*reason = v.end_reason;
	return v.end_code;
}
