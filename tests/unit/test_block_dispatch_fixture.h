/*
 * The fixture of test_block_dispatch.c and test_block_limits.c: the includes, constants, fake
 * platform and helpers the tests of both use. Each file is its own test program with its own
 * copy of this state; the helpers are static inline so that neither warns of unused ones.
 */
#ifndef TESTS_UNIT_TEST_BLOCK_DISPATCH_FIXTURE_H
#define TESTS_UNIT_TEST_BLOCK_DISPATCH_FIXTURE_H

#include "block_fake.h"

#include "arch/shutdown.h"

#include <stdlib.h>
#include <string.h>

#define V (&fk.v)
#define OUT_DX 0xee
#define INC_AL 0xfe, 0xc0
#define DEC_AL 0xfe, 0xc8
#define HLT 0xf4

#define CF 0x001ULL
#define PF 0x004ULL
#define AF 0x010ULL
#define ZF 0x040ULL
#define SF 0x080ULL
#define TF 0x100ULL
#define IOPL3 0x3000ULL
#define OF 0x800ULL
#define VM (1ULL << 17)

static inline int setup(void **state)
{
	if (bf_setup(state))
		return -1;
	fk.v.gpr[VCPU_RDX] = BF_PORT;
	fk.v.gpr[VCPU_RAX] = 0x7f;
	fk.v.dr7 = 0x400; /* the reset value: no breakpoint enabled */
	return 0;
}

static inline bool dispatch(void) { return handle_io_block(&fk.d, V); }

static inline void assert_writes(u32 n, const u32 *vals)
{
	assert_int_equal(bf_rec.n, n);
	for (u32 i = 0; i < n; i++) {
		assert_false(bf_rec.ev[i].in);
		assert_int_equal(bf_rec.ev[i].port, BF_PORT);
		assert_int_equal(bf_rec.ev[i].val, vals[i]);
	}
}
#define ASSERT_WRITES(...)                                             \
	do {                                                               \
		static const u32 w_[] = {__VA_ARGS__};                         \
		assert_writes(sizeof(w_) / sizeof(w_[0]), w_);                 \
	} while (0)

/* Nothing at all happened: block_dispatch left the exit to the one-exit path. */
static inline void assert_nothing_done(const struct vcpu *before)
{
	bf_assert_same_state(before, V);
	assert_int_equal(fk.v.dirty, before->dirty);
	assert_int_equal(bf_rec.n, 0);
	assert_int_equal(fk.d.stats.io_exits, 0);
	assert_int_equal(fk.d.stats.io_instructions, 0);
	assert_int_equal(fk.d.blockio.stats.runs, 0);
}

static inline u32 bus_in(void *ctx, u16 port, u8 size) { return iobus_in(ctx, port, size); }
static inline void bus_out(void *ctx, u16 port, u8 size, u32 val) { iobus_out(ctx, port, size, val); }

/* The interpreter on v, n instructions, each decoded at v's RIP: the step-by-step reference. */
static inline void interp_steps(struct vcpu *v, u32 n)
{
	struct interp_io io = {&fk.board.bus, bus_in, bus_out};
	for (u32 i = 0; i < n; i++) {
		struct insn in;
		struct interp_result res;
		assert_true(bf_decode_at_rip(v, &in));
		assert_int_equal(interp_exec(v, &in, &io, &res), INTERP_OK);
	}
}

#endif
