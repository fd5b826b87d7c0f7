/*
 * The fixture of test_block_dispatch.c and test_block_limits.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in block_dispatch_fixture.c.
 */
#ifndef TESTS_UNIT_BLOCK_DISPATCH_FIXTURE_H
#define TESTS_UNIT_BLOCK_DISPATCH_FIXTURE_H

#include "fake_block.h"

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

int setup(void **state);

bool dispatch(void);

void assert_writes(u32 n, const u32 *vals);
#define ASSERT_WRITES(...)                                             \
	do {                                                               \
		static const u32 w_[] = {__VA_ARGS__};                         \
		assert_writes(sizeof(w_) / sizeof(w_[0]), w_);                 \
	} while (0)

/* Nothing at all happened: block_dispatch left the exit to the one-exit path. */
void assert_nothing_done(const struct vcpu *before);

u32 bus_in(void *ctx, u16 port, u8 size);
void bus_out(void *ctx, u16 port, u8 size, u32 val);

/* The interpreter on v, n instructions, each decoded at v's RIP: the step-by-step reference. */
void interp_steps(struct vcpu *v, u32 n);

#endif
