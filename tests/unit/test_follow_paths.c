/*
 * Several recorded paths per start address (issue 11 item 3; dispatcher/blockio/table.c and
 * block_dispatch.c's follow_paths): an accessor called from three call sites in turn has one
 * followed block per path from its IO instruction; a replay that leaves one path goes on along
 * another that shares its first instructions, so after each path has been recorded once the
 * rounds run whole, with no re-recording. Every program runs with block IO off and on from the
 * same state and must end identically (bf_run_both). Also longer blocks (item 4).
 */
#include "unit.h"

#include <string.h>

#include "fake_block.h"

#define IN_DX 0xec
#define OUT_DX 0xee
#define HLT 0xf4
#define RET 0xc3
#define STACK_TOP 0x8000ULL
#define READ_FN 0x1100ULL  /* push rbx; mov edx, BF_PORT+5; in al,dx; pop rbx; ret */
#define WRITE_FN 0x1200ULL /* mov edx, BF_PORT; out dx,al; ret */
#define ROUNDS 30
#define LONG_AT 0x10000ULL

static void put_call(u64 at, u64 to)
{
	i32 rel = (i32)(to - (at + 5));
	u8 b[5] = {0xe8, (u8)rel, (u8)(rel >> 8), (u8)(rel >> 16), (u8)(rel >> 24)};
	bf_put(at, b, sizeof b);
}

static int setup64(void **state)
{
	int r = bf_setup(state);
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.v.gpr[VCPU_RSP] = STACK_TOP;
	BF_CODE(READ_FN, 0x53, 0xba, (BF_PORT + 5) & 0xff, (BF_PORT + 5) >> 8, 0, 0, IN_DX, 0x5b, RET);
	BF_CODE(WRITE_FN, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX, RET);
	return r;
}

/*
 * main: mov ecx, ROUNDS
 * loop+0:  call READ_FN
 * loop+5:  test cl, 1; jnz odd            (the paths part here: odd rounds)
 * loop+10: test cl, 2; jnz third          (and here: rounds with bit 1 set)
 * loop+15: call WRITE_FN; jmp cont        (path A)
 * loop+22: odd: call WRITE_FN; jmp cont   (path B)
 * loop+29: third: call WRITE_FN           (path C)
 * loop+34: cont: mov edx, BF_PORT+1; outsb (a string IO ends every recording and replay);
 *          dec ecx; jnz loop; mov al, 0x2a; out 0xf4, al; hlt
 * Rounds 30, 29, ... take C, B, A, B, C, B, A, B, ...
 */
static void put_three_callers(void)
{
	u64 p = FAKE_RIP;
	BF_CODE(p, 0xb9, ROUNDS, 0, 0, 0);
	u64 loop = p + 5;
	put_call(loop, READ_FN);
	BF_CODE(loop + 5, 0xf6, 0xc1, 0x01, 0x75, 22 - 10, 0xf6, 0xc1, 0x02, 0x75, 29 - 15);
	put_call(loop + 15, WRITE_FN);
	BF_CODE(loop + 20, 0xeb, 34 - 22);
	put_call(loop + 22, WRITE_FN);
	BF_CODE(loop + 27, 0xeb, 34 - 29);
	put_call(loop + 29, WRITE_FN);
	u8 tail[15] = {0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e,
	               0xff, 0xc9, 0x75, (u8)(i8)(-44), 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	bf_put(loop + 34, tail, sizeof tail);
	fk.v.gpr[VCPU_RSI] = 0x6000;
}

static void test_three_callers_keep_three_paths(void **state)
{
	(void)state;
	put_three_callers();
	struct bf_outcome off, on;
	bf_run_both(4000, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 3 * ROUNDS);
	assert_int_equal(off.exits, 3 * ROUNDS + 1);
	/* each write sends what the round's read got, whichever call site made it */
	for (u32 r = 0; r < ROUNDS; r++)
		assert_int_equal(bf_rec.ev[3 * r + 1].val, BF_IN_FIRST + r);
	/* each path recorded once (a new one after FOLLOW_RERECORD replays found no path to go on
	 * along); with one path per start (before issue 11 item 3) the other two callers' rounds
	 * ended early all the way: 20 early ends and 3 exits a round */
	/* the three paths, and two single-IO blocks: the write's OUT after the first round that
	 * left the first path, and the debug exit */
	assert_true(on.bstats.recordings >= 3 && on.bstats.recordings <= 5);
	assert_true(on.bstats.path_switches >= ROUNDS / 2);
	assert_true(on.bstats.early_ends <= 2 * FOLLOW_RERECORD + 1);
	assert_true(on.exits <= 2 * ROUNDS + 2 * FOLLOW_RERECORD + 2);
	assert_int_equal(on.bstats.mismatches, 0);
}

/* A path switch re-checks the other path's bytes: rewriting the third call site's call (to the
 * same target through a NOP) between rounds is found, and the run stays exact. */
static void test_switch_checks_the_other_path(void **state)
{
	(void)state;
	put_three_callers();
	struct bf_outcome on;
	bf_run_both(4000, 0, &on);
	u32 recorded = (u32)on.bstats.recordings;
	/* again from the start, with path C's call site changed: nop; call WRITE_FN (4 bytes
	 * shorter jump: the call moves one byte, so C's addresses after it change) */
	fk.v.rip = FAKE_RIP;
	fk.v.gpr[VCPU_RSP] = STACK_TOP;
	fk.v.gpr[VCPU_RSI] = 0x6000;
	fk.v.ended = false;
	fk.board.dbg.fired = false; /* the debug exit of the first run ended it */
	u32 exits_before = (u32)fk.d.stats.io_exits, ios_before = (u32)fk.d.stats.io_instructions;
	BF_CODE(FAKE_RIP + 5 + 29, 0x90);
	put_call(FAKE_RIP + 5 + 30, WRITE_FN);
	BF_CODE(FAKE_RIP + 5 + 13, 0x75, 29 - 15);
	u8 tail[15] = {0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e,
	               0xff, 0xc9, 0x75, (u8)(i8)(-45), 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	bf_put(FAKE_RIP + 5 + 35, tail, sizeof tail);
	BF_CODE(FAKE_RIP + 5 + 20, 0xeb, 35 - 22);
	BF_CODE(FAKE_RIP + 5 + 27, 0xeb, 35 - 29);
	bf_run_both(4000, 0, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(on.stats.io_instructions - ios_before, 3 * ROUNDS + 1); /* it ran again */
	assert_true(on.stats.io_exits - exits_before < 3 * ROUNDS);
	assert_true(on.bstats.mismatches >= 1); /* a recorded path's bytes changed */
	assert_true(on.bstats.recordings > recorded);
}

/* Longer blocks (issue 11 item 4): two writes 600 instructions apart (past the old 128 and 512
 * byte caps) are one block, and so is a loop of 60 rounds whose code ranges repeat (held once,
 * not one range a round). */
static void test_long_blocks(void **state)
{
	(void)state;
	/* mov edx, BF_PORT; out dx, al; 600 x inc eax; out dx, al; mov ecx, 60;
	 * loop: call WRITE_FN; inc eax; dec ecx; jnz loop; mov al, 0x2a; out 0xf4, al; hlt */
	u64 p = LONG_AT; /* past the accessors and the stack: the code is 1.3 KB */
	fk.v.rip = LONG_AT;
	BF_CODE(p, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX);
	p += 6;
	for (u32 k = 0; k < 600; k++, p += 2)
		BF_CODE(p, 0xff, 0xc0);
	BF_CODE(p, OUT_DX, 0xb9, 60, 0, 0, 0);
	p += 6;
	u64 loop = p;
	put_call(p, WRITE_FN);
	p += 5;
	u8 back[6] = {0xff, 0xc0, 0xff, 0xc9, 0x75, (u8)(i8)(loop - (p + 6))};
	bf_put(p, back, sizeof back);
	p += 6;
	BF_CODE(p, 0xb0, 0x2a, 0xe6, 0xf4, HLT);
	struct bf_outcome off, on;
	bf_run_both(4000, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 62);
	assert_int_equal(bf_rec.ev[1].val, (0 + 600) & 0xff); /* al after 600 increments of eax = 0 */
	assert_int_equal(off.exits, 63);
	/* 602 + 60 * 6 instructions: two blocks at most, with the debug exit's own */
	assert_true(on.exits <= 3);
	assert_true(on.bstats.io_in_blocks >= 60);
}

/*
 * A followed recording that found no second IO instruction depends on the state it ran in, not
 * on its bytes alone: here the first one, at READ_FN's IN, is cut by a fetch that faults (the
 * called function's page not present at that exit, mapped from the next). Its single-IO entry
 * must be recorded again now and then (every SINGLE_RECHECK hits); before, it only had its
 * bytes re-checked, which always matched, and every later round took one exit more (the
 * blk_long64 guest's part 8 found it).
 * main: mov ecx, R; loop: call READ_FN; call FAR_FN; mov edx, BF_PORT+1; outsb (ends every
 * block); dec ecx; jnz loop; mov al, 0x2a; out 0xf4, al; hlt.  FAR_FN: mov edx, BF_PORT;
 * out dx, al; ret.
 */
#define FAR_FN 0x20000ULL
#define CUT_ROUNDS 200
static void test_cut_single_is_recorded_again(void **state)
{
	(void)state;
	u64 p = FAKE_RIP;
	BF_CODE(p, 0xb9, CUT_ROUNDS & 0xff, CUT_ROUNDS >> 8, 0, 0);
	u64 loop = p + 5;
	put_call(loop, READ_FN);
	put_call(loop + 5, FAR_FN);
	u8 tail[17] = {0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e,
	               0xff, 0xc9, 0x75, (u8)(i8)(-(10 + 10)), 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	bf_put(loop + 10, tail, sizeof tail);
	BF_CODE(FAR_FN, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX, RET);
	fk.v.gpr[VCPU_RSI] = 0x6000;
	/* the first exit, at READ_FN's IN, records with FAR_FN's page not present */
	bf_set_pte(FAR_FN, 0);
	u32 exits = 0;
	while (exits == 0 && bf_cpu_step(&fk.v, &exits))
		;
	assert_int_equal(exits, 1);
	assert_int_equal(fk.v.rip, FAR_FN); /* the recording ran the call, then could not fetch */
	assert_int_equal(fk.d.blockio.stats.recordings, 1);
	bf_set_pte(FAR_FN, FAR_FN | BF_PTE_PRESENT);
	struct bf_outcome off, on;
	bf_run_both(20000, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	/* off: IN, OUT and OUTSB a round (the first round's IN was before) */
	assert_true(off.exits >= 3 * CUT_ROUNDS - 1);
	/* on: after SINGLE_RECHECK hits the IN's block is recorded again, through the OUT: two
	 * exits a round from then on (three a round without) */
	assert_true(on.bstats.recordings >= 1);
	assert_true(on.exits <= 3 * SINGLE_RECHECK + 2 * (CUT_ROUNDS - SINGLE_RECHECK) + 2 * FOLLOW_RERECORD + 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup64, bf_teardown)

/*
 * A recording reads its code through a window on the current code page (scan_read_code_at);
 * a store inside the block into that page's own PTE remaps it, and the next instruction must
 * come from the new page, as the processor model (a fresh walk per instruction) fetches it.
 * C: mov edx, BF_PORT; out dx, al; call F; mov al, 0x11; out dx, al; mov al, 0x2a;
 * out 0xf4, al; hlt; F (C + 0x20): mov [rbx], rax (the PTE of C := D); ret. D: the same but
 * mov al, 0x55. The call keeps the scanner's straight-line block out (it stops at a CALL).
 */
#define REMAP_C 0x30000ULL
#define REMAP_D 0x31000ULL
#define REMAP_F 0x20 /* F's offset in the page */
#define REMAP_PT (FAKE_PT_BASE + 0x3000) /* fake_vcpu.c: the PTEs identity-mapping the RAM */
static void put_remap_code(u64 at, u8 al)
{
	BF_CODE(at, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX);
	put_call(at + 6, at + REMAP_F);
	u8 tail[] = {0xb0, al, OUT_DX, 0xb0, 0x2a, 0xe6, 0xf4, HLT};
	bf_put(at + 11, tail, sizeof tail);
	BF_CODE(at + REMAP_F, 0x48, 0x89, 0x03, RET);
}

static void test_store_into_own_pte_while_recorded(void **state)
{
	(void)state;
	put_remap_code(REMAP_C, 0x11);
	put_remap_code(REMAP_D, 0x55);
	fk.v.rip = REMAP_C;
	fk.v.gpr[VCPU_RBX] = REMAP_PT + (REMAP_C >> PAGE_SHIFT) * sizeof(u64);
	/* A preset: a block's fetch on the linear page it is on already does not walk again, so it
	 * would not set A in the new PTE as the model's fresh walk does (a gap of block_fetch and
	 * replay's fetch marks alike, older than the window) */
	fk.v.gpr[VCPU_RAX] = REMAP_D | BF_PTE_PRESENT | PTE_A;
	struct bf_outcome off, on;
	bf_run_both(100, &off, &on);
	assert_int_equal(fk.v.end_code, 0x2a);
	assert_int_equal(bf_rec.n, 2);
	assert_int_equal(bf_rec.ev[1].val, 0x55);
	assert_true(on.bstats.recordings >= 1);
	assert_true(on.exits < off.exits);
}

/*
 * The replay's fetch memo (replay.c fetch_memo): a code page fetched once in an exit is not
 * walked again while the translation cache's generation holds. A block whose callee clears
 * the accessed flag of the caller's code page (a store into its PTE, which drops the cache)
 * must set it again on the return, as the processor model's fresh walk per fetch does.
 * The block reads the PTE back and writes its low byte to the port: the guest sees the flag.
 * X (loop): mov edx, BF_PORT; out dx, al; call F1; call F2; mov rax, [rbx]; out dx, al; mov edx,
 * BF_PORT+1; outsb (a string IO ends every block); dec ecx; jnz loop; then mov al, 0x2a;
 * out 0xf4, al; hlt. Y (X + 0x1000): F1: ret; F2: mov [rbx], rdi
 * (X's PTE := present, A and D clear); ret. The loop's rounds make a followed block replayed
 * many times, each round's return fetching X anew after the drop.
 */
#define MEMO_X 0x34000ULL
#define MEMO_Y (MEMO_X + PAGE_SIZE)
#define MEMO_ROUNDS 40
static void test_fetch_after_own_pte_store(void **state)
{
	(void)state;
	BF_CODE(MEMO_X, 0xb9, MEMO_ROUNDS, 0, 0, 0, 0xba, BF_PORT & 0xff, BF_PORT >> 8, 0, 0, OUT_DX);
	put_call(MEMO_X + 11, MEMO_Y);
	put_call(MEMO_X + 16, MEMO_Y + 1);
	BF_CODE(MEMO_X + 21, 0x48, 0x8b, 0x03, OUT_DX, 0xba, (BF_PORT + 1) & 0xff, (BF_PORT + 1) >> 8, 0, 0, 0x6e, 0xff,
	        0xc9, 0x75, (u8)(i8)(5 - 35), 0xb0, 0x2a, 0xe6, 0xf4, HLT);
	BF_CODE(MEMO_Y, RET, 0x48, 0x89, 0x3b, RET);
	fk.v.rip = MEMO_X;
	fk.v.gpr[VCPU_RBX] = REMAP_PT + (MEMO_X >> PAGE_SHIFT) * sizeof(u64);
	fk.v.gpr[VCPU_RDI] = MEMO_X | BF_PTE_PRESENT;
	fk.v.gpr[VCPU_RSI] = 0x6000;
	struct bf_outcome off, on;
	bf_run_both(20000, &off, &on); /* RAM compared: the PTE's accessed flag */
	assert_int_equal(fk.v.end_code, 0x2a);
	/* three IO instructions a round; the second writes the PTE as read back: its accessed flag
	 * set again by the return's fetch (bf_run_both compares the rest with block IO off) */
	assert_int_equal(bf_rec.n, 3 * MEMO_ROUNDS);
	for (u32 k = 0; k < MEMO_ROUNDS; k++)
		assert_true(bf_rec.ev[3 * k + 1].val & PTE_A);
	assert_true(on.bstats.followed >= MEMO_ROUNDS / 4); /* replayed, not only recorded */
	assert_true(on.exits < off.exits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_three_callers_keep_three_paths),
		T(test_switch_checks_the_other_path),
		T(test_long_blocks),
		T(test_cut_single_is_recorded_again),
		T(test_store_into_own_pte_while_recorded),
		T(test_fetch_after_own_pte_store),
	};
	return UNIT_RUN(tests);
}
