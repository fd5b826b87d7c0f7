/*
 * The host console's output queue (DESIGN.md section 5: root mode never busy-waits on a UART).
 * Bytes go into a ring in host memory; conq_drain() hands the port up to its FIFO depth
 * whenever its transmitter is empty (16550: LSR.THRE, which in FIFO mode means the whole
 * transmit FIFO is empty, PC16550D datasheet, LSR bit 5), and returns at once otherwise.
 * conq_flush() is the one synchronous path, for the final statistics and a panic. Pure C over
 * a port interface, host-tested.
 */
#ifndef ARCH_CONQ_H
#define ARCH_CONQ_H

#include "types.h"

/* What the queue needs of a transmitter; NULL means no port (bytes are dropped, counted). */
struct conq_port {
	void *ctx;
	bool (*tx_empty)(void *ctx); /* room for fifo_depth bytes */
	void (*tx)(void *ctx, u8 byte);
	u32 fifo_depth;
};

struct conq {
	u8 *buf;
	u32 size;        /* a power of two */
	u32 high_water;  /* conq_busy() from here on: the guest's emulated THRE stays clear */
	u64 head, tail;  /* bytes ever queued / ever sent (or dropped) */
	const struct conq_port *port;
	bool sync;       /* every write is flushed at once (before and after the guest runs) */
	u32 spin_limit;  /* polls of tx_empty per FIFO load in conq_flush before the port is given up */
	bool stalled;    /* a flush timed out: the port is treated as gone */
	u64 sent, dropped, full_waits;
};

void conq_init(struct conq *q, u8 *buf, u32 size, u32 high_water, u32 spin_limit);
void conq_set_port(struct conq *q, const struct conq_port *port);
static inline u32 conq_count(const struct conq *q) { return (u32)(q->head - q->tail); }
static inline bool conq_busy(const struct conq *q) { return conq_count(q) >= q->high_water; }
/* Queues n bytes; in sync mode flushes them. A full ring makes room by a synchronous drain. */
void conq_write(struct conq *q, const char *s, size_t n);
/* Non-blocking: if the transmitter is empty, up to fifo_depth bytes. Returns the bytes sent. */
u32 conq_drain(struct conq *q);
/* Synchronous, bounded: sends everything queued (or drops it once the port stalls). */
void conq_flush(struct conq *q);

#endif
