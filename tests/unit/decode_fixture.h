/*
 * The fixture of test_decode.c and test_decode_other.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in decode_fixture.c.
 */
#ifndef TESTS_UNIT_DECODE_FIXTURE_H
#define TESTS_UNIT_DECODE_FIXTURE_H

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "dispatcher/emul/decode.h"
#include "dispatcher/vcpu/vcpu.h"

extern const char *const reg8[16];
extern const char *const reg8h[4];
extern const char *const reg16[16];
extern const char *const reg32[16];
extern const char *const reg64[16];
extern const char *const segs[6];

const char *reg_name(unsigned reg, unsigned size, bool high8);

void format_mem(char *out, const struct insn *in, unsigned size);

/* "eax, d[ds:rbx+rsi*4+0x10]" */
void format_operands(char *out, const struct insn *in);

unsigned parse_hex(const char *hex, u8 *b);

#endif
