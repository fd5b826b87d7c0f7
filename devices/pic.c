/* 8259A PIC pair and ELCR; see pic.h. Section names cite the Intel 8259A datasheet. */
#include "pic.h"

enum { PORT_COMMAND = 0, PORT_DATA = 1 };

/* ICW1 (figure "Initialization Command Word Format"); D4 set tells it from OCW2/OCW3. */
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10
/* ICW2: T7..T3 in 8086 mode; the low bits are the 8080's A10..A8 and do not reach the vector. */
#define ICW2_VECTOR_MASK 0xf8
/* ICW4: uPM, AEOI, M/S, BUF, SFNM; bits 7..5 are zero. */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define ICW4_MASK 0x1f
/* OCW2 (figure "Operation Command Word Format"): R, SL, EOI in bits 7..5, the level in 2..0. */
#define OCW2_LEVEL_MASK 0x07
#define OCW2_COMMAND_SHIFT 5
enum ocw2_command {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_NONSPECIFIC_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_NONSPECIFIC_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};
/* OCW3: D4 clear and D3 set. */
#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
/* The poll word ("Poll Command"): I set when a level requests service, W2..W0 that level. */
#define POLL_INTERRUPT 0x80
/* After ICW1, IR7 has the lowest priority; a default (spurious) acknowledge answers IR7. */
#define PIC_IR7 7
#define PIC_ALL_LEVELS 0xff
/*
 * ELCR bits the chipset lets software set (Intel PIIX4/ICH datasheets, ELCR1/ELCR2):
 * IRQ0 (timer), IRQ1 (keyboard), IRQ2 (cascade), IRQ8 (RTC) and IRQ13 (FPU error)
 * cannot be level-triggered; those bits read 0. QEMU's elcr_mask agrees.
 */
#define ELCR_MASTER_WRITABLE 0xf8
#define ELCR_SLAVE_WRITABLE 0xde

static u8 bit(unsigned level) { return (u8)(1u << level); }

/* 0 is the highest priority, 7 the lowest: priorities run on from the lowest level ("Rotation"). */
static unsigned rank(const struct pic_chip *c, unsigned level) { return (level - c->lowest - 1u) & 7u; }

/* The highest-priority level set in bits, or -1. */
static int highest(const struct pic_chip *c, u8 bits)
{
	for (unsigned i = 1; i <= PIC_IRQS_PER_CHIP; i++) {
		unsigned level = (c->lowest + i) & 7u;
		if (bits & bit(level))
			return (int)level;
	}
	return -1;
}

/* LTIM makes every input level-triggered; otherwise the chipset's ELCR decides per input. */
static u8 level_inputs(const struct pic_chip *c) { return c->ltim ? PIC_ALL_LEVELS : c->elcr; }

static bool is_cascade(const struct pic_chip *c, unsigned level)
{
	return c->is_master && !c->single && level == PIC_CASCADE_IRQ && (c->icw3 & bit(PIC_CASCADE_IRQ));
}

/* Level-triggered requests are not latched: the request bit is the line ("Edge and Level Triggered Modes"). */
static void sample_levels(struct pic_chip *c)
{
	u8 lv = level_inputs(c);
	c->irr = (u8)((c->irr & ~lv) | (c->lines & lv));
}

static void chip_set_line(struct pic_chip *c, unsigned level, bool high)
{
	u8 b = bit(level);
	bool rising = high && !(c->lines & b);
	c->lines = high ? (u8)(c->lines | b) : (u8)(c->lines & ~b);
	/* Edge mode: only a low-to-high change sets the request, masked or not; it stays until acknowledged. */
	if (rising)
		c->irr |= b;
	sample_levels(c);
}

/* In-service levels that still hold off requests of their own and lower priority. */
static u8 blocking_levels(const struct pic_chip *c)
{
	u8 b = c->isr;
	/* Special Mask Mode: a masked in-service level no longer inhibits lower ones. */
	if (c->special_mask)
		b &= (u8)~c->imr;
	/* Special Fully Nested Mode: the slave may interrupt again while one of its levels is in service. */
	if ((c->icw4 & ICW4_SFNM) && is_cascade(c, PIC_CASCADE_IRQ))
		b &= (u8)~bit(PIC_CASCADE_IRQ);
	return b;
}

/* The level this chip's INT output stands for, or -1 when INT is low. */
static int pending(const struct pic_chip *c)
{
	if (!c->ready)
		return -1;
	int req = highest(c, (u8)(c->irr & ~c->imr));
	if (req < 0)
		return -1;
	int srv = highest(c, blocking_levels(c));
	if (srv >= 0 && rank(c, (unsigned)srv) <= rank(c, (unsigned)req))
		return -1;
	return req;
}

/* "Interrupt Sequence": the acknowledged level goes in service, its edge request is consumed. */
static void chip_ack(struct pic_chip *c, unsigned level)
{
	if (!(level_inputs(c) & bit(level)))
		c->irr &= (u8)~bit(level);
	if (!(c->icw4 & ICW4_AEOI))
		c->isr |= bit(level);
	else if (c->rotate_in_aeoi)
		c->lowest = (u8)level;
}

/* A poll read acts as the acknowledge of the level it reports ("Poll Command"). */
static u8 poll_word(struct pic_chip *c)
{
	int level = pending(c);
	if (level < 0)
		return 0;
	chip_ack(c, (unsigned)level);
	return (u8)(POLL_INTERRUPT | level);
}

/* ICW1 resets the chip ("Initialization Command Words", a-f). */
static void write_icw1(struct pic_chip *c, u8 v)
{
	c->need_icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->ltim = v & ICW1_LTIM;
	c->step = PIC_ICW2;
	c->ready = false;
	c->imr = 0;
	c->isr = 0;
	c->lowest = PIC_IR7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_in_aeoi = false;
	if (!c->need_icw4)
		c->icw4 = 0;
	/* The edge sense latch is reset: a line already high needs a new low-to-high change. */
	c->irr = (u8)(c->lines & level_inputs(c));
}

static void finish_init(struct pic_chip *c)
{
	c->step = PIC_ICW_DONE;
	c->ready = true;
}

static void write_icw(struct pic_chip *c, u8 v)
{
	switch (c->step) {
	case PIC_ICW2:
		c->vector_base = v & ICW2_VECTOR_MASK;
		if (!c->single)
			c->step = PIC_ICW3;
		else if (c->need_icw4)
			c->step = PIC_ICW4;
		else
			finish_init(c);
		break;
	case PIC_ICW3:
		c->icw3 = v;
		if (c->need_icw4)
			c->step = PIC_ICW4;
		else
			finish_init(c);
		break;
	case PIC_ICW4:
		c->icw4 = v & ICW4_MASK;
		finish_init(c);
		break;
	case PIC_ICW_DONE:
		break;
	}
}

/* Non-specific EOI: in Special Mask Mode, masked in-service levels are not candidates ("Special Mask Mode"). */
static int eoi_level(const struct pic_chip *c)
{
	u8 candidates = c->special_mask ? (u8)(c->isr & ~c->imr) : c->isr;
	return highest(c, candidates);
}

static void write_ocw2(struct pic_chip *c, u8 v)
{
	unsigned level = v & OCW2_LEVEL_MASK;
	enum ocw2_command cmd = (enum ocw2_command)(v >> OCW2_COMMAND_SHIFT);
	int top = eoi_level(c);
	switch (cmd) {
	case OCW2_NONSPECIFIC_EOI:
	case OCW2_ROTATE_NONSPECIFIC_EOI:
		if (top < 0)
			break; /* nothing in service: nothing to end, nothing to rotate about */
		c->isr &= (u8)~bit((unsigned)top);
		if (cmd == OCW2_ROTATE_NONSPECIFIC_EOI)
			c->lowest = (u8)top;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= (u8)~bit(level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI: /* a specific EOI combined with Set Priority */
		c->isr &= (u8)~bit(level);
		c->lowest = (u8)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (u8)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_in_aeoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_in_aeoi = false;
		break;
	case OCW2_NOP:
		break;
	}
}

static void write_ocw3(struct pic_chip *c, u8 v)
{
	if (v & OCW3_ESMM)
		c->special_mask = v & OCW3_SMM;
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_POLL)
		c->poll = true;
}

static void chip_write(struct pic_chip *c, u16 off, u8 v)
{
	if (off == PORT_DATA) {
		if (c->step != PIC_ICW_DONE)
			write_icw(c, v);
		else
			c->imr = v; /* OCW1 */
	} else if (v & ICW1_SELECT) {
		write_icw1(c, v);
	} else if (v & OCW3_SELECT) {
		write_ocw3(c, v);
	} else {
		write_ocw2(c, v);
	}
}

/* "Reading the 8259A Status": a pending poll overrides the register read, on either port. */
static u8 chip_read(struct pic_chip *c, u16 off)
{
	if (c->poll) {
		c->poll = false;
		return poll_word(c);
	}
	if (off == PORT_DATA)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

/* The slave's INT output is the master's IR2 input ("Cascade Mode"). */
static void cascade_sync(struct pic_pair *p)
{
	chip_set_line(&p->master, PIC_CASCADE_IRQ, pending(&p->slave) >= 0);
}

/* The slave's INT falls while it is acknowledged; a request left after that is a new edge on IR2. */
static void cascade_after_slave_ack(struct pic_pair *p)
{
	chip_set_line(&p->master, PIC_CASCADE_IRQ, false);
	cascade_sync(p);
}

static u32 master_read(void *dev, u16 off, u8 size) { return chip_read(&((struct pic_pair *)dev)->master, off); }

static void master_write(void *dev, u16 off, u8 size, u32 value)
{
	chip_write(&((struct pic_pair *)dev)->master, off, (u8)value);
}

static u32 slave_read(void *dev, u16 off, u8 size)
{
	struct pic_pair *p = dev;
	bool polled = p->slave.poll;
	u8 v = chip_read(&p->slave, off);
	if (polled)
		cascade_after_slave_ack(p);
	return v;
}

static void slave_write(void *dev, u16 off, u8 size, u32 value)
{
	struct pic_pair *p = dev;
	chip_write(&p->slave, off, (u8)value);
	cascade_sync(p);
}

static struct pic_chip *elcr_chip(struct pic_pair *p, u16 off) { return off == 0 ? &p->master : &p->slave; }

static u32 elcr_read(void *dev, u16 off, u8 size) { return elcr_chip(dev, off)->elcr; }

static void elcr_write(void *dev, u16 off, u8 size, u32 value)
{
	struct pic_pair *p = dev;
	struct pic_chip *c = elcr_chip(p, off);
	c->elcr = (u8)value & c->elcr_writable;
	sample_levels(c);
	cascade_sync(p);
}

static void chip_init(struct pic_chip *c, bool is_master, u8 elcr_writable)
{
	*c = (struct pic_chip){0};
	c->is_master = is_master;
	c->elcr_writable = elcr_writable;
	c->lowest = PIC_IR7;
	/* Power-on contents are undefined; nothing is delivered before ICW1..ICW4 anyway. */
	c->imr = PIC_ALL_LEVELS;
}

void pic_init(struct pic_pair *p)
{
	*p = (struct pic_pair){0};
	chip_init(&p->master, true, ELCR_MASTER_WRITABLE);
	chip_init(&p->slave, false, ELCR_SLAVE_WRITABLE);
	p->io_master = (struct io_device){"pic-master", PIC_MASTER_BASE, PIC_PORTS, false, p, master_read, master_write};
	p->io_slave = (struct io_device){"pic-slave", PIC_SLAVE_BASE, PIC_PORTS, false, p, slave_read, slave_write};
	p->io_elcr = (struct io_device){"elcr", PIC_ELCR_BASE, PIC_ELCR_PORTS, false, p, elcr_read, elcr_write};
}

void pic_set_irq(struct pic_pair *p, unsigned irq, bool level)
{
	if (irq >= PIC_IRQS || irq == PIC_CASCADE_IRQ)
		return;
	if (irq < PIC_IRQS_PER_CHIP) {
		chip_set_line(&p->master, irq, level);
		return;
	}
	chip_set_line(&p->slave, irq - PIC_IRQS_PER_CHIP, level);
	cascade_sync(p);
}

static void sink_set(void *ctx, unsigned irq, bool level) { pic_set_irq(ctx, irq, level); }

void pic_irq_sink(struct pic_pair *p, struct irq_sink *out) { *out = (struct irq_sink){p, sink_set}; }

bool pic_has_interrupt(const struct pic_pair *p) { return pending(&p->master) >= 0; }

bool pic_in_service(const struct pic_pair *p, int line)
{
	if (line < 0 || line >= PIC_IRQS)
		return false;
	const struct pic_chip *c = line < PIC_IRQS_PER_CHIP ? &p->master : &p->slave;
	return (c->isr & bit((unsigned)line % PIC_IRQS_PER_CHIP)) != 0;
}

int pic_pending_irq(const struct pic_pair *p)
{
	int level = pending(&p->master);
	if (level < 0 || !is_cascade(&p->master, (unsigned)level))
		return level;
	int slave_level = pending(&p->slave);
	return slave_level < 0 ? level : PIC_IRQS_PER_CHIP + slave_level;
}

/*
 * "Interrupt Sequence" and "Cascade Mode": the master resolves; for IR2 the slave
 * supplies the vector. A chip that finds no request when acknowledged answers its
 * IR7 vector without setting ISR — while the master, having seen IR2, has set ISR2.
 */
int pic_acknowledge(struct pic_pair *p)
{
	struct pic_chip *m = &p->master, *s = &p->slave;
	int level = pending(m);
	if (level < 0) {
		p->spurious++;
		return m->vector_base | PIC_IR7;
	}
	chip_ack(m, (unsigned)level);
	if (!is_cascade(m, (unsigned)level))
		return m->vector_base | level;
	int slave_level = pending(s);
	int vector;
	if (slave_level < 0) {
		p->spurious++;
		vector = s->vector_base | PIC_IR7;
	} else {
		chip_ack(s, (unsigned)slave_level);
		vector = s->vector_base | slave_level;
	}
	cascade_after_slave_ack(p);
	return vector;
}
