/* The 82C54 test fixture; see pit_fixture.h. */
#include "unit.h"

#include "pit_fixture.h"

u64 now_ns;
static u64 fake_now(void *ctx) { return now_ns; }
static const struct dev_clock clk = {NULL, fake_now};

struct irq_rec rec;

static void fake_irq(void *ctx, unsigned irq, bool level)
{
	if (irq != PIT_IRQ)
		rec.wrong_line++;
	if (level && !rec.level)
		rec.rises++;
	if (!level && rec.level)
		rec.falls++;
	rec.changes++;
	rec.level = level;
}
static const struct irq_sink sink = {NULL, fake_irq};

struct pit pit;

int setup(void **state)
{
	now_ns = 0;
	rec = (struct irq_rec){0};
	pit_init(&pit, &clk, &sink);
	return 0;
}

void clear_rec(void)
{
	bool level = rec.level;
	rec = (struct irq_rec){0};
	rec.level = level;
}

void at(u64 k) { now_ns = pit_ticks_to_ns(k); }

void outb(u16 port, u8 v) { pit.io.write(pit.io.dev, (u16)(port - PIT_BASE), 1, v); }
u8 inb(u16 port) { return (u8)pit.io.read(pit.io.dev, (u16)(port - PIT_BASE), 1); }

void control(int ch, int rw, int mode, u8 bcd)
{
	outb(PIT_CONTROL_PORT, (u8)(CW_CH(ch) | rw << 4 | mode << 1 | bcd));
}

void write_count(int ch, int rw, u16 v)
{
	if (rw != RW_MSB)
		outb((u16)(PIT_BASE + ch), (u8)v);
	if (rw != RW_LSB)
		outb((u16)(PIT_BASE + ch), (u8)(v >> 8));
}

void program(int ch, int mode, u16 count)
{
	control(ch, RW_LOHI, mode, 0);
	write_count(ch, RW_LOHI, count);
}

u16 read16(int ch)
{
	u8 lo = inb((u16)(PIT_BASE + ch));
	return (u16)(lo | inb((u16)(PIT_BASE + ch)) << 8);
}

u16 count_of(int ch)
{
	control(ch, RW_LATCH, 0, 0);
	return read16(ch);
}

u8 status_of(int ch)
{
	outb(PIT_CONTROL_PORT, CW_READ_BACK | RB_NO_COUNT | RB_CH(ch));
	return inb((u16)(PIT_BASE + ch));
}

bool out_of(int ch) { return status_of(ch) & ST_OUT; }
bool null_of(int ch) { return status_of(ch) & ST_NULL; }

void out_trace(int ch, u64 from, u64 to, char *buf)
{
	for (u64 k = from; k <= to; k++) {
		at(k);
		*buf++ = out_of(ch) ? '1' : '0';
	}
	*buf = 0;
}
