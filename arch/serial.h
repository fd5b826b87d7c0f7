/*
 * The physical 16550 the hypervisor owns: at an IO port (COM1 by default) or memory-mapped
 * (ACPI SPCR, a PCI UART's BAR), polled. The u16 functions are the legacy-IO shorthand the UEFI
 * loader uses.
 */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "types.h"

#define SERIAL_COM1 0x3f8
#define SERIAL_BAUD 115200
#define SERIAL_FIFO_DEPTH 16 /* the 16550A transmit FIFO (PC16550D datasheet) */

/* The serial= option (boot/options.c): where the core's console goes (README "Real hardware"). */
enum serial_choice {
	SERIAL_AUTO = 0, /* ACPI SPCR, else COM1 */
	SERIAL_NONE,
	SERIAL_IO,       /* serial=0x2f8 */
	SERIAL_MMIO,     /* serial=mmio:0xfe032000 (32-bit registers 4 bytes apart) */
	SERIAL_MMIO8,    /* serial=mmio8:0x... (byte registers) */
	SERIAL_PCI,      /* serial=pci:00:16.3 (BAR0 of that function) */
};

struct serial_option {
	enum serial_choice kind;
	u64 addr;            /* IO port or MMIO physical address */
	u8 bus, dev, fn;     /* SERIAL_PCI */
};

enum serial_space { SERIAL_SPACE_IO = 0, SERIAL_SPACE_MMIO };

struct serial_port {
	enum serial_space space;
	u64 base;
	u8 reg_shift; /* registers are 1 << reg_shift bytes apart */
	u8 reg_width; /* 1 or 4: the access size of MMIO registers */
	u32 baud;     /* 0: leave the divisor as the firmware set it */
	u32 fifo_depth;
	bool present;
};

/* Programs 8N1, the baud rate and the FIFOs, then probes: false (and not present) when no 16550
 * answers (scratch register and loopback checks). */
bool serial_port_init(struct serial_port *p);
bool serial_port_tx_empty(const struct serial_port *p);
void serial_port_tx(const struct serial_port *p, u8 byte);
int serial_port_rx(const struct serial_port *p);
/* Waits (bounded) until the transmitter and its shift register are empty (LSR.TEMT). */
void serial_port_wait_idle(const struct serial_port *p);

void serial_init(u16 base);
void serial_putc(u16 base, char c);
bool serial_present(u16 base);
/* A received byte, or -1 when none is waiting. */
int serial_getc(u16 base);
/* Waits (bounded) until the transmitter is empty, so nothing is lost when the machine stops. */
void serial_flush(u16 base);

#endif
