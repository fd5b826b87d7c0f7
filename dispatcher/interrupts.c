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

void irq_pacer_init(struct irq_pacer *p, u64 slice) { *p = (struct irq_pacer){.slice = slice}; }

void irq_pacer_ran(struct irq_pacer *p, u64 span, bool interruptible, bool progressed, bool timed)
{
	if (!interruptible || !p->owed)
		return;
	/* Only the pacer's own timer can expire before the guest runs; at its limit the run counts */
	u64 max = p->slice * IRQ_HOLD_MAX_SLICES;
	if (!progressed && p->holding && p->hold_timer < max) {
		u64 t = p->hold_timer ? p->hold_timer * 2 : p->slice * 2;
		p->hold_timer = t < max ? t : max;
		return;
	}
	/* a device deadline's or a window's exit may come with next to nothing run: only the pacer's
	 * own timer (above: its stalls) or an exit the guest's instruction caused counts */
	if (timed && !p->holding)
		return;
	p->open += span;
	if (p->open >= p->slice)
		p->owed = false;
}

enum irq_action irq_pace(struct irq_pacer *p, enum irq_action a, bool halted, int line)
{
	p->holding = a == IRQ_INJECT && p->owed && !halted && line == p->line;
	return p->holding ? IRQ_NONE : a;
}

void irq_pacer_injected(struct irq_pacer *p, int line)
{
	p->line = line;
	p->open = 0;
	p->owed = p->slice != 0;
	p->holding = false;
}

u64 irq_pacer_wait(const struct irq_pacer *p)
{
	if (!p->holding)
		return 0;
	u64 rest = p->slice > p->open + 1 ? p->slice - p->open : 1;
	return rest > p->hold_timer ? rest : p->hold_timer;
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
