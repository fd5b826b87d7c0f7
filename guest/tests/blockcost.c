/*
 * Benchmark guest (not an oracle: it prints timings): the guest-TSC ticks of a loop whose body
 * is a block of ten OUT instructions to port 0x80 with a MOV and a NOP after each (28
 * instructions from the first OUT through the last), beside the same loop with the OUTs
 * replaced by NOPs. Under microhv with block_io=on each round is one IO exit that runs the
 * cached block (a table hit); with block_io=off it is ten IO exits. Under Bochs with clock:
 * sync=none the TSC counts executed instructions, root mode included, so the difference per
 * round is what the round costs in root mode (and in the transitions), in instructions.
 * With the argument "cold" each round first rewrites the immediate of the block's first MOV, so
 * every exit finds the cached bytes changed (a hash mismatch) and scans the block again: the
 * difference to the default run is the cold-scan cost. Both runs execute the same guest
 * instructions (the default run stores the byte into a data variable instead).
 */
#include "lib/guest.h"

#define ROUNDS 5000

#define STEP(i) "outb %%al, $0x80\n\tmovb $" #i ", %%al\n\tnop\n\t"
#define NOSTEP(i) "nop\n\tmovb $" #i ", %%al\n\tnop\n\t"

extern u8 blockcost_mov[]; /* the block's first MOV AL, imm8 */
static volatile u8 scratch;

/* Each round stores a new byte at *poke (the MOV's immediate: a changed block; or scratch). */
static u64 loop_block(u32 n, volatile u8 *poke)
{
	u64 t0 = rdtsc();
	__asm__ volatile("1:\n\tincb %%bl\n\tmovb %%bl, (%2)\n\t"
	                 "outb %%al, $0x80\n\t"
	                 ".globl blockcost_mov\nblockcost_mov:\n\tmovb $0, %%al\n\tnop\n\t"
	                 STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9)
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n) : "a"(0), "S"(poke), "b"(0) : "cc", "memory");
	return rdtsc() - t0;
}

static u64 loop_plain(u32 n)
{
	u64 t0 = rdtsc();
	__asm__ volatile("1:\n\tincb %%bl\n\tmovb %%bl, (%2)\n\t" NOSTEP(0) NOSTEP(1) NOSTEP(2)
	                 NOSTEP(3) NOSTEP(4) NOSTEP(5) NOSTEP(6) NOSTEP(7) NOSTEP(8) NOSTEP(9)
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n) : "a"(0), "S"(&scratch), "b"(0) : "cc", "memory");
	return rdtsc() - t0;
}

void guest_main(u32 magic, u32 mbi)
{
	bool cold = guest_first_arg_is(magic, mbi, "cold");
	gprintf("blockcost: start (%s)\n", cold ? "cold: the block changes every round" : "cached block");
	u64 with_io = loop_block(ROUNDS, cold ? blockcost_mov + 1 : &scratch);
	u64 without = loop_plain(ROUNDS);
	gprintf("blockcost: %llu ticks for %u rounds of 10 OUT\n", (unsigned long long)with_io, ROUNDS);
	gprintf("blockcost: %llu ticks for %u rounds without IO\n", (unsigned long long)without, ROUNDS);
	guest_exit(0);
}
