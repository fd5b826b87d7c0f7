/* The exit-cost measurement over the VMCS; see exit_cost.h. */
#include "exit_cost.h"
#include "nmi.h"
#include "timer.h"
#include "vcpu_sync.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/printf.h"
#include "../arch/x86.h"
#include "../dispatcher/blockio/block_dispatch.h"
#include "../dispatcher/exit_reasons.h"
#include "../dispatcher/interrupts.h"

#define EXIT_REASON_BASIC_MASK 0xffffU
#define EXIT_REASON_ENTRY_FAILURE (1U << 31)
#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK 0x7U
#define PREEMPTION_TIMER_MAX 0xffffffffULL
/* Where the guest's RIP points while the measurement enters it. No instruction runs there (the
 * window exits first), so the guest cannot tell; but a debugger that breaks on the guest's first
 * instruction (Bochs's `lb`, make debug) would stop at each of the 1,024 entries if RIP stayed
 * on it. 0 is a valid RIP in every guest mode at entry (SDM Vol. 3C 27.3.1.4: bits 63:32 zero
 * outside IA-32e mode, canonical in it). */
#define PARKED_RIP 0ULL

/* What the measurement changes in the VMCS, as it was. */
struct saved {
	u64 rflags, timer, rip;
	bool window, timer_on;
};

/* IF set and interrupt-window exiting on; the VMX-preemption timer, where it is active, at its
 * largest: at 0 it would exit first (SDM Vol. 3C 27.7.4, above the window's exits). */
static void arm(struct vmx_cpu *c, struct saved *s)
{
	s->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	s->window = c->window_on;
	s->timer_on = (c->ctl.pin & VMX_PIN_PREEMPTION_TIMER) != 0;
	if (s->timer_on) {
		s->timer = vmcs_read(VMCS_PREEMPTION_TIMER);
		vmcs_write(VMCS_PREEMPTION_TIMER, PREEMPTION_TIMER_MAX);
	}
	vmcs_write(VMCS_GUEST_RFLAGS, s->rflags | RFLAGS_IF);
	s->rip = vmcs_read(VMCS_GUEST_RIP);
	vmcs_write(VMCS_GUEST_RIP, PARKED_RIP);
	c->window_on = true;
	vmx_write_proc_controls(c);
}

static void restore(struct vmx_cpu *c, const struct saved *s)
{
	vmcs_write(VMCS_GUEST_RFLAGS, s->rflags);
	vmcs_write(VMCS_GUEST_RIP, s->rip);
	c->window_on = s->window;
	vmx_write_proc_controls(c);
	if (s->timer_on)
		vmcs_write(VMCS_PREEMPTION_TIMER, s->timer);
}

/* An exit that is not the window's ends the measurement. A host NMI (reason 0, type NMI: the
 * exception bitmap is 0) arrived before the guest's first instruction, when the guest has no NMI
 * handler yet: counted and dropped, as vmx_nmi_root_poll does with one in root mode then. The
 * LAPIC timer's interrupt gets its EOI (vmx_timer_exit). */
static void foreign_exit(struct vmx_cpu *c, u32 reason)
{
	if (reason == EXIT_REASON_EXCEPTION_NMI) {
		u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
		if ((info & INTR_INFO_VALID) && ((info >> INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK) == VCPU_EVENT_NMI)
			nmi_arrive(&c->nmi, NMI_IN_GUEST, 1, false);
	} else if (reason == EXIT_REASON_EXTERNAL_INTERRUPT) {
		struct vcpu v = {0};
		v.exit.reason = reason;
		vmx_timer_exit(c, &v);
	}
}

/* The round trips; C in *ticks, or false with why. */
static bool round_trips(struct vmx_cpu *c, u64 *ticks, char *why, size_t len)
{
	/* no guest register is loaded or seen: nothing runs in the guest */
	u64 gprs[VCPU_NREGS] = {0};
	struct exit_cost_meter m;
	exit_cost_meter_init(&m);
	for (u32 n = 0;; n++) {
		u64 entry_tsc = rdtsc();
		int rc = vmx_enter(gprs, c->launched, &c->host_rsp);
		u64 exit_tsc = rdtsc();
		if (rc) { /* the run loop's first entry fails the same way and reports it */
			fmt_snprintf(why, len, "VM entry failed, status %d", rc);
			return false;
		}
		u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);
		if (reason & EXIT_REASON_ENTRY_FAILURE) {
			/* a VM-entry failure while loading guest state leaves the VMCS's launch state as
			 * it was (SDM Vol. 3C 27.8): the run loop's VMLAUNCH fails the same way, reported */
			fmt_snprintf(why, len, "VM entry failed, exit reason %u", reason & EXIT_REASON_BASIC_MASK);
			return false;
		}
		c->launched = true;
		reason &= EXIT_REASON_BASIC_MASK;
		if (reason != EXIT_REASON_INTERRUPT_WINDOW) {
			foreign_exit(c, reason);
			fmt_snprintf(why, len, "exit %u was not the interrupt window's but %u, %s", n, reason,
			             exit_reason_name(reason));
			return false;
		}
		if (!exit_cost_meter_add(&m, entry_tsc, exit_tsc))
			break;
	}
	*ticks = exit_cost_meter_result(&m);
	if (!*ticks)
		fmt_snprintf(why, len, "the TSC ran backwards in every batch");
	return *ticks != 0;
}

/* C, or false with why. */
static bool measure(struct vmx_cpu *c, u64 *ticks, char *why, size_t len)
{
	/* The guest starts active, without an interrupt shadow (vmx.c); were it not so, the window
	 * would not open at once (SDM Vol. 3C 26.2). */
	u32 intr = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) || c->activity != VMX_ACTIVITY_ACTIVE) {
		fmt_snprintf(why, len, "the guest starts in an interrupt shadow or not active");
		return false;
	}
	struct saved s;
	arm(c, &s);
	bool ok = round_trips(c, ticks, why, len);
	restore(c, &s);
	return ok;
}

void vmx_exit_cost_start(struct vmx_cpu *c, struct dispatcher *d)
{
	char why[EXIT_COST_WHY_MAX], line[EXIT_COST_LINE_MAX];
	u64 ticks = 0;
	bool ok = measure(c, &ticks, why, sizeof(why));
	if (ok)
		blockio_exit_cost_measured(&d->blockio, ticks);
	exit_cost_describe(line, sizeof(line), ticks, ok ? 0 : why, d->cfg.block.exit_cost);
	con_log("%s\n", line);
}
