/*
 * libFuzzer harness for dispatcher/emul/interp.c (with decode.c and guest_mem.c). The input builds a
 * vCPU (mode, CPL, registers, flags, segments, alignment checking, CR0.WP), perturbs the
 * paging entries of a 4-level identity map over 64 KiB of guest RAM, gives the instruction
 * bytes and fills part of RAM. Besides ASan/UBSan findings it aborts when
 *   - INTERP_STOP changed anything: the vCPU, guest RAM (page tables included), or a port;
 *   - INTERP_OK did not mark the instruction retired;
 *   - interp_write_range named another range than the one the instruction then wrote.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/emul/decode.h"
#include "dispatcher/vcpu/gmem.h"
#include "dispatcher/emul/interp.h"

#define CHECK(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

#define RAM_SIZE 0x10000u
#define PML4 0x1000u
#define PDPT 0x2000u
#define PD 0x3000u
#define PT 0x4000u
#define FILL_AT 0x8000u
#define PTE_BITS 0x7ULL /* P, RW, US */
#define PTE_TOGGLE 0x67ULL /* P, RW, US, A, D */

static uint8_t ram[RAM_SIZE];
static unsigned io_calls;

/* Pages handed out during interp_exec, with their contents from before: all that it could
 * have written. */
static bool tracking;
static uint32_t touched; /* bit n: page n */
static uint8_t before_page[RAM_SIZE / 4096][4096];

static void *gpa_ptr(void *ctx, uint64_t gpa, uint32_t len)
{
	(void)ctx;
	if (gpa >= RAM_SIZE || gpa + len > RAM_SIZE)
		return NULL;
	uint32_t page = (uint32_t)(gpa >> 12);
	if (tracking && !(touched & (1u << page))) {
		touched |= 1u << page;
		memcpy(before_page[page], ram + page * 4096, 4096);
	}
	return ram + gpa;
}

static const struct vcpu_platform plat = {.gpa_ptr = gpa_ptr};

static uint32_t fake_in(void *ctx, uint16_t port, uint8_t size)
{
	(void)ctx;
	io_calls++;
	return 0x9e3779b9u * (io_calls + port + size);
}

static void fake_out(void *ctx, uint16_t port, uint8_t size, uint32_t val)
{
	(void)ctx, (void)port, (void)size, (void)val;
	io_calls++;
}

static const struct interp_io io = {.in = fake_in, .out = fake_out};

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		if (r->n) {
			v |= (uint64_t)*r->p++ << (8 * i);
			r->n--;
		}
	return v;
}

static void put64(uint32_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }

static void build_ram(struct reader *r)
{
	memset(ram, 0, sizeof ram);
	put64(PML4, PDPT | PTE_BITS);
	put64(PDPT, PD | PTE_BITS);
	put64(PD, PT | PTE_BITS);
	/* the input toggles P, R/W, U/S, accessed and dirty of each page-table entry */
	for (uint32_t i = 0; i < RAM_SIZE / 4096; i++)
		put64(PT + i * 8, ((uint64_t)i << 12) | (PTE_BITS ^ (take(r, 1) & PTE_TOGGLE)));
	size_t fill = r->n < RAM_SIZE - FILL_AT ? r->n : RAM_SIZE - FILL_AT;
	memcpy(ram + FILL_AT, r->p, fill);
}

static void build_vcpu(struct vcpu *v, struct reader *r, uint8_t ctl)
{
	memset(v, 0, sizeof *v);
	v->plat = &plat;
	int mode = ctl % 3;
	v->cpl = (ctl & 0x04) ? 3 : 0;
	v->rflags = 0x2 | (take(r, 2) & 0x8d5) | ((ctl & 0x08) ? 0x400 : 0) | ((ctl & 0x10) ? 1u << 18 : 0);
	v->cr0 = 1 | ((ctl & 0x10) ? 1u << 18 : 0) | ((ctl & 0x20) ? 0 : 1u << 16);
	for (int i = 0; i < VCPU_NREGS; i++) {
		uint64_t x = take(r, 8);
		v->gpr[i] = (ctl & 0x40) ? x & 0xffff : x;
	}
	for (int s = 0; s < VCPU_NSEGS; s++) {
		uint8_t ar = (uint8_t)take(r, 1);
		uint16_t lim = (uint16_t)take(r, 2);
		v->seg[s].base = take(r, 1) << 8;
		v->seg[s].limit = lim == 0xffff ? 0xffffffffu : lim;
		v->seg[s].ar = 0x90u | (ar & 0x0f) | ((ar & 0x80) ? 1u << 16 : 0);
	}
	v->rip = take(r, 2);
	if (mode == 2) { /* 64-bit mode, 4-level paging */
		v->cr0 |= 1ULL << 31;
		v->cr3 = PML4;
		v->cr4 = 1 << 5;
		v->efer = (1 << 8) | (1 << 10);
		v->seg[VCPU_CS].ar = 0x9b | VCPU_AR_L;
	} else {
		v->seg[VCPU_CS].ar = 0x9b | (mode == 1 ? VCPU_AR_DB : 0);
		if (mode == 0 && (ctl & 0x80))
			v->cr0 &= ~1ULL; /* real mode */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t ctl = (uint8_t)take(&r, 1);
	uint8_t bytes[16];
	for (int i = 0; i < 16; i++)
		bytes[i] = (uint8_t)take(&r, 1);
	struct vcpu v;
	build_vcpu(&v, &r, ctl);
	build_ram(&r);
	struct insn in;
	if (decode_insn(bytes, sizeof bytes, interp_cpu_mode(&v), &in) != DECODE_OK)
		return 0;

	u16 port;
	u8 psize;
	int isio = interp_io_ports(&in, &v, &port, &psize);
	CHECK(isio == -1 || psize == 1 || psize == 2 || psize == 4);
	u64 wlin = 0, wlen = 0;
	int wr = interp_write_range(&v, &in, &wlin, &wlen);

	struct vcpu before = v;
	io_calls = 0;
	touched = 0;
	tracking = true;
	struct interp_result res;
	int rc = interp_exec(&v, &in, &io, &res);
	tracking = false;
	CHECK(rc == INTERP_OK || rc == INTERP_STOP || rc == INTERP_PARTIAL);
	if (rc == INTERP_STOP) {
		CHECK(memcmp(&before, &v, sizeof v) == 0);
		for (uint32_t p = 0; p < RAM_SIZE / 4096; p++)
			if (touched & (1u << p))
				CHECK(memcmp(before_page[p], ram + p * 4096, 4096) == 0);
		CHECK(io_calls == 0);
	}
	if (rc == INTERP_OK) {
		CHECK(v.dirty & VCPU_DIRTY_RETIRED);
		CHECK(v.rip == res.rip);
		CHECK(io_calls == res.io_count);
		if (res.mem_write) {
			CHECK(wr == 0);
			CHECK(wlin == res.mem_linear && wlen == res.mem_len);
		}
	}
	if (rc == INTERP_PARTIAL)
		CHECK(insn_is_string_io(in.kind));
	return 0;
}
