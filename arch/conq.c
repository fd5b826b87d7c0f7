/* The console output queue; see conq.h. */
#include "conq.h"

void conq_init(struct conq *q, u8 *buf, u32 size, u32 high_water, u32 spin_limit)
{
	*q = (struct conq){.buf = buf, .size = size, .high_water = high_water, .spin_limit = spin_limit, .sync = true};
}

void conq_set_port(struct conq *q, const struct conq_port *port)
{
	q->port = port;
	q->stalled = false;
}

static bool port_live(const struct conq *q) { return q->port && !q->stalled; }

/* One FIFO load: the caller knows the transmitter is empty. */
static u32 send_load(struct conq *q)
{
	u32 n = conq_count(q), depth = q->port->fifo_depth ? q->port->fifo_depth : 1;
	if (n > depth)
		n = depth;
	for (u32 i = 0; i < n; i++)
		q->port->tx(q->port->ctx, q->buf[(q->tail + i) & (q->size - 1)]);
	q->tail += n;
	q->sent += n;
	return n;
}

static void drop_all(struct conq *q)
{
	q->dropped += conq_count(q);
	q->tail = q->head;
}

u32 conq_drain(struct conq *q)
{
	if (!conq_count(q))
		return 0;
	if (!port_live(q)) {
		drop_all(q);
		return 0;
	}
	return q->port->tx_empty(q->port->ctx) ? send_load(q) : 0;
}

/* Waits (bounded) for an empty transmitter and sends one load; false once the port stalled. */
static bool flush_load(struct conq *q)
{
	for (u32 i = 0; i < q->spin_limit; i++)
		if (q->port->tx_empty(q->port->ctx)) {
			send_load(q);
			return true;
		}
	q->stalled = true;
	return false;
}

void conq_flush(struct conq *q)
{
	while (conq_count(q)) {
		if (!port_live(q) || !flush_load(q)) {
			drop_all(q);
			return;
		}
	}
}

void conq_write(struct conq *q, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (conq_count(q) == q->size) {
			/* only a guest that ignores THRE, or a flood of the core's own lines, gets here */
			q->full_waits++;
			if (!port_live(q) || !flush_load(q))
				drop_all(q);
		}
		q->buf[q->head & (q->size - 1)] = (u8)s[i];
		q->head++;
	}
	if (q->sync)
		conq_flush(q);
}
