/*
 * Guest time for the devices (DESIGN.md section 4): a monotonic nanosecond
 * clock. In the core it comes from the host TSC, calibrated at boot; the host
 * tests drive a fake clock by hand. Pure C.
 */
#ifndef DEVICES_CLOCK_H
#define DEVICES_CLOCK_H

#include "../arch/types.h"

#define CLOCK_NS_PER_S 1000000000ULL
#define CLOCK_NEVER UINT64_MAX /* "no deadline" */

struct dev_clock {
	void *ctx;
	u64 (*now_ns)(void *ctx);
};

static inline u64 clock_now(const struct dev_clock *c) { return c->now_ns(c->ctx); }

#endif
