/*
 * Small system ports: system control port B at 0x61 and the POST/IO-delay port at 0x80.
 * Pure C.
 *
 * Port 0x61 (IBM PC/AT "port B"; the bit layout is that of Intel's PCH "NMI Status and
 * Control Register", NMI_SC):
 *   bit 0  R/W  timer counter 2 GATE (drives the 8254's channel 2 gate)
 *   bit 1  R/W  speaker data enable (stored; no speaker is emulated)
 *   bit 2  R/W  parity check (PCI SERR#) enable, stored
 *   bit 3  R/W  I/O channel check (IOCHK#) enable, stored
 *   bit 4  RO   refresh cycle toggle: flips every 18 PIT clocks (15.0857 us), the AT's
 *               DRAM refresh period (its BIOS sets 8254 channel 1 to mode 2, count 18);
 *               delay loops count these flips, so it follows guest time, not reads
 *   bit 5  RO   timer counter 2 OUT
 *   bits 6, 7 RO  IOCHK and SERR NMI sources: none here, read 0
 *
 * Port 0x80: the POST code / IO-delay port. Writes are a delay and go nowhere; reads
 * return 0xff. Real boards differ here (on some the LPC bridge hands back the last POST
 * code, on others the bus floats); QEMU ignores writes and reads all ones
 * (hw/i386/pc.c, ioport80_read), and QEMU bare runs are the oracle, so we do the same.
 * The last byte written is kept, for the hypervisor's own diagnostics only.
 */
#ifndef DEVICES_SYSPORT_H
#define DEVICES_SYSPORT_H

#include "clock.h"
#include "iobus.h"
#include "pit.h"

#define SYSPORT_B_PORT 0x61
#define SYSPORT_POST_PORT 0x80

struct sysport {
	struct pit *pit;
	struct dev_clock clock;
	u8 port_b;    /* bits 3:0 as last written */
	u8 post_code; /* last byte written to 0x80 (never read back by the guest) */
	u64 post_writes;
	struct io_device io_b;    /* 0x61, one byte */
	struct io_device io_post; /* 0x80, one byte */
};

/* Port B starts at 0: channel 2's gate low, speaker off. */
void sysport_init(struct sysport *s, struct pit *pit, const struct dev_clock *clk);

#endif
