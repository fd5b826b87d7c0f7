/*
 * Interrupt delivery decisions, made before each VM entry: inject the PIC's
 * vector when the guest can take it, ask for an interrupt window when it cannot
 * (Intel SDM Vol. 3C 27.6 "Event injection", 25.4.2 interruptibility state,
 * 26.7.5 "Interrupt-window exiting"). Pure C, host-tested.
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
 * An exit that interrupted the delivery of an event (IDT-vectoring information valid) must
 * deliver it again at the next entry (SDM Vol. 3C 28.2.4, 29.2.1): fills v->inject from v->exit.
 * Returns true when there was such an event.
 */
bool irq_reinject_vectoring(struct vcpu *v);

#endif
