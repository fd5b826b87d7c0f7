/* Debug-exit device; see debug_exit.h. */
#include "debug_exit.h"

static u32 dbg_read(void *dev, u16 off, u8 size) { return 0xffffffffu; }

static void dbg_write(void *dev, u16 off, u8 size, u32 value)
{
	struct debug_exit *d = dev;
	if (!d->fired) {
		d->fired = true;
		d->code = value;
	}
}

void debug_exit_init(struct debug_exit *d)
{
	*d = (struct debug_exit){0};
	d->io = (struct io_device){"debug-exit", DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, true, d, dbg_read, dbg_write};
}
