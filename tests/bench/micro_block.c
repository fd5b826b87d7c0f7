/*
 * Host microbenchmarks of the block-IO units (make bench): the hash, a table lookup, a cold scan,
 * a followed block's table hit against its two IO instructions as single exits,
 * and the root-mode handler work of one IO exit that runs a cached 10-IO block against the ten
 * single IO exits it replaces (block_io off), on the same vCPU model the unit tests use.
 * Prints ns per operation. MICRO_PHASE=hash|scan|lookup|hit|singles|follow|follow_singles runs
 * only that phase's loop (the others run 0 times, their setup still done): under
 * `valgrind --tool=callgrind`, the instructions of a run with MICRO_ITERS=N less those of one
 * with MICRO_ITERS=0, over N, are that operation's instruction count, repeatable on a noisy
 * machine (scripts/bench.sh does this).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/fake_block.h"

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

/*
 * A followed block in 64-bit code: the read accessor (push rbx; mov edx, port; in al,dx; pop
 * rbx; ret) returns into its caller, which calls the write accessor (mov edx, port; out dx,al;
 * ret): the exit at the IN runs the IN, POP, RET, the caller's MOV and CALL, and the write
 * accessor's MOV and OUT.
 */
#define F_READ 0x1100ULL
#define F_WRITE 0x1200ULL
#define F_CALLER 0x1300ULL
#define F_STACK 0x8000ULL

static void put_call(u64 at, u64 to)
{
	i32 rel = (i32)(to - (at + 5));
	u8 b[5] = {0xe8, (u8)rel, (u8)(rel >> 8), (u8)(rel >> 16), (u8)(rel >> 24)};
	bf_put(at, b, sizeof b);
}

static void place_followed(void)
{
	fake_mode_long64();
	fk.d.blockio.cfg.enabled = true;
	fk.d.blockio.cfg.follow = true;
	BF_CODE(F_READ, 0x53, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, 0xec, 0x5b, 0xc3);
	BF_CODE(F_WRITE, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX_AL, 0xc3);
	put_call(F_CALLER, F_READ);
	BF_CODE(F_CALLER + 5, 0x88, 0xc3); /* mov bl, al */
	put_call(F_CALLER + 7, F_WRITE);
	BF_CODE(F_CALLER + 12, 0xf4);
}

/* The state right after the CALL into the read accessor, at its IN (RBX already pushed). */
static void followed_state(void)
{
	fk.v.gpr[VCPU_RSP] = F_STACK - 16;
	u64 ret = F_CALLER + 5;
	bf_put(F_STACK - 8, &ret, sizeof ret);
	fk.v.rip = F_READ + 6;
	fk.v.gpr[VCPU_RDX] = BF_PORT;
}

static double followed_hit_ns(long iters)
{
	place_followed();
	followed_state();
	fake_exit(EXIT_REASON_IO_INSTRUCTION, (u64)BF_PORT << 16 | 8, 1); /* IN AL, DX */
	dispatch_exit(&fk.d, &fk.v); /* records */
	u64 f0 = fk.d.blockio.stats.followed;
	double t = now_ns();
	for (long i = 0; i < iters; i++) {
		followed_state();
		fake_exit(EXIT_REASON_IO_INSTRUCTION, (u64)BF_PORT << 16 | 8, 1);
		dispatch_exit(&fk.d, &fk.v);
		bf_rec.n = 0;
	}
	double ns = (now_ns() - t) / iters;
	if (fk.d.blockio.stats.followed - f0 != (u64)iters)
		exit(4);
	return ns;
}

/* The IN and the OUT as single exits (block_io=off), the processor running the rest. */
static double followed_singles_ns(long iters)
{
	fk.d.blockio.cfg.enabled = false;
	double t = now_ns();
	for (long i = 0; i < iters; i++) {
		fk.v.rip = F_READ + 6;
		fake_exit(EXIT_REASON_IO_INSTRUCTION, (u64)BF_PORT << 16 | 8, 1);
		dispatch_exit(&fk.d, &fk.v);
		fk.v.rip = F_WRITE + 5;
		fake_exit(EXIT_REASON_IO_INSTRUCTION, (u64)BF_PORT << 16, 1);
		dispatch_exit(&fk.d, &fk.v);
		bf_rec.n = 0;
	}
	return (now_ns() - t) / iters;
}

/* The loop count of a phase: all of them, or only the one MICRO_PHASE names. */
static long phase_iters(const char *phase, long iters)
{
	const char *only = getenv("MICRO_PHASE");
	return !only || !strcmp(only, phase) ? iters : 0;
}

int main(void)
{
	long all = getenv("MICRO_ITERS") ? atol(getenv("MICRO_ITERS")) : 200000;
	long iters = phase_iters("hash", all);
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
	iters = phase_iters("scan", all);
	t = now_ns();
	for (long i = 0; i < iters; i++) {
		fk.v.rip = FAKE_RIP;
		if (scan_block(&fk.v, &fk.d.blockio.cfg, &b) != BLOCK_IOS)
			return 2;
	}
	double scan_ns = (now_ns() - t) / iters;

	io_exit_at(FAKE_RIP); /* fills the table */
	iters = phase_iters("lookup", all);
	t = now_ns();
	for (long i = 0; i < iters; i++)
		sink += table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_32) != 0;
	double lookup_ns = (now_ns() - t) / iters;

	u64 runs0 = fk.d.blockio.stats.runs;
	iters = phase_iters("hit", all);
	t = now_ns();
	for (long i = 0; i < iters; i++)
		io_exit_at(FAKE_RIP);
	double block_ns = (now_ns() - t) / iters;
	if (fk.d.blockio.stats.runs - runs0 != (u64)iters || fk.d.blockio.stats.io_in_blocks < (u64)iters * BLOCK_IOS)
		return 3;

	fk.d.blockio.cfg.enabled = false;
	iters = phase_iters("singles", all);
	t = now_ns();
	for (long i = 0; i < iters; i++)
		for (int k = 0; k < BLOCK_IOS; k++)
			io_exit_at(FAKE_RIP + 4 * (u64)k);
	double singles_ns = (now_ns() - t) / iters;

	double follow_ns = followed_hit_ns(phase_iters("follow", all));
	double follow_singles_ns = followed_singles_ns(phase_iters("follow_singles", all));

	printf("  hash of a 37-byte block:                     %8.1f ns\n", hash_ns);
	printf("  table lookup (hit):                          %8.1f ns\n", lookup_ns);
	printf("  cold scan of a 10-IO block:                  %8.1f ns\n", scan_ns);
	printf("  one exit running the cached 10-IO block:     %8.1f ns\n", block_ns);
	printf("  ten single IO exits (block_io=off):          %8.1f ns\n", singles_ns);
	printf("  handler work, block hit / ten singles:       %8.3f\n", block_ns / singles_ns);
	printf("  followed block hit (64-bit: in, pop, ret, mov, call, mov, out): %8.1f ns\n", follow_ns);
	printf("  the same two IO instructions as single exits: %8.1f ns\n", follow_singles_ns);
	printf("  handler work, followed hit / two singles:    %8.3f\n", follow_ns / follow_singles_ns);
	(void)sink;
	bf_teardown(&state);
	return 0;
}
