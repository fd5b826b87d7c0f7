/* The host TSC as the guest's clock: calibrated at boot against the PIT (DESIGN.md section 4). */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "types.h"

/* Measures the TSC frequency against PIT channel 2 of the host; 0 on success, -1 if no PIT answers. */
int tsc_calibrate(void);
u64 tsc_hz(void);
/* Nanoseconds since calibration. */
u64 tsc_now_ns(void);
/* TSC ticks in ns nanoseconds (saturating). */
u64 tsc_ticks_for_ns(u64 ns);

#endif
