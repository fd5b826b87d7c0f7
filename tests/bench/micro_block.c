/*
 * Host microbenchmarks of the block-IO units (make bench): the hash, a table lookup, a cold scan,
 * a followed block's table hit against its two IO instructions as single exits,
 * and the root-mode handler work of one IO exit that runs a cached 10-IO block against the ten
 * single IO exits it replaces (block_io off), on the same vCPU model the unit tests use.
 * Prints ns per operation. MICRO_PHASE=hash|scan|lookup|hit|singles|follow|follow_singles runs
 * only that phase's loop (the others run 0 times, their setup still done): under
 * `valgrind --tool=callgrind`, the instructions of a run with MICRO_ITERS=N less those of one
 * with MICRO_ITERS=0, over N, are that operation's instruction count, repeatable on a noisy
 * machine (scripts/bench.sh does this). MICRO_RAM=real replaces the fake's guest-RAM accessor
 * (bounds checks and cmocka asserts) by the one the core uses, vmx/guest_ram.c's, over the same
 * memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/fake_block.h"
#include "vmx/guest_ram.h"

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

/* The long variant: the caller calls F_MID (push rbx; mov rbx,[rsp]; mov [rsp],rbx; pop rbx;
 * ret) LONG_CALLS times between the read and the write: 6 more instructions a call, all of
 * them stack or memory accesses, so (long - short) / (6 * LONG_CALLS) is what one replayed
 * guest instruction costs, without the exit's fixed part. */
#define F_MID 0x1400ULL
#define F_LONG_CALLER 0x1500ULL
#define LONG_CALLS 10
#define LONG_EXTRA_INSNS (6 * LONG_CALLS)

static void place_followed(void);

static void place_followed_long(void)
{
	place_followed();
	BF_CODE(F_MID, 0x53, 0x48, 0x8b, 0x1c, 0x24, 0x48, 0x89, 0x1c, 0x24, 0x5b, 0xc3);
	u64 p = F_LONG_CALLER;
	for (int i = 0; i < LONG_CALLS; i++, p += 5)
		put_call(p, F_MID);
	BF_CODE(p, 0x88, 0xc3); /* mov bl, al */
	put_call(p + 2, F_WRITE);
	BF_CODE(p + 7, 0xf4);
}

/* 64-bit mode for the next exit. The phases before left segments unread at their last exit
 * (fake_exit keeps those "in the VMCS"): all of them are the ones set here now. */
static void long64_now(void)
{
	fake_mode_long64();
	fk.v.segs_unread = 0;
}

static void place_followed(void)
{
	long64_now();
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
static u64 follow_caller = F_CALLER;
static void followed_state(void)
{
	fk.v.gpr[VCPU_RSP] = F_STACK - 16;
	u64 ret = follow_caller == F_CALLER ? F_CALLER + 5 : follow_caller;
	bf_put(F_STACK - 8, &ret, sizeof ret);
	fk.v.rip = F_READ + 6;
	fk.v.gpr[VCPU_RDX] = BF_PORT;
	fk.v.rflags &= ~RFLAGS_IF; /* no interrupt window: a pending IRQ would end the block (block_stops_after_io) */
}

static double followed_hit_ns(long iters, bool longer)
{
	follow_caller = longer ? F_LONG_CALLER : F_CALLER;
	table_init(&fk.d.blockio.table); /* the other variant's block starts at the same IN */
	if (longer)
		place_followed_long();
	else
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

/* The core's accessor (vmx/run.c's plat_gpa_ptr) over the fake's RAM, in 2 MiB chunks. */
static struct guest_ram real_ram;
static void *real_gpa_ptr(void *ctx, u64 gpa, u32 len) { return guest_ram_ptr(ctx, gpa, len); }

static void use_real_ram(void)
{
	real_ram.size = FAKE_RAM_SIZE;
	real_ram.nchunks = (u32)(FAKE_RAM_SIZE / GUEST_RAM_CHUNK);
	for (u32 i = 0; i < real_ram.nchunks; i++)
		real_ram.chunk_hpa[i] = (u64)(uintptr_t)(fk.ram + (u64)i * GUEST_RAM_CHUNK);
	fk.plat.ctx = &real_ram;
	fk.plat.gpa_ptr = real_gpa_ptr;
}

/*
 * Linux's console path (serial8250, 6.1, retpolines on): uart_console_write's loop calls
 * serial8250_console_putchar through the retpoline thunk; it polls LSR through port->serial_in
 * (the thunk again, into io_serial_in, whose IN exits), keeps the saved LSR flags, checks the
 * flow-control flag and writes the byte through port->serial_out (CALL r64 into io_serial_out,
 * whose OUT ends the character), then returns through the return thunk into the loop. The
 * bytes are the assembler's, at Linux-like addresses on three code pages, one data page and one
 * stack page, all through fake_vcpu.c's 4-level tables. 56 guest instructions a
 * character: MOVZX/MOVSX, SHL r,CL, ADD r,m, AND/OR m,r/TEST/CMP, Jcc, JMP, LEA, XOR, PUSH/POP,
 * CALL rel/r64, RET, MOV loads and stores. The exit is at the first character's LSR read; the
 * block runs through the OUT of the last character of the string (LX_CHARS_SHORT or _LONG).
 */
#define LX_TEXT 0x10000ULL /* io_serial_in, io_serial_out, the return thunk */
#define LX_IN_RIP (LX_TEXT + 0x0e)
#define LX_OUT_FN (LX_TEXT + 0x40)
#define LX_PUTCHAR (LX_TEXT + 0x1000)
#define LX_PC_RET (LX_PUTCHAR + 0x20)
#define LX_UCW (LX_TEXT + 0x2000) /* uart_console_write's loop */
#define LX_UCW_RET (LX_UCW + 0x16)
#define LX_THUNK (LX_TEXT + 0x2800)
#define LX_PORT 0x13000ULL /* struct uart_port */
#define LX_STRING 0x13800ULL
#define LX_STACK 0x18000ULL
#define LX_LSR_THRE 0x60 /* what the LSR reads return: THRE and TEMT */
#define LX_CHARS_SHORT 1
#define LX_CHARS_LONG 2
#define LX_CHARS_3 3 /* from 2 to 3: a character on pages already touched (the steady state) */
#define LX_INSNS_FIRST 21 /* the LSR read through the OUT */
#define LX_INSNS_PER_CHAR 56 /* from one OUT through the next */

static void lx_put64(u64 gpa, u64 val) { bf_put(gpa, &val, sizeof val); }

static void place_linux(void)
{
	long64_now();
	fk.d.blockio.cfg.enabled = true;
	fk.d.blockio.cfg.follow = true;
	BF_CODE(LX_TEXT, 0x0f, 0xb6, 0x8f, 0xb9, 0x00, 0x00, 0x00, 0xd3, 0xe6, 0x03, 0x77, 0x08, 0x89, 0xf2, 0xec,
	        0x0f, 0xb6, 0xc0, 0xc3);
	BF_CODE(LX_OUT_FN, 0x0f, 0xb6, 0x8f, 0xb9, 0x00, 0x00, 0x00, 0x89, 0xd0, 0xd3, 0xe6, 0x03, 0x77, 0x08, 0x89,
	        0xf2, 0xee, 0xc3);
	BF_CODE(LX_TEXT + 0x80, 0xc3);
	BF_CODE(LX_PUTCHAR, 0x55, 0x41, 0x54, 0x41, 0x89, 0xf4, 0x53, 0x48, 0x89, 0xfb, 0xbd, 0x10, 0x27, 0x00, 0x00,
	        0x48, 0x8b, 0x43, 0x10, 0xbe, 0x05, 0x00, 0x00, 0x00, 0x48, 0x89, 0xdf, 0xe8, 0xe0, 0x17, 0x00, 0x00,
	        0x89, 0xc2, 0x81, 0xe2, 0x9e, 0x00, 0x00, 0x00, 0x08, 0x93, 0xc0, 0x00, 0x00, 0x00, 0xa8, 0x20, 0x75,
	        0x05, 0x83, 0xed, 0x01, 0x75, 0xd8, 0xf7, 0x83, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x74,
	        0x01, 0x90, 0x48, 0x8b, 0x43, 0x18, 0x44, 0x89, 0xe2, 0x31, 0xf6, 0x48, 0x89, 0xdf, 0xff, 0xd0, 0x5b,
	        0x41, 0x5c, 0x5d, 0xe9, 0x25, 0xf0, 0xff, 0xff);
	BF_CODE(LX_UCW, 0x41, 0x0f, 0xbe, 0x75, 0x00, 0x40, 0x80, 0xfe, 0x0a, 0x74, 0x14, 0x4c, 0x89, 0xe7, 0x4c,
	        0x89, 0xf8, 0xe8, 0xea, 0x07, 0x00, 0x00, 0x4d, 0x8d, 0x6d, 0x01, 0x4d, 0x39, 0xee, 0x75, 0xe1, 0xf4);
	BF_CODE(LX_THUNK, 0xe8, 0x07, 0x00, 0x00, 0x00, 0xf3, 0x90, 0x0f, 0xae, 0xe8, 0xeb, 0xf9, 0x48, 0x89, 0x04,
	        0x24, 0xc3);
	lx_put64(LX_PORT + 0x10, LX_TEXT);   /* serial_in */
	lx_put64(LX_PORT + 0x18, LX_OUT_FN); /* serial_out */
	u32 iobase = BF_PORT;
	bf_put(LX_PORT + 0x08, &iobase, sizeof iobase);
	BF_CODE(LX_STRING, 'h', 'v', 'o', 'k');
}

/* The state at the first character's LSR read: uart_console_write -> thunk -> putchar ->
 * thunk -> io_serial_in, RBX/RDI the port, R12 the character, R13..R15 the loop's. */
static u32 lx_chars = LX_CHARS_SHORT;
static void linux_state(void)
{
	memset(fk.v.gpr, 0, sizeof fk.v.gpr);
	lx_put64(LX_STACK - 8, LX_UCW_RET);
	lx_put64(LX_STACK - 24, LX_PORT); /* putchar saved uart_console_write's R12, the port */
	lx_put64(LX_STACK - 40, LX_PC_RET);
	fk.v.gpr[VCPU_RSP] = LX_STACK - 40;
	fk.v.gpr[VCPU_RDI] = fk.v.gpr[VCPU_RBX] = LX_PORT;
	fk.v.gpr[VCPU_RSI] = 5;
	fk.v.gpr[VCPU_RDX] = BF_PORT + 5;
	fk.v.gpr[VCPU_RAX] = LX_TEXT;
	fk.v.gpr[VCPU_RBP] = 0x2710;
	fk.v.gpr[VCPU_R12] = 'h';
	fk.v.gpr[VCPU_R13] = LX_STRING;
	fk.v.gpr[VCPU_R14] = LX_STRING + lx_chars;
	fk.v.gpr[VCPU_R15] = LX_PUTCHAR;
	fk.v.rip = LX_IN_RIP;
	fk.v.rflags &= ~RFLAGS_IF;
	bf_rec.next_in = LX_LSR_THRE;
	bf_rec.n = 0;
}

/* One exit at the LSR read running the followed block of `chars` characters; returns ns per
 * hit and sets *insns to the guest instructions one hit replays. */
static double linux_hit_ns(long iters, u32 chars, u64 *insns)
{
	lx_chars = chars;
	table_init(&fk.d.blockio.table);
	place_linux();
	linux_state();
	fake_exit(EXIT_REASON_IO_INSTRUCTION, ((u64)BF_PORT + 5) << 16 | 8, 1); /* IN AL, DX */
	dispatch_exit(&fk.d, &fk.v); /* records */
	u64 i0 = fk.d.blockio.stats.insns, f0 = fk.d.blockio.stats.followed;
	double t = now_ns();
	for (long i = 0; i < iters; i++) {
		linux_state();
		fake_exit(EXIT_REASON_IO_INSTRUCTION, ((u64)BF_PORT + 5) << 16 | 8, 1);
		dispatch_exit(&fk.d, &fk.v);
	}
	double ns = (now_ns() - t) / (iters ? iters : 1);
	*insns = iters ? (fk.d.blockio.stats.insns - i0) / (u64)iters : 0;
	if (fk.d.blockio.stats.followed - f0 != (u64)iters || (iters && *insns != LX_INSNS_FIRST + LX_INSNS_PER_CHAR * (chars - 1)))
		exit(6); /* every hit runs the whole block */
	return ns;
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
	if (getenv("MICRO_RAM") && !strcmp(getenv("MICRO_RAM"), "real"))
		use_real_ram();
	/* MICRO_WP=on: code-page generations on (block_wp=on, page_gen.h): a hit skips the hash */
	if (getenv("MICRO_WP") && !strcmp(getenv("MICRO_WP"), "on"))
		pgen_init(&fk.d.blockio.pgen, true);
	place_block();

	double t = now_ns();
	volatile u64 sink = 0;
	for (long i = 0; i < iters; i++)
		sink += block_hash(fk.ram + FAKE_RIP, 4 * BLOCK_IOS - 3);
	double hash_ns = (now_ns() - t) / iters;

	struct block b;
	static struct block_store_scan store;
	block_use_store(&b, &store);
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

	double follow_ns = followed_hit_ns(phase_iters("follow", all), false);
	u64 insns0 = fk.d.blockio.stats.insns;
	double follow_long_ns = followed_hit_ns(phase_iters("follow_long", all), true);
	if (fk.d.blockio.stats.insns - insns0 < (u64)phase_iters("follow_long", all) * (7 + LONG_EXTRA_INSNS))
		return 5; /* the long block must run whole on every hit */
	double follow_singles_ns = followed_singles_ns(phase_iters("follow_singles", all));
	u64 lx_short_insns, lx_long_insns, lx_3_insns;
	double lx_short_ns = linux_hit_ns(phase_iters("follow_linux", all), LX_CHARS_SHORT, &lx_short_insns);
	double lx_long_ns = linux_hit_ns(phase_iters("follow_linux2", all), LX_CHARS_LONG, &lx_long_insns);
	double lx_3_ns = linux_hit_ns(phase_iters("follow_linux3", all), LX_CHARS_3, &lx_3_insns);

	printf("  hash of a 37-byte block:                     %8.1f ns\n", hash_ns);
	printf("  table lookup (hit):                          %8.1f ns\n", lookup_ns);
	printf("  cold scan of a 10-IO block:                  %8.1f ns\n", scan_ns);
	printf("  one exit running the cached 10-IO block:     %8.1f ns\n", block_ns);
	printf("  ten single IO exits (block_io=off):          %8.1f ns\n", singles_ns);
	printf("  handler work, block hit / ten singles:       %8.3f\n", block_ns / singles_ns);
	printf("  followed block hit (64-bit: in, pop, ret, mov, call, mov, out): %8.1f ns\n", follow_ns);
	printf("  followed block hit, %d instructions more (stack and memory): %8.1f ns\n", LONG_EXTRA_INSNS,
	       follow_long_ns);
	printf("  per replayed instruction (long - short) / %d: %8.2f ns\n", LONG_EXTRA_INSNS,
	       (follow_long_ns - follow_ns) / LONG_EXTRA_INSNS);
	printf("  the same two IO instructions as single exits: %8.1f ns\n", follow_singles_ns);
	printf("  handler work, followed hit / two singles:    %8.3f\n", follow_ns / follow_singles_ns);
	printf("  Linux console path, %d character (%llu instructions): %8.1f ns\n", LX_CHARS_SHORT,
	       (unsigned long long)lx_short_insns, lx_short_ns);
	printf("  Linux console path, %d characters (%llu instructions): %8.1f ns\n", LX_CHARS_LONG,
	       (unsigned long long)lx_long_insns, lx_long_ns);
	printf("  Linux console path, %d characters (%llu instructions): %8.1f ns\n", LX_CHARS_3,
	       (unsigned long long)lx_3_insns, lx_3_ns);
	(void)sink;
	bf_teardown(&state);
	return 0;
}
