/*
 * The one recording IO device of the unit tests: a log of every access (direction, port, size,
 * value) in order, where a read returns next_in, then next_in + 1, ... It stands in for a device
 * two ways: as the interpreter's port callbacks (fake_io_in, fake_io_out) and as a wide device on an IO
 * bus (fake_io_device). A fake: nothing of the hypervisor runs in it.
 */
#ifndef TESTS_UNIT_FAKE_IO_H
#define TESTS_UNIT_FAKE_IO_H

#include "arch/types.h"
#include "devices/iobus.h"
#include "dispatcher/emul/interp.h"

#define IO_LOG_MAX 512 /* events kept; n counts them all */

struct io_event {
	bool in;
	u16 port;
	u8 size;
	u32 val;
};

struct io_log {
	u32 n;
	struct io_event ev[IO_LOG_MAX];
	u32 next_in;
	u16 base; /* as a bus device: the first port (events carry base + offset) */
};

void io_log_reset(struct io_log *l, u32 first_in);
u32 io_log_in(struct io_log *l, u16 port, u8 size);
void io_log_out(struct io_log *l, u16 port, u8 size, u32 val);

/* The interpreter's port callbacks over a log: struct interp_io {log, fake_io_in, fake_io_out}. */
u32 fake_io_in(void *log, u16 port, u8 size);
void fake_io_out(void *log, u16 port, u8 size, u32 val);
/* The log as a wide device on ports [base, base + nports) (sets l->base). */
struct io_device fake_io_device(struct io_log *l, const char *name, u16 base, u16 nports);

#endif
