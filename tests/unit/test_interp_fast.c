/*
 * dispatcher/emul/interp_fast.c against dispatcher/emul/interp.c: the precompiled form of an instruction
 * must leave the vCPU (every register, RIP, RFLAGS, the dirty bits) and the port accesses
 * exactly as interp_exec leaves them. Instructions come from random bytes over the opcodes of
 * the fast forms (MOV to a register, NOP/PAUSE, IN/OUT, JMP) with random prefixes and ModRM,
 * in 16-, 32- and 64-bit code, on random register values; plus the cases that must stay with
 * interp_exec and the conditions of interp_fast_ready.
 */
#include "unit.h"
#include "arch/x86.h"

#include <string.h>

#include "dispatcher/emul/decode.h"
#include "dispatcher/emul/interp.h"
#include "dispatcher/emul/interp_fast.h"

#define AR_CODE 0x9bu
#define AR_DATA 0x93u
#define CASES 40000

static struct vcpu make_vcpu(enum cpu_mode mode, uint64_t *seed)
{
	struct vcpu v = {0};
	for (int i = 0; i < VCPU_NSEGS; i++)
		v.seg[i] = (struct vcpu_segment){.sel = 0x10, .limit = 0xffffffff, .ar = AR_DATA};
	v.seg[VCPU_CS] = (struct vcpu_segment){.sel = 0x8, .limit = 0xffffffff, .ar = AR_CODE};
	if (mode == CPU_MODE_64) {
		v.cr0 = CR0_PE;
		v.efer = EFER_LMA;
		v.seg[VCPU_CS].ar |= VCPU_AR_L;
	} else if (mode == CPU_MODE_32) {
		v.cr0 = CR0_PE;
		v.seg[VCPU_CS].ar |= VCPU_AR_DB;
	} else {
		v.seg[VCPU_CS].limit = 0xffff;
	}
	for (int r = 0; r < 16; r++)
		v.gpr[r] = unit_rand(seed);
	v.rflags = 0x2 | (unit_rand(seed) & 0x8d5);
	v.rip = mode == CPU_MODE_16 ? 0x1000 + unit_below(seed, 0x4000) : 0x10000 + unit_below(seed, 0x100000);
	return v;
}

/* Port accesses, recorded. */
static struct {
	int n;
	u32 log[8][4];
	u32 next_in;
} io;

static u32 rec_in(void *ctx, u16 port, u8 size)
{
	(void)ctx;
	u32 val = io.next_in;
	if (io.n < 8)
		memcpy(io.log[io.n], (u32[4]){1, port, size, val}, sizeof io.log[0]);
	io.n++;
	return val;
}

static void rec_out(void *ctx, u16 port, u8 size, u32 val)
{
	(void)ctx;
	if (io.n < 8)
		memcpy(io.log[io.n], (u32[4]){0, port, size, val}, sizeof io.log[0]);
	io.n++;
}

static const struct interp_io rec_io = {0, rec_in, rec_out};

/* Random bytes of one of the fast forms' opcodes. */
static u32 random_insn(enum cpu_mode mode, uint64_t *seed, u8 *b)
{
	static const u8 ops[] = {0x88, 0x89, 0x8a, 0x8b, 0xb0, 0xb3, 0xb4, 0xb7, 0xb8, 0xbc, 0xbf,
	                         0xc6, 0xc7, 0x90, 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef,
	                         0xeb, 0xe9, 0x0f};
	u32 n = 0;
	if (unit_below(seed, 3) == 0)
		b[n++] = 0x66;
	if (unit_below(seed, 8) == 0)
		b[n++] = 0xf3; /* PAUSE with 90; outside the subset elsewhere */
	if (mode == CPU_MODE_64 && unit_below(seed, 2))
		b[n++] = (u8)(0x40 | unit_below(seed, 16));
	u8 op = ops[unit_below(seed, sizeof ops)];
	b[n++] = op;
	if (op == 0x0f)
		b[n++] = 0x1f; /* NOP r/m */
	/* ModRM: mostly register forms, sometimes memory (those must stay with interp_exec) */
	u8 modrm = (u8)unit_rand(seed);
	if (unit_below(seed, 4))
		modrm |= 0xc0;
	b[n++] = modrm;
	for (int i = 0; i < 12; i++)
		b[n++] = (u8)unit_rand(seed); /* displacement, immediate, or the next instruction */
	return n;
}

static void compare_one(enum cpu_mode mode, uint64_t *seed, int *fast_seen)
{
	u8 bytes[32];
	u32 avail = random_insn(mode, seed, bytes);
	struct insn in;
	if (decode_insn(bytes, avail, mode, &in) != DECODE_OK)
		return;
	/* the block: this instruction at offset 0 and, for a forward JMP, its target */
	u16 offsets[2] = {0, 0};
	u32 n = 1;
	if (in.kind == INSN_JMP && !in.backward && in.length + in.imm < 0x1000) {
		offsets[1] = (u16)(in.length + in.imm);
		n = 2;
	}
	struct interp_fast f;
	interp_fast_prepare(&in, 0, offsets, n, &f);
	if (f.kind == INTERP_FAST_NONE)
		return;
	fast_seen[f.kind]++;
	struct vcpu a = make_vcpu(mode, seed), b = a;
	assert_true(interp_fast_ready(&a, (u8)mode, in.length));
	u32 next_in = (u32)unit_rand(seed);

	memset(&io, 0, sizeof io);
	io.next_in = next_in;
	struct interp_result res;
	int r = interp_exec(&a, &in, &rec_io, &res);
	int n_ref = io.n;
	u32 log_ref[8][4];
	memcpy(log_ref, io.log, sizeof log_ref);

	memset(&io, 0, sizeof io);
	io.next_in = next_in;
	bool taken = interp_fast_exec(&b, &f, b.rip, &rec_io);

	assert_int_equal(r, INTERP_OK);
	assert_int_equal(taken, res.branch);
	assert_memory_equal(&a, &b, sizeof a);
	assert_int_equal(io.n, n_ref);
	assert_memory_equal(io.log, log_ref, sizeof log_ref);
}

static void test_fast_equals_interp(void **state)
{
	(void)state;
	static const enum cpu_mode modes[] = {CPU_MODE_16, CPU_MODE_32, CPU_MODE_64};
	for (u32 m = 0; m < 3; m++) {
		uint64_t seed = 0x5eed0000ULL + m;
		int seen[INTERP_FAST_JMP + 1] = {0};
		for (int i = 0; i < CASES; i++)
			compare_one(modes[m], &seed, seen);
		/* every fast form was exercised in every mode */
		for (int k = INTERP_FAST_NOP; k <= INTERP_FAST_JMP; k++)
			assert_true(seen[k] > 20);
	}
}

static void prepare_bytes(const u8 *bytes, u32 len, enum cpu_mode mode, const u16 *offsets, u32 n,
                          struct interp_fast *f)
{
	struct insn in;
	assert_int_equal(decode_insn(bytes, len, mode, &in), DECODE_OK);
	interp_fast_prepare(&in, 0, offsets, n, f);
}

static void test_forms_left_to_interp(void **state)
{
	(void)state;
	struct interp_fast f;
	static const u16 one[] = {0};
	/* mov esp, 5 / mov rsp, rax: RSP writes mark VCPU_DIRTY_RSP in interp_exec */
	prepare_bytes((const u8[]){0xbc, 5, 0, 0, 0}, 5, CPU_MODE_32, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
	prepare_bytes((const u8[]){0x48, 0x89, 0xc4}, 3, CPU_MODE_64, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
	/* but AH (register 4 without REX) is not SP: mov ah, 1 */
	prepare_bytes((const u8[]){0xb4, 1}, 2, CPU_MODE_32, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_MOV_IMM);
	/* mov eax, [ebx]: memory */
	prepare_bytes((const u8[]){0x8b, 0x03}, 2, CPU_MODE_32, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
	/* add al, 1: flags */
	prepare_bytes((const u8[]){0x04, 1}, 2, CPU_MODE_32, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
	/* jmp $+4 whose target is not an instruction of the block */
	prepare_bytes((const u8[]){0xeb, 2}, 2, CPU_MODE_32, one, 1, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
	static const u16 two[] = {0, 4};
	prepare_bytes((const u8[]){0xeb, 2}, 2, CPU_MODE_32, two, 2, &f);
	assert_int_equal(f.kind, INTERP_FAST_JMP);
	/* 66 jmp rel16 in 32-bit code: the target wraps at 64 KiB */
	static const u16 two16[] = {0, 6};
	prepare_bytes((const u8[]){0x66, 0xe9, 2, 0}, 4, CPU_MODE_32, two16, 2, &f);
	assert_int_equal(f.kind, INTERP_FAST_NONE);
}

static void test_ready_conditions(void **state)
{
	(void)state;
	uint64_t seed = 7;
	struct vcpu v = make_vcpu(CPU_MODE_32, &seed);
	v.rip = 0x1000;
	assert_true(interp_fast_ready(&v, CPU_MODE_32, 64));
	assert_false(interp_fast_ready(&v, CPU_MODE_16, 64)); /* decoded in another mode */
	assert_false(interp_fast_ready(&v, CPU_MODE_64, 64));
	v.seg[VCPU_CS].limit = 0x103e; /* the block's last byte, 0x103f, is past the limit */
	assert_false(interp_fast_ready(&v, CPU_MODE_32, 64));
	v.seg[VCPU_CS].limit = 0x103f;
	assert_true(interp_fast_ready(&v, CPU_MODE_32, 64));
	v.seg[VCPU_CS].limit = 0xffffffff;
	v.rip = 0xffffffe0; /* would wrap at 4 GiB */
	assert_false(interp_fast_ready(&v, CPU_MODE_32, 64));

	struct vcpu r = make_vcpu(CPU_MODE_16, &seed);
	r.seg[VCPU_CS].limit = 0xfffff; /* a big CS limit: IP still wraps at 64 KiB */
	r.rip = 0xffe0;
	assert_false(interp_fast_ready(&r, CPU_MODE_16, 64));
	r.rip = 0xffc0;
	assert_true(interp_fast_ready(&r, CPU_MODE_16, 64));

	struct vcpu l = make_vcpu(CPU_MODE_64, &seed);
	l.rip = 0xffffffff00000000ULL;
	assert_true(interp_fast_ready(&l, CPU_MODE_64, 64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_equals_interp),
		cmocka_unit_test(test_forms_left_to_interp),
		cmocka_unit_test(test_ready_conditions),
	};
	return UNIT_RUN(tests);
}
