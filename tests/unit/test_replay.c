/*
 * dispatcher/blockio/replay.c, the direct replay forms of followed blocks, against the general
 * interpreter: random 64-bit states (registers, RSP near and across page ends, CPL 0 and 3,
 * CR0.AM/WP and RFLAGS.AC, random PTE rights on the stack and data pages, canonical and
 * non-canonical targets), random earlier accesses in the same exit (which fill the per-exit
 * translation cache and make the direct path possible) and random page-table edits between
 * exits. Every case runs twice from the same state: interp_exec without the cache, and the
 * direct form (or, where it declines, interp_exec) with it; registers, RIP, dirty bits, the
 * pages touched and the paging structures' accessed/dirty flags must be identical.
 */
#include "unit.h"

#include <string.h>

#include "fake_block.h"
#include "replay_gen.h"
#include "dispatcher/blockio/block_run.h"
#include "dispatcher/blockio/replay.h"
#include "dispatcher/vcpu/gmem_tlb.h"

#define SNAP_LO 0x0ULL /* from page 0: a register loaded from a page table may point anywhere low */
/* the memory restored between the two runs and compared: accesses may cross into the page
 * above the data page, and an address made of loaded values may point anywhere; the pages
 * above SNAP_HI are unmapped */
#define SNAP_HI 0x10000ULL
#define TABLE_PAGES 5 /* PML4, PDPT, PD, PT0, PT1 */
#define CASES 6000
#define SEQ 3 /* instructions a case runs in one exit */

static struct gmem_tlb tlb;
static u8 snap_mem[SNAP_HI - SNAP_LO], snap_tab[TABLE_PAGES * PAGE_SIZE];

static void save(u8 *mem, u8 *tab)
{
	memcpy(mem, fk.ram + SNAP_LO, sizeof snap_mem);
	memcpy(tab, fk.ram + FAKE_PT_BASE, sizeof snap_tab);
}

static void restore(void)
{
	memcpy(fk.ram + SNAP_LO, snap_mem, sizeof snap_mem);
	memcpy(fk.ram + FAKE_PT_BASE, snap_tab, sizeof snap_tab);
}

/* The port accesses of one run: what each IN returned, what each OUT wrote. */
struct port_event {
	bool in;
	u16 port;
	u8 size;
	u32 val;
};
struct port_log {
	u32 n;
	struct port_event ev[SEQ];
};
static u32 log_in(void *ctx, u16 port, u8 size)
{
	struct port_log *l = ctx;
	u32 val = (0x9e3779b9u * (port + 1u)) ^ (0x01000193u * (l->n + size)); /* all 32 bits: IN keeps only its size */
	if (l->n < SEQ)
		l->ev[l->n++] = (struct port_event){true, port, size, val};
	return val;
}
static void log_out(void *ctx, u16 port, u8 size, u32 val)
{
	struct port_log *l = ctx;
	if (l->n < SEQ)
		l->ev[l->n++] = (struct port_event){false, port, size, val};
}

/* A pointer into the stack or data pages, near their ends now and then, or anything. */
static u64 gen_ptr(u64 *seed)
{
	switch (unit_below(seed, 8)) {
	case 0: return unit_rand(seed);
	case 1: return STACK_PAGE + unit_below(seed, 16) - 8; /* across LOW_PAGE / STACK_PAGE */
	case 2: return DATA_PAGE + PAGE_SIZE - unit_below(seed, 12);
	default: return (unit_below(seed, 2) ? STACK_PAGE : DATA_PAGE) + (unit_below(seed, PAGE_SIZE) & ~7ULL) +
	                (unit_below(seed, 4) ? 0 : unit_below(seed, 8));
	}
}

static u64 gen_pte(u64 *seed, u64 page)
{
	u64 f = PTE_P | PTE_RW | PTE_US;
	if (unit_below(seed, 5) == 0)
		f &= ~(1ULL << unit_below(seed, 3));
	return page | f;
}

/* Earlier accesses of this exit, through gmem as interp_exec makes them: loads, and the read
 * of a read-modify-write (write access, flags as for a write, nothing stored). */
struct warm {
	u32 n;
	u64 lin[3];
	bool write[3];
};

static void do_warm(const struct warm *w)
{
	for (u32 i = 0; i < w->n; i++) {
		u64 x = 0x5a5a;
		gmem_read(&fk.v, w->lin[i], &x, 8, w->write[i] ? VCPU_WRITE : VCPU_READ, fk.v.cpl == 3, 0);
		fk.v.gpr[VCPU_R15] ^= x; /* what it saw goes into the state compared */
	}
}

/* Which part of the state two runs left differently, and the instructions, for a failure. */
static void print_diff(const struct vcpu *a, const struct vcpu *b, u8 bytes[][16], const struct insn *seq)
{
	for (u32 k = 0; k < SEQ; k++) {
		print_message("  insn %u (%s):", k, insn_kind_name(seq[k].kind));
		for (u32 j = 0; j < seq[k].length; j++)
			print_message(" %02x", bytes[k][j]);
		print_message("\n");
	}
	for (u32 r = 0; r < VCPU_NREGS; r++)
		if (a->gpr[r] != b->gpr[r])
			print_message("  gpr %u: 0x%llx / 0x%llx\n", r, (unsigned long long)a->gpr[r],
			              (unsigned long long)b->gpr[r]);
	print_message("  rflags 0x%llx / 0x%llx, dirty 0x%x / 0x%x\n", (unsigned long long)a->rflags,
	              (unsigned long long)b->rflags, a->dirty, b->dirty);
}

/* The forms that may take their memory operand from the op (REPLAY_F_BD) or the decoded form. */
static bool mem_form(u8 k)
{
	return k == REPLAY_LOAD || k == REPLAY_STORE || k == REPLAY_STORE_IMM || k == REPLAY_ALU || k == REPLAY_LEA;
}

static void test_replay_matches_interp(void **state)
{
	(void)state;
	u64 seed = 77;
	u32 done = 0, slow = 0, done_kind[REPLAY_KINDS] = {0};
	u32 done_mem[2] = {0}; /* memory forms run with the operand from the decoded form, from the op */
	u64 drops = 0;
	struct port_log log_a, log_b;
	struct interp_io io_a = {&log_a, log_in, log_out}, io_b = {&log_b, log_in, log_out};
	/* everything above the compared range unmapped: an access there faults in both runs (an
	 * address a random register or a loaded value makes may point anywhere) */
	fake_mode_long64();
	for (u64 page = SNAP_HI; page < FAKE_RAM_SIZE; page += PAGE_SIZE)
		bf_set_pte(page, 0);
	for (u32 c = 0; c < CASES; c++) {
		u8 bytes[SEQ][16];
		struct insn seq[SEQ];
		for (u32 k = 0; k < SEQ; k++) {
			u32 len = replay_gen_insn(&seed, bytes[k]);
			assert_int_equal(decode_insn(bytes[k], len, CPU_MODE_64, &seq[k]), DECODE_OK);
		}
		const struct insn in = seq[0]; /* the one the page-table alias aims at */
		fake_mode_long64();
		fk.v.tlb = 0;
		for (u32 r = 0; r < VCPU_NREGS; r++)
			fk.v.gpr[r] = gen_ptr(&seed);
		fk.v.rip = unit_below(&seed, 16) ? FAKE_RIP : 0x00007ffffffffff0ULL - unit_below(&seed, 8) * 0x100000;
		fk.v.cpl = unit_below(&seed, 3) == 0 ? 3 : 0;
		fk.v.cr0 = (fk.v.cr0 & ~(CR0_AM | CR0_WP)) | (unit_below(&seed, 2) ? CR0_AM : 0) |
		           (unit_below(&seed, 2) ? CR0_WP : 0);
		fk.v.rflags = 0x2 | (unit_below(&seed, 2) ? RFLAGS_AC : 0) | (unit_rand(&seed) & RFLAGS_STATUS);
		fk.v.seg[VCPU_FS].base = unit_below(&seed, 2) ? 0 : 0x1000;
		fk.v.dirty = 0;
		bf_set_pte(LOW_PAGE, gen_pte(&seed, LOW_PAGE));
		bf_set_pte(STACK_PAGE, gen_pte(&seed, STACK_PAGE));
		bf_set_pte(DATA_PAGE, gen_pte(&seed, DATA_PAGE));
		for (u64 a = SNAP_LO; a < SNAP_HI; a += 8) {
			u64 x = unit_below(&seed, 4) ? gen_ptr(&seed) : unit_rand(&seed);
			memcpy(fk.ram + a, &x, 8);
		}
		struct warm w = {.n = (u32)unit_below(&seed, 4)};
		for (u32 i = 0; i < w.n; i++) {
			w.lin[i] = unit_below(&seed, 2) ? fk.v.gpr[VCPU_RSP] - 8 * unit_below(&seed, 2) : gen_ptr(&seed);
			w.write[i] = unit_below(&seed, 2);
		}
		/* now and then LOW_PAGE maps the page table of all these pages, and the instruction's
		 * store lands on the PTE of the stack or data page, whose walks are cached: later
		 * accesses of the exit (post) must see the new entry */
		bool alias = unit_below(&seed, 4) == 0;
		struct warm post = {.n = 2, .lin = {STACK_PAGE + 0x100, DATA_PAGE + 0x100}};
		if (alias) {
			bf_set_pte(LOW_PAGE, (FAKE_PT_BASE + 3 * PAGE_SIZE) | PTE_P | PTE_RW | PTE_US);
			u64 pte_lin = LOW_PAGE + 8 * (unit_below(&seed, 2) ? STACK_PAGE : DATA_PAGE) / PAGE_SIZE;
			u64 at = in.op[0].type == OPND_MEM && in.mem.base != INSN_REG_RIP ? pte_lin - (u64)in.mem.disp
			                                                                : DATA_PAGE + 0x100;
			for (u32 r = 0; r < VCPU_NREGS; r++)
				fk.v.gpr[r] = at;
			fk.v.gpr[VCPU_RSP] = pte_lin + 8;
			w.n = 3;
			w.lin[0] = pte_lin;
			w.write[0] = true;
			w.lin[1] = STACK_PAGE + 0x100;
			w.lin[2] = DATA_PAGE + 0x100;
			w.write[1] = w.write[2] = unit_below(&seed, 2);
		}
		bool edit = unit_below(&seed, 4) == 0; /* the guest ran between: a PTE changed */
		u64 edit_page = unit_below(&seed, 2) ? STACK_PAGE : DATA_PAGE, edit_pte = gen_pte(&seed, edit_page);
		u64 drops0 = tlb.drops;
		struct vcpu v0 = fk.v;
		save(snap_mem, snap_tab);
		log_a.n = log_b.n = 0;

		/* the general interpreter, no cache */
		do_warm(&w);
		if (edit)
			bf_set_pte(edit_page, edit_pte);
		struct interp_result res;
		int ra[SEQ], rb[SEQ];
		for (u32 k = 0; k < SEQ; k++) /* a run stops at the first instruction that cannot run */
			ra[k] = k && ra[k - 1] != INTERP_OK ? INTERP_STOP : interp_exec(&fk.v, &seq[k], &io_a, &res);
		do_warm(&post);
		struct vcpu va = fk.v;
		static u8 mem_a[sizeof snap_mem], tab_a[sizeof snap_tab];
		save(mem_a, tab_a);

		/* the direct form with the cache */
		restore();
		fk.v = v0;
		gmem_tlb_begin(&tlb, &fk.v);
		do_warm(&w);
		if (edit) {
			gmem_tlb_end(&fk.v);
			bf_set_pte(edit_page, edit_pte);
			gmem_tlb_begin(&tlb, &fk.v);
		}
		struct block_pages pg;
		block_pages_reset(&pg);
		bool code_in_data = unit_below(&seed, 8) == 0;
		if (code_in_data)
			block_pages_add(&pg, DATA_PAGE); /* the data page holds the block's code */
		struct replay_ctx rc;
		replay_begin(&rc, &fk.v);
		replay_io(&rc, &fk.d.blockio, io_b, true); /* IN and OUT run directly, as in a block at CPL <= IOPL */
		for (u32 k = 0; k < SEQ; k++) {
			if (k && rb[k - 1] != REPLAY_DONE) {
				rb[k] = REPLAY_SLOW;
				continue;
			}
			struct replay_op op;
			replay_prepare(&seq[k], &op);
			static u8 data_before[PAGE_SIZE];
			memcpy(data_before, fk.ram + DATA_PAGE, PAGE_SIZE);
			rb[k] = op.kind == REPLAY_NONE ? REPLAY_SLOW : replay_exec(&fk.v, &rc, &op, &seq[k], &pg);
			if (rb[k] == REPLAY_DONE) {
				done++;
				done_kind[op.kind]++;
				if (mem_form(op.kind))
					done_mem[(op.flags & REPLAY_F_BD) != 0]++;
				/* never a direct store into the block's code: the general path ends the block */
				if (code_in_data && memcmp(fk.ram + DATA_PAGE, data_before, PAGE_SIZE))
					fail_msg("case %u: a direct store into a code page", c);
			} else {
				slow++;
				replay_flush(&fk.v, &rc); /* the general path reads RFLAGS */
				rb[k] = interp_exec(&fk.v, &seq[k], &io_b, &res) == INTERP_OK ? REPLAY_DONE : REPLAY_SLOW;
			}
		}
		replay_flush(&fk.v, &rc);
		do_warm(&post);
		gmem_tlb_end(&fk.v);
		drops += tlb.drops - drops0;
		for (u32 k = 0; k < SEQ; k++)
			if ((ra[k] == INTERP_OK) != (rb[k] == REPLAY_DONE))
				fail_msg("case %u, instruction %u (%02x %02x %02x): interp %d, replay %d", c, k, bytes[k][0],
				         bytes[k][1], bytes[k][2], ra[k], rb[k]);
		if (memcmp(&va, &fk.v, sizeof va))
			print_diff(&va, &fk.v, bytes, seq);
		if (memcmp(&va, &fk.v, sizeof va))
			fail_msg("case %u (%02x %02x %02x): rip 0x%llx/0x%llx rsp 0x%llx/0x%llx", c,
			         bytes[0][0], bytes[0][1], bytes[0][2], (unsigned long long)va.rip,
			         (unsigned long long)fk.v.rip, (unsigned long long)va.gpr[VCPU_RSP],
			         (unsigned long long)fk.v.gpr[VCPU_RSP]);
		assert_memory_equal(mem_a, fk.ram + SNAP_LO, sizeof mem_a);
		assert_memory_equal(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);
		/* the same port accesses, in the same order, with the same values */
		assert_int_equal(log_a.n, log_b.n);
		for (u32 k = 0; k < log_a.n; k++) {
			const struct port_event *ea = &log_a.ev[k], *eb = &log_b.ev[k];
			if (ea->in != eb->in || ea->port != eb->port || ea->size != eb->size || ea->val != eb->val)
				fail_msg("case %u: port access %u differs", c, k);
		}
		restore();
	}
	/* both paths are exercised, and stores that drop the cache */
	assert_true(drops > CASES / 50);
	assert_true(done > CASES / 10);
	assert_true(slow > CASES / 10);
	for (u32 k = REPLAY_NONE + 1; k < REPLAY_KINDS; k++) /* every direct form ran */
		if (done_kind[k] < 10)
			fail_msg("form %u ran %u times", k, done_kind[k]);
	/* both ways of finding a memory operand: the op's base + disp (REPLAY_F_BD) and the
	 * decoded form's (an index, RIP, FS/GS, a wider displacement) */
	assert_true(done_mem[0] >= 10 && done_mem[1] >= 10);
}

/*
 * The run's second write page (replay_ctx w2page) keeps its own paging-structure check state.
 * X = LOW_PAGE maps the page table of 2-4 MiB (PT1), Y is the stack page, F = 2 MiB is mapped
 * by PT1's first entry. mov [rbx], rax (X, F's PTE rewritten unchanged: no cached walk uses PT1
 * yet, so nothing is dropped); mov rcx, [rdx] (F: its walk adds PT1 to the cache's frames);
 * push rsi (Y: X becomes the second write page); mov rax, rdi; mov [rbx], rax (X again: F's PTE
 * now maps G; X's check state is older than PT1's frame, so the store drops the cache);
 * mov rcx, [rdx] (F walked again: G's value). All six run directly, against the interpreter
 * without the cache.
 */
#define W2_F 0x200000ULL
#define W2_G 0x201000ULL
#define W2_PT1 (FAKE_PT_BASE + 4 * PAGE_SIZE)
static void test_second_write_page_checks_its_store(void **state)
{
	(void)state;
	static const u8 code[][3] = {{0x48, 0x89, 0x03}, {0x48, 0x8b, 0x0a}, {0x56}, {0x48, 0x89, 0xf8},
	                             {0x48, 0x89, 0x03}, {0x48, 0x8b, 0x0a}};
	static const u8 lens[] = {3, 3, 1, 3, 3, 3};
	enum { N = 6 };
	struct insn seq[N];
	for (u32 k = 0; k < N; k++)
		assert_int_equal(decode_insn(code[k], lens[k], CPU_MODE_64, &seq[k]), DECODE_OK);
	fake_mode_long64();
	fk.v.tlb = 0;
	fk.v.rip = FAKE_RIP;
	bf_set_pte(LOW_PAGE, W2_PT1 | PTE_P | PTE_RW | PTE_US);
	bf_set_pte(STACK_PAGE, STACK_PAGE | PTE_P | PTE_RW | PTE_US);
	u64 fa = 0x1111, fb = 0x2222, pte_f;
	memcpy(fk.ram + W2_F, &fa, 8);
	memcpy(fk.ram + W2_G, &fb, 8);
	memcpy(&pte_f, fk.ram + W2_PT1, 8);
	fk.v.gpr[VCPU_RBX] = LOW_PAGE;
	fk.v.gpr[VCPU_RAX] = pte_f;
	fk.v.gpr[VCPU_RDX] = W2_F;
	fk.v.gpr[VCPU_RSP] = STACK_PAGE + 0x800;
	fk.v.gpr[VCPU_RDI] = W2_G | PTE_P | PTE_RW | PTE_US;
	struct vcpu v0 = fk.v;
	save(snap_mem, snap_tab);
	struct interp_io no_io = {0};
	struct interp_result res;
	for (u32 k = 0; k < N; k++)
		assert_int_equal(interp_exec(&fk.v, &seq[k], &no_io, &res), INTERP_OK);
	assert_int_equal(fk.v.gpr[VCPU_RCX], fb);
	struct vcpu va = fk.v;
	static u8 tab_a[sizeof snap_tab];
	memcpy(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);

	restore();
	fk.v = v0;
	gmem_tlb_begin(&tlb, &fk.v);
	struct block_pages pg;
	block_pages_reset(&pg);
	struct replay_ctx rc;
	replay_begin(&rc, &fk.v);
	for (u32 k = 0; k < N; k++) {
		struct replay_op op;
		replay_prepare(&seq[k], &op);
		assert_int_equal(replay_exec(&fk.v, &rc, &op, &seq[k], &pg), REPLAY_DONE);
	}
	replay_flush(&fk.v, &rc);
	gmem_tlb_end(&fk.v);
	fk.v.tlb = va.tlb;
	assert_int_equal(fk.v.gpr[VCPU_RCX], fb);
	assert_memory_equal(&va, &fk.v, sizeof va);
	assert_memory_equal(tab_a, fk.ram + FAKE_PT_BASE, sizeof tab_a);
	restore();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_matches_interp, bf_setup, bf_teardown),
		cmocka_unit_test_setup_teardown(test_second_write_page_checks_its_store, bf_setup, bf_teardown),
	};
	return UNIT_RUN(tests);
}
