/* IO bus dispatch; see iobus.h. */
#include "iobus.h"

void iobus_init(struct iobus *b)
{
	b->count = 0;
	b->unclaimed_reads = b->unclaimed_writes = 0;
	b->touched = 0;
	for (u32 p = 0; p < IOBUS_PORTS; p++)
		b->port_dev[p] = 0;
}

int iobus_register(struct iobus *b, const struct io_device *d)
{
	if (b->count >= IOBUS_MAX_DEVICES || d->count == 0 || (u32)d->base + d->count > 0x10000)
		return -1;
	for (u32 i = 0; i < b->count; i++) {
		const struct io_device *o = b->dev[i];
		if (d->base < o->base + o->count && o->base < d->base + d->count)
			return -1;
	}
	b->dev[b->count++] = d;
	for (u32 p = d->base; p < (u32)d->base + d->count; p++)
		b->port_dev[p] = (u8)b->count;
	return 0;
}

static const struct io_device *find(struct iobus *b, u16 port)
{
	u8 i = b->port_dev[port];
	if (!i)
		return 0;
	b->touched |= 1u << (i - 1);
	return b->dev[i - 1];
}

static u32 size_mask(u8 size) { return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1; }

u32 iobus_in(struct iobus *b, u16 port, u8 size)
{
	const struct io_device *d = find(b, port);
	if (d && d->wide && d->read)
		return d->read(d->dev, (u16)(port - d->base), size) & size_mask(size);
	u32 v = 0;
	for (u8 i = 0; i < size; i++) { /* a wide access to byte ports touches port, port+1, ... */
		u16 p = (u16)(port + i);
		d = find(b, p);
		u32 byte = 0xff;
		if (d && d->read)
			byte = d->read(d->dev, (u16)(p - d->base), 1) & 0xff;
		else
			b->unclaimed_reads++;
		v |= byte << (8 * i);
	}
	return v;
}

void iobus_out(struct iobus *b, u16 port, u8 size, u32 value)
{
	const struct io_device *d = find(b, port);
	if (d && d->wide && d->write) {
		d->write(d->dev, (u16)(port - d->base), size, value & size_mask(size));
		return;
	}
	for (u8 i = 0; i < size; i++) {
		u16 p = (u16)(port + i);
		d = find(b, p);
		if (d && d->write)
			d->write(d->dev, (u16)(p - d->base), 1, (value >> (8 * i)) & 0xff);
		else
			b->unclaimed_writes++;
	}
}
