/*
 * Interrupts for the test guests: the runtime's own GDT and an IDT with interrupt gates for the
 * exceptions (vectors 0..31) and the remapped PIC IRQs (0x20..0x2F), the 8259A pair (Intel
 * 8259A datasheet) and the 8254 PIT (Intel 82C54 datasheet). Only guests that need interrupts
 * link these; the others keep the state the loader left (and never load a segment register).
 */
#ifndef GUEST_TESTS_LIB_IRQ_H
#define GUEST_TESTS_LIB_IRQ_H

#include "guest.h"

/* ---- CPU ---- */

#define GDT_CODE_SEL 0x08
#define GDT_DATA_SEL 0x10
#define EXCEPTION_EXIT_CODE 3 /* what an unexpected exception ends the guest with */

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* STI's one-instruction shadow covers HLT: an interrupt that is already pending wakes the HLT
 * instead of slipping in between (SDM Vol. 2B, STI). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
/* Lets pending interrupts in for one instruction, then masks them again. */
static inline void sti_nop_cli(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline u32 read_eflags(void)
{
	u32 f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}
#define EFLAGS_IF 0x200u

/* Loads the runtime's flat GDT (reloading every segment register) and its IDT. Call it first:
 * Multiboot leaves GDTR undefined (spec 0.6.96, 3.2) and the IDT unset. Interrupts stay off. */
void cpu_tables_init(void);

/* A handler for one PIC IRQ (0..15), called with interrupts off; it sends its own EOI. */
typedef void (*irq_handler_fn)(u32 irq);
void irq_register(u32 irq, irq_handler_fn fn);
/* IRQs that came with no handler registered (each was acknowledged with an EOI). */
u32 irq_unexpected(void);

/* ---- 8259A pair: master 0x20/0x21, slave 0xA0/0xA1 cascaded on IR2 ---- */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC1_VECTOR 0x20 /* IRQ0..7 */
#define PIC2_VECTOR 0x28 /* IRQ8..15 */
#define PIC_CASCADE_IRQ 2
#define ICW1_INIT_ICW4 0x11   /* ICW1, edge triggered, cascade, ICW4 follows */
#define ICW4_8086 0x01
#define OCW2_EOI 0x20          /* non-specific EOI */
#define OCW2_SPECIFIC_EOI 0x60 /* | level */
#define OCW3_READ_IRR 0x0A
#define OCW3_READ_ISR 0x0B
#define OCW3_POLL 0x0C
#define POLL_INT 0x80          /* poll word: a level requests service; bits 2..0 name it */

/* ICW1..ICW4 on both chips (vectors 0x20 and 0x28, the slave on IR2), then every IRQ masked. */
void pic_init(void);
/* IMR of both chips: bits 0..7 the master, 8..15 the slave. */
void pic_set_mask(u16 mask);
u16 pic_get_mask(void);
void pic_mask(u32 irq);
void pic_unmask(u32 irq); /* a slave IRQ also unmasks the cascade */
/* OCW3 register reads, both chips (slave in bits 8..15). */
u16 pic_read_irr(void);
u16 pic_read_isr(void);
/* OCW3 poll command on one chip, then the poll word (reading it acknowledges the level). */
u8 pic_poll(u16 cmd_port);
void pic_eoi(u32 irq);          /* non-specific, to the slave too for IRQ 8..15 */
void pic_eoi_specific(u32 irq); /* specific EOI for that level (and the cascade for 8..15) */

/* ---- 8254 PIT: counters at 0x40..0x42, control at 0x43; channel 2's gate and OUT at 0x61 ---- */

#define PIT_CH0 0x40
#define PIT_CONTROL 0x43
#define PIT_INPUT_HZ 1193182u
#define PIT_RW_LATCH 0
#define PIT_RW_LSB 1
#define PIT_RW_MSB 2
#define PIT_RW_WORD 3
#define PIT_STATUS_OUT 0x80
#define PIT_STATUS_NULL 0x40
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

/* The nearest count for a rate (the input clock divided by it). */
static inline u16 pit_count_for_hz(u32 hz) { return (u16)((PIT_INPUT_HZ + hz / 2) / hz); }
/* Control word: channel, access (PIT_RW_*), mode 0..5, BCD. */
void pit_control(u32 ch, u32 rw, u32 mode, bool bcd);
/* Control word then the count in that access mode (LSB, MSB, or LSB then MSB). */
void pit_program(u32 ch, u32 rw, u32 mode, bool bcd, u16 count);
/* Channel 0 mode 2 (rate generator, IRQ0 once per period) at about hz. */
void pit_periodic(u32 hz);
/* Counter Latch command, then both bytes (the channel must be in LSB-then-MSB access). */
u16 pit_latch(u32 ch);
/* Read-Back command latching the status of one channel, then the status byte. */
u8 pit_status(u32 ch);

#endif
