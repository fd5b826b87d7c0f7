/*
 * Block IO against a hostile guest (issue 12): what a guest may do to tell block mode from one
 * exit per IO instruction (DESIGN.md section 3). Each test is the one that would have caught a
 * defect the hostile-guest suite found; the defect's number is in its comment.
 */
#include "block_dispatch_fixture.h"
#include "dispatcher/blockio/replay.h"
#include "dispatcher/blockio/table.h"

#define IN_DX 0xec
#define OUT_DX_AX 0x66, 0xef
#define OUT_IMM 0xe6

/* ---- defect 2: the instruction the processor executed is the one emulated ---- */

/* The exit reports `q` (len bytes) for the instruction at RIP; the block path must leave it. */
static void expect_left_to_one_exit_path(u64 q, u32 len)
{
	fk.v.exit = (struct vcpu_exit){.reason = EXIT_REASON_IO_INSTRUCTION, .qual = q, .instr_len = len};
	struct vcpu before = fk.v;
	assert_false(handle_io_block(&fk.d, V));
	assert_nothing_done(&before);
}

#define Q_IN (1ULL << 3)
#define Q_STRING (1ULL << 4)
#define Q_REP (1ULL << 5)
#define Q_IMM (1ULL << 6)
#define Q_PORT(p) ((u64)(p) << 16)

/* The guest rewrote the PTE of its code page without INVLPG: the processor executed OUT DX,AL
 * through its TLB, the page tables now map IN AL,DX there. Before the fix the block path
 * decoded and emulated the IN (a port read the guest never made, AL changed). */
static void test_stale_tlb_in_is_not_emulated_for_an_out(void **state)
{
	BF_CODE(FAKE_RIP, IN_DX, INC_AL, OUT_DX, HLT);
	fake_exit(EXIT_REASON_IO_INSTRUCTION, Q_PORT(BF_PORT), 1); /* out dx, al */
	dispatch_exit(&fk.d, V);
	assert_int_equal(bf_rec.n, 1);
	assert_false(bf_rec.ev[0].in);
	assert_int_equal(bf_rec.ev[0].val, 0x7f);
	assert_int_equal(fk.v.gpr[VCPU_RAX], 0x7f);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
	assert_int_equal(fk.d.stats.io_instructions, 1);
}

/* Any field that differs sends the exit to the one-exit path: direction, port, size, string,
 * REP, immediate form, length. On a miss and on a table hit alike. */
static void test_every_qualification_field_is_compared(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	const u64 good = Q_PORT(BF_PORT);
	expect_left_to_one_exit_path(good | Q_IN, 1);
	expect_left_to_one_exit_path(Q_PORT(BF_PORT + 1), 1);
	expect_left_to_one_exit_path(good | 1, 1); /* a word */
	expect_left_to_one_exit_path(good | Q_STRING, 1);
	expect_left_to_one_exit_path(good | Q_STRING | Q_REP, 2);
	expect_left_to_one_exit_path(good | Q_IMM, 1);
	expect_left_to_one_exit_path(good, 2);
	/* the real exit runs the block, and puts it in the table */
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x80);
	fk.v.rip = FAKE_RIP;
	bf_rec.n = 0;
	fk.d.stats.io_exits = fk.d.stats.io_instructions = 0;
	fk.d.blockio.stats.runs = 0;
	expect_left_to_one_exit_path(good | Q_IN, 1);
	expect_left_to_one_exit_path(Q_PORT(0x80) | Q_IMM, 2);
	assert_true(dispatch());
	assert_int_equal(fk.d.blockio.stats.runs, 1);
	assert_int_equal(fk.d.blockio.stats.misses, 1); /* the first mismatch scanned it */
}

/* The immediate and word forms match their own exits. */
static void test_imm_and_word_forms_match(void **state)
{
	BF_CODE(FAKE_RIP, OUT_IMM, 0x80, INC_AL, OUT_DX_AX, HLT);
	assert_true(dispatch());
	assert_int_equal(bf_rec.n, 1); /* port 0x80 is not the recorder's */
	assert_int_equal(bf_rec.ev[0].size, 2);
	assert_int_equal(fk.v.rip, FAKE_RIP + 6);
}

/* A followed block (64-bit code, a call between the IO instructions) checks it too. */
static void test_followed_block_checks_the_exit(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.v.gpr[VCPU_RSP] = 0x8000;
	/* out dx,al; call +1; hlt; (f:) inc al; out dx,al; ret */
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 1, 0, 0, 0, HLT, INC_AL, OUT_DX, 0xc3);
	expect_left_to_one_exit_path(Q_PORT(BF_PORT) | Q_IN, 1);
	struct bf_outcome on;
	bf_run_both(16, NULL, &on);
	assert_true(on.bstats.followed >= 1);
	fk.v.rip = FAKE_RIP;
	fk.v.gpr[VCPU_RSP] = 0x8000;
	bf_rec.n = 0;
	fk.d.stats.io_exits = fk.d.stats.io_instructions = 0;
	fk.d.blockio.stats.runs = 0;
	expect_left_to_one_exit_path(Q_PORT(BF_PORT) | Q_IN, 1); /* a hit on the recorded block */
}

/* ---- defect 1: an interrupt an IO instruction makes deliverable is taken right after it ---- */

/* The interrupt controller as a device write makes it request: pending once 0x80 was written
 * (standing in for a PIC unmask or a UART IER write). */
static bool irq_after_0x80(void *ctx)
{
	(void)ctx;
	for (u32 i = 0; i < bf_rec.n; i++)
		if (!bf_rec.ev[i].in && bf_rec.ev[i].val == 0x80)
			return true;
	return false;
}

/* With IF = 1 the one-exit path injects the interrupt at the entry after the OUT that made it
 * pending, so its handler runs before the next OUT. Before the fix the block ran on and wrote
 * 0x81 first. */
static void test_block_ends_when_an_interrupt_becomes_deliverable(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.irq_pending = irq_after_0x80;
	assert_true(fk.v.rflags & RFLAGS_IF);
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 4);
	assert_int_equal(fk.d.blockio.stats.early_ends, 1);
}

/* With IF = 0 nothing is deliverable: the block runs to its end. */
static void test_block_runs_on_with_interrupts_disabled(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.irq_pending = irq_after_0x80;
	fk.v.rflags &= ~RFLAGS_IF;
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x80, 0x81);
	assert_int_equal(fk.v.rip, FAKE_RIP + 7);
}

/* An interrupt already requested (held only by the STI shadow the exiting OUT was in, or raised
 * by a timer at this exit) is taken after the first instruction: the block ends there. */
static void test_pending_interrupt_ends_block_after_first_io(void **state)
{
	BF_CODE(FAKE_RIP, OUT_DX, INC_AL, OUT_DX, HLT);
	fk.d.blockio.irq_pending = irq_after_0x80;
	fk.v.gpr[VCPU_RAX] = 0x80;
	assert_true(dispatch());
	ASSERT_WRITES(0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 1);
}

/* Followed blocks (64-bit code through a call) end the same way, recording and replaying. */
static void test_followed_block_ends_when_an_interrupt_becomes_deliverable(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.d.blockio.irq_pending = irq_after_0x80;
	fk.v.gpr[VCPU_RSP] = 0x8000;
	/* out dx,al; call +1; hlt; (f:) inc al; out dx,al; inc al; out dx,al; ret */
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 1, 0, 0, 0, HLT, INC_AL, OUT_DX, INC_AL, OUT_DX, 0xc3);
	assert_true(dispatch());
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 10);
}

/* ---- defect 3: every store is checked with the translation it is made with ---- */

/* fake_vcpu.c's tables: PT0 and PT1 (0x303000, 0x304000) hold the 1024 PTEs of the identity map,
 * so linear page 0x304000 (PT1 itself) holds its own PTE at 0x304820. */
#define SELF_PAGE 0x304000ULL
#define SELF_PTE (SELF_PAGE + 0x304 * 8 - 0x1000)

/*
 * The block's first store rewrites the PTE of the page its second store goes to, mapping it onto
 * the block's own code; the second store then patches the INC AL the block is about to run.
 * The one-exit reference walks afresh for each store and runs the patched bytes. Before the fix
 * the block checked the second store with the translation cached before the first, saw no
 * write into its code, and ran the stale INC AL (AL 0x80 instead of 0x7f at the second OUT).
 */
static void test_store_after_pte_rewrite_sees_new_translation(void **state)
{
	fake_mode_long64();
	assert_int_equal(SELF_PTE, 0x304820);
	BF_CODE(FAKE_RIP, OUT_DX, 0x48, 0x89, 0x0b,       /* out dx,al; mov [rbx],rcx */
	        0x66, 0xc7, 0x06, 0x90, 0x90,               /* mov word [rsi], 0x9090 */
	        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,   /* nop x7: to FAKE_RIP + 0x10 */
	        INC_AL, OUT_DX, HLT);
	fk.v.gpr[VCPU_RBX] = SELF_PTE;
	fk.v.gpr[VCPU_RCX] = FAKE_RIP | BF_PTE_PRESENT;
	fk.v.gpr[VCPU_RSI] = SELF_PAGE + 0x10;
	struct bf_outcome off, on;
	bf_run_both(32, &off, &on);
	ASSERT_WRITES(0x7f, 0x7f);
	assert_int_equal(fk.ram[FAKE_RIP + 0x10], 0x90);
}

/* ---- defect 4: code fetches inside a block set the accessed flags ---- */


/*
 * A followed block jumps into a page of code that only the block runs (out; jmp far; inc; jmp
 * back; out; hlt). The processor's fetches set the accessed flag of that page's PTE (SDM Vol. 3A
 * 5.8); the block must too: the reference sets it on each fetch (bf_cpu_step). Before the fix
 * the recorder and the replay fetched with gmem_peek and left A = 0.
 */
static void test_followed_block_sets_accessed_flag_on_fetch(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	const u64 far = 0x5000;
	BF_CODE(FAKE_RIP, OUT_DX, 0xe9, 0xfa, 0x3f, 0, 0, OUT_DX, HLT); /* jmp FAKE_RIP+6+0x3ffa */
	BF_CODE(far, INC_AL, 0xe9, 0xff, 0xbf, 0xff, 0xff);               /* jmp far+7-0x4001 */
	bf_set_pte(far, far | BF_PTE_PRESENT);
	struct bf_outcome off, on;
	bf_run_both(32, &off, &on);
	ASSERT_WRITES(0x7f, 0x80);
	assert_true(on.bstats.followed >= 1 || on.bstats.runs >= 1);
	assert_int_equal(on.exits, 1); /* the far page ran inside the block only */
	u64 pte;
	memcpy(&pte, fk.ram + FAKE_PT_BASE + 0x3000 + (far >> 12) * 8, 8);
	assert_true(pte & PTE_A);
}

/* ---- the IN and OUT forms of a replayed followed block (replay.c) ---- */

/* An exit at the IO instruction at RIP through dispatch_exit, which attaches the per-exit
 * translation cache: the replay runs its direct forms (handle_io_block alone runs none). */
static void exit_at_rip(void)
{
	bf_io_exit(V);
	fk.v.pending_dbg = 0;
	dispatch_exit(&fk.d, V);
}

/* The kind of the direct form of instruction i of the followed block at FAKE_RIP. */
static u8 form_of(u32 i)
{
	const struct block *b = table_lookup(&fk.d.blockio.table, FAKE_RIP, CPU_MODE_64);
	assert_non_null(b);
	assert_true(b->followed && i < b->ninsns);
	return REPLAY_KIND(b->rp[i].kind);
}

static bool irq_armed;
static bool irq_armed_after_0x80(void *ctx) { return irq_armed && irq_after_0x80(ctx); }

/*
 * The block's middle OUT runs through its direct form on a replay (the bus called from the
 * form): once it makes an interrupt deliverable the block ends right after it, as after an IO
 * instruction the general path runs. Recorded with no interrupt, replayed with one.
 */
static void test_replayed_out_form_ends_block_for_an_interrupt(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	fk.d.blockio.irq_pending = irq_armed_after_0x80;
	irq_armed = false;
	fk.v.rflags |= RFLAGS_IF;
	/* out dx,al; call +1; hlt; (f:) inc al; out dx,al; inc al; out dx,al; ret */
	BF_CODE(FAKE_RIP, OUT_DX, 0xe8, 1, 0, 0, 0, HLT, INC_AL, OUT_DX, INC_AL, OUT_DX, 0xc3);
	fk.v.gpr[VCPU_RSP] = 0x8000;
	fk.v.gpr[VCPU_RAX] = 0x70;
	exit_at_rip(); /* records */
	ASSERT_WRITES(0x70, 0x71, 0x72);
	assert_int_equal(form_of(3), REPLAY_OUT);
	u64 hits = fk.d.blockio.stats.hits;
	fk.v.rip = FAKE_RIP;
	fk.v.gpr[VCPU_RSP] = 0x8000;
	fk.v.gpr[VCPU_RAX] = 0x7f;
	bf_rec.n = 0;
	irq_armed = true;
	exit_at_rip(); /* replays: the OUT of 0x80 makes the interrupt deliverable */
	assert_int_equal(fk.d.blockio.stats.hits, hits + 1);
	ASSERT_WRITES(0x7f, 0x80);
	assert_int_equal(fk.v.rip, FAKE_RIP + 10);
}

/*
 * IO permission changed between the recording (CPL 3, IOPL 3) and a replay (IOPL 0: the exit
 * came through the TSS bitmap, which a block cannot read): the block ends before its second IO
 * instruction, and its form fetches nothing there. The OUT is the first instruction of another
 * code page, whose accessed flag the guest cleared: it stays clear, as the general path leaves
 * it (the one-exit path runs that OUT natively).
 */
static void test_replay_without_io_permission_stops_before_the_form(void **state)
{
	fake_mode_long64();
	fk.d.blockio.cfg.follow = true;
	const u64 far = 0x5000;
	i32 to_far = (i32)(far - (FAKE_RIP + 6)), back = (i32)((FAKE_RIP + 6) - (far + 6));
	u8 code[] = {OUT_DX, 0xe9, (u8)to_far, (u8)(to_far >> 8), (u8)(to_far >> 16), (u8)(to_far >> 24), OUT_DX, HLT};
	u8 far_code[] = {OUT_DX, 0xe9, (u8)back, (u8)(back >> 8), (u8)(back >> 16), (u8)(back >> 24)};
	bf_put(FAKE_RIP, code, sizeof code);
	bf_put(far, far_code, sizeof far_code);
	bf_set_pte(far, far | BF_PTE_PRESENT);
	fk.v.cpl = 3;
	fk.v.rflags |= IOPL3;
	fk.v.gpr[VCPU_RAX] = 0x10;
	exit_at_rip(); /* records at IOPL 3 */
	ASSERT_WRITES(0x10, 0x10, 0x10);
	assert_int_equal(form_of(2), REPLAY_OUT);
	u64 hits = fk.d.blockio.stats.hits;
	fk.v.rip = FAKE_RIP;
	fk.v.rflags &= ~IOPL3;
	bf_set_pte(far, far | BF_PTE_PRESENT); /* accessed flag clear */
	bf_rec.n = 0;
	exit_at_rip();
	assert_int_equal(fk.d.blockio.stats.hits, hits + 1);
	ASSERT_WRITES(0x10);
	assert_int_equal(fk.v.rip, far);
	u64 pte;
	memcpy(&pte, fk.ram + FAKE_PT_BASE + 0x3000 + (far >> 12) * 8, 8);
	assert_false(pte & PTE_A);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, bf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stale_tlb_in_is_not_emulated_for_an_out),
		T(test_every_qualification_field_is_compared),
		T(test_imm_and_word_forms_match),
		T(test_followed_block_checks_the_exit),
		T(test_block_ends_when_an_interrupt_becomes_deliverable),
		T(test_block_runs_on_with_interrupts_disabled),
		T(test_pending_interrupt_ends_block_after_first_io),
		T(test_followed_block_ends_when_an_interrupt_becomes_deliverable),
		T(test_store_after_pte_rewrite_sees_new_translation),
		T(test_followed_block_sets_accessed_flag_on_fetch),
		T(test_replayed_out_form_ends_block_for_an_interrupt),
		T(test_replay_without_io_permission_stops_before_the_form),
	};
	return UNIT_RUN(tests);
}
