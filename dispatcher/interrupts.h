/*
 * Interrupt delivery decisions, made before each VM entry: inject the PIC's
 * vector when the guest can take it, ask for an interrupt window when it cannot
 * (Intel SDM Vol. 3C 27.6 "Event injection", 25.4.2 interruptibility state,
 * 27.7.5 "Interrupt-Window Exiting and Virtual-Interrupt Delivery"). Pure C, host-tested.
 */
#ifndef DISPATCHER_INTERRUPTS_H
#define DISPATCHER_INTERRUPTS_H

#include "vcpu/vcpu.h"

#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_SMI (1u << 2)
#define INTERRUPTIBILITY_NMI (1u << 3)

/* IDT-vectoring / VM-entry interruption-information format (SDM Vol. 3C table 25-17). */
#define EVENT_INFO_VECTOR_MASK 0xffu
#define EVENT_INFO_TYPE_SHIFT 8
#define EVENT_INFO_TYPE_MASK 0x7u
#define EVENT_INFO_ERROR_VALID (1u << 11)
#define EVENT_INFO_VALID (1u << 31)
#define EVENT_TYPE_SW_INT 4
#define EVENT_TYPE_PRIV_SW_EXCEPTION 5

enum irq_action {
	IRQ_NONE,   /* nothing to deliver */
	IRQ_INJECT, /* acknowledge the PIC now and inject its vector */
	IRQ_WINDOW, /* an interrupt waits, the guest cannot take it: exit when it can */
};

enum irq_action irq_decide(bool event_pending, bool pic_pending, u64 rflags, u32 interruptibility);

/*
 * Forward progress whatever an exit costs. When the exits of an interrupt handler take longer
 * than the timer's period (nested KVM: a round trip of ~20 us of guest time against blk_irq's
 * 100 us PIT, five IO exits in its handler), a new request is waiting whenever the handler
 * returns and the interrupted code never runs again: a livelock the slowness of the exits makes,
 * not the guest. So after each injected interrupt the next one waits until the guest has run a
 * minimum slice after its handler is done: runs entered with the line no longer in service at
 * the PIC (its EOI sent) and no event injected by the entry count, whatever RFLAGS.IF (code that
 * runs with IF=0 and opens a one-instruction STI window, as pitirq's, has had its slice: holding
 * the interrupt there would make the guest miss it); a halted guest is never kept waiting. The request waits in the PIC's IRR meanwhile, where
 * further edges of its line are lost, as on the 8259A (devices/board.c). Where exits are cheap
 * the guest runs far longer than a slice between two interrupts and nothing changes.
 * Only runs that made progress count: under nested KVM the preemption timer is emulated from
 * L0's clock, which starts before L0's own work of the entry, and a 20 us timer expired before
 * the guest's first instruction every time (the exit at the RIP of the entry). After such a
 * run under the pacer's timer, that timer doubles (up to IRQ_HOLD_MAX_SLICES slices, where
 * the run counts after all: a guest spinning on `jmp $` waits no longer) and stays learnt, so
 * the guest gets its slice whatever the entry costs. A run under a device deadline always
 * counts (a halted or spinning guest is idle, not stalled).
 * Only the guest's own time counts: a span (VM entry to VM exit, as root mode measures it)
 * includes the entry and exit themselves, about 20-40 us under nested KVM, more than a slice,
 * so the run after the EOI in which the guest executed only its IRET filled the slice, the
 * next request was injected at once and blk_irq's main code never ran again (the livelock
 * back, after the slice began to count at the EOI). So a run ended by a device deadline's
 * timer or an interrupt window ("timed": the guest may have run next to nothing) counts only
 * while the pacer holds the interrupt (its own timer, whose stalls are detected above); a run
 * ended by the guest's own instruction (an IO exit) counts whole.
 * Only the line whose handler the slice follows is held: the livelock is one line's requests
 * starving the code its handler interrupted. Another line is a different event the guest may
 * wait for in a short window (pitirq: IRQ4 delivered at the one instruction after STI, IRQ0
 * nested inside IRQ4's handler once it set IF; the 8259A delivers both at once) and passes.
 * Time is in the caller's unit (vmx/run.c: TSC ticks).
 */
#define IRQ_MIN_SLICE_NS 20000ULL
#define IRQ_HOLD_MAX_SLICES 512 /* 10 ms */

struct irq_pacer {
	u64 slice;   /* the minimum run with interrupts enabled between two injections */
	u64 open;    /* run with interrupts enabled since the last injection */
	bool owed;   /* an injection happened and the slice after it is not yet over */
	bool holding; /* the last irq_pace held an interrupt back */
	u64 hold_timer; /* learnt: the least timer under which a held guest made progress (0: slice) */
	int line;     /* the IRQ line of the last injection */
};

void irq_pacer_init(struct irq_pacer *p, u64 slice);
/* The guest ran `span` (VM entry to VM exit); interruptible: the handler of the paced line is done
 * at entry (its ISR bit clear), nothing injected;
 * progressed: false for a preemption-timer exit with the RIP and registers of the entry
 * (nothing executed); timed: the exit was a timer's or an interrupt window's, not the guest's
 * own instruction. */
void irq_pacer_ran(struct irq_pacer *p, u64 span, bool interruptible, bool progressed, bool timed);
/* IRQ_INJECT of `line` (the IRQ line the PIC would acknowledge) while the slice after that same
 * line's injection is owed (and the guest not halted) becomes IRQ_NONE: held back. */
enum irq_action irq_pace(struct irq_pacer *p, enum irq_action a, bool halted, int line);
/* An external interrupt of IRQ line `line` was injected: that line's next one owes a slice. */
void irq_pacer_injected(struct irq_pacer *p, int line);
/* While an interrupt is held back, the timer for the guest's run: the rest of the slice, at least
 * the learnt hold timer (and at least 1); else 0. */
u64 irq_pacer_wait(const struct irq_pacer *p);

/*
 * An exit that interrupted the delivery of an event (IDT-vectoring information valid) must
 * deliver it again at the next entry (SDM Vol. 3C 28.2.4, 29.2.1): fills v->inject from v->exit.
 * Returns true when there was such an event.
 */
bool irq_reinject_vectoring(struct vcpu *v);

#endif
