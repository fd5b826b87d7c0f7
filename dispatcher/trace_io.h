/*
 * trace=io: one record per guest IO access in a ring in host memory (its size set by the
 * option), printed as compact "[hv] tio" lines at the end of the run or whenever the ring
 * fills, never through the console per exit. A record: the guest-mode TSC (ticks the guest ran,
 * root mode left out; under Bochs with clock: sync=none, guest instructions), the RIP, the port,
 * the size, the direction, and whether it exited ('x') or ran inside a block ('b': the RIP is
 * that of the exit that ran the block). Pure C.
 */
#ifndef DISPATCHER_TRACE_IO_H
#define DISPATCHER_TRACE_IO_H

#include "../arch/types.h"

#define TIO_IN 0x1
#define TIO_BLOCK 0x2

struct tio_rec {
	u64 t;
	u64 rip;
	u16 port;
	u8 size;
	u8 flags; /* TIO_IN, TIO_BLOCK */
};

struct trace_io {
	struct tio_rec *ring; /* 0: tracing off */
	u32 cap, n;
	u64 flushes; /* times the ring filled and was printed during the run */
	/* Set by the core: sends what the console has queued, waiting for the port. A flush calls it
	 * every TIO_DRAIN_LINES lines, so that a ring printed while the guest runs never overruns the
	 * console's own output ring (only then does root mode wait on the UART). */
	void (*drain)(void);
};

#define TIO_DRAIN_LINES 64

void tio_init(struct trace_io *t, struct tio_rec *mem, u32 cap);
void tio_record(struct trace_io *t, u64 time, u64 rip, u16 port, u8 size, u8 flags);
/* "[hv] tio T RIP PORT <size><i|o><x|b>" per record (hex), then the ring is empty. */
void tio_flush(struct trace_io *t);

#endif
