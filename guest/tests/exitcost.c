/*
 * Benchmark guest (not an oracle: it prints a timing): the TSC ticks a run of OUT 0x80
 * instructions takes, each of which is a VM exit under microhv without block IO.
 */
#include "lib/guest.h"

#define EXITS 100000

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	gprintf("exitcost: start\n");
	u32 n = EXITS;
	u64 t0 = rdtsc();
	__asm__ volatile("1: outb %%al, $0x80\n\tdec %0\n\tjnz 1b" : "+r"(n) : "a"(0) : "cc");
	u64 t1 = rdtsc();
	gprintf("exitcost: %llu ticks for %u exits\n", (unsigned long long)(t1 - t0), EXITS);
	guest_exit(0);
}
