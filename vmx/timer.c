/* The timer that bounds guest execution; see timer.h. */
#include "timer.h"
#include "conlink.h"
#include "vmcs.h"
#include "vcpu_sync.h"
#include "vmcs_fields.h"
#include "../arch/console.h"
#include "../arch/lapic.h"
#include "../arch/tsc.h"

#define PREEMPTION_TIMER_MAX 0xffffffffULL
/* The longest the timer is armed for on a CPU whose timer is on the errata list (caps.h). */
#define BROKEN_TIMER_SLICE_NS 1000000ULL
/* The LAPIC timer is calibrated against the TSC over this long at start. */
#define LAPIC_CALIBRATION_NS 2000000ULL
#define HZ_PER_KHZ 1000ULL

/* Nanoseconds until the next device deadline or the host console's, CLOCK_NEVER for none. */
static u64 wait_ns(const struct board *b)
{
	u64 now = clock_now(&b->clock), deadline = board_next_deadline(b);
	u64 wait = deadline == CLOCK_NEVER ? CLOCK_NEVER : deadline < now ? 0 : deadline - now;
	u64 con = conlink_wait_ns(conlink_current(), now);
	return con < wait ? con : wait;
}

/* Where the timer is known not to count at the rate IA32_VMX_MISC gives, it is armed for
 * BROKEN_TIMER_SLICE_NS at most: deadlines are compared with the TSC at each exit, so a wrong
 * rate costs extra exits, or makes an event late by the rate error times one slice, instead of
 * by the error times the wait. */
static u64 preemption_ticks(const struct vmx_cpu *c, u64 wait)
{
	if (c->caps.preemption_timer_broken && wait > BROKEN_TIMER_SLICE_NS)
		wait = BROKEN_TIMER_SLICE_NS;
	u64 ticks = tsc_ticks_for_ns(wait) >> c->caps.preemption_timer_shift;
	return ticks > PREEMPTION_TIMER_MAX ? PREEMPTION_TIMER_MAX : ticks;
}

int vmx_timer_setup(struct vmx_cpu *c, char *err, size_t errlen)
{
	c->lapic_timer = !(c->ctl.pin & VMX_PIN_PREEMPTION_TIMER);
	if (!c->lapic_timer) {
		con_log("vmx: guest execution bounded by the VMX-preemption timer (TSC/2^%u)\n",
		        c->caps.preemption_timer_shift);
		return 0;
	}
	struct lapic_timer_info t;
	if (lapic_timer_init(tsc_ticks_for_ns(LAPIC_CALIBRATION_NS), &t, err, errlen))
		return -1;
	con_log("vmx: guest execution bounded by the local APIC timer (%s): one-shot, vector 0x%x, %llu kHz "
	        "(%u ticks in %llu TSC ticks), %s at 0x%llx; external-interrupt exits, acknowledged on exit: %s\n",
	        c->caps.preemption_timer ? "preemption_timer=off" : "the CPU has no VMX-preemption timer",
	        LAPIC_TIMER_VECTOR, (unsigned long long)(t.hz / HZ_PER_KHZ), t.cal_count, (unsigned long long)t.cal_tsc,
	        t.x2apic ? "x2APIC" : "xAPIC", (unsigned long long)(t.x2apic ? 0 : t.base),
	        (c->ctl.exit & VMX_EXIT_ACK_INTERRUPT) ? "yes" : "no");
	return 0;
}

void vmx_timer_arm(struct vmx_cpu *c, const struct board *b, u64 hold_tsc)
{
	u64 wait = wait_ns(b);
	if (!c->lapic_timer) {
		/* While an interrupt is held back for the guest's slice (hold_tsc, interrupts.h
		 * irq_pace), at the slice's end: the deadlines could only raise requests that wait too. */
		if (hold_tsc) {
			u64 ticks = hold_tsc >> c->caps.preemption_timer_shift;
			vmcs_write(VMCS_PREEMPTION_TIMER, ticks > PREEMPTION_TIMER_MAX ? PREEMPTION_TIMER_MAX : ticks);
			return;
		}
		vmcs_write(VMCS_PREEMPTION_TIMER, preemption_ticks(c, wait));
		return;
	}
	lapic_timer_arm(hold_tsc ? hold_tsc : wait == CLOCK_NEVER ? LAPIC_NEVER : tsc_ticks_for_ns(wait));
}

void vmx_timer_exit(struct vmx_cpu *c, const struct vcpu *v)
{
	if (v->exit.reason != EXIT_REASON_EXTERNAL_INTERRUPT)
		return;
	/* The activity state this exit saved (SDM Vol. 3C 28.3.4) need not be the HLT state the
	 * entry loaded: Bochs saves "active" for an interrupt that arrives in the HLT state. The
	 * store of a still-halted guest then writes HLT again instead of trusting the cache. */
	c->activity = VMX_ACTIVITY_UNKNOWN;
	if (!c->lapic_timer)
		return;
	if (c->ctl.exit & VMX_EXIT_ACK_INTERRUPT) {
		lapic_eoi(); /* acknowledged by the exit: in service until this EOI (28.2.2) */
		return;
	}
	/* Not acknowledged: it is still requested, and would exit the guest again at once. The
	 * root-mode IDT takes it (isr.asm: count, EOI) in the one-instruction window STI opens. */
	__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
}

void vmx_timer_report(const struct vmx_cpu *c)
{
	if (c->lapic_timer)
		con_log("vmx: local APIC timer: %llu interrupts expired in root mode and were taken there\n",
		        (unsigned long long)lapic_root_timer_irqs());
}
