/*
 * What ends guest execution at the next device deadline (DESIGN.md section 4): the
 * VMX-preemption timer where the CPU has it (SDM Vol. 3C 26.5.1), else, or with
 * preemption_timer=off, the host's local APIC timer in one-shot mode (arch/lapic.h), whose
 * interrupt exits the guest through external-interrupt exiting (26.2) and is acknowledged on
 * exit (28.2.2, "acknowledge interrupt on exit") and ended with an EOI. Both get the same
 * deadline: the board's next device event, or sooner the host console's (conlink.h).
 */
#ifndef VMX_TIMER_H
#define VMX_TIMER_H

#include "vmx.h"

/* After vmx_setup_vmcs: starts the LAPIC timer where the controls have no preemption timer,
 * and says which timer is used. 0, or -1 with err. */
int vmx_timer_setup(struct vmx_cpu *c, char *err, size_t errlen);
/* Before each VM entry: arms the timer for the next deadline, or for hold_tsc TSC ticks when
 * that is not 0 (an interrupt held back for the guest's slice, interrupts.h irq_pacer_wait). */
void vmx_timer_arm(struct vmx_cpu *c, const struct board *b, u64 hold_tsc);
/* After each VM exit: an external interrupt that exited the guest is the LAPIC timer's (the
 * host's other interrupt sources stay masked): its EOI. */
void vmx_timer_exit(struct vmx_cpu *c, const struct vcpu *v);

/* At the end of the run, with the LAPIC timer: how many of its interrupts root mode took. */
void vmx_timer_report(const struct vmx_cpu *c);

#endif
