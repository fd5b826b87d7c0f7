/* Interrupt lines: devices drive IRQ lines of the PIC pair (DESIGN.md section 4). Pure C. */
#ifndef DEVICES_IRQ_H
#define DEVICES_IRQ_H

#include "../arch/types.h"

/* An IRQ line's level as a device drives it; edge-triggered inputs see the low-to-high change. */
struct irq_sink {
	void *ctx;
	void (*set)(void *ctx, unsigned irq, bool level);
};

static inline void irq_set(const struct irq_sink *s, unsigned irq, bool level)
{
	if (s && s->set)
		s->set(s->ctx, irq, level);
}

#endif
