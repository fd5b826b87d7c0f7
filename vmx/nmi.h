/*
 * Host NMIs that arrive while the guest runs. With "NMI exiting" an NMI causes a VM exit
 * (reason 0, interruption type NMI; SDM Vol. 3C 26.2, 28.2.2) instead of reaching the guest.
 * microhv has no use of its own for an NMI (no watchdog, no profiler); the machine's NMIs
 * (an IOCHK/SERR from the chipset, a watchdog the firmware armed) belong to the guest, the one
 * OS on the machine. So one is reflected into the guest at the next entry at which the guest
 * can take it, as the SDM prescribes with "virtual NMIs" and "NMI-window exiting" (25.6.1,
 * 26.7.6, 27.6.1): injected only without virtual-NMI, MOV-SS or STI blocking (27.3.1.5: some
 * processors refuse NMI injection under STI blocking), else an NMI-window exit asks again.
 * Where the CPU lacks those controls, it is counted and dropped. Two that arrive before the
 * first is delivered become one, as the processor's own NMI latch holds one.
 * An NMI that arrives while microhv itself runs (root mode) takes the IDT's vector 2, whose
 * handler counts it and returns with IRETQ (arch/isr.asm); before the next entry the run loop
 * reflects it the same way, or drops it where the guest has not started yet (it has no NMI
 * handler then) or the CPU cannot reflect. One that arrives between that poll and the entry
 * waits for the next exit.
 */
#ifndef VMX_NMI_H
#define VMX_NMI_H

#include "vmx.h"

/* Whether this CPU can reflect NMIs: virtual NMIs and NMI-window exiting are on. */
bool vmx_nmi_can_reflect(const struct vmx_cpu *c);
/* At a VM exit: counts and latches a host NMI that caused it. */
void vmx_nmi_exit(struct vmx_cpu *c, const struct vcpu *v);
/* Before VM entry: accounts for NMIs the root-mode handler (arch/isr.asm) counted since the last
 * call; they are reflected like those in the guest once the guest has started, else dropped. */
void vmx_nmi_root_poll(struct vmx_cpu *c, bool guest_started);
/* Before VM entry, before the PIC's interrupt: injects a latched NMI or asks for its window. */
void vmx_nmi_deliver(struct vmx_cpu *c, struct vcpu *v);
/* The primary processor-based controls with the window-exiting bits now wanted (run.c). */
void vmx_write_proc_controls(struct vmx_cpu *c);

#endif
