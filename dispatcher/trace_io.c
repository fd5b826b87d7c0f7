/* The trace=io ring (trace_io.h). */
#include "trace_io.h"
#include "../arch/console.h"

void tio_init(struct trace_io *t, struct tio_rec *mem, u32 cap)
{
	*t = (struct trace_io){mem, mem ? cap : 0, 0, 0, 0};
}

void tio_record(struct trace_io *t, u64 time, u64 rip, u16 port, u8 size, u8 flags)
{
	if (!t->ring)
		return;
	if (t->n == t->cap) {
		t->flushes++;
		tio_flush(t);
	}
	t->ring[t->n++] = (struct tio_rec){time, rip, port, size, flags};
}

void tio_flush(struct trace_io *t)
{
	for (u32 i = 0; i < t->n; i++) {
		const struct tio_rec *r = &t->ring[i];
		con_log("tio %llx %llx %x %u%c%c\n", (unsigned long long)r->t, (unsigned long long)r->rip, r->port, r->size,
		        (r->flags & TIO_IN) ? 'i' : 'o', (r->flags & TIO_BLOCK) ? 'b' : 'x');
		if (t->drain && (i + 1) % TIO_DRAIN_LINES == 0)
			t->drain();
	}
	if (t->drain)
		t->drain();
	t->n = 0;
}
