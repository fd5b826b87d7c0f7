/* The host TSC as the guest's clock: its frequency chosen at boot (tsc_calib.h; DESIGN.md section 4). */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "tsc_calib.h"
#include "types.h"

/* The platform's reference clocks, from ACPI: HPET base (0: none), PM timer port (0: none). */
struct tsc_platform {
	u64 hpet_base;
	u16 pm_port;
	bool pm_32bit;
};

/* Reads the HPET and FADT tables (call while the RSDP the loader named is still intact). */
void tsc_platform_from_acpi(u64 acpi_rsdp, struct tsc_platform *p);
/* Chooses the TSC frequency and starts the clock; out says from where, and the cross-check. */
void tsc_calibrate(const struct tsc_platform *p, struct tsc_choice *out);
u64 tsc_hz(void);
/* Nanoseconds since calibration. */
u64 tsc_now_ns(void);
/* TSC ticks in ns nanoseconds (saturating). */
u64 tsc_ticks_for_ns(u64 ns);

#endif
