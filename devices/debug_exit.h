/*
 * The debug-exit device at port 0xf4, compatible with QEMU's isa-debug-exit
 * (iosize 4): a write of v ends the guest with exit code v. Pure C.
 */
#ifndef DEVICES_DEBUG_EXIT_H
#define DEVICES_DEBUG_EXIT_H

#include "iobus.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4

struct debug_exit {
	bool fired;
	u32 code;
	struct io_device io;
};

void debug_exit_init(struct debug_exit *d);

#endif
