/*
 * libFuzzer harness for dispatcher/emul/decode.c. Input: one byte that picks the mode, then the
 * instruction bytes. Besides ASan/UBSan findings, it aborts on a broken invariant:
 *   - the result is one of the four, and the length at most 15 and within the bytes given;
 *   - a decoded instruction decodes the same from exactly its own bytes, and every shorter
 *     prefix of them needs more bytes;
 *   - operands name registers 0-15, sizes 8/16/32/64, a memory operand only with a memory form;
 *   - DECODE_NEED_MORE only when fewer than 15 bytes were given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/emul/decode.h"

#define CHECK(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

static const enum cpu_mode modes[3] = {CPU_MODE_16, CPU_MODE_32, CPU_MODE_64};

static void check_operands(const struct insn *in)
{
	CHECK(in->nops <= 2);
	for (int i = 0; i < in->nops; i++) {
		const struct insn_operand *o = &in->op[i];
		CHECK(o->size == 8 || o->size == 16 || o->size == 32 || o->size == 64);
		CHECK(o->type == OPND_REG || o->type == OPND_MEM || o->type == OPND_IMM);
		if (o->type == OPND_REG) {
			CHECK(o->reg < 16);
			CHECK(!o->high8 || (o->size == 8 && o->reg >= 4 && o->reg < 8 && in->rex == 0));
		}
		if (o->type == OPND_MEM) {
			CHECK(in->mem.base == INSN_REG_NONE || in->mem.base == INSN_REG_RIP ||
			      (in->mem.base >= 0 && in->mem.base < 16));
			CHECK(in->mem.index == INSN_REG_NONE || (in->mem.index >= 0 && in->mem.index < 16));
			CHECK(in->mem.scale == 1 || in->mem.scale == 2 || in->mem.scale == 4 || in->mem.scale == 8);
			CHECK(in->mem.seg < 6);
		}
	}
	CHECK(in->addrsize == 16 || in->addrsize == 32 || in->addrsize == 64);
	CHECK(in->opsize == 8 || in->opsize == 16 || in->opsize == 32 || in->opsize == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum cpu_mode mode = modes[data[0] % 3];
	const uint8_t *b = data + 1;
	uint32_t avail = (uint32_t)(size - 1 > 64 ? 64 : size - 1);
	/* a heap copy of exactly `avail` bytes, so ASan sees any read past the end */
	uint8_t *copy = malloc(avail ? avail : 1);
	memcpy(copy, b, avail);
	struct insn in;
	int r = decode_insn(copy, avail, mode, &in);
	CHECK(r == DECODE_OK || r == DECODE_NOT_SUBSET || r == DECODE_NEED_MORE || r == DECODE_INVALID);
	CHECK(in.length <= INSN_MAX_LEN && in.length <= avail);
	if (r == DECODE_NEED_MORE)
		CHECK(avail < INSN_MAX_LEN);
	if (r == DECODE_OK) {
		CHECK(in.length > 0);
		CHECK(in.kind > INSN_NONE && in.kind < INSN_KIND_COUNT);
		CHECK(!in.p_lock);
		check_operands(&in);
		struct insn again;
		CHECK(decode_insn(copy, in.length, mode, &again) == DECODE_OK);
		CHECK(memcmp(&again, &in, sizeof in) == 0);
		for (uint32_t k = 0; k < in.length; k++)
			CHECK(decode_insn(copy, k, mode, &again) == DECODE_NEED_MORE);
	} else {
		CHECK(in.kind == INSN_NONE);
	}
	if (r == DECODE_NOT_SUBSET && in.length) {
		struct insn again;
		CHECK(decode_insn(copy, in.length, mode, &again) == DECODE_NOT_SUBSET);
		CHECK(again.length == in.length);
	}
	free(copy);
	return 0;
}
