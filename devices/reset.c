/* Reset control: 0xCF9, the keyboard controller's reset line, port 0x92; see reset.h. */
#include "reset.h"

#define ALL_ONES 0xffffffffu

/* RST_CNT (Intel ICH/PCH datasheets) */
#define RST_CNT_OFFSET 1 /* 0xCF9 within 0xCF8..0xCFB */
#define RST_CNT_SYS_RST 0x02
#define RST_CNT_RST_CPU 0x04
#define RST_CNT_FULL_RST 0x08
#define RST_CNT_STORED (RST_CNT_SYS_RST | RST_CNT_FULL_RST)

/* 8042 (IBM PC/AT Technical Reference) */
#define KBC_ABSENT 0xff
#define KBC_CMD_PULSE 0xf0     /* Fxh: pulse output-port bits 3:0 whose command bit is 0 */
#define KBC_CMD_PULSE_MASK 0xf0
#define KBC_OUT_SYSTEM_RESET 0x01 /* output-port bit 0 drives the system reset */

/* Port 92h (Intel ICH/PCH datasheets) */
#define PORT92_INIT_NOW 0x01
#define PORT92_A20 0x02
#define PORT92_STORED (PORT92_INIT_NOW | PORT92_A20)
#define PORT92_DEFAULT PORT92_A20

static void request(struct reset_dev *d, const char *how)
{
	if (d->requested)
		return;
	d->requested = true;
	d->how = how;
}

static u32 cf9_read(void *dev, u16 off, u8 size)
{
	struct reset_dev *d = dev;
	return (off == RST_CNT_OFFSET && size == 1) ? d->rst_cnt : ALL_ONES;
}

static void cf9_write(void *dev, u16 off, u8 size, u32 value)
{
	struct reset_dev *d = dev;
	if (off != RST_CNT_OFFSET || size != 1) /* CONFIG_ADDRESS and friends: no PCI here */
		return;
	d->rst_cnt = value & RST_CNT_STORED;
	if (!(value & RST_CNT_RST_CPU))
		return;
	if ((value & RST_CNT_SYS_RST) && (value & RST_CNT_FULL_RST))
		request(d, "0xcf9 full reset");
	else if (value & RST_CNT_SYS_RST)
		request(d, "0xcf9 hard reset");
	else
		request(d, "0xcf9 soft reset");
}

static u32 kbc_read(void *dev, u16 off, u8 size) { return KBC_ABSENT; }

static void kbc_write(void *dev, u16 off, u8 size, u32 value)
{
	struct reset_dev *d = dev;
	if ((value & KBC_CMD_PULSE_MASK) == KBC_CMD_PULSE && !(value & KBC_OUT_SYSTEM_RESET))
		request(d, "keyboard controller reset pulse");
}

static u32 port92_read(void *dev, u16 off, u8 size)
{
	struct reset_dev *d = dev;
	return d->port92;
}

static void port92_write(void *dev, u16 off, u8 size, u32 value)
{
	struct reset_dev *d = dev;
	bool rising = (value & PORT92_INIT_NOW) && !(d->port92 & PORT92_INIT_NOW);
	d->port92 = value & PORT92_STORED;
	if (rising)
		request(d, "port 0x92 fast reset");
}

void reset_init(struct reset_dev *d)
{
	*d = (struct reset_dev){0};
	d->port92 = PORT92_DEFAULT;
	d->io_cf9 = (struct io_device){"reset-cf9", RESET_CF9_RANGE_PORT, RESET_CF9_RANGE_PORTS, true, d, cf9_read, cf9_write};
	d->io_kbc = (struct io_device){"kbc-reset", RESET_KBC_PORT, 1, false, d, kbc_read, kbc_write};
	d->io_port92 = (struct io_device){"port92", RESET_PORT92, 1, false, d, port92_read, port92_write};
}
