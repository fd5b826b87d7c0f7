/* 8254 PIT helpers; see irq.h. Section names cite the Intel 82C54 datasheet. */
#include "irq.h"

#define CW_SC_SHIFT 6
#define CW_RW_SHIFT 4
#define CW_MODE_SHIFT 1
#define CW_READ_BACK 0xC0
#define RB_NO_COUNT 0x20 /* Read-Back bits 5 and 4 are active low */
#define RB_SELECT(ch) (0x02u << (ch))
#define MODE_RATE_GENERATOR 2

/* "Control Word Format". */
void pit_control(u32 ch, u32 rw, u32 mode, bool bcd)
{
	outb(PIT_CONTROL, (u8)(ch << CW_SC_SHIFT | rw << CW_RW_SHIFT | mode << CW_MODE_SHIFT | (bcd ? 1 : 0)));
}

/* "Write Operations": the count follows the control word in the access mode it named. */
void pit_program(u32 ch, u32 rw, u32 mode, bool bcd, u16 count)
{
	pit_control(ch, rw, mode, bcd);
	if (rw == PIT_RW_LSB || rw == PIT_RW_WORD)
		outb((u16)(PIT_CH0 + ch), (u8)count);
	if (rw == PIT_RW_MSB || rw == PIT_RW_WORD)
		outb((u16)(PIT_CH0 + ch), (u8)(count >> 8));
}

void pit_periodic(u32 hz) { pit_program(0, PIT_RW_WORD, MODE_RATE_GENERATOR, false, pit_count_for_hz(hz)); }

/* "Counter Latch Command": the count is frozen until both bytes are read. */
u16 pit_latch(u32 ch)
{
	outb(PIT_CONTROL, (u8)(ch << CW_SC_SHIFT | PIT_RW_LATCH << CW_RW_SHIFT));
	u8 lo = inb((u16)(PIT_CH0 + ch));
	return (u16)(lo | inb((u16)(PIT_CH0 + ch)) << 8);
}

/* "Read-Back Command", status only: OUT, null count, then RW, mode and BCD as programmed. */
u8 pit_status(u32 ch)
{
	outb(PIT_CONTROL, (u8)(CW_READ_BACK | RB_NO_COUNT | RB_SELECT(ch)));
	return inb((u16)(PIT_CH0 + ch));
}
