/*
 * dispatcher/blockio/follow.c and dispatcher/emul/interp_stack.c: followed blocks (block_follow=on) in 64-bit
 * code, on the processor model of fake_block.c. Every program runs with block IO off (one exit
 * per IO instruction) and on from the same state, and must end identically (bf_run_both); the
 * tests then check that the IO instructions behind calls and returns were joined into fewer
 * exits, that later exits replay the cached block (table hits), and that a return to another
 * caller, rewritten code or a push into the code page ends a block where it must. The stack
 * instructions' results are hand-computed from the SDM pages of PUSH, POP, CALL and RET.
 */
#include "unit.h"

#include <string.h>

#include "fake_block.h"
#include "dispatcher/emul/interp.h"
#include "dispatcher/blockio/replay.h"

#define OUT_DX 0xee
#define IN_DX 0xec
#define HLT 0xf4
#define RET 0xc3
#define STACK_TOP 0x8000ULL
#define READ_FN 0x1100ULL  /* push rbx; mov edx, BF_PORT+5; in al,dx; pop rbx; ret */
#define WRITE_FN 0x1200ULL /* mov edx, BF_PORT; out dx,al; ret */

/* call rel32 from `at` to `to` (5 bytes) */
static void put_call(u64 at, u64 to)
{
	i32 rel = (i32)(to - (at + 5));
	u8 b[5] = {0xe8, (u8)rel, (u8)(rel >> 8), (u8)(rel >> 16), (u8)(rel >> 24)};
	bf_put(at, b, sizeof b);
}

static void put_accessors(void)
{
	BF_CODE(READ_FN, 0x53, 0xba, (BF_PORT + 5) & 0xff, (BF_PORT + 5) >> 8, 0, 0, IN_DX, 0x5b, RET);
	BF_CODE(WRITE_FN, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX, RET);
}

static int setup64(void **state)
{
	int r = bf_setup(state);
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.v.gpr[VCPU_RSP] = STACK_TOP;
	put_accessors();
	return r;
}

/*
 * main: mov ecx, 6
 * loop: call READ_FN; test al, al (never 0: the device counts up from 0x40); je done (forward);
 *       mov al, cl; call WRITE_FN; dec ecx; jnz loop
 * done: mov al, 0x2a; out 0xf4, al; hlt
 */
static void put_driver_loop(u32 rounds)
{
	u64 p = FAKE_RIP;
	u8 mov_ecx[5] = {0xb9, (u8)rounds, 0, 0, 0};
	bf_put(p, mov_ecx, sizeof mov_ecx);
	p += 5;
	u64 loop = p;
	put_call(p, READ_FN);
	p += 5;
	BF_CODE(p, 0x84, 0xc0, 0x74, 0x0c, 0x88, 0xc8); /* test al,al; je +12; mov al,cl */
	p += 6;
	put_call(p, WRITE_FN);
	p += 5;
	i8 back = (i8)(loop - (p + 4));
	u8 tail[4] = {0xff, 0xc9, 0x75, (u8)back}; /* dec ecx; jnz loop */
	bf_put(p, tail, sizeof tail);
	p += 4;
	BF_CODE(p, 0xb0, 0x2a, 0xe6, 0xf4, HLT);
}

static void test_calls_and_returns_join_io(void **state)
{
	(void)state;
	/* enough rounds (14 instructions each) that one block cannot hold them all, and few enough
	 * that no read returns 0 (the device counts up from BF_IN_FIRST) */
	const u32 rounds = 150;
	put_driver_loop(rounds);
	struct bf_outcome off, on;
	bf_run_both(10 * BLOCK_MAX_INSNS, &off, &on);
	assert_true(fk.v.ended);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP);
	/* a read and a write a round, then the debug exit */
	assert_int_equal(bf_rec.n, 2 * rounds);
	assert_int_equal(bf_rec.ev[1].port, BF_PORT);
	assert_int_equal(bf_rec.ev[1].val, rounds);
	assert_int_equal(bf_rec.ev[2 * rounds - 1].val, 1);
	assert_int_equal(off.exits, 2 * rounds + 1);
	/* an exit at the read runs through the return, the caller, the call, the write and on
	 * into the next rounds, BLOCK_MAX_INSNS instructions at most */
	assert_true(on.exits * 2 < off.exits);
	assert_true(on.bstats.followed >= 2);
	assert_true(on.bstats.hits >= 1); /* the later rounds replay the recorded block */
	assert_int_equal(on.bstats.mismatches, 0);
	/* the statistics' split of root-mode time (the fake clock ticks once a reading) */
	assert_true(on.bstats.recordings >= 1 && on.bstats.recordings <= on.bstats.misses);
	assert_true(on.bstats.tsc_record > 0 && on.bstats.tsc_replay > 0 && on.bstats.tsc_check > 0);
	assert_true(on.bstats.tsc_scan > 0);
	assert_int_equal(off.bstats.tsc_replay + off.bstats.tsc_check + off.bstats.tsc_record, 0);
}

static void test_follow_off_keeps_single_exits(void **state)
{
	(void)state;
	fk.d.blockio.cfg.follow = false;
	put_driver_loop(3);
	struct bf_outcome off, on;
	bf_run_both(400, &off, &on);
	assert_int_equal(on.exits, off.exits);
	assert_int_equal(on.bstats.followed, 0);
}

/* Two callers of the same accessor: the block recorded from the first caller's return must end
 * at the RET when the second caller (another return address) reaches it. */
static void test_return_to_another_caller_ends_block(void **state)
{
	(void)state;
	/* caller A at FAKE_RIP: call READ_FN; mov bl, al; call WRITE_FN; mov edx, BF_PORT+1; outsb
	 * (a string instruction ends a recording: it has its own exit); jmp B
	 * caller B at 0x1400:  call READ_FN; add al, 1; call WRITE_FN; mov al,0x2a; out 0xf4,al */
	u64 p = FAKE_RIP;
	put_call(p, READ_FN);
	BF_CODE(p + 5, 0x88, 0xc3);
	put_call(p + 7, WRITE_FN);
	BF_CODE(p + 12, 0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e);
	fk.v.gpr[VCPU_RSI] = 0x6000;
	i32 rel = (i32)(0x1400 - (p + 18 + 5));
	u8 jmp[5] = {0xe9, (u8)rel, (u8)(rel >> 8), (u8)(rel >> 16), (u8)(rel >> 24)};
	bf_put(p + 18, jmp, sizeof jmp);
	put_call(0x1400, READ_FN);
	BF_CODE(0x1405, 0x04, 0x01);
	put_call(0x1407, WRITE_FN);
	BF_CODE(0x140c, 0xb0, 0x2a, 0xe6, 0xf4, HLT);
	struct bf_outcome off, on;
	bf_run_both(200, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 5);
	assert_int_equal(bf_rec.ev[1].val, BF_IN_FIRST);
	assert_int_equal(bf_rec.ev[2].port, BF_PORT + 1); /* the OUTSB */
	assert_int_equal(bf_rec.ev[4].val, BF_IN_FIRST + 2);
	assert_int_equal(on.bstats.hits, 1);     /* the second read finds the first caller's block */
	assert_true(on.bstats.early_ends >= 1);   /* and leaves it at the return */
	assert_true(on.exits < off.exits);
}

/* A block recorded on a path the guest leaves at once (the first round writes from another call
 * site) is recorded again after FOLLOW_RERECORD replays in a row end early, and from then on
 * replays run whole. */
static void test_diverging_block_is_recorded_again(void **state)
{
	(void)state;
	/* main: mov ecx, 30; mov edx... (RSI: OUTSB source)
	 * loop: call READ_FN; cmp ecx, 30; jne normal; call WRITE_FN; jmp cont
	 * normal: call WRITE_FN
	 * cont: mov edx, BF_PORT+1; outsb (ends each recording: the next exit is the next read);
	 *       dec ecx; jnz loop; mov al,0x2a; out 0xf4,al; hlt */
	u64 p = FAKE_RIP;
	BF_CODE(p, 0xb9, 30, 0, 0, 0);
	u64 loop = p + 5;
	put_call(loop, READ_FN);
	BF_CODE(loop + 5, 0x83, 0xf9, 30, 0x75, 0x07); /* cmp ecx, 30; jne +7 */
	put_call(loop + 10, WRITE_FN);
	BF_CODE(loop + 15, 0xeb, 0x05); /* jmp +5 */
	put_call(loop + 17, WRITE_FN);
	u8 tail[15] = {0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e,
	               0xff, 0xc9, 0x75, (u8)(i8)(loop - (loop + 32)), 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	bf_put(loop + 22, tail, sizeof tail);
	fk.v.gpr[VCPU_RSI] = 0x6000;
	struct bf_outcome off, on;
	bf_run_both(2000, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 90);
	assert_int_equal(off.exits, 91);
	/* the read's block, recorded in round 1, leaves its path in rounds 2..5, then is recorded
	 * again; the rounds after that replay it whole (without re-recording: 29 early ends) */
	assert_true(on.bstats.early_ends <= 6);
	/* two exits a round at best: the read's block (read and write) and the OUTSB */
	assert_true(on.exits <= 2 * 30 + 6);
}

/*
 * WRITE2 at 0x1300: mov al, imm8; mov edx, BF_PORT; out dx, al; ret  (imm8 at 0x1301)
 * main: mov ecx, rounds; loop: call READ_FN; mov [0x1301], cl; call WRITE2;
 *       [mov edx, BF_PORT+1; outsb: with `outsb`, which ends every recording there]
 *       dec ecx; jnz loop; mov al,0x2a; out 0xf4,al; hlt
 * Runs it with block IO off and on; the writes must send rounds, rounds-1, ..., 1.
 */
static void run_rewriting_loop(u8 rounds, bool outsb, struct bf_outcome *on)
{
	BF_CODE(0x1300, 0xb0, 0x00, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX, RET);
	u8 head[5] = {0xb9, rounds, 0, 0, 0};
	bf_put(FAKE_RIP, head, sizeof head);
	u64 loop = FAKE_RIP + 5;
	put_call(loop, READ_FN);
	BF_CODE(loop + 5, 0x88, 0x0c, 0x25, 0x01, 0x13, 0, 0); /* mov [0x1301], cl */
	put_call(loop + 12, 0x1300);
	u8 tail[15] = {0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e};
	u32 n = outsb ? 6 : 0;
	u64 end = loop + 17 + n + 4;
	u8 rest[9] = {0xff, 0xc9, 0x75, (u8)(i8)(loop - end), 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	memcpy(tail + n, rest, sizeof rest);
	bf_put(loop + 17, tail, n + sizeof rest);
	fk.v.gpr[VCPU_RSI] = 0x6000;
	bf_run_both(2000, NULL, on);
	assert_int_equal(fk.v.end_code, 0x2a);
	u32 per_round = outsb ? 3 : 2;
	assert_int_equal(bf_rec.n, per_round * rounds);
	for (u32 r = 0; r < rounds; r++)
		assert_int_equal(bf_rec.ev[per_round * r + 1].val, rounds - r);
}

/* The loop rewrites the immediate of an instruction inside the followed block each round: a
 * recording runs on through the next rounds, so its ranges hold two different immediates and
 * every later hit finds the bytes changed and records again; the new value is what runs. */
static void test_rewritten_code_is_recorded_again(void **state)
{
	(void)state;
	struct bf_outcome on;
	run_rewriting_loop(30, false, &on);
	assert_true(on.bstats.mismatches >= 1);
}

/* A replay that would store into the code of its own later instructions ends before the store:
 * the block recorded in one round (the OUTSB ends each recording) holds the immediate of that
 * round, which guest memory still holds at the next round's exit, so the hash matches; the store
 * of the new round must not be followed by the stale decoded form. */
static void test_store_into_own_code_ends_replay(void **state)
{
	(void)state;
	struct bf_outcome on;
	run_rewriting_loop(6, true, &on);
	assert_true(on.bstats.hits >= 1);
	assert_true(on.bstats.early_ends >= 1);
}

/* A PUSH whose slot is in the block's own code page ends the replay before it. */
static void test_push_into_code_page_ends_block(void **state)
{
	(void)state;
	fk.v.gpr[VCPU_RSP] = READ_FN + 0x800; /* the stack grows down inside the accessors' page */
	put_driver_loop(3);
	struct bf_outcome off, on;
	bf_run_both(400, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 6);
}

/* ---- the instructions ---- */

static struct insn decode64(const u8 *b, u32 n)
{
	struct insn in;
	assert_int_equal(decode_insn(b, n, CPU_MODE_64, &in), DECODE_OK);
	return in;
}

static const struct interp_io no_io;

static void test_push_pop(void **state)
{
	(void)state;
	struct interp_result res;
	fk.v.gpr[VCPU_RBX] = 0x1122334455667788ULL;
	struct insn push = decode64((const u8[]){0x53}, 1); /* push rbx */
	assert_int_equal(interp_exec(&fk.v, &push, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP - 8);
	u64 slot;
	memcpy(&slot, fk.ram + STACK_TOP - 8, 8);
	assert_int_equal(slot, 0x1122334455667788ULL);
	assert_true(fk.v.dirty & VCPU_DIRTY_RSP);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
	struct insn pop = decode64((const u8[]){0x41, 0x5f}, 2); /* pop r15 */
	assert_int_equal(interp_exec(&fk.v, &pop, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.gpr[15], 0x1122334455667788ULL);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP);
	/* push rsp stores the value before the push; pop rsp loads the value read */
	struct insn push_sp = decode64((const u8[]){0x54}, 1);
	assert_int_equal(interp_exec(&fk.v, &push_sp, &no_io, &res), INTERP_OK);
	memcpy(&slot, fk.ram + STACK_TOP - 8, 8);
	assert_int_equal(slot, STACK_TOP);
	struct insn pop_sp = decode64((const u8[]){0x5c}, 1);
	assert_int_equal(interp_exec(&fk.v, &pop_sp, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP);
}

static void test_call_ret(void **state)
{
	(void)state;
	struct interp_result res;
	fk.v.rip = 0x2000;
	struct insn call = decode64((const u8[]){0xe8, 0x10, 0, 0, 0}, 5);
	assert_int_equal(interp_exec(&fk.v, &call, &no_io, &res), INTERP_OK);
	assert_true(res.branch);
	assert_int_equal(fk.v.rip, 0x2015);
	u64 slot;
	memcpy(&slot, fk.ram + STACK_TOP - 8, 8);
	assert_int_equal(slot, 0x2005);
	struct insn ret = decode64((const u8[]){RET}, 1);
	assert_int_equal(interp_exec(&fk.v, &ret, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.rip, 0x2005);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP);
	fk.v.gpr[VCPU_RAX] = 0x3000;
	struct insn calli = decode64((const u8[]){0xff, 0xd0}, 2); /* call rax */
	assert_int_equal(interp_exec(&fk.v, &calli, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.rip, 0x3000);
	memcpy(&slot, fk.ram + STACK_TOP - 8, 8);
	assert_int_equal(slot, 0x2007);
	fk.v.gpr[11] = 0x3456;
	struct insn jmpi = decode64((const u8[]){0x41, 0xff, 0xe3}, 3); /* jmp r11 */
	assert_int_equal(interp_exec(&fk.v, &jmpi, &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.rip, 0x3456);
	assert_int_equal(fk.v.gpr[VCPU_RSP], STACK_TOP - 8);
}

/* Where the processor would fault, nothing changes: not-present stack, non-canonical return
 * address or branch target. */
static void test_faults_change_nothing(void **state)
{
	(void)state;
	struct interp_result res;
	struct insn push = decode64((const u8[]){0x50}, 1);
	struct insn ret = decode64((const u8[]){RET}, 1);
	struct insn jmpi = decode64((const u8[]){0xff, 0xe0}, 2);
	fake_unmap(STACK_TOP - 8);
	struct vcpu before = fk.v;
	assert_int_equal(interp_exec(&fk.v, &push, &no_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &fk.v, sizeof before);
	fk.v.gpr[VCPU_RSP] = 0x7000;
	u64 bad = 0x0000800000000000ULL;
	memcpy(fk.ram + 0x7000, &bad, 8);
	fk.v.gpr[VCPU_RAX] = bad;
	before = fk.v;
	assert_int_equal(interp_exec(&fk.v, &ret, &no_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &fk.v, sizeof before);
	assert_int_equal(interp_exec(&fk.v, &jmpi, &no_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &fk.v, sizeof before);
	/* and outside 64-bit mode these are not interpreted at all */
	struct insn call = decode64((const u8[]){0xe8, 0, 0, 0, 0}, 5);
	call.mode = CPU_MODE_32;
	fk.v.efer = 0;
	before = fk.v;
	assert_int_equal(interp_exec(&fk.v, &call, &no_io, &res), INTERP_STOP);
	assert_memory_equal(&before, &fk.v, sizeof before);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup64, bf_teardown)

/*
 * replay_run compares only a branch's target with the recorded path: a form that goes on in
 * sequence relies on the next recorded instruction being at its end. replay_mark_fetches
 * takes the direct form from one whose successor is elsewhere (the general path's guard then
 * decides), and leaves branches and adjacent instructions theirs.
 */
/* Decodes n instructions of 64-bit code (code[k] at code + k * stride, lens[k] bytes) and
 * prepares their direct forms, as a recording does before replay_mark_fetches. */
static void prepare_path(const u8 *code, size_t stride, const u8 *lens, u32 n, struct insn *seq,
                         struct replay_op *rp)
{
	for (u32 k = 0; k < n; k++) {
		assert_int_equal(decode_insn(code + k * stride, lens[k], CPU_MODE_64, &seq[k]), DECODE_OK);
		replay_prepare(&seq[k], &rp[k]);
	}
}

static void test_sequence_guard_at_recording(void **state)
{
	(void)state;
	static const u8 code[][2] = {{0x53}, {0x5b}, {0xeb, 0x10}, {0x53}, {0x90}};
	static const u8 lens[] = {1, 1, 2, 1, 1};
	/* push rbx; pop rbx (recorded elsewhere: not at its end); jmp +16 (a branch: its target
	 * is compared); push rbx (at its end); nop (the last: no direct form, replay_run's stop) */
	static const u64 lin[] = {0x1000, 0x1001, 0x1100, 0x1112, 0x1113};
	enum { N = 5 };
	struct insn seq[N];
	struct replay_op rp[N];
	prepare_path(code[0], sizeof code[0], lens, N, seq, rp);
	replay_mark_fetches(rp, lin, seq, N);
	assert_int_equal(rp[0].kind, REPLAY_PUSH);
	assert_int_equal(rp[1].kind, REPLAY_NONE);
	assert_int_equal(rp[2].kind, REPLAY_JMP);
	assert_int_equal(rp[3].kind, REPLAY_PUSH);
	assert_int_equal(rp[4].kind, REPLAY_NONE);
}

/*
 * The fetch marks of a recorded path (replay_mark_fetches): an instruction that leaves the page
 * the previous one ended on fetches (REPLAY_K_FETCH); one whose pages an earlier fetch of the
 * path touched may skip it (REPLAY_K_SEEN) — not a return to the exiting instruction's page,
 * which the processor fetched through its TLB. An instruction across two pages is seen only
 * when both were.
 */
static void test_fetch_marks_seen(void **state)
{
	(void)state;
	static const u64 lin[] = {0x1000, 0x2000, 0x1001, 0x2001, 0x1002, 0x5fff, 0x6001, 0x5000, 0x6005, 0x7000};
	static const u8 expect[] = {0, REPLAY_K_FETCH, REPLAY_K_FETCH, REPLAY_K_FETCH | REPLAY_K_SEEN,
	                            REPLAY_K_FETCH | REPLAY_K_SEEN, REPLAY_K_FETCH, 0, REPLAY_K_FETCH | REPLAY_K_SEEN,
	                            REPLAY_K_FETCH | REPLAY_K_SEEN, REPLAY_K_FETCH};
	enum { N = sizeof lin / sizeof lin[0] };
	static u8 code[N][2], lens[N];
	for (u32 k = 0; k < N; k++) { /* nop; 66 90 across the page end */
		bool two = lin[k] == 0x5fff;
		code[k][0] = two ? 0x66 : 0x90;
		code[k][1] = 0x90;
		lens[k] = two ? 2 : 1;
	}
	struct insn seq[N];
	struct replay_op rp[N];
	prepare_path(code[0], sizeof code[0], lens, N, seq, rp);
	replay_mark_fetches(rp, lin, seq, N);
	for (u32 k = 0; k < N; k++)
		if ((rp[k].kind & (REPLAY_K_FETCH | REPLAY_K_SEEN)) != expect[k])
			fail_msg("instruction %u at 0x%llx: marks 0x%x, expected 0x%x", k, (unsigned long long)lin[k],
			         rp[k].kind & (REPLAY_K_FETCH | REPLAY_K_SEEN), expect[k]);
}

/*
 * replay_bind ties a relative branch to its recorded path: the return address in the op, which
 * way the recorded next instruction lies (REPLAY_F_PATH_*), and a target that is not canonical
 * left to the general path (REPLAY_NONE), which decides the #GP.
 */
static void test_branches_bound_to_path(void **state)
{
	(void)state;
	static const u8 code[][5] = {{0x74, 0x10}, {0x74, 0x10}, {0xe8, 0, 0, 0, 0}, {0xeb, 0x00}, {0xe9, 0x00, 0x01, 0, 0}};
	static const u8 lens[] = {2, 2, 5, 2, 5};
	/* je +16 taken on the path; je +16 not taken; call +0 (its target is its end); jmp +0
	 * (the last: no next); jmp +256 near the top of the lower canonical half, to beyond it */
	static const u64 lin[] = {0x1000, 0x1012, 0x1014, 0x1019, 0x00007ffffffffff0ULL};
	enum { N = 5 };
	struct insn seq[N];
	struct replay_op rp[N];
	prepare_path(code[0], sizeof code[0], lens, N, seq, rp);
	replay_bind(&rp[0], lin[0], true, lin[0] + 2 + 0x10);
	assert_int_equal(rp[0].flags, REPLAY_F_PATH_TAKEN);
	assert_true(rp[0].imm == lin[0] + 2);
	replay_bind(&rp[1], lin[1], true, lin[1] + 2);
	assert_int_equal(rp[1].flags, REPLAY_F_PATH_NEXT);
	replay_bind(&rp[2], lin[2], true, lin[2] + 5);
	assert_int_equal(rp[2].kind, REPLAY_CALL);
	assert_int_equal(rp[2].flags, REPLAY_F_PATH_TAKEN);
	replay_bind(&rp[3], lin[3], false, 0);
	assert_int_equal(rp[3].kind, REPLAY_JMP);
	assert_int_equal(rp[3].flags, 0);
	replay_bind(&rp[4], lin[4], true, lin[4] + 5 + 0x100);
	assert_int_equal(rp[4].kind, REPLAY_NONE); /* 0x00008000000000f5: past the canonical half */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_calls_and_returns_join_io),
		T(test_follow_off_keeps_single_exits),
		T(test_return_to_another_caller_ends_block),
		T(test_diverging_block_is_recorded_again),
		T(test_rewritten_code_is_recorded_again),
		T(test_store_into_own_code_ends_replay),
		T(test_push_into_code_page_ends_block),
		T(test_push_pop),
		T(test_call_ret),
		T(test_faults_change_nothing),
		cmocka_unit_test(test_sequence_guard_at_recording),
		cmocka_unit_test(test_branches_bound_to_path),
		cmocka_unit_test(test_fetch_marks_seen),
	};
	return UNIT_RUN(tests);
}
