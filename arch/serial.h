/* The physical serial port (COM1) the hypervisor owns, polled. */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "types.h"

#define SERIAL_COM1 0x3f8
#define SERIAL_BAUD 115200

void serial_init(u16 base);
void serial_putc(u16 base, char c);
bool serial_present(u16 base);
/* A received byte, or -1 when none is waiting. */
int serial_getc(u16 base);
/* Waits (bounded) until the transmitter is empty, so nothing is lost when the machine stops. */
void serial_flush(u16 base);

#endif
