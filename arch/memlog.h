/*
 * The in-memory log: the last MEMLOG_SIZE bytes of console output (the core's lines and the
 * guest's UART output, exactly as sent to the serial port) in a ring in host memory, for a
 * machine with no console at all. Its physical address is printed at start; after a warm reset
 * (RAM keeps its contents) it can be read from /dev/mem or a memory dump and decoded with
 * scripts/memlog.py. Layout (little endian, fixed, documented in README "Real hardware"):
 *   u64 magic "mhvLOG01", u64 size, u64 written (bytes ever logged), u64 self (its physical
 *   address, so a dump can be checked), then size bytes; byte i of the output is at
 *   data[i % size]. Pure C, host-tested.
 */
#ifndef ARCH_MEMLOG_H
#define ARCH_MEMLOG_H

#include "types.h"

#define MEMLOG_MAGIC 0x3130474f4c76686dULL /* "mhvLOG01" */
#define MEMLOG_SIZE (64 * 1024)

struct memlog {
	u64 magic;
	u64 size;
	u64 written;
	u64 self;
	u8 data[MEMLOG_SIZE];
};

void memlog_init(struct memlog *m, u64 phys);
void memlog_write(struct memlog *m, const char *s, size_t n);
/* The logged bytes still held, oldest first, into out (up to cap); returns how many. */
size_t memlog_read(const struct memlog *m, char *out, size_t cap);

#endif
