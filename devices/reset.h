/*
 * The ways a PC guest resets the machine. Any of them sets `requested` (and
 * `how`, from the first one); the vCPU side then ends the guest cleanly, as
 * it does at a triple fault. Pure C.
 *
 *  - Reset Control Register RST_CNT, byte port 0xCF9 (Intel ICH/PCH
 *    datasheets, "RST_CNT"): bit 2 RST_CPU going 0->1 resets, bit 1 SYS_RST
 *    picks hard (1) or soft/INIT (0), bit 3 FULL_RST a full (power-cycle)
 *    reset. RST_CPU reads 0 (the reset it starts clears it), so every write
 *    with bit 2 set is such a transition; SYS_RST and FULL_RST read back,
 *    reserved bits read 0. Linux's reboot=pci writes 0x02, then 0x06 (warm)
 *    or 0x0E (cold).
 *    The chipset decodes RST_CNT only for a byte access to 0xCF9, while a
 *    dword access to 0xCF8 is PCI CONFIG_ADDRESS. The bus splits wide
 *    accesses into bytes for byte devices, so a byte device at 0xCF9 would
 *    see byte 1 of every CONFIG_ADDRESS write (function bit 2 = RST_CPU).
 *    io_cf9 therefore claims 0xCF8..0xCFB as a wide device and acts only on
 *    a 1-byte access at 0xCF9; every other access there reads all ones and is
 *    ignored, which is what a board without PCI answers. A PCI host bridge
 *    that takes these ports later must forward byte accesses at 0xCF9 here.
 *
 *  - Keyboard controller: absent. Port 0x64 reads 0xFF (as the bus reads an
 *    unclaimed port) and 0x60 is left unclaimed. Linux's i8042 probe then
 *    reads OBF set for ever, gives up after 16 flushes (about 1 ms) and prints
 *    "i8042: No controller found" (after "PNP: No PS/2 controller found." and,
 *    with no ACPI saying otherwise, "Probing ports directly."). A present
 *    controller that never answers would instead cost Linux a 500 ms command
 *    timeout and "i8042: Can't read CTR while initializing i8042" on every
 *    boot. The reset line is kept: the 8042 command Fxh pulses the output-
 *    port bits whose command bits are 0, and output-port bit 0 is the system
 *    reset (IBM PC/AT Technical Reference, 8042 commands), so 0xFE (and any
 *    even Fxh) written to 0x64 resets; every other command is ignored.
 *    Linux's keyboard reboot (reboot=k, and its default after ACPI) first
 *    waits for IBF to clear: with IBF reading 1 that wait runs out its 0x10000
 *    status reads (each an exit, plus 2 us of udelay: 0.13 s and more) before
 *    0xFE resets. reboot=pci (0xCF9) or reboot=t (triple fault) end the guest
 *    at once.
 *
 *  - System Control Port A, 0x92 (Intel ICH/PCH "Port 92h"): bit 0 INIT_NOW
 *    resets on a 0->1 transition (the "fast reset"), bit 1 ALT_A20_GATE is
 *    stored and reads back (1 at power-up, as firmware leaves it). Guest
 *    memory never wraps at 1 MiB here, whatever the gate says. Both bits
 *    read back as written; the others read 0.
 */
#ifndef DEVICES_RESET_H
#define DEVICES_RESET_H

#include "iobus.h"

#define RESET_CF9_RANGE_PORT 0xcf8 /* io_cf9 covers 0xCF8..0xCFB; RST_CNT is 0xCF9 */
#define RESET_CF9_RANGE_PORTS 4
#define RESET_KBC_PORT 0x64
#define RESET_PORT92 0x92

struct reset_dev {
	bool requested;
	const char *how; /* the first request's cause, for the exit line */
	u8 rst_cnt;      /* 0xCF9 as it reads */
	u8 port92;       /* 0x92 as it reads */
	struct io_device io_cf9, io_kbc, io_port92;
};

void reset_init(struct reset_dev *d);

#endif
