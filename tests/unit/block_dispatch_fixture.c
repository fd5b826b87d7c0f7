/* The fixture of block_dispatch_fixture.h; one copy, linked into each test program that includes it. */
#include "block_dispatch_fixture.h"

int setup(void **state)
{
	if (bf_setup(state))
		return -1;
	fk.v.gpr[VCPU_RDX] = BF_PORT;
	fk.v.gpr[VCPU_RAX] = 0x7f;
	fk.v.dr7 = 0x400; /* the reset value: no breakpoint enabled */
	return 0;
}

/* The exit of the IO instruction at RIP (as the processor reports it), by the block path. */
bool dispatch(void)
{
	bf_io_exit(V);
	return handle_io_block(&fk.d, V);
}

void assert_writes(u32 n, const u32 *vals)
{
	assert_int_equal(bf_rec.n, n);
	for (u32 i = 0; i < n; i++) {
		assert_false(bf_rec.ev[i].in);
		assert_int_equal(bf_rec.ev[i].port, BF_PORT);
		assert_int_equal(bf_rec.ev[i].val, vals[i]);
	}
}

void assert_nothing_done(const struct vcpu *before)
{
	bf_assert_same_state(before, V);
	assert_int_equal(fk.v.dirty, before->dirty);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(fk.d.stats.io_exits, 0);
	assert_int_equal(fk.d.stats.io_instructions, 0);
	assert_int_equal(fk.d.blockio.stats.runs, 0);
}

u32 bus_in(void *ctx, u16 port, u8 size) { return iobus_in(ctx, port, size); }

void bus_out(void *ctx, u16 port, u8 size, u32 val) { iobus_out(ctx, port, size, val); }

void interp_steps(struct vcpu *v, u32 n)
{
	struct interp_io io = {&fk.board.bus, bus_in, bus_out};
	for (u32 i = 0; i < n; i++) {
		struct insn in;
		struct interp_result res;
		assert_true(bf_decode_at_rip(v, &in));
		assert_int_equal(interp_exec(v, &in, &io, &res), INTERP_OK);
	}
}
