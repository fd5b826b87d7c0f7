/*
 * Random 64-bit instructions for the differential test of the replay forms (test_replay.c):
 * the forms dispatcher/blockio/replay.c knows (stack, memory, data, branches, IN/OUT) and a few
 * it declines. Pure functions of the seed.
 */
#ifndef TESTS_UNIT_REPLAY_GEN_H
#define TESTS_UNIT_REPLAY_GEN_H

#include "arch/types.h"

#define STACK_PAGE 0x8000ULL
#define DATA_PAGE 0x9000ULL
#define LOW_PAGE 0x7000ULL /* below the stack: pushes may cross into it */

/* One random instruction into b (16 bytes of room); returns its length. RIP-relative operands
 * aim at DATA_PAGE from code at FAKE_RIP. */
u32 replay_gen_insn(u64 *seed, u8 *b);

#endif
