/*
 * Benchmark guest (not an oracle: it prints timings): the guest-TSC ticks of a loop of
 * OUT 0x80 instructions, each a VM exit under microhv, beside the same loop with the OUT
 * replaced by a NOP of no exit. Under Bochs with clock: sync=none the TSC counts executed
 * instructions, guest and host alike, so the difference per iteration is the round-trip cost
 * of one IO exit in instructions.
 */
#include "lib/guest.h"

#define ROUNDS 20000

static u64 loop_out(u32 n)
{
	u64 t0 = rdtsc();
	__asm__ volatile("1: outb %%al, $0x80\n\tdec %0\n\tjnz 1b" : "+r"(n) : "a"(0) : "cc");
	return rdtsc() - t0;
}

static u64 loop_nop(u32 n)
{
	u64 t0 = rdtsc();
	__asm__ volatile("1: nop\n\tdec %0\n\tjnz 1b" : "+r"(n) : "a"(0) : "cc");
	return rdtsc() - t0;
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	gprintf("exitcost: start\n");
	u64 with_exit = loop_out(ROUNDS);
	u64 without = loop_nop(ROUNDS);
	gprintf("exitcost: %llu ticks for %u exits\n", (unsigned long long)with_exit, ROUNDS);
	gprintf("exitcost: %llu ticks for %u rounds without exits\n", (unsigned long long)without, ROUNDS);
	guest_exit(0);
}
