/*
 * What becomes of a host NMI (vmx/nmi.h says why the guest gets them). Pure C, host-tested:
 * the counts and the latch, and the choice at each VM entry.
 */
#ifndef VMX_NMI_POLICY_H
#define VMX_NMI_POLICY_H

#include "../arch/types.h"
#include "../dispatcher/interrupts.h" /* the interruptibility-state bits (SDM Vol. 3C 25.4.2) */

struct nmi_counts {
	u64 in_guest;  /* arrived while the guest ran (an NMI exit: reason 0, type NMI) */
	u64 in_root;   /* arrived while microhv ran (the IDT's vector 2, arch/isr.asm) */
	u64 reflected; /* injected into the guest */
	u64 dropped;   /* not delivered: no virtual NMIs or NMI-window exiting on this CPU, the
	                  guest not started yet, or merged into one already pending */
	bool pending;  /* one waits for the guest's NMI window */
	u64 root_seen; /* the root-mode count (exc_root_nmi_count) already accounted for */
};

enum nmi_where { NMI_IN_GUEST, NMI_IN_ROOT };

/* n NMIs arrived. With can_reflect they latch one pending NMI, as the processor's own latch
 * holds one (SDM Vol. 3A 7.7.1, "Handling Multiple NMIs"): the rest are dropped. Always
 * in_guest + in_root == reflected + dropped + pending. */
void nmi_arrive(struct nmi_counts *s, enum nmi_where where, u64 n, bool can_reflect);

enum nmi_action {
	NMI_NONE,   /* nothing pending: no NMI-window exiting */
	NMI_WINDOW, /* pending, but the guest cannot take it at this entry: NMI-window exiting */
	NMI_INJECT, /* inject it at this entry */
};

/*
 * The choice at a VM entry: a pending NMI is injected only when no other event is set up for
 * this entry and the guest has no (virtual-)NMI, MOV-SS or STI blocking (SDM Vol. 3C 27.3.1.5:
 * some processors refuse NMI injection under STI blocking); otherwise the NMI window is asked
 * for (26.7.6), which exits as soon as the blocking ends. Injecting sets virtual-NMI blocking,
 * and the guest's IRET clears it (25.3), as on hardware; nmi_injected counts it.
 */
enum nmi_action nmi_decide(const struct nmi_counts *s, bool event_pending, u32 interruptibility);
void nmi_injected(struct nmi_counts *s);

#endif
