/* The host's own MC146818 RTC, read once at boot for the guest's wall clock. */
#ifndef ARCH_CMOS_H
#define ARCH_CMOS_H

#include "types.h"

/* Seconds since 1970-01-01 UTC from the host RTC (assumed to keep UTC), or 0 when unreadable. */
u64 cmos_read_epoch(void);

#endif
