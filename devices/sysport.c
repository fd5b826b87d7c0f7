/* System control port B (0x61) and the POST/IO-delay port (0x80); see sysport.h. */
#include "sysport.h"

#define PORT_B_GATE2 0x01
#define PORT_B_WRITABLE 0x0f /* gate 2, speaker data, parity and IOCHK check enables */
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2 0x20
#define REFRESH_TICKS 18 /* PIT clocks per refresh request: 15.0857 us */
#define POST_READ 0xff   /* QEMU's ioport80_read */

static u32 port_b_read(void *dev, u16 off, u8 size)
{
	struct sysport *s = dev;
	u64 ticks = pit_ns_to_ticks(clock_now(&s->clock));
	u8 v = s->port_b & PORT_B_WRITABLE;
	if ((ticks / REFRESH_TICKS) & 1)
		v |= PORT_B_REFRESH;
	if (pit_channel2_out(s->pit))
		v |= PORT_B_OUT2;
	return v;
}

static void port_b_write(void *dev, u16 off, u8 size, u32 value)
{
	struct sysport *s = dev;
	s->port_b = (u8)value & PORT_B_WRITABLE;
	pit_set_gate2(s->pit, s->port_b & PORT_B_GATE2);
}

static u32 post_read(void *dev, u16 off, u8 size) { return POST_READ; }

static void post_write(void *dev, u16 off, u8 size, u32 value)
{
	struct sysport *s = dev;
	s->post_code = (u8)value;
	s->post_writes++;
}

void sysport_init(struct sysport *s, struct pit *pit, const struct dev_clock *clk)
{
	*s = (struct sysport){0};
	s->pit = pit;
	s->clock = *clk;
	pit_set_gate2(pit, false);
	s->io_b = (struct io_device){"port-b", SYSPORT_B_PORT, 1, false, s, port_b_read, port_b_write};
	s->io_post = (struct io_device){"post", SYSPORT_POST_PORT, 1, false, s, post_read, post_write};
}
