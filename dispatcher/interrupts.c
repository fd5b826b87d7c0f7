/* Interrupt delivery decisions; see interrupts.h. */
#include "interrupts.h"
#include "../arch/x86.h"

enum irq_action irq_decide(bool event_pending, bool pic_pending, u64 rflags, u32 interruptibility)
{
	if (!pic_pending)
		return IRQ_NONE;
	/* One event per entry: a pending exception or re-injection goes first, the interrupt waits. */
	if (event_pending)
		return IRQ_WINDOW;
	if (!(rflags & RFLAGS_IF) || (interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		return IRQ_WINDOW;
	return IRQ_INJECT;
}

bool irq_reinject_vectoring(struct vcpu *v)
{
	u32 info = v->exit.idt_vectoring_info;
	if (!(info & EVENT_INFO_VALID))
		return false;
	u8 type = (u8)((info >> EVENT_INFO_TYPE_SHIFT) & EVENT_INFO_TYPE_MASK);
	v->inject = (struct vcpu_event){
		.pending = true,
		.vector = (u8)(info & EVENT_INFO_VECTOR_MASK),
		.type = type,
		.has_error = (info & EVENT_INFO_ERROR_VALID) != 0,
		.error = v->exit.idt_vectoring_error,
	};
	/* software interrupts and exceptions need the instruction length again (SDM 27.6.1.3) */
	if (type == EVENT_TYPE_SW_INT || type == EVENT_TYPE_PRIV_SW_EXCEPTION || type == VCPU_EVENT_SW_EXCEPTION)
		v->inject.instr_len = v->exit.instr_len;
	return true;
}
