/*
 * The IO port bus: port ranges to device handlers (DESIGN.md section 4).
 * Unclaimed ports read as all ones and ignore writes, as on a real board.
 * Pure C, host-tested.
 */
#ifndef DEVICES_IOBUS_H
#define DEVICES_IOBUS_H

#include "../arch/types.h"

#define IOBUS_MAX_DEVICES 16

struct io_device {
	const char *name;
	u16 base;
	u16 count;
	/* Byte devices see one call per port of a wider access; wide devices see the whole access. */
	bool wide;
	void *dev;
	u32 (*read)(void *dev, u16 offset, u8 size);
	void (*write)(void *dev, u16 offset, u8 size, u32 value);
};

#define IOBUS_PORTS 0x10000

struct iobus {
	const struct io_device *dev[IOBUS_MAX_DEVICES];
	u32 count;
	u64 unclaimed_reads, unclaimed_writes;
	u8 port_dev[IOBUS_PORTS]; /* 0: no device; i: dev[i - 1]. One lookup per access on the hot path. */
	u32 touched;              /* bit i: dev[i] was accessed since the owner last cleared it */
};

void iobus_init(struct iobus *b);
/* -1 when the range overlaps a registered device or the table is full. */
int iobus_register(struct iobus *b, const struct io_device *d);
/* size is 1, 2 or 4 bytes. */
u32 iobus_in(struct iobus *b, u16 port, u8 size);
void iobus_out(struct iobus *b, u16 port, u8 size, u32 value);

#endif
