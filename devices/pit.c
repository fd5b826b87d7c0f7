/*
 * 8254 PIT; see pit.h. Section names in the comments are those of the Intel 82C54
 * datasheet (order no. 231244).
 *
 * Each counter is a small piece-wise model: a run (n loaded into the CE at pulse `load`)
 * whose CE value and OUT level are closed-form functions of the pulses counted since,
 * plus at most one pending reload (modes 2 and 3 take a new count at the next reload).
 * Every access first brings the model to the present pulse ("settle").
 */
#include "pit.h"

enum { PORT_CONTROL = 3 };

/* Control Word Format */
#define CW_SC_SHIFT 6
#define CW_SC_READ_BACK 3
#define CW_RW_SHIFT 4
#define CW_RW_MASK 3
#define CW_MODE_SHIFT 1
#define CW_MODE_MASK 7
#define CW_BCD 0x01
#define CW_LOW_BITS 0x3f /* RW, mode, BCD: what the status byte reports */
enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_LSB_MSB = 3 };
#define MODE_LAST 5 /* modes 6 and 7 are "X10" and "X11": 2 and 3 */
#define MODE_ALIAS 4

/* Read-Back Command Format: bits 5 and 4 are active low */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
#define RB_SELECT(i) (0x02u << (i))

/* Status Byte */
#define STATUS_OUT 0x80
#define STATUS_NULL_COUNT 0x40

#define BIN_MODULUS 65536u /* "count 0": 2^16 in binary */
#define BCD_MODULUS 10000u /* and 10^4 in BCD */

/* A read of the control port: the 82C54 floats the bus ("No-Operation (3-State)"); QEMU,
 * whose bare runs are our oracle, returns 0, and so do we. */
#define PIT_CONTROL_READ 0x00

u64 pit_ns_to_ticks(u64 ns)
{
	/* floor(ns * F / 10^9) split at whole seconds: (ns % 10^9) * F < 2^51 */
	return ns / CLOCK_NS_PER_S * PIT_HZ + ns % CLOCK_NS_PER_S * PIT_HZ / CLOCK_NS_PER_S;
}

u64 pit_ticks_to_ns(u64 k)
{
	u64 s = k / PIT_HZ, r = k % PIT_HZ;
	if (k == PIT_TICK_NEVER || s > (UINT64_MAX - CLOCK_NS_PER_S) / CLOCK_NS_PER_S)
		return CLOCK_NEVER;
	/* ceil(k * 10^9 / F) = s * 10^9 + ceil(r * 10^9 / F), since s * 10^9 is whole */
	return s * CLOCK_NS_PER_S + (r * CLOCK_NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static u64 now_tick(const struct pit *p)
{
	u64 t = pit_ns_to_ticks(clock_now(&p->clock));
	return t < p->last_tick ? p->last_tick : t; /* never step back behind delivered edges */
}

static u32 modulus(const struct pit_channel *c) { return c->bcd ? BCD_MODULUS : BIN_MODULUS; }

static bool periodic(const struct pit_channel *c) { return c->mode == 2 || c->mode == 3; }

/* Mode 3: OUT is high for ceil(N/2) pulses, low for floor(N/2) ("Mode 3", odd counts). */
static u64 high_half(u32 n) { return (n + 1) / 2; }

/* A written count as the CE sees it; 0 is the largest count. Nibbles above 9 in BCD are
 * undefined in the datasheet; they are weighted as written and the sum taken mod 10^4. */
static u32 decode_count(const struct pit_channel *c, u16 raw)
{
	u32 v = raw;
	if (c->bcd)
		v = ((raw >> 12) & 0xf) * 1000 + ((raw >> 8) & 0xf) * 100 + ((raw >> 4) & 0xf) * 10 + (raw & 0xf);
	v %= modulus(c);
	return v ? v : modulus(c);
}

static u16 encode_count(const struct pit_channel *c, u32 v)
{
	if (!c->bcd)
		return (u16)v;
	return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* A pending reload whose pulse has come becomes the run. */
static void settle(struct pit_channel *c, u64 t)
{
	if (!c->pend || c->pend_at > t)
		return;
	c->pend = false;
	c->running = true;
	c->paused = false;
	c->load = c->start = c->pend_at;
	c->n = c->cr;
	c->offset = c->pend_low ? high_half(c->n) : 0;
}

/* Pulses the CE has counted at pulse t (t >= load). */
static u64 elapsed(const struct pit_channel *c, u64 t)
{
	if (c->paused || t < c->start)
		return c->offset;
	return t - c->start + c->offset;
}

/* OUT of the run at pulse t >= load ("Mode Definitions"). */
static bool run_out(const struct pit_channel *c, u64 t)
{
	u64 e = elapsed(c, t), n = c->n;
	switch (c->mode) {
	case 0: /* low until terminal count, then high */
	case 1: /* low from the pulse after the trigger until terminal count */
		return e >= n;
	case 2: /* low for the one pulse at count 1 */
		return e % n != n - 1;
	case 3:
		return e % n < high_half(c->n);
	default: /* 4, 5: low for the one pulse at terminal count */
		return e != n;
	}
}

static bool out_at(const struct pit_channel *c, u64 t)
{
	if (periodic(c) && !c->gate)
		return true; /* modes 2, 3: "GATE low ... sets output immediately high" */
	if (!c->running || t < c->load)
		return c->hold_out;
	return run_out(c, t);
}

static u32 ce_at(const struct pit_channel *c, u64 t)
{
	if (!c->running || t < c->load)
		return c->hold_ce;
	u64 e = elapsed(c, t), n = c->n, m = modulus(c);
	switch (c->mode) {
	case 2: /* N, N-1, ..., 1, reload */
		return (u32)((n - e % n) % m);
	case 3: { /* by twos from N (even) or N-1 (odd), reloaded at each half */
		u64 p = e % n, h = high_half(c->n);
		u64 q = p < h ? p : p - h;
		return (u32)(((n & ~1ULL) - 2 * q) % m);
	}
	default: /* 0, 1, 4, 5: down by one, wrapping past 0 */
		return (u32)((n + m - e % m) % m);
	}
}

static bool null_at(const struct pit_channel *c, u64 t) { return c->null_count && t < c->null_until; }

static u8 status_at(const struct pit_channel *c, u64 t)
{
	return (out_at(c, t) ? STATUS_OUT : 0) | (null_at(c, t) ? STATUS_NULL_COUNT : 0) | c->ctrl;
}

/* The CE takes the CR at pulse `at`; until then it keeps what it shows at t. */
static void start_run(struct pit_channel *c, u64 t, u64 at, bool paused)
{
	c->hold_ce = ce_at(c, t);
	c->hold_out = out_at(c, t);
	c->running = true;
	c->paused = paused;
	c->load = c->start = at;
	c->offset = 0;
	c->n = c->cr;
	c->pend = false;
	c->null_until = at;
}

/* Next rise of OUT after pulse t within the current run (no pending reload). */
static u64 run_next_rise(const struct pit_channel *c, u64 t)
{
	if (!c->running || (periodic(c) && !c->gate))
		return PIT_TICK_NEVER;
	if (t < c->load) {
		if (!c->hold_out && run_out(c, c->load))
			return c->load;
		t = c->load;
	}
	if (c->paused)
		return PIT_TICK_NEVER;
	if (t < c->start)
		t = c->start;
	u64 e = elapsed(c, t), n = c->n, rise;
	switch (c->mode) {
	case 0:
	case 1:
		rise = n;
		break;
	case 2:
	case 3: /* low just before every reload, high after it; count 1 is illegal (constant OUT) */
		if (n < 2)
			return PIT_TICK_NEVER;
		rise = (e / n + 1) * n;
		break;
	default:
		rise = n + 1;
		break;
	}
	return rise > e ? t + (rise - e) : PIT_TICK_NEVER;
}

/* Rises of OUT in pulses (a, b] within the current run. */
static u64 run_rises(const struct pit_channel *c, u64 a, u64 b)
{
	u64 count = 0;
	while (a < b) {
		u64 r = run_next_rise(c, a);
		if (r > b)
			break;
		if (periodic(c) && c->n >= 2) /* every n pulses from the first */
			return count + 1 + (b - r) / c->n;
		count++;
		a = r;
	}
	return count;
}

/* Rises of OUT in pulses (a, b], moving the channel through a pending reload. */
static u64 channel_rises(struct pit_channel *c, u64 a, u64 b)
{
	u64 count = 0;
	settle(c, a);
	if (c->pend && c->pend_at <= b) {
		u64 at = c->pend_at;
		count += run_rises(c, a, at - 1);
		bool before = out_at(c, at - 1);
		settle(c, at);
		if (!before && out_at(c, at))
			count++;
		a = at;
	}
	return count + run_rises(c, a, b);
}

static u64 channel_next_rise(const struct pit_channel *ch, u64 t)
{
	struct pit_channel c = *ch;
	settle(&c, t);
	u64 r = run_next_rise(&c, t);
	if (!c.pend || r < c.pend_at)
		return r;
	u64 at = c.pend_at;
	bool before = out_at(&c, at - 1);
	settle(&c, at);
	if (!before && out_at(&c, at))
		return at;
	return run_next_rise(&c, at);
}

/* Drive IRQ0: one rise for any number of elapsed rises, then the present level. */
static void drive_irq(struct pit *p, u64 rises, bool level)
{
	if (rises) {
		if (p->irq_level)
			irq_set(&p->irq, PIT_IRQ, false);
		irq_set(&p->irq, PIT_IRQ, true);
		p->irq_level = true;
		p->irq_edges++;
		p->missed_ticks += rises - 1;
	}
	if (p->irq_level != level) {
		irq_set(&p->irq, PIT_IRQ, level);
		p->irq_level = level;
		if (level)
			p->irq_edges++;
	}
}

/* Bring every channel and IRQ0 to the present pulse, which it returns. */
static u64 catch_up(struct pit *p)
{
	u64 t = now_tick(p);
	u64 rises = t > p->last_tick ? channel_rises(&p->ch[0], p->last_tick, t) : 0;
	p->last_tick = t;
	for (int i = 0; i < PIT_CHANNELS; i++)
		settle(&p->ch[i], t);
	drive_irq(p, rises, out_at(&p->ch[0], t));
	return t;
}

/* Modes 2 and 3: a count written while counting is loaded at the next reload — the end
 * of the period (mode 2) or of the current half-cycle (mode 3). */
static void schedule_reload(struct pit_channel *c, u64 t)
{
	u64 e = elapsed(c, t), n = c->n;
	if (c->mode == 2) {
		c->pend_at = t + ((e / n + 1) * n - e);
		c->pend_low = false;
	} else {
		u64 phase = e % n, h = high_half(c->n);
		c->pend_low = phase < h; /* the next half-cycle is the low one */
		c->pend_at = t + (c->pend_low ? h - phase : n - phase);
	}
	c->pend = true;
	c->null_until = c->pend_at;
}

/* A complete count was written to the CR at pulse t. */
static void count_written(struct pit_channel *c, u64 t, u16 raw)
{
	c->cr = decode_count(c, raw);
	c->cr_valid = true;
	c->null_count = true;
	switch (c->mode) {
	case 0: /* OUT goes low; the count is loaded on the next pulse, counting if GATE is high */
		start_run(c, t, t + 1, !c->gate);
		c->hold_out = false;
		break;
	case 4: /* loaded on the next pulse */
		start_run(c, t, t + 1, !c->gate);
		break;
	case 1:
	case 5: /* loaded only by a GATE trigger; the one-shot under way is not affected */
		if (c->running && t < c->load) { /* triggered, CE not loaded yet: it takes this CR */
			c->n = c->cr;
			c->null_until = c->load;
		} else {
			c->null_until = PIT_TICK_NEVER;
		}
		break;
	default: /* 2, 3 */
		if (!c->running || t < c->load)
			start_run(c, t, t + 1, !c->gate); /* the first count: loaded on the next pulse */
		else if (!c->gate)
			c->null_until = PIT_TICK_NEVER; /* GATE's rising edge reloads it */
		else
			schedule_reload(c, t);
		break;
	}
}

static void write_counter(struct pit_channel *c, u64 t, u8 v)
{
	switch (c->rw) {
	case RW_LSB:
		count_written(c, t, v);
		break;
	case RW_MSB:
		count_written(c, t, (u16)(v << 8));
		break;
	default:
		if (c->write_msb) {
			c->write_msb = false;
			count_written(c, t, (u16)(c->cr_lsb | v << 8));
			break;
		}
		c->write_msb = true;
		c->cr_lsb = v;
		if (c->mode == 0) { /* "Writing the first byte disables counting. OUT is set low" */
			if (c->running && t < c->load)
				c->null_until = PIT_TICK_NEVER; /* that count is never loaded */
			c->hold_ce = ce_at(c, t);
			c->hold_out = false;
			c->running = c->pend = false;
		}
		break;
	}
}

static u8 read_counter(struct pit_channel *c, u64 t)
{
	if (c->status_latched) { /* status first, whichever was latched first */
		c->status_latched = false;
		return c->status;
	}
	u16 v = c->count_latched ? c->latch : encode_count(c, ce_at(c, t));
	bool last = true;
	u8 b;
	switch (c->rw) {
	case RW_LSB: b = (u8)v; break;
	case RW_MSB: b = (u8)(v >> 8); break;
	default:
		b = c->read_msb ? (u8)(v >> 8) : (u8)v;
		last = c->read_msb;
		c->read_msb = !c->read_msb;
		break;
	}
	if (last)
		c->count_latched = false; /* the OL follows the CE again */
	return b;
}

/* Counter Latch and Read-Back: a latch not yet read is kept; a second one is ignored. */
static void latch_count(struct pit_channel *c, u64 t)
{
	if (c->count_latched)
		return;
	c->count_latched = true;
	c->latch = encode_count(c, ce_at(c, t));
}

static void latch_status(struct pit_channel *c, u64 t)
{
	if (c->status_latched)
		return;
	c->status_latched = true;
	c->status = status_at(c, t);
}

/* "When a Control Word is written to a Counter, all Control Logic is immediately reset
 * and OUT goes to a known initial state": low in mode 0, high in the others. */
static void set_mode(struct pit_channel *c, u64 t, u8 cw)
{
	u8 mode = (cw >> CW_MODE_SHIFT) & CW_MODE_MASK;
	c->hold_ce = ce_at(c, t);
	c->ctrl = cw & CW_LOW_BITS;
	c->rw = (cw >> CW_RW_SHIFT) & CW_RW_MASK;
	c->mode = mode > MODE_LAST ? mode - MODE_ALIAS : mode;
	c->bcd = cw & CW_BCD;
	c->hold_out = c->mode != 0;
	c->running = c->paused = c->pend = false;
	c->cr_valid = false;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false; /* a latch is held "until reprogrammed" */
	c->null_count = true;
	c->null_until = PIT_TICK_NEVER;
}

static void write_control(struct pit *p, u64 t, u8 cw)
{
	unsigned sc = cw >> CW_SC_SHIFT;
	if (sc == CW_SC_READ_BACK) {
		for (int i = 0; i < PIT_CHANNELS; i++) {
			if (!(cw & RB_SELECT(i)))
				continue;
			if (!(cw & RB_NO_STATUS))
				latch_status(&p->ch[i], t);
			if (!(cw & RB_NO_COUNT))
				latch_count(&p->ch[i], t);
		}
	} else if (((cw >> CW_RW_SHIFT) & CW_RW_MASK) == RW_LATCH) {
		latch_count(&p->ch[sc], t); /* the mode is not disturbed */
	} else {
		set_mode(&p->ch[sc], t, cw);
	}
}

/* "Gate Pin Operations Summary". */
static void set_gate(struct pit_channel *c, u64 t, bool level)
{
	if (level == c->gate)
		return;
	if (level) {
		if (c->mode == 0 || c->mode == 4) { /* high: enables counting */
			if (c->running && c->paused) {
				c->paused = false;
				c->start = t > c->load ? t : c->load;
			}
		} else if (c->cr_valid) { /* rising edge: (re)load the CR on the next pulse */
			start_run(c, t, t + 1, false);
		}
	} else if (c->mode != 1 && c->mode != 5) { /* low: disables counting */
		if (c->running && !c->paused) {
			c->offset = t >= c->load ? elapsed(c, t) : 0;
			if (periodic(c))
				c->offset %= c->n;
			c->paused = true;
		}
		if (c->pend) { /* the reload now waits for the rising edge */
			c->pend = false;
			c->null_until = PIT_TICK_NEVER;
		}
	}
	c->gate = level;
}

static u32 pit_read(void *dev, u16 off, u8 size)
{
	struct pit *p = dev;
	if (off == PORT_CONTROL)
		return PIT_CONTROL_READ;
	u64 t = catch_up(p);
	return read_counter(&p->ch[off], t);
}

static void pit_write(void *dev, u16 off, u8 size, u32 value)
{
	struct pit *p = dev;
	u64 t = catch_up(p);
	if (off == PORT_CONTROL)
		write_control(p, t, (u8)value);
	else
		write_counter(&p->ch[off], t, (u8)value);
	drive_irq(p, 0, out_at(&p->ch[0], t)); /* a write can move OUT at once */
}

void pit_tick(struct pit *p) { catch_up(p); }

u64 pit_next_deadline(const struct pit *p)
{
	return pit_ticks_to_ns(channel_next_rise(&p->ch[0], p->last_tick));
}

bool pit_channel2_out(const struct pit *p)
{
	struct pit_channel c = p->ch[2];
	u64 t = now_tick(p);
	settle(&c, t);
	return out_at(&c, t);
}

void pit_set_gate2(struct pit *p, bool level)
{
	u64 t = catch_up(p);
	set_gate(&p->ch[2], t, level);
}

/* A control word and count 0, as written through the ports. */
static void program(struct pit_channel *c, u64 t, u8 mode)
{
	set_mode(c, t, RW_LSB_MSB << CW_RW_SHIFT | mode << CW_MODE_SHIFT);
	count_written(c, t, 0);
}

void pit_init(struct pit *p, const struct dev_clock *clk, const struct irq_sink *irq)
{
	*p = (struct pit){0};
	p->clock = *clk;
	if (irq)
		p->irq = *irq;
	u64 t = pit_ns_to_ticks(clock_now(&p->clock));
	p->last_tick = t;
	for (int i = 0; i < PIT_CHANNELS; i++) {
		p->ch[i].gate = i != 2; /* channels 0 and 1: GATE tied high; 2: port 0x61 bit 0 */
		program(&p->ch[i], t, i == 0 ? 2 : 3);
	}
	p->irq_level = out_at(&p->ch[0], t);
	irq_set(&p->irq, PIT_IRQ, p->irq_level);
	p->io = (struct io_device){"pit", PIT_BASE, PIT_PORTS, false, p, pit_read, pit_write};
}
