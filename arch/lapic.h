/*
 * The host's local APIC timer, the run loop's wake-up where the VMX-preemption timer is absent
 * or switched off (preemption_timer=off): one-shot mode, its count computed from the same
 * deadline the preemption timer would get, calibrated against the TSC at start. Its interrupt
 * causes an external-interrupt VM exit in the guest; in root mode the core runs with IF=0, so
 * one that fires there waits in the IRR and exits the guest right after the next entry.
 * Intel SDM Vol. 3A chapter 11 (APIC): 11.4.4 IA32_APIC_BASE, 11.5.4 the timer, 11.8.5 EOI,
 * 11.9 the spurious vector, 11.12 x2APIC mode (the registers as MSRs 800H + offset/16).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "types.h"

/* Vectors in the core's IDT (desc.c): the timer, and the spurious vector (bits 3:0 all ones,
 * which P6-family APICs require: SDM Vol. 3A 11.9). */
#define LAPIC_TIMER_VECTOR 0xf0
#define LAPIC_SPURIOUS_VECTOR 0xff
#define LAPIC_COUNT_MAX 0xffffffffULL

struct lapic_timer_info {
	bool x2apic;        /* the firmware left the APIC in x2APIC mode */
	u64 base;           /* xAPIC: the MMIO base from IA32_APIC_BASE */
	u64 hz;             /* timer ticks per second (divide by 1) */
	u64 cal_tsc;        /* calibration: TSC ticks measured ... */
	u32 cal_count;      /* ... against this many timer ticks */
};

/* Enables the APIC (IA32_APIC_BASE.EN, SVR bit 8), sets the timer to one-shot with
 * LAPIC_TIMER_VECTOR and calibrates it over calib_tsc TSC ticks. 0, or -1 with err. */
int lapic_timer_init(u64 calib_tsc, struct lapic_timer_info *out, char *err, size_t errlen);
/* One interrupt after tsc_ticks TSC ticks (rounded up to one timer tick, capped at the
 * counter's range); LAPIC_NEVER stops the timer. Rewriting the initial count restarts it. */
#define LAPIC_NEVER (~0ULL)
void lapic_timer_arm(u64 tsc_ticks);
/* End of interrupt: the timer's vector leaves the ISR (after an acknowledged exit, 28.2.2). */
void lapic_eoi(void);
/* Interrupts the root-mode IDT took on LAPIC_TIMER_VECTOR (isr.asm). */
u64 lapic_root_timer_irqs(void);

/* Timer ticks for tsc_ticks TSC ticks at the calibrated ratio: at least 1, at most
 * LAPIC_COUNT_MAX. Pure: host-tested. */
static inline u32 lapic_count_for(u64 tsc_ticks, u64 cal_tsc, u32 cal_count)
{
	if (!cal_tsc || !cal_count)
		return 1;
	/* cal_count < 2^32 and the cap keeps tsc_ticks below 2^32 * cal_tsc / cal_count, so the
	 * product stays below 2^32 * cal_tsc: no overflow for any calibration under 2^31 ticks. */
	u64 cap = LAPIC_COUNT_MAX * cal_tsc / cal_count;
	if (tsc_ticks >= cap)
		return (u32)LAPIC_COUNT_MAX;
	u64 n = (tsc_ticks * cal_count + cal_tsc - 1) / cal_tsc;
	return n ? (u32)n : 1;
}

#endif
