/*
 * Shared by test_pic.c and test_pic_modes.c: devices/pic.c's 8259A pair and ELCR on an IO
 * bus, the port and command constants, and the helpers the tests drive it with.
 */
#ifndef TESTS_UNIT_PIC_FIXTURE_H
#define TESTS_UNIT_PIC_FIXTURE_H

#include "devices/iobus.h"
#include "devices/pic.h"

#define M_CMD 0x20
#define M_DATA 0x21
#define S_CMD 0xa0
#define S_DATA 0xa1
#define ELCR_M 0x4d0
#define ELCR_S 0x4d1

#define ICW1_LINUX 0x11 /* edge, cascade, ICW4 needed */
#define ICW4_8086 0x01
#define ICW4_AEOI 0x03
#define M_BASE 0x20
#define S_BASE 0x28

#define OCW2_EOI 0x20
#define OCW2_SEOI(l) (0x60 | (l))
#define OCW2_ROTATE_EOI 0xa0
#define OCW2_ROTATE_AEOI_SET 0x80
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW2_SET_PRIORITY(l) (0xc0 | (l))
#define OCW2_ROTATE_SEOI(l) (0xe0 | (l))
#define OCW2_NOP 0x40
#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL 0x0c
#define OCW3_SET_SMM 0x68
#define OCW3_RESET_SMM 0x48

extern struct pic_pair pic;
extern struct iobus bus;

void outb(u16 port, u8 v);
u8 inb(u16 port);
u8 master_irr(void);
u8 master_isr(void);
u8 slave_irr(void);
u8 slave_isr(void);
/* ICW1..ICW4 to one chip (ICW3 and ICW4 only when ICW1 asks for them). */
void init_chip(u16 cmd, u8 icw1, u8 icw2, u8 icw3, u8 icw4);
/* Linux's init_8259A (with 0x20/0x28 as the bases), then everything unmasked. */
void linux_init(u8 master_icw4, u8 slave_icw4);
/* cmocka setups: a fresh pair on a fresh bus, left uninitialised or initialised as Linux does. */
int setup_bare(void **state);
int setup_linux(void **state);
/* Raises and lowers IRQ line irq. */
void pulse(unsigned irq);

#endif
