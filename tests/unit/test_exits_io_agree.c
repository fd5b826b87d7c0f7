/*
 * The one-exit path and the interpreter agree on INS/OUTS (issue 15, one string-IO engine):
 * random string-IO states (real, protected, 64-bit and compatibility mode; address sizes 16, 32
 * and 64 with and without 67; element sizes 1, 2, 4; RFLAGS.DF; REP counts; segment bases,
 * limits and types; pages not present; CPL 3 with alignment checking; non-canonical addresses)
 * run twice from the same state: decoded from its bytes through interp_exec (block mode), and
 * as the IO exit the processor reports through dispatch_exit (exits_io.c). Where interp_exec
 * completes, the exit must leave the same registers, RIP, RFLAGS, memory (data and the paging
 * entries' accessed and dirty flags) and port accesses; where the exit raises a fault, interp_exec
 * must have stopped; where interp_exec stops, it must have changed nothing. The cases must reach
 * every fault the exit path raises (#GP, #SS, #PF, #AC), or the test fails as too weak.
 */
#include "exits_io_fixture.h"

#include "dispatcher/emul/decode.h"

#define CASES 1500
#define SEED 0x5eed15ULL
#define WINDOW 0x60000ULL              /* guest RAM every case stays in */
#define PT_LEN 0x5000ULL               /* fake_vcpu's PML4, PDPT, PD and two PTs */
#define BUF 0x20000ULL                 /* where offsets land in flat modes */
#define BUF_LEN 0x20000ULL
#define MAX_COUNT 24
#define ASZ_SHIFT 7
#define SEG_SHIFT 15

enum { M_REAL, M_PROT32, M_LONG64, M_COMPAT, M_COUNT };

static const u8 seg_prefix[VCPU_NSEGS] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65};

/* Segment types a case may give the segment it uses (VMX access-rights format). */
static const u32 seg_types[] = {
	0x93,                           /* read/write data */
	0x91,                           /* read-only data */
	0x97 | VCPU_AR_DB,              /* expand-down read/write data, upper bound 4 GiB - 1 */
	0x97,                           /* expand-down, upper bound 64 KiB - 1 */
	0x9b,                           /* execute/read code */
	0x99,                           /* execute-only code */
	VCPU_AR_UNUSABLE,               /* a null selector */
};

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 pick(u64 n) { return rnd() % n; }

struct scase {
	int mode;
	bool ins, rep, p66, p67;
	int seg;      /* the segment used */
	bool override;
	u32 size;
	u32 asz;      /* bits */
	u8 bytes[8];
	u32 len;
};

/* The state both runs start from, and what a run leaves. */
struct state {
	struct vcpu v;
	u8 low[WINDOW];
	u8 pt[PT_LEN];
	struct io_log log;
};

static struct state start, by_interp;

static void save(struct state *s)
{
	s->v = fk.v;
	memcpy(s->low, fk.ram, WINDOW);
	memcpy(s->pt, fk.ram + FAKE_PT_BASE, PT_LEN);
	s->log = rec;
}

static void restore(const struct state *s)
{
	fk.v = s->v;
	memcpy(fk.ram, s->low, WINDOW);
	memcpy(fk.ram + FAKE_PT_BASE, s->pt, PT_LEN);
	rec = s->log;
}

static void assert_same(const struct state *a, const struct state *b, u32 n)
{
	for (int r = 0; r < VCPU_NREGS; r++)
		if (a->v.gpr[r] != b->v.gpr[r])
			fail_msg("case %u: register %d 0x%llx / 0x%llx", n, r, (unsigned long long)a->v.gpr[r],
			         (unsigned long long)b->v.gpr[r]);
	assert_int_equal(a->v.rip, b->v.rip);
	assert_int_equal(a->v.rflags, b->v.rflags);
	assert_memory_equal(a->low, b->low, WINDOW);
	assert_memory_equal(a->pt, b->pt, PT_LEN);
	assert_int_equal(a->log.n, b->log.n);
	assert_memory_equal(a->log.ev, b->log.ev, a->log.n * sizeof(a->log.ev[0]));
}

static void set_mode(int mode)
{
	if (mode == M_REAL)
		fake_mode_real();
	else if (mode == M_PROT32)
		fake_mode_prot32();
	else if (mode == M_LONG64)
		fake_mode_long64();
	else
		fake_mode_compat();
}

/* A segment as a protected-mode (or real-mode) guest might have it; 64-bit mode ignores all
 * but the FS and GS bases. */
static void random_segment(struct scase *c)
{
	struct vcpu_segment *s = &fk.v.seg[c->seg];
	s->base = c->mode == M_REAL ? pick(0x3000) << 4 : pick(0x30) << 12;
	if (pick(3) == 0)
		s->limit = c->mode == M_REAL ? 0xffff : 0xffffffff;
	else
		s->limit = 0x100 + (u32)pick(0x18000);
	if (c->mode != M_REAL && c->seg != VCPU_CS && pick(3) == 0)
		s->ar = seg_types[pick(ARRAY_SIZE(seg_types))];
}

static u64 random_offset(const struct scase *c)
{
	const struct vcpu_segment *s = &fk.v.seg[c->seg];
	bool flat = c->mode == M_LONG64 || s->limit == 0xffffffff;
	u64 off = flat ? BUF + pick(BUF_LEN) : (u64)s->limit + 48 - pick(96);
	if (c->mode == M_REAL && c->asz == 16)
		off = pick(3) ? pick(0x10000) : 0xffff - pick(64);
	if (c->mode == M_LONG64 && c->asz == 64 && pick(16) == 0) /* around the non-canonical hole */
		off = (1ULL << 47) - 32 + pick(64);
	if (c->asz == 32 && c->mode == M_LONG64 && pick(4) == 0)
		off |= pick(16) << 32; /* bits 63:32 above the address size */
	return off;
}

static void random_case(struct scase *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = (int)pick(M_COUNT);
	set_mode(c->mode);
	for (u64 a = 0; a < WINDOW; a += 8) {
		u64 x = rnd();
		memcpy(fk.ram + a, &x, 8);
	}
	u32 dflt = c->mode == M_REAL ? 16 : c->mode == M_LONG64 ? 64 : 32;
	c->p67 = pick(4) == 0;
	c->asz = !c->p67 ? dflt : dflt == 64 ? 32 : dflt == 32 ? 16 : 32;
	c->ins = pick(2);
	c->rep = pick(4) != 0;
	c->size = (u32[]){1, 2, 4}[pick(3)];
	u32 osz = c->mode == M_REAL ? 16 : 32;
	c->p66 = c->size != 1 && c->size * 8 != osz;
	c->override = !c->ins && pick(3) == 0;
	c->seg = c->ins ? VCPU_ES : c->override ? (int)pick(VCPU_NSEGS) : VCPU_DS;
	if (c->mode != M_LONG64)
		random_segment(c);
	else if (c->seg == VCPU_FS || c->seg == VCPU_GS)
		fk.v.seg[c->seg].base = pick(0x10) << 12;
	if (c->mode == M_LONG64 || c->mode == M_COMPAT)
		for (u32 k = pick(3); k > 0; k--)
			fake_unmap(BUF + (pick(BUF_LEN) & ~(PAGE_SIZE - 1)));
	if (c->mode != M_REAL && pick(6) == 0) { /* CPL 3, perhaps with alignment checking */
		fk.v.cpl = 3;
		if (pick(2)) {
			fk.v.cr0 |= CR0_AM;
			fk.v.rflags |= RFLAGS_AC;
		}
	}
	if (pick(2))
		fk.v.rflags |= RFLAGS_DF;
	u64 amask = c->asz == 64 ? ~0ULL : (1ULL << c->asz) - 1;
	fk.v.gpr[c->ins ? VCPU_RDI : VCPU_RSI] = random_offset(c);
	fk.v.gpr[VCPU_RCX] = pick(MAX_COUNT) | (pick(4) == 0 ? rnd() & ~amask : 0);
	fk.v.gpr[VCPU_RDX] = REC_PORT + (u16)pick(REC_PORTS - 4);
	fk.v.gpr[VCPU_RAX] = rnd();
	if (c->p66)
		c->bytes[c->len++] = 0x66;
	if (c->p67)
		c->bytes[c->len++] = 0x67;
	if (c->override)
		c->bytes[c->len++] = seg_prefix[c->seg];
	if (c->rep)
		c->bytes[c->len++] = 0xf3;
	c->bytes[c->len++] = (u8)((c->ins ? 0x6c : 0x6e) + (c->size != 1));
}

/* The exit the processor reports for it: exit qualification and instruction information. */
static void exit_for(const struct scase *c)
{
	u32 asz_code = c->asz == 16 ? ASZ16 : c->asz == 32 ? ASZ32 : ASZ64;
	/* INS: the segment field is undefined (SDM Vol. 3C table 28-8), so it holds garbage */
	u32 seg = c->ins ? (u32)pick(8) : (u32)c->seg;
	fake_exit(EXIT_REASON_IO_INSTRUCTION, qual((u16)fk.v.gpr[VCPU_RDX], c->size, c->ins, STR | (c->rep ? REP : 0)),
	          c->len);
	fk.v.exit.instr_info = (asz_code << ASZ_SHIFT) | (seg << SEG_SHIFT);
}

struct tally {
	u32 agreed, interp_stopped, faults[X86_EXC_COUNT], ended;
};

static void run_case(u32 n, struct tally *t)
{
	struct scase c;
	random_case(&c);
	struct insn in;
	enum cpu_mode mode = interp_cpu_mode(&fk.v);
	assert_int_equal(decode_insn(c.bytes, c.len, mode, &in), DECODE_OK);
	io_log_reset(&rec, (u32)rnd());
	fk.v.dirty = 0;
	save(&start);

	struct interp_result res;
	int ri = interp_exec(&fk.v, &in, &fk.d.blockio.bus, &res);
	assert_true(ri == INTERP_OK || ri == INTERP_STOP);
	save(&by_interp);
	if (ri == INTERP_STOP) /* all or nothing */
		assert_same(&by_interp, &start, n);

	restore(&start);
	exit_for(&c);
	dispatch_exit(&fk.d, &fk.v);
	static struct state exit_state;
	save(&exit_state);
	if (fk.v.inject.pending) {
		assert_int_equal(ri, INTERP_STOP); /* the block path never completes a faulting one */
		assert_int_equal(fk.v.rip, FAKE_RIP);
		t->faults[fk.v.inject.vector]++;
	} else if (fk.v.ended) {
		assert_int_equal(ri, INTERP_STOP);
		t->ended++;
	} else if (ri == INTERP_OK) {
		assert_same(&exit_state, &by_interp, n);
		t->agreed++;
	} else {
		t->interp_stopped++; /* beyond the block model (a wrap, 32-bit registers in 64-bit mode) */
	}
}

static void test_exit_path_agrees_with_interpreter(void **state)
{
	struct tally t = {0};
	rng = SEED;
	for (u32 n = 0; n < CASES; n++) {
		assert_int_equal(setup(state), 0);
		run_case(n, &t);
		fake_teardown(state);
	}
	assert_int_equal(setup(state), 0); /* for the teardown cmocka runs */
	print_message("agreed %u, interpreter stopped %u, ended %u, #GP %u, #SS %u, #PF %u, #AC %u\n",
	              t.agreed, t.interp_stopped, t.ended, t.faults[X86_EXC_GP], t.faults[X86_EXC_SS],
	              t.faults[X86_EXC_PF], t.faults[X86_EXC_AC]);
	assert_true(t.agreed > CASES / 4);
	assert_true(t.faults[X86_EXC_GP] > 0);
	assert_true(t.faults[X86_EXC_SS] > 0);
	assert_true(t.faults[X86_EXC_PF] > 0);
	assert_true(t.faults[X86_EXC_AC] > 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exit_path_agrees_with_interpreter),
	};
	return UNIT_RUN(tests);
}
