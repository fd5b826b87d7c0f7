/*
 * Host microbenchmarks of the block-IO units (make bench): the hash, a table lookup, a cold scan,
 * and the root-mode handler work of one IO exit that runs a cached 10-IO block against the ten
 * single IO exits it replaces (block_io off), on the same vCPU model the unit tests use.
 * Prints ns per operation; under `valgrind --tool=callgrind` (MICRO_ITERS=1000) the instruction
 * counts per operation are repeatable on a noisy machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/block_fake.h"

#define OUT_DX_AL 0xee
#define MOV_AL_IMM 0xb0
#define IO_QUAL_DX_OUT8 ((u64)BF_PORT << 16) /* size 1, OUT, DX operand (SDM Vol. 3C table 28-5) */
#define BLOCK_IOS 10

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* mov al, i; out dx, al; ... ten times, then HLT: a cached block of 10 IO instructions. */
static void place_block(void)
{
	u8 code[4 * BLOCK_IOS + 1];
	for (int i = 0; i < BLOCK_IOS; i++) {
		code[4 * i] = OUT_DX_AL;
		code[4 * i + 1] = MOV_AL_IMM;
		code[4 * i + 2] = (u8)i;
		code[4 * i + 3] = 0x90; /* NOP */
	}
	code[4 * BLOCK_IOS] = 0xf4; /* HLT: outside the subset, ends the scan */
	bf_put(FAKE_RIP, code, sizeof(code));
}

static void io_exit_at(u64 rip)
{
	fk.v.rip = rip;
	fk.v.gpr[VCPU_RDX] = BF_PORT;
	fake_exit(EXIT_REASON_IO_INSTRUCTION, IO_QUAL_DX_OUT8, 1);
	dispatch_exit(&fk.d, &fk.v);
	bf_rec.n = 0;
}

int main(void)
{
	long iters = getenv("MICRO_ITERS") ? atol(getenv("MICRO_ITERS")) : 200000;
	void *state = 0;
	if (bf_setup(&state))
		return 1;
	place_block();

	double t = now_ns();
	volatile u64 sink = 0;
	for (long i = 0; i < iters; i++)
		sink += block_hash(fk.ram + FAKE_RIP, 4 * BLOCK_IOS - 3);
	double hash_ns = (now_ns() - t) / iters;

	struct block b;
	t = now_ns();
	for (long i = 0; i < iters; i++) {
		fk.v.rip = FAKE_RIP;
		if (scan_block(&fk.v, &fk.d.cfg.block, &b) != BLOCK_IOS)
			return 2;
	}
	double scan_ns = (now_ns() - t) / iters;

	io_exit_at(FAKE_RIP); /* fills the table */
	t = now_ns();
	for (long i = 0; i < iters; i++)
		sink += table_lookup(&fk.d.table, FAKE_RIP, CPU_MODE_32) != 0;
	double lookup_ns = (now_ns() - t) / iters;

	u64 runs0 = fk.d.bstats.runs;
	t = now_ns();
	for (long i = 0; i < iters; i++)
		io_exit_at(FAKE_RIP);
	double block_ns = (now_ns() - t) / iters;
	if (fk.d.bstats.runs - runs0 != (u64)iters || fk.d.bstats.io_in_blocks < (u64)iters * BLOCK_IOS)
		return 3;

	fk.d.cfg.block.enabled = false;
	t = now_ns();
	for (long i = 0; i < iters; i++)
		for (int k = 0; k < BLOCK_IOS; k++)
			io_exit_at(FAKE_RIP + 4 * (u64)k);
	double singles_ns = (now_ns() - t) / iters;

	printf("  hash of a 37-byte block:                     %8.1f ns\n", hash_ns);
	printf("  table lookup (hit):                          %8.1f ns\n", lookup_ns);
	printf("  cold scan of a 10-IO block:                  %8.1f ns\n", scan_ns);
	printf("  one exit running the cached 10-IO block:     %8.1f ns\n", block_ns);
	printf("  ten single IO exits (block_io=off):          %8.1f ns\n", singles_ns);
	printf("  handler work, block hit / ten singles:       %8.3f\n", block_ns / singles_ns);
	(void)sink;
	bf_teardown(&state);
	return 0;
}
