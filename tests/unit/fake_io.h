/*
 * The one recording IO device of the unit tests: a log of every access (direction, port, size,
 * value) in order, where a read returns next_in, then next_in + 1, ... It stands in for a device
 * two ways: as the interpreter's port callbacks (fake_io_in, fake_io_out) and as a wide device on an IO
 * bus (fake_io_device). A fake: nothing of the hypervisor runs in it.
 */
#ifndef TESTS_UNIT_FAKE_IO_H
#define TESTS_UNIT_FAKE_IO_H

#include "unit.h"
#include "devices/iobus.h"
#include "dispatcher/emul/interp.h"

#define IO_LOG_MAX 8192 /* events kept; n, nin and nout count them all */

struct io_event {
	bool in;
	u16 port;
	u8 size;
	u32 val;
};

struct io_log {
	u32 n, nin, nout; /* events, reads, writes */
	struct io_event ev[IO_LOG_MAX];
	u32 next_in;
};

void io_log_reset(struct io_log *l, u32 first_in);
u32 io_log_in(struct io_log *l, u16 port, u8 size);
void io_log_out(struct io_log *l, u16 port, u8 size, u32 val);

/* The interpreter's port callbacks over a log: struct interp_io {log, fake_io_in, fake_io_out}. */
u32 fake_io_in(void *log, u16 port, u8 size);
void fake_io_out(void *log, u16 port, u8 size, u32 val);
/* The i-th read (in) or write (!in) in the log; fails the test where there is none. */
const struct io_event *io_log_nth(const struct io_log *l, bool in, u32 i);

/* The log as a device on an IO bus: fake_io_attach fills a->dev, a wide or a byte device on
 * ports [base, base + nports) whose accesses go to log as events with their port. */
struct fake_io_attach {
	struct io_log *log;
	struct io_device dev;
};
void fake_io_attach(struct fake_io_attach *a, struct io_log *log, const char *name, u16 base, u16 nports,
                    bool wide);

#endif
