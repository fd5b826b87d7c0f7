/*
 * Differential test of dispatcher/emul/interp.c against the host CPU (x86-64 Linux): random
 * instructions of the subset in 64-bit mode (every operand size, 8-bit high registers, REX
 * registers, memory operands with base/index/scale/displacement, RIP-relative, moffs, the 67
 * prefix), random register values and arithmetic flags. Each case runs natively (host_exec.S)
 * and through interp_exec on a fake vCPU with the same state, paging off, whose guest RAM is
 * the same host buffer; then all GPRs, the arithmetic flags, the buffer and the branch outcome
 * must agree. Flags that the SDM leaves undefined for the instruction are masked; how often
 * the interpreter's fixed values for them match the host anyway is printed for information.
 *
 * Usage: diff_interp [cases] [seed]. Prints TAP lines; the first failing cases are printed with
 * their bytes and states.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dispatcher/emul/decode.h"
#include "dispatcher/emul/interp.h"

#define BUF_ADDR 0x10000000ULL /* data: guest-physical = linear = host address */
#define BUF_SIZE 0x4000ULL
#define CODE_ADDR 0x20000000ULL
#define CODE_SIZE 0x1000ULL
#define INSN_OFF 0x100
#define STUB_LEN 14 /* jmp [rip+0]; .quad target */
#define SHOW_MAX 10

#define F_CF 0x1ULL
#define F_PF 0x4ULL
#define F_AF 0x10ULL
#define F_ZF 0x40ULL
#define F_SF 0x80ULL
#define F_OF 0x800ULL
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_FIXED 0x202ULL /* IF and the always-one bit 1 */

struct hstate {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t taken;
};

void host_exec(struct hstate *s, const void *code);
extern char host_return_fall[], host_return_taken[];

static uint8_t *buf, *code;
static uint8_t mem0[BUF_SIZE], mem_native[BUF_SIZE];

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t interesting(void)
{
	static const uint64_t edges[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
	                                 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
	                                 0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, 0xf, 0x10};
	switch (rnd() % 6) {
	case 0:
		return edges[rnd() % (sizeof edges / sizeof edges[0])];
	case 1:
		return rnd() & 0xff;
	case 2:
		return (rnd() & ~0xffULL) | edges[rnd() % 6];
	case 3:
		return rnd() % 70; /* shift counts around the operand sizes */
	default:
		return rnd();
	}
}

/* --- The fake vCPU: 64-bit mode, CPL 3, paging off, guest RAM = the data buffer. --- */

static void *gpa_ptr(void *ctx, uint64_t gpa, uint32_t len)
{
	(void)ctx;
	if (gpa >= BUF_ADDR && gpa + len <= BUF_ADDR + BUF_SIZE)
		return (void *)(uintptr_t)gpa;
	return NULL;
}

static const struct vcpu_platform plat = {.gpa_ptr = gpa_ptr};

static void make_vcpu(struct vcpu *v, const struct hstate *s)
{
	memset(v, 0, sizeof *v);
	memcpy(v->gpr, s->gpr, sizeof v->gpr);
	v->rflags = s->rflags;
	v->rip = CODE_ADDR + INSN_OFF;
	v->efer = EFER_LMA;
	v->cr0 = 1; /* PE; PG off: linear = physical */
	v->cpl = 3;
	v->seg[VCPU_CS].ar = VCPU_AR_L | 0xfb;
	for (int i = 0; i < VCPU_NSEGS; i++)
		if (i != VCPU_CS)
			v->seg[i].ar = 0xf3;
	v->plat = &plat;
}

static uint32_t dummy_in(void *ctx, uint16_t port, uint8_t size)
{
	(void)ctx, (void)port, (void)size;
	return 0;
}
static void dummy_out(void *ctx, uint16_t port, uint8_t size, uint32_t val)
{
	(void)ctx, (void)port, (void)size, (void)val;
}
static const struct interp_io no_io = {.in = dummy_in, .out = dummy_out};

/* --- Case generation. --- */

static const uint8_t ops1[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x10, 0x11, 0x12,
	0x13, 0x14, 0x15, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3a,
	0x3b, 0x3c, 0x3d, 0x63, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
	0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
	0x8b, 0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0x97, 0xa0, 0xa1, 0xa2, 0xa3, 0xa8, 0xa9, 0xb0,
	0xb3, 0xb4, 0xb7, 0xb8, 0xbb, 0xbd, 0xbf, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3,
	0xe9, 0xeb, 0xf6, 0xf7, 0xfe, 0xff,
	/* the shift groups and group 3 again: they are the flag-heavy ones */
	0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3, 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7};
static const uint8_t ops2[] = {0x1f, 0x80, 0x83, 0x85, 0x8c, 0x8f, 0xb6, 0xb7, 0xbe, 0xbf};

static unsigned gen_bytes(uint8_t *b)
{
	unsigned n = 0;
	if (rnd() % 3 == 0)
		b[n++] = 0x66;
	if (rnd() % 8 == 0)
		b[n++] = 0x67;
	if (rnd() % 2)
		b[n++] = (uint8_t)(0x40 | (rnd() & 0xf));
	if (rnd() % 6 == 0) {
		b[n++] = 0x0f;
		b[n++] = ops2[rnd() % sizeof ops2];
	} else {
		b[n++] = ops1[rnd() % sizeof ops1];
	}
	uint8_t modrm = (uint8_t)rnd();
	/* the shift and group-3 subset members: reg 4, 5, 7 and 0, 2, 3 */
	if (b[n - 1] == 0xc0 || b[n - 1] == 0xc1 || (b[n - 1] >= 0xd0 && b[n - 1] <= 0xd3)) {
		static const uint8_t r[3] = {4, 5, 7};
		modrm = (uint8_t)((modrm & 0xc7) | (r[rnd() % 3] << 3));
	} else if (b[n - 1] == 0xf6 || b[n - 1] == 0xf7) {
		static const uint8_t r[3] = {0, 2, 3};
		modrm = (uint8_t)((modrm & 0xc7) | (r[rnd() % 3] << 3));
	} else if (b[n - 1] == 0xfe || b[n - 1] == 0xff || b[n - 1] == 0xc6 || b[n - 1] == 0xc7) {
		modrm = (uint8_t)((modrm & 0xc7) | ((rnd() % 2) << 3));
	}
	if (rnd() % 2)
		modrm |= 0xc0; /* register forms half the time */
	b[n++] = modrm;
	for (unsigned i = 0; i < 14; i++)
		b[n++] = (uint8_t)rnd();
	return n;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t amask(const struct insn *in) { return in->addrsize == 64 ? ~0ULL : 0xffffffffULL; }

static bool uses_rsp(const struct insn *in)
{
	for (int i = 0; i < in->nops; i++)
		if (in->op[i].type == OPND_REG && in->op[i].reg == VCPU_RSP && !in->op[i].high8)
			return true;
	bool mem = in->op[0].type == OPND_MEM || in->op[1].type == OPND_MEM;
	return mem && (in->mem.base == VCPU_RSP || in->mem.index == VCPU_RSP);
}

/*
 * Points the memory operand at a random place in the buffer: by the base register's value, or
 * by rewriting the displacement (RIP-relative, absolute, moffs). false: case not usable.
 */
static bool place_memory(uint8_t *b, struct insn *in, struct hstate *s)
{
	bool mem = in->op[0].type == OPND_MEM || in->op[1].type == OPND_MEM;
	if (!mem || in->kind == INSN_NOP)
		return true;
	const struct insn_mem *m = &in->mem;
	uint64_t target = BUF_ADDR + 0x800 + rnd() % (BUF_SIZE - 0x1000);
	uint64_t idx = 0;
	if (m->index != INSN_REG_NONE) {
		if (m->index == m->base)
			return false;
		idx = rnd() % 0x40;
		if (in->addrsize == 32)
			idx |= rnd() << 32; /* ignored by 32-bit addressing */
		s->gpr[m->index] = idx;
	}
	uint64_t scaled = (idx * m->scale) & amask(in);
	unsigned disp_at = in->length - in->imm_size - in->disp_size;
	uint64_t next = CODE_ADDR + INSN_OFF + in->length;
	if (m->base == INSN_REG_RIP) {
		put_le(b + disp_at, target - next - scaled, 4);
	} else if (m->base == INSN_REG_NONE) {
		if (in->disp_size != 4 && in->disp_size != 8)
			return false;
		put_le(b + disp_at, target - scaled, in->disp_size);
	} else {
		uint64_t base = (target - (uint64_t)m->disp - scaled) & amask(in);
		if (in->addrsize == 32)
			base |= rnd() << 32;
		s->gpr[m->base] = base;
	}
	return true;
}

/* One usable case: bytes, decoded form, initial state. */
static bool make_case(uint8_t *b, struct insn *in, struct hstate *s)
{
	gen_bytes(b);
	if (decode_insn(b, 15, CPU_MODE_64, in) != DECODE_OK)
		return false;
	if (insn_is_io(in->kind))
		return false;
	/* the stack and call forms move the host's own stack and RIP: tests/unit/test_interp_stack.c */
	if (in->kind >= INSN_CALL)
		return false;
	if (uses_rsp(in))
		return false;
	for (int i = 0; i < 16; i++)
		s->gpr[i] = interesting();
	s->rflags = F_FIXED | (rnd() & F_ARITH);
	s->taken = 0;
	if (in->kind == INSN_JMP || in->kind == INSN_JCC)
		put_le(b + in->length - in->imm_size, STUB_LEN, in->imm_size);
	if (!place_memory(b, in, s))
		return false;
	struct insn again;
	if (decode_insn(b, 15, CPU_MODE_64, &again) != DECODE_OK || again.length != in->length)
		return false;
	*in = again;
	return true;
}

/* --- Undefined flags (SDM Vol. 2 per instruction, Vol. 1 appendix A). --- */

static uint64_t undefined_flags(const struct insn *in, const struct hstate *s)
{
	switch (in->kind) {
	case INSN_AND:
	case INSN_OR:
	case INSN_XOR:
	case INSN_TEST:
		return F_AF;
	case INSN_SHL:
	case INSN_SHR:
	case INSN_SAR: {
		uint64_t c = in->op[1].type == OPND_IMM ? in->imm : s->gpr[VCPU_RCX];
		c &= in->op[0].size == 64 ? 0x3f : 0x1f;
		if (c == 0)
			return 0;
		uint64_t u = F_AF;
		if (c != 1)
			u |= F_OF;
		if (in->kind != INSN_SAR && c >= in->op[0].size)
			u |= F_CF;
		return u;
	}
	default:
		return 0;
	}
}

/* --- Running and comparing. --- */

struct tally {
	unsigned long cases, failed, stopped, zero_shift_stops;
	unsigned long kinds[INSN_KIND_COUNT];
	unsigned long undef_cases[INSN_KIND_COUNT], undef_diff[INSN_KIND_COUNT][12];
	int shown;
};

static void dump_state(const char *name, const uint64_t *g, uint64_t fl)
{
	static const char *const n[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	                                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
	printf("#   %s: rflags=%03" PRIx64, name, fl & 0xfff);
	for (int i = 0; i < 16; i++)
		if (i != VCPU_RSP)
			printf("%s %s=%016" PRIx64, i % 4 == 0 ? "\n#    " : "", n[i], g[i]);
	printf("\n");
}

static void show_failure(struct tally *t, const uint8_t *b, const struct insn *in,
                         const struct hstate *init, const struct hstate *nat,
                         const struct vcpu *v, const char *why)
{
	t->failed++;
	if (t->shown++ >= SHOW_MAX)
		return;
	printf("# case %lu: %s (", t->cases, insn_kind_name(in->kind));
	for (unsigned i = 0; i < in->length; i++)
		printf("%02x", b[i]);
	printf("): %s\n", why);
	dump_state("before", init->gpr, init->rflags);
	dump_state("native", nat->gpr, nat->rflags);
	dump_state("interp", v->gpr, v->rflags);
}

static void run_case(struct tally *t, const uint8_t *b, const struct insn *in,
                     const struct hstate *init)
{
	/* native */
	memcpy(code + INSN_OFF, b, in->length);
	uint8_t *stub = code + INSN_OFF + in->length;
	for (int k = 0; k < 2; k++) {
		uint8_t *p = stub + k * STUB_LEN;
		p[0] = 0xff;
		p[1] = 0x25;
		put_le(p + 2, 0, 4);
		put_le(p + 6, (uint64_t)(uintptr_t)(k ? host_return_taken : host_return_fall), 8);
	}
	__builtin___clear_cache((char *)code, (char *)code + CODE_SIZE);
	struct hstate nat = *init;
	memcpy(buf, mem0, BUF_SIZE);
	host_exec(&nat, code + INSN_OFF);
	memcpy(mem_native, buf, BUF_SIZE);

	/* interpreted */
	memcpy(buf, mem0, BUF_SIZE);
	struct vcpu v;
	struct interp_result res;
	make_vcpu(&v, init);
	int r = interp_exec(&v, in, &no_io, &res);
	t->cases++;
	t->kinds[in->kind]++;
	bool shift = in->kind == INSN_SHL || in->kind == INSN_SHR || in->kind == INSN_SAR;
	if (r == INTERP_STOP && shift && in->op[0].type == OPND_MEM && undefined_flags(in, init) == 0) {
		t->zero_shift_stops++; /* by design: a memory shift by 0 is left to the processor */
		return;
	}
	if (r != INTERP_OK) {
		t->stopped++;
		show_failure(t, b, in, init, &nat, &v, "interp_exec did not execute it");
		return;
	}
	char why[200] = "";
	for (int i = 0; i < 16; i++)
		if (v.gpr[i] != nat.gpr[i])
			snprintf(why, sizeof why, "register %d differs", i);
	uint64_t undef = undefined_flags(in, init);
	uint64_t diff = (v.rflags ^ nat.rflags) & 0xffffffffULL;
	if (diff & ~undef)
		snprintf(why, sizeof why, "flags differ: %03" PRIx64 " (undefined here: %03" PRIx64 ")",
		         diff & 0xfff, undef);
	if (memcmp(buf, mem_native, BUF_SIZE) != 0)
		snprintf(why, sizeof why, "memory differs");
	if ((bool)nat.taken != res.branch)
		snprintf(why, sizeof why, "branch: native %s, interp %s", nat.taken ? "taken" : "not taken",
		         res.branch ? "taken" : "not taken");
	uint64_t want_rip = CODE_ADDR + INSN_OFF + in->length + (nat.taken ? STUB_LEN : 0);
	if (v.rip != want_rip)
		snprintf(why, sizeof why, "rip %" PRIx64 ", want %" PRIx64, v.rip, want_rip);
	if (why[0])
		show_failure(t, b, in, init, &nat, &v, why);
	if (undef) {
		t->undef_cases[in->kind]++;
		for (int bit = 0; bit < 12; bit++)
			if ((undef >> bit) & (diff >> bit) & 1)
				t->undef_diff[in->kind][bit]++;
	}
}

static void print_undefined(const struct tally *t)
{
	static const char *const names[12] = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "", "OF"};
	printf("# undefined flags: how often the interpreter's fixed value differs from this host\n");
	for (int k = 0; k < INSN_KIND_COUNT; k++) {
		if (!t->undef_cases[k])
			continue;
		printf("#   %-5s %7lu cases with undefined flags:", insn_kind_name((enum insn_kind)k), t->undef_cases[k]);
		for (int bit = 0; bit < 12; bit++)
			if (t->undef_diff[k][bit])
				printf(" %s differs %lu", names[bit], t->undef_diff[k][bit]);
		printf("\n");
	}
}

static void *map_fixed(uint64_t addr, uint64_t size, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	               -1, 0);
	return p == (void *)(uintptr_t)addr ? p : NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed5eed12345678ULL;
	buf = map_fixed(BUF_ADDR, BUF_SIZE, PROT_READ | PROT_WRITE);
	code = map_fixed(CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
	if (!buf || !code) {
		printf("not ok - interpreter vs host CPU: cannot map the buffers at fixed addresses\n");
		return 0;
	}
	struct tally t = {0};
	unsigned long tries = 0;
	while (t.cases < n && tries < 100 * n) {
		uint8_t b[32];
		struct insn in;
		struct hstate s;
		tries++;
		if (!make_case(b, &in, &s))
			continue;
		for (uint64_t i = 0; i < BUF_SIZE; i += 8) {
			uint64_t x = interesting();
			memcpy(mem0 + i, &x, 8);
		}
		run_case(&t, b, &in, &s);
	}
	printf("# %lu cases (from %lu generated), %lu disagreements, %lu not executed (and %lu memory "
	       "shifts by 0 left to the processor by design)\n",
	       t.cases, tries, t.failed, t.stopped, t.zero_shift_stops);
	printf("#   kinds:");
	for (int k = 1; k < INSN_KIND_COUNT; k++)
		if (t.kinds[k])
			printf(" %s=%lu", insn_kind_name((enum insn_kind)k), t.kinds[k]);
	printf("\n");
	print_undefined(&t);
	printf("%s - interpreter vs host CPU: %lu random instructions, 64-bit mode\n",
	       t.failed || t.cases < n ? "not ok" : "ok", t.cases);
	return 0;
}
