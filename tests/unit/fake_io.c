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

static u32 dev_read(void *dev, u16 off, u8 size)
{
	struct io_log *l = dev;
	return io_log_in(l, (u16)(l->base + off), size);
}

static void dev_write(void *dev, u16 off, u8 size, u32 val)
{
	struct io_log *l = dev;
	io_log_out(l, (u16)(l->base + off), size, val);
}

struct io_device fake_io_device(struct io_log *l, const char *name, u16 base, u16 nports)
{
	l->base = base;
	return (struct io_device){name, base, nports, true, l, dev_read, dev_write};
}
