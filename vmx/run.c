/*
 * The run loop: VM entry, exit information into struct vcpu, the dispatcher,
 * and back into the VMCS what it changed (Intel SDM Vol. 3C 27 and 28).
 */
#include "vmx.h"
#include "diag.h"
#include "nmi.h"
#include "timer.h"
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

static void *plat_gpa_ptr(void *ctx, u64 gpa, u32 len) { return guest_ram_ptr(ctx, gpa, len); }

/* What the write-protect callback needs: the EPT to change and the RAM it may change. */
struct wp_ctx {
	struct vmx_cpu *c;
	const struct guest_ram *r;
};

/*
 * page_gen.h's write protection of guest RAM pages holding cached block code. Taking write
 * access away needs an INVEPT before the next entry, or the processor may still write through
 * a guest-physical or combined mapping it cached (SDM Vol. 3C 29.4.3.3 "Guidelines for Use of
 * the INVEPT Instruction"); single-context drops those of this EPTP for every VPID (29.4.3.1).
 * Giving it back needs none: a stale mapping then causes one more EPT violation, which drops
 * it (29.4.3.3), and page_gen.c takes that violation as spurious.
 */
static bool plat_write_protect(void *ctx, u64 gpa_page, bool on)
{
	struct wp_ctx *w = ctx;
	struct vmx_cpu *c = w->c;
	if (!guest_ram_ptr(w->r, gpa_page, PAGE_SIZE) || (on && !c->caps.invept_single && !c->caps.invept_all))
		return false;
	if (ept_set_write(&c->ept, gpa_page, !on))
		return false;
	if (on && c->caps.invept_single)
		vmx_invept(INVEPT_SINGLE_CONTEXT, c->eptp);
	else if (on)
		vmx_invept(INVEPT_ALL_CONTEXT, 0);
	return true;
}

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

/* Injects the PIC's vector when the guest can take it and has had its slice (interrupts.h,
 * irq_pace), else asks for an interrupt window. True when an interrupt was injected. */
static bool deliver_interrupt(struct vmx_cpu *c, struct dispatcher *d, struct vcpu *v, struct irq_pacer *pacer)
{
	struct board *b = d->board;
	bool pending = board_irq_pending(b);
	u32 intr = pending ? vmx_guest_interruptibility(c) : 0;
	u64 rflags = pending ? vmx_guest_rflags(c, v) : 0;
	/* An event store_vcpu set up for this entry goes first: injecting the interrupt would
	 * replace an injected exception, and would drop a pending debug trap, which VM entry
	 * discards when it injects an external interrupt (SDM Vol. 3C 27.7.3) while natively the
	 * trap comes first (Vol. 3A 7.9, priority of traps on the previous instruction). */
	int line = pending ? board_irq_line(b) : -1;
	enum irq_action a = irq_pace(pacer, irq_decide(v->inject.pending || v->pending_dbg, pending, rflags, intr), v->halted, line);
	set_interrupt_window(c, a == IRQ_WINDOW);
	if (a != IRQ_INJECT)
		return false;
	int vector = board_irq_acknowledge(b);
	if (vector < 0)
		return false;
	irq_pacer_injected(pacer, line);
	vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((u32)VCPU_EVENT_EXT_INT << INTR_INFO_TYPE_SHIFT) | (u32)vector);
	vmx_set_activity(c, VMX_ACTIVITY_ACTIVE);
	v->halted = false;
	d->stats.irqs_injected++;
	return true;
}

/* The guest's RIP and general registers at VM entry, kept while an interrupt is held for the
 * guest's slice: a preemption-timer exit that finds them unchanged ran nothing (a spin loop
 * changes its counter; interrupts.h, irq_pacer_ran). RIP is read from the VMCS only then. */
struct entry_state {
	bool kept;
	u64 rip, gpr[VCPU_NREGS];
};

static void entry_state_save(struct entry_state *e, const struct vcpu *v, bool holding)
{
	e->kept = holding;
	if (!holding)
		return;
	e->rip = vmcs_read(VMCS_GUEST_RIP);
	for (int i = 0; i < VCPU_NREGS; i++)
		e->gpr[i] = v->gpr[i];
}

static bool guest_progressed(const struct entry_state *e, const struct vcpu *v)
{
	if (!e->kept || v->exit.reason != EXIT_REASON_PREEMPTION_TIMER || vmcs_read(VMCS_GUEST_RIP) != e->rip)
		return true;
	for (int i = 0; i < VCPU_NREGS; i++)
		if (v->gpr[i] != e->gpr[i])
			return true;
	return false;
}

/* An exit that need not follow any guest instruction: the timer's (the preemption timer's, or the
 * LAPIC timer's external interrupt) or the interrupt window's (interrupts.h, irq_pacer_ran). */
static bool timed_exit(const struct vcpu *v)
{
	u32 r = v->exit.reason;
	return r == EXIT_REASON_PREEMPTION_TIMER || r == EXIT_REASON_EXTERNAL_INTERRUPT || r == EXIT_REASON_INTERRUPT_WINDOW;
}

/* The VT-x layer's statistics, kept current at every exit so that stats printed at any time
 * have them: VMREADs and VMWRITEs since the run began (vmcs.h), NMIs, INVVPIDs. */
static void count_vmx_stats(struct dispatcher *d, const struct vmx_cpu *c, const struct vmcs_counts *base)
{
	d->stats.vmreads = vmcs_counts.reads - base->reads;
	d->stats.vmwrites = vmcs_counts.writes - base->writes;
	d->stats.nmis_in_guest = c->nmi.in_guest;
	d->stats.nmis_in_root = c->nmi.in_root;
	d->stats.nmis_reflect = vmx_nmi_can_reflect(c);
	d->stats.nmis_reflected = c->nmi.reflected;
	d->stats.nmis_dropped = c->nmi.dropped;
	d->stats.vpid_flushes = c->vpid_flushes;
}

int vmx_run(struct vmx_cpu *c, struct dispatcher *d, const struct guest_ram *r, const struct guest_entry_state *s,
            const char **reason)
{
	static const struct vcpu_platform plat_ops = {0, plat_gpa_ptr, plat_cpuid, plat_xsetbv, plat_rdmsr, plat_tsc,
	                                              vmx_load_seg, 0, 0,
	                                              true /* guest_ram.c: chunks placed once, at start */};
	struct vcpu_platform plat = plat_ops;
	plat.ctx = (void *)r;
	struct wp_ctx wp = {c, r};
	plat.write_protect = plat_write_protect;
	plat.wp_ctx = &wp;
	const struct vmcs_counts base = vmcs_counts;
	struct vcpu v = {0};
	for (int i = 0; i < VCPU_NREGS; i++)
		v.gpr[i] = s->gpr[i];
	v.plat = &plat;
	int guest_ran = 0; /* an exit of the guest's own was handled (the first VMLAUNCH may be exit_cost.c's) */
	u64 exit_tsc = 0;
	struct irq_pacer pacer;
	struct entry_state at_entry = {0};
	/* a slice of 0 never owes one: irq_pace=off holds nothing back */
	irq_pacer_init(&pacer, d->cfg.irq_pace ? tsc_ticks_for_ns(IRQ_MIN_SLICE_NS) : 0);
	while (!v.ended) {
		struct board *b = d->board;
		u64 con_tsc = rdtsc();
		conlink_service(conlink_current(), clock_now(&b->clock));
		u64 now_tsc = rdtsc(); /* no TSC offsetting (vmx/controls.c): the guest's TSC is the host's */
		d->dev_tsc += now_tsc - con_tsc; /* the host console's work is the devices' (dispatch.h) */
		if (stats_poll(d, clock_now(&b->clock), now_tsc, now_tsc) && guest_ran)
			exit_tsc += rdtsc() - now_tsc; /* printing statistics is no exit's root-mode time */
		board_tick(b);
		vmx_nmi_root_poll(c, guest_ran);
		vmx_nmi_deliver(c, &v);
		/* the slice counts once the handler is done: its line no longer in service (interrupts.h) */
		bool open = !deliver_interrupt(c, d, &v, &pacer) && pacer.owed && !board_irq_in_service(b, pacer.line);
		/* Without the HLT activity state (IA32_VMX_MISC bit 6, SDM Vol. 3D A.6) a halted guest
		 * stays out of VMX non-root operation until the PIC has an interrupt for it. */
		if (v.halted && !c->caps.hlt_state) {
			pause();
			continue;
		}
		u64 hold = irq_pacer_wait(&pacer);
		vmx_timer_arm(c, b, hold);
		entry_state_save(&at_entry, &v, hold != 0);
		if (guest_ran)
			stats_add_root_tsc(d, v.exit.reason, rdtsc() - exit_tsc);
		u64 host_rsp = c->host_rsp;
		u64 entry_tsc = rdtsc();
		int rc = vmx_enter(v.gpr, c->launched, &c->host_rsp);
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
		c->launched = true;
		guest_ran = 1;
		if (v.halted)
			d->stats.halted_exits++;
		vmx_load_vcpu(c, &v, d->cfg.trace_exits);
		irq_pacer_ran(&pacer, exit_tsc - entry_tsc, open, guest_progressed(&at_entry, &v), timed_exit(&v));
		if (v.exit.entry_failure)
			vmx_report_entry_failure(c, 0);
		else
			irq_reinject_vectoring(&v);
		vmx_nmi_exit(c, &v);
		vmx_timer_exit(c, &v);
		dispatch_exit(d, &v);
		if (!v.ended)
			vmx_store_vcpu(c, &v);
		count_vmx_stats(d, c, &base);
	}
	con_log("guest ended: %s (code %d)\n", v.end_reason, v.end_code);
	*reason = v.end_reason;
	return v.end_code;
}
