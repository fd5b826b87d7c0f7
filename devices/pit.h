/*
 * 8254 programmable interval timer at 0x40-0x43 (Intel 82C54 CHMOS Programmable
 * Interval Timer datasheet, order no. 231244: "Control Word Format", "Read-Back
 * Command", "Mode Definitions", "Gate Pin Operations Summary"). Pure C.
 *
 * Time. The chip's CLK input is a free-running 1.193182 MHz oscillator. Its pulse k
 * happens at the guest time ceil(k * 10^9 / PIT_HZ) ns, so the number of pulses seen at
 * time t is floor(t * PIT_HZ / 10^9) (pit_ns_to_ticks). Both are computed exactly, with
 * 64-bit integers and no 128-bit product: t is split into whole seconds and the rest, so
 * nothing overflows before the nanosecond clock itself wraps (584 years). Every counter
 * value and OUT level is a function of (pulses now - pulse of the load), never of a
 * running sum, so no error accumulates over days of uptime.
 *
 * Interrupts. Channel 0's OUT drives IRQ0 as a level (the PIC's input is edge-triggered
 * and sees the rises). Time is only looked at when a port is accessed or pit_tick runs:
 * when several rising edges of OUT fell between two looks, the line shows one rise (the
 * PIC latches one request anyway) and the others are counted in missed_ticks.
 *
 * State at pit_init: channel 0 as a PC BIOS leaves it for the OS (SeaBIOS pit_setup:
 * mode 2, LSB then MSB, binary, count 0 = 65536, 18.2 Hz), channels 1 and 2 as QEMU
 * resets them (mode 3, count 0); channel 2's gate starts low (port 0x61 bit 0 = 0).
 */
#ifndef DEVICES_PIT_H
#define DEVICES_PIT_H

#include "clock.h"
#include "iobus.h"
#include "irq.h"

#define PIT_BASE 0x40
#define PIT_PORTS 4
#define PIT_CHANNELS 3
#define PIT_IRQ 0                 /* channel 0's OUT is wired to IRQ0 */
#define PIT_HZ 1193182ULL         /* CLK input on a PC: 14.31818 MHz / 12 */
#define PIT_TICK_NEVER UINT64_MAX /* no such pulse */

/* One counter; all times are CLK pulse numbers (pit_ns_to_ticks). */
struct pit_channel {
	/* the last control word */
	u8 ctrl;   /* its bits 5:0 (RW, M2..M0, BCD) as written: the status byte's low bits */
	u8 mode;   /* 0..5 (modes 6 and 7 are 2 and 3) */
	u8 rw;     /* access mode: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate; /* the GATE input's level */
	/* count register (CR) and the byte flip-flops, separate for writes and reads */
	u32 cr;    /* the last complete count, 1..65536 (binary) or 1..10000 (BCD) */
	bool cr_valid;
	u8 cr_lsb;
	bool write_msb, read_msb;
	/* output latch (OL) and status latch */
	bool count_latched, status_latched;
	u16 latch;
	u8 status;
	/* counting element (CE): loaded with n at pulse `load`, counting from pulse `start`
	 * after `offset` pulses already counted (a gate pause, or mode 3's second half) */
	bool running, paused;
	u64 load, start, offset;
	u32 n;
	u32 hold_ce;   /* CE value and OUT level before the load, or while stopped */
	bool hold_out;
	/* modes 2 and 3: a new count waits for the next reload at pulse pend_at */
	bool pend, pend_low;
	u64 pend_at;
	/* null count: set by a control word or count write, cleared at pulse null_until */
	bool null_count;
	u64 null_until;
};

struct pit {
	struct pit_channel ch[PIT_CHANNELS];
	struct dev_clock clock;
	struct irq_sink irq;
	u64 last_tick;    /* CLK pulse up to which IRQ0 edges were delivered */
	bool irq_level;   /* the level last driven on IRQ0 */
	u64 irq_edges;    /* rising edges driven on IRQ0 */
	u64 missed_ticks; /* rising edges of channel 0 merged into another one */
	struct io_device io; /* 0x40..0x43, a byte device */
};

/* Drives IRQ0 to channel 0's OUT level at once (high: mode 2 has OUT high). */
void pit_init(struct pit *p, const struct dev_clock *clk, const struct irq_sink *irq);
/* Time passed: drive IRQ0 for the OUT edges since the last look. */
void pit_tick(struct pit *p);
/* Guest time (ns) of the next rise of channel 0's OUT after the last look; CLOCK_NEVER
 * when none is coming. It may be in the past: pit_tick is then due at once. */
u64 pit_next_deadline(const struct pit *p);
/* Port 0x61: channel 2's OUT (bit 5) and its GATE (bit 0). */
bool pit_channel2_out(const struct pit *p);
void pit_set_gate2(struct pit *p, bool level);

/* CLK pulses seen at time ns: floor(ns * PIT_HZ / 10^9), exact. */
u64 pit_ns_to_ticks(u64 ns);
/* Time of pulse k: the smallest ns with pit_ns_to_ticks(ns) >= k (CLOCK_NEVER past u64). */
u64 pit_ticks_to_ns(u64 k);

#endif
