/*
 * The PC/AT pair of 8259A interrupt controllers (Intel 8259A datasheet, 231468):
 * the master at 0x20/0x21, the slave at 0xA0/0xA1 with its INT output wired to
 * the master's IR2, and the chipset's edge/level control registers (ELCR) at
 * 0x4D0/0x4D1 (Intel PIIX/ICH datasheets, "ELCR1/ELCR2"). Devices drive IRQ
 * lines 0..15; the vCPU reads the master's INT output and runs the INTA cycle
 * (DESIGN.md section 4). Pure C.
 *
 * Model choices where the datasheet is silent or the reference emulators differ:
 * - Edge mode latches a rising edge in IRR until the acknowledge (QEMU, bhyve),
 *   even if the line falls first. The datasheet (and Bochs) drop the request
 *   when the line falls before INTA, giving a default IR7; here the devices are
 *   emulated in discrete ticks and may pulse a line within one, and a latched
 *   edge must not be lost. Level mode follows the line, as the datasheet says.
 * - ICW1 also clears ISR (QEMU, Bochs, bhyve; the datasheet does not say).
 * - Until an initialisation sequence completes, INT stays low (as bhyve).
 * - The slave's INT falls during an acknowledge of the slave: if the slave
 *   still requests afterwards (AEOI, special fully nested), IR2 sees a new edge.
 */
#ifndef DEVICES_PIC_H
#define DEVICES_PIC_H

#include "iobus.h"
#include "irq.h"

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE 0xa0
#define PIC_PORTS 2
#define PIC_ELCR_BASE 0x4d0
#define PIC_ELCR_PORTS 2
#define PIC_IRQS 16
#define PIC_IRQS_PER_CHIP 8
/* The master input that carries the slave's INT; ISA's IRQ2 pin is the slave's IRQ9. */
#define PIC_CASCADE_IRQ 2

/* Which initialisation command word a chip expects next on its data port. */
enum pic_icw_step { PIC_ICW_DONE = 0, PIC_ICW2, PIC_ICW3, PIC_ICW4 };

/* One 8259A. */
struct pic_chip {
	u8 irr, isr, imr;
	u8 lines;          /* input levels as the devices drive them */
	u8 elcr;           /* inputs the chipset makes level-triggered */
	u8 elcr_writable;  /* ELCR bits the chipset lets software set */
	u8 vector_base;    /* ICW2 T7..T3 */
	u8 icw3;           /* master: inputs that carry a slave; slave: its ID */
	u8 icw4;           /* uPM, AEOI, M/S, BUF, SFNM as written */
	u8 lowest;         /* the level with the lowest priority (rotation) */
	enum pic_icw_step step;
	bool is_master;
	bool ready;        /* an initialisation sequence has completed */
	bool single, need_icw4, ltim;
	bool rotate_in_aeoi, special_mask, read_isr, poll;
};

struct pic_pair {
	struct pic_chip master, slave;
	u64 spurious;      /* acknowledges that found no request (default IR7) */
	struct io_device io_master, io_slave, io_elcr;
};

void pic_init(struct pic_pair *p);
/* A device's IRQ line 0..15 (2 is the cascade and is ignored here). */
void pic_set_irq(struct pic_pair *p, unsigned irq, bool level);
/* An irq_sink whose set callback is pic_set_irq on p. */
void pic_irq_sink(struct pic_pair *p, struct irq_sink *out);
/* The master's INT output. */
bool pic_has_interrupt(const struct pic_pair *p);
/* The IRQ line 0..15 the next INTA cycle would acknowledge, -1 when INT is low (a slave without
 * a request of its own answers for line 2). */
int pic_pending_irq(const struct pic_pair *p);
/* Whether IRQ line 0..15 is in service (its ISR bit set: acknowledged, no EOI yet). */
bool pic_in_service(const struct pic_pair *p, int line);
/* The INTA cycle: the vector the CPU receives (base + 7 of a chip when nothing was requested there). */
int pic_acknowledge(struct pic_pair *p);

#endif
