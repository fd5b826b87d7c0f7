/* The block-IO test helpers of fake_block.h. */
#include "fake_block.h"

#include <string.h>

#define QUAL_IN (1ULL << 3)
#define QUAL_STRING (1ULL << 4)
#define QUAL_REP (1ULL << 5)
#define QUAL_IMM (1ULL << 6)
#define QUAL_PORT_SHIFT 16
#define INFO_ASZ_SHIFT 7
#define INFO_SEG_SHIFT 15
#define PT0 (FAKE_PT_BASE + 0x3000) /* fake_vcpu.c: 1024 PTEs identity-mapping the RAM */

struct io_log bf_rec;
static struct fake_io_attach rec_dev;

int bf_setup(void **state)
{
	if (fake_setup(state))
		return -1;
	io_log_reset(&bf_rec, BF_IN_FIRST);
	fake_io_attach(&rec_dev, &bf_rec, "bf-rec", BF_PORT, BF_PORTS, true);
	if (iobus_register(&fk.board.bus, &rec_dev.dev))
		return -1;
	/* the tests of block behaviour keep every block (block_policy=always); test_block_policy.c
	 * sets auto */
	fk.d.blockio.cfg = (struct block_config){.enabled = true, .extent = BLOCK_EXTENT_PAGE,
	                                         .policy = BLOCK_POLICY_ALWAYS};
	fk.d.blockio.pol.mode = BLOCK_POLICY_ALWAYS;
	fake_mode_prot32();
	return 0;
}

int bf_teardown(void **state) { return fake_teardown(state); }

void bf_put(u64 gpa, const void *bytes, size_t n)
{
	assert_true(gpa + n <= FAKE_RAM_SIZE);
	memcpy(fk.ram + gpa, bytes, n);
}

void bf_set_pte(u64 linear, u64 pte)
{
	assert_true(linear < FAKE_RAM_SIZE);
	memcpy(fk.ram + PT0 + 8 * (linear / PAGE_SIZE), &pte, sizeof(pte));
}

u64 bf_io_qual(const struct insn *in, const struct vcpu *v)
{
	u16 port;
	u8 size;
	assert_int_equal(interp_io_ports(in, v, &port, &size), 0);
	u64 q = (u64)(size - 1) | ((u64)port << QUAL_PORT_SHIFT);
	if (in->kind == INSN_IN || in->kind == INSN_INS)
		q |= QUAL_IN;
	if (insn_is_string_io(in->kind))
		q |= QUAL_STRING | (in->rep ? QUAL_REP : 0);
	else if ((in->kind == INSN_IN && in->op[1].type == OPND_IMM) || (in->kind == INSN_OUT && in->op[0].type == OPND_IMM))
		q |= QUAL_IMM;
	return q;
}

/* INS/OUTS instruction information (SDM Vol. 3C 28.2.5): address size and segment. */
static u32 io_info(const struct insn *in)
{
	u32 asz = in->addrsize == 16 ? 0 : in->addrsize == 32 ? 1 : 2;
	u32 seg = in->p_seg >= 0 ? (u32)in->p_seg : VCPU_DS;
	return (asz << INFO_ASZ_SHIFT) | (seg << INFO_SEG_SHIFT);
}

bool bf_decode_at_rip(struct vcpu *v, struct insn *in)
{
	u8 bytes[INSN_MAX_LEN];
	u64 lin = scan_rip_linear(v);
	u32 n = INSN_MAX_LEN;
	while (n && gmem_peek(v, lin, bytes, n, VCPU_EXEC, v->cpl == 3, NULL) != GMEM_OK)
		n--;
	return n && decode_insn(bytes, n, interp_cpu_mode(v), in) == DECODE_OK;
}

static u32 bus_in(void *ctx, u16 port, u8 size) { return iobus_in(ctx, port, size); }
static void bus_out(void *ctx, u16 port, u8 size, u32 val) { iobus_out(ctx, port, size, val); }

static void set_io_exit(struct vcpu *v, const struct insn *in)
{
	v->exit = (struct vcpu_exit){.reason = EXIT_REASON_IO_INSTRUCTION, .qual = bf_io_qual(in, v),
	                             .instr_len = in->length, .instr_info = io_info(in)};
}

void bf_io_exit(struct vcpu *v)
{
	struct insn in;
	if (bf_decode_at_rip(v, &in) && insn_is_io(in.kind))
		set_io_exit(v, &in);
}

void bf_ept_write(struct vcpu *v, u64 gpa)
{
	struct vcpu_exit saved = v->exit;
	v->exit = (struct vcpu_exit){.reason = EXIT_REASON_EPT_VIOLATION, .qual = BF_EPT_QUAL_WRITE, .guest_phys = gpa};
	dispatch_exit(&fk.d, v);
	assert_false(v->ended);
	assert_false(fk.wp[gpa / PAGE_SIZE]); /* write access given back: the store can be made */
	v->exit = saved;
}

void bf_guest_store(struct vcpu *v, u64 gpa, const void *bytes, size_t n)
{
	assert_true(n && gpa + n <= FAKE_RAM_SIZE);
	for (u64 pg = gpa / PAGE_SIZE; pg <= (gpa + n - 1) / PAGE_SIZE; pg++)
		if (fk.wp[pg])
			bf_ept_write(v, pg * PAGE_SIZE);
	memcpy(fk.ram + gpa, bytes, n);
}

/* The pages write-protected now, and a copy of each, before a step the processor makes. */
#define BF_WP_SNAP 8
static u8 wp_copy[BF_WP_SNAP][PAGE_SIZE];
static u64 wp_page[BF_WP_SNAP];

static u32 wp_snapshot(void)
{
	u32 n = 0;
	for (u64 pg = 0; pg < FAKE_RAM_SIZE / PAGE_SIZE; pg++)
		if (fk.wp[pg]) {
			assert_true(n < BF_WP_SNAP);
			wp_page[n] = pg;
			memcpy(wp_copy[n++], fk.ram + pg * PAGE_SIZE, PAGE_SIZE);
		}
	return n;
}

/* A protected page the step wrote: the EPT violation the processor raised before the store
 * (nothing in the dispatcher looks at the page's bytes in between, so the order is moot). */
static void wp_faults(struct vcpu *v, u32 n, u32 *exits)
{
	for (u32 i = 0; i < n; i++)
		if (memcmp(wp_copy[i], fk.ram + wp_page[i] * PAGE_SIZE, PAGE_SIZE)) {
			bf_ept_write(v, wp_page[i] * PAGE_SIZE);
			(*exits)++;
		}
}

bool bf_cpu_step(struct vcpu *v, u32 *exits)
{
	struct insn in;
	if (v->ended || !bf_decode_at_rip(v, &in))
		return false;
	/* the processor's fetch sets the accessed flags of the code's translation (SDM Vol. 3A 5.8) */
	u8 fetched[INSN_MAX_LEN];
	assert_int_equal(gmem_read(v, scan_rip_linear(v), fetched, in.length, VCPU_EXEC, v->cpl == 3, NULL), GMEM_OK);
	if (insn_is_io(in.kind)) {
		set_io_exit(v, &in);
		v->pending_dbg = 0; /* as vmx/ loads it at each exit */
		dispatch_exit(&fk.d, v);
		(*exits)++;
		assert_false(v->inject.pending);
		return true;
	}
	struct interp_io io = {&fk.board.bus, bus_in, bus_out};
	struct interp_result res;
	u32 nwp = wp_snapshot();
	bool ok = interp_exec(v, &in, &io, &res) == INTERP_OK;
	wp_faults(v, nwp, exits);
	return ok;
}

u32 bf_cpu_run(struct vcpu *v, u32 max_steps, u32 *exits)
{
	u32 steps = 0;
	while (steps < max_steps && bf_cpu_step(v, exits))
		steps++;
	return steps;
}

void bf_assert_same_state(const struct vcpu *a, const struct vcpu *b)
{
	for (int r = 0; r < VCPU_NREGS; r++)
		assert_int_equal(a->gpr[r], b->gpr[r]);
	assert_int_equal(a->rip, b->rip);
	assert_int_equal(a->rflags, b->rflags);
	assert_int_equal(a->cr2, b->cr2);
	assert_int_equal(a->ended, b->ended);
	assert_int_equal(a->end_code, b->end_code);
	assert_int_equal(a->inject.pending, b->inject.pending);
	assert_int_equal(a->halted, b->halted);
}

void bf_assert_same_rec(const struct io_log *a, const struct io_log *b)
{
	assert_int_equal(a->n, b->n);
	for (u32 i = 0; i < a->n && i < IO_LOG_MAX; i++) {
		assert_int_equal(a->ev[i].in, b->ev[i].in);
		assert_int_equal(a->ev[i].port, b->ev[i].port);
		assert_int_equal(a->ev[i].size, b->ev[i].size);
		assert_int_equal(a->ev[i].val, b->ev[i].val);
	}
	assert_int_equal(a->next_in, b->next_in);
}

/* Static, not malloc'd: a failing assertion longjmps out of bf_run_both. */
static u8 ram_start[FAKE_RAM_SIZE], ram_off[FAKE_RAM_SIZE], ram_on[FAKE_RAM_SIZE];
static struct dispatcher d_start;

static void capture(struct bf_outcome *o, u8 *ram)
{
	o->v = fk.v;
	o->ram = ram;
	memcpy(ram, fk.ram, FAKE_RAM_SIZE);
	o->rec = bf_rec;
	o->stats = fk.d.stats;
	o->bstats = fk.d.blockio.stats;
	o->dbg_fired = fk.board.dbg.fired;
	o->dbg_code = fk.board.dbg.code;
}

void bf_run_both(u32 max_steps, struct bf_outcome *off, struct bf_outcome *on)
{
	static struct bf_outcome o_off, o_on;
	memcpy(ram_start, fk.ram, FAKE_RAM_SIZE);
	d_start = fk.d;
	struct vcpu v0 = fk.v;
	struct io_log rec0 = bf_rec;
	struct debug_exit dbg0 = fk.board.dbg;
	static bool wp0[FAKE_RAM_SIZE / PAGE_SIZE];
	memcpy(wp0, fk.wp, sizeof wp0);

	o_off = (struct bf_outcome){0};
	fk.d.blockio.cfg.enabled = false;
	o_off.steps = bf_cpu_run(&fk.v, max_steps, &o_off.exits);
	capture(&o_off, ram_off);

	memcpy(fk.ram, ram_start, FAKE_RAM_SIZE);
	fk.d = d_start;
	fk.d.blockio.cfg.enabled = true;
	fk.v = v0;
	bf_rec = rec0;
	fk.board.dbg = dbg0;
	memcpy(fk.wp, wp0, sizeof wp0);
	o_on = (struct bf_outcome){0};
	o_on.steps = bf_cpu_run(&fk.v, max_steps, &o_on.exits);
	capture(&o_on, ram_on);

	/* the program ran to its end both ways, not into the step limit */
	assert_true(o_off.steps < max_steps);
	assert_true(o_on.steps < max_steps);
	bf_assert_same_state(&o_off.v, &o_on.v);
	assert_memory_equal(o_off.ram, o_on.ram, FAKE_RAM_SIZE);
	bf_assert_same_rec(&o_off.rec, &o_on.rec);
	assert_int_equal(o_off.dbg_fired, o_on.dbg_fired);
	assert_int_equal(o_off.dbg_code, o_on.dbg_code);
	/* the guest executed the same IO instructions; block mode only needed fewer exits for them */
	assert_int_equal(o_off.stats.io_instructions, o_on.stats.io_instructions);
	assert_true(o_on.stats.io_exits <= o_off.stats.io_exits);
	o_off.ram = o_on.ram = NULL;
	if (off)
		*off = o_off;
	if (on)
		*on = o_on;
}
