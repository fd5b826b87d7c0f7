/* Host console <-> emulated COM1; see conlink.h. */
#include "conlink.h"
#include "../arch/console.h"
#include "../devices/clock.h"

static struct conlink *current;

void conlink_attach(struct conlink *l) { current = l; }
struct conlink *conlink_current(void) { return current; }

void conlink_init(struct conlink *l, struct conq *q, struct board *b, int (*getc)(void *ctx), void *getc_ctx,
                  u64 fifo_ns)
{
	*l = (struct conlink){.q = q, .board = b, .uart = &b->com1, .getc = getc, .getc_ctx = getc_ctx,
	                      .fifo_ns = fifo_ns, .held = -1};
	l->seen_looks = l->uart->rx_looks;
	l->st.sent_before = q->sent;
}

static void note_level(struct conlink *l)
{
	u64 n = conq_count(l->q);
	if (n > l->st.max_queued)
		l->st.max_queued = n;
}

void conlink_guest_tx(void *ctx, u8 byte)
{
	struct conlink *l = ctx;
	char c = (char)byte;
	con_write_raw(&c, 1); /* through the console's fan-out: the queue, the in-memory log, ... */
	note_level(l);
	if (conq_busy(l->q) && !l->uart->tx_busy) {
		l->st.busy_episodes++;
		uart_set_tx_busy(l->uart, true);
	}
}

/* The polling rule of conlink.h. */
static bool poll_due(const struct conlink *l, u64 now)
{
	u64 since = now - l->last_poll_ns;
	if (l->uart->rx_looks != l->seen_looks && since >= CONLINK_POLL_LOOK_NS)
		return true;
	if (uart_rx_irq_enabled(l->uart))
		return since >= CONLINK_POLL_IRQ_NS;
	return since >= CONLINK_POLL_IDLE_NS;
}

/* A byte typed on the physical console goes to the guest's receiver; one is held while it is full. */
static void take_input(struct conlink *l, u64 now)
{
	if (l->held < 0 && l->getc && poll_due(l, now)) {
		l->st.polls++;
		l->last_poll_ns = now;
		l->seen_looks = l->uart->rx_looks;
		l->held = l->getc(l->getc_ctx);
	}
	if (l->held >= 0 && board_console_input(l->board, (u8)l->held)) {
		l->st.input_bytes++;
		l->held = -1;
	}
}

void conlink_service(struct conlink *l, u64 now_ns)
{
	if (!l)
		return;
	if (conq_drain(l->q))
		l->st.drains++;
	if (l->uart->tx_busy && !conq_busy(l->q))
		uart_set_tx_busy(l->uart, false);
	take_input(l, now_ns);
}

static u64 min_u64(u64 a, u64 b) { return a < b ? a : b; }

u64 conlink_wait_ns(const struct conlink *l, u64 now_ns)
{
	if (!l)
		return CLOCK_NEVER;
	u64 wait = CLOCK_NEVER;
	if (conq_count(l->q))
		wait = l->fifo_ns;
	if (l->held >= 0)
		wait = min_u64(wait, CONLINK_POLL_LOOK_NS); /* the guest's receiver may have room by then */
	if (uart_rx_irq_enabled(l->uart)) {
		u64 since = now_ns - l->last_poll_ns;
		wait = min_u64(wait, since >= CONLINK_POLL_IRQ_NS ? 0 : CONLINK_POLL_IRQ_NS - since);
	}
	return wait;
}

void conlink_print_stats(const struct conlink *l)
{
	con_log("console: %llu bytes sent while the guest ran, %llu FIFO loads at exits, queue high mark %llu of %u "
	        "bytes, guest THRE held %llu times, %llu ring-full waits, %llu input polls, %llu bytes typed\n",
	        (unsigned long long)(l->q->sent - l->st.sent_before), (unsigned long long)l->st.drains,
	        (unsigned long long)l->st.max_queued,
	        l->q->size, (unsigned long long)l->st.busy_episodes, (unsigned long long)l->q->full_waits,
	        (unsigned long long)l->st.polls, (unsigned long long)l->st.input_bytes);
}
