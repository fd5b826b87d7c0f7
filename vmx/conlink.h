/*
 * The link between the host console (arch/conq.h: the output queue in front of the physical
 * UART) and the guest's emulated COM1 (devices/uart.h), while the guest runs (issue 11 item 5,
 * DESIGN.md section 5: root mode never busy-waits on a UART):
 * - output: the guest's bytes join the queue; conlink_service() drains up to a FIFO load at
 *   each exit and at the preemption-timer deadline conlink_wait_ns() asks for; while the queue
 *   is above its high-water mark the guest's THRE stays clear (backpressure), nothing is lost;
 * - input: the physical receiver is polled only where a byte can matter: when the guest has
 *   looked at RBR/LSR since the last poll (at most every CONLINK_POLL_LOOK_NS), when its
 *   receive interrupt is enabled (every CONLINK_POLL_IRQ_NS, with a timer wake-up), and
 *   otherwise only at exits that happen anyway, at most every CONLINK_POLL_IDLE_NS. An idle
 *   guest gets no exit whose only purpose is polling.
 * Pure C; the core wires it to hostcon, the tests to a fake port.
 */
#ifndef VMX_CONLINK_H
#define VMX_CONLINK_H

#include "../arch/conq.h"
#include "../devices/board.h"

#define CONLINK_POLL_LOOK_NS 1000000ULL    /* 1 ms */
#define CONLINK_POLL_IRQ_NS 10000000ULL    /* 10 ms */
#define CONLINK_POLL_IDLE_NS 100000000ULL  /* 100 ms */

struct conlink_stats {
	u64 polls;          /* physical receiver reads */
	u64 input_bytes;    /* bytes handed to the guest */
	u64 busy_episodes;  /* times the guest's THRE was held clear */
	u64 max_queued;     /* the queue's high mark, bytes */
	u64 drains;         /* FIFO loads sent */
	u64 sent_before;    /* the queue's count of sent bytes when the link was set up */
};

struct conlink {
	struct conq *q;
	struct board *board;
	struct uart *uart;  /* the board's COM1 */
	int (*getc)(void *ctx); /* a received byte or -1 */
	void *getc_ctx;
	u64 fifo_ns;       /* one FIFO load on the line: the drain period while bytes wait */
	u64 last_poll_ns;
	u64 seen_looks;    /* uart->rx_looks at the last poll */
	int held;          /* a received byte the guest's receiver could not take yet, or -1 */
	struct conlink_stats st;
};

void conlink_init(struct conlink *l, struct conq *q, struct board *b, int (*getc)(void *ctx), void *getc_ctx,
                  u64 fifo_ns);
/* The emulated UART's tx callback (ctx: the conlink). */
void conlink_guest_tx(void *ctx, u8 byte);
/* At each pass of the run loop: drain, release backpressure, poll input where due. */
void conlink_service(struct conlink *l, u64 now_ns);
/* How long the guest may run before the console needs an exit (CLOCK_NEVER: no need). */
u64 conlink_wait_ns(const struct conlink *l, u64 now_ns);

/* "[hv] console: ..." with the figures of conlink_stats and the queue. */
void conlink_print_stats(const struct conlink *l);

/* The one link the run loop serves (NULL: none; the functions above then do nothing). */
void conlink_attach(struct conlink *l);
struct conlink *conlink_current(void);

#endif
