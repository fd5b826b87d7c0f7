/* The recording IO device of fake_io.h. */
#include "fake_io.h"

#include <string.h>

void io_log_reset(struct io_log *l, u32 first_in)
{
	memset(l, 0, sizeof(*l));
	l->next_in = first_in;
}

static void io_log_add(struct io_log *l, bool in, u16 port, u8 size, u32 val)
{
	if (in)
		l->nin++;
	else
		l->nout++;
	if (l->n < IO_LOG_MAX)
		l->ev[l->n] = (struct io_event){in, port, size, val};
	l->n++;
}

u32 io_log_in(struct io_log *l, u16 port, u8 size)
{
	u32 val = l->next_in++;
	io_log_add(l, true, port, size, val);
	return val;
}

void io_log_out(struct io_log *l, u16 port, u8 size, u32 val) { io_log_add(l, false, port, size, val); }

u32 fake_io_in(void *log, u16 port, u8 size) { return io_log_in(log, port, size); }
void fake_io_out(void *log, u16 port, u8 size, u32 val) { io_log_out(log, port, size, val); }

const struct io_event *io_log_nth(const struct io_log *l, bool in, u32 i)
{
	u32 kept = l->n < IO_LOG_MAX ? l->n : IO_LOG_MAX;
	for (u32 k = 0; k < kept; k++)
		if (l->ev[k].in == in && i-- == 0)
			return &l->ev[k];
	fail_msg("the log holds no %s number %u", in ? "read" : "write", i);
	return NULL;
}

static u32 dev_read(void *dev, u16 off, u8 size)
{
	struct fake_io_attach *a = dev;
	return io_log_in(a->log, (u16)(a->dev.base + off), size);
}

static void dev_write(void *dev, u16 off, u8 size, u32 val)
{
	struct fake_io_attach *a = dev;
	io_log_out(a->log, (u16)(a->dev.base + off), size, val);
}

void fake_io_attach(struct fake_io_attach *a, struct io_log *log, const char *name, u16 base, u16 nports,
                    bool wide)
{
	*a = (struct fake_io_attach){log, {name, base, nports, wide, a, dev_read, dev_write}};
}
