/* The interpreter test platform; see fake_interp.h. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "fake_interp.h"
#include "fake_guest_ram.h"

/* 64-bit set-up: page tables and the special pages (linear = physical where mapped). */

u8 *ram;

/* Pages handed out while `tracking`, with their contents from before: the random test checks
 * and restores just these instead of all of RAM. */
bool tracking;
int ntracked;
struct tracked_page tracked[MAX_TRACKED];

static void track(u64 gpa)
{
	u64 page = gpa & ~(PAGE_SIZE - 1);
	for (int i = 0; i < ntracked; i++)
		if (tracked[i].page == page)
			return;
	assert_true(ntracked < MAX_TRACKED);
	tracked[ntracked].page = page;
	memcpy(tracked[ntracked++].data, ram + page, PAGE_SIZE);
}

static void on_access(u64 gpa)
{
	if (tracking)
		track(gpa);
}

static struct fake_guest_ram mem = {.size = RAM_SIZE, .hole_start = HOLE, .hole_end = HOLE + PAGE_SIZE,
                                    .on_access = on_access};
const struct vcpu_platform plat = {.ctx = &mem, .gpa_ptr = fake_guest_ram_ptr};

u64 *pte(u64 table, unsigned idx) { return fake_pte(ram, table, idx); }

void build_page_tables(void)
{
	fake_paging_root(ram, PML4, PDPT, PD);
	fake_paging_map_2m(ram, PD, 0, PT);
	fake_paging_map_2m(ram, PD, 1, 0); /* 2 MiB, holds the hole */
	*pte(PT, PAGE_NP >> 12 & 511) = 0;
	*pte(PT, PAGE_RO >> 12 & 511) = PAGE_RO | PTE_P | PTE_US;
	*pte(PT, PAGE_SUP >> 12 & 511) = PAGE_SUP | PTE_P | PTE_RW;
	*pte(PT, PAGE_SELF >> 12 & 511) = PT | FAKE_PTE_FLAGS;
}

void reset_ram(void)
{
	memset(ram, 0, RAM_SIZE);
	build_page_tables();
}

void flat_segments(struct vcpu *v, u32 cs_ar)
{
	for (int i = 0; i < VCPU_NSEGS; i++)
		v->seg[i] = (struct vcpu_segment){.sel = 0x10, .base = 0, .limit = 0xffffffff, .ar = AR_DATA};
	v->seg[VCPU_CS] = (struct vcpu_segment){.sel = 0x8, .base = 0, .limit = 0xffffffff, .ar = cs_ar};
}

struct vcpu vcpu64(void)
{
	reset_ram();
	struct vcpu v = {0};
	v.cr0 = CR0_PE | CR0_PG | CR0_WP;
	v.cr3 = PML4;
	v.cr4 = CR4_PAE;
	v.efer = EFER_LME | EFER_LMA;
	v.rflags = RFLAGS_FIXED1;
	v.rip = CODE;
	flat_segments(&v, AR_CODE | VCPU_AR_L);
	v.plat = &plat;
	return v;
}

struct vcpu vcpu32(void)
{
	reset_ram();
	struct vcpu v = {0};
	v.cr0 = CR0_PE;
	v.rflags = RFLAGS_FIXED1;
	v.rip = CODE;
	flat_segments(&v, AR_CODE | VCPU_AR_DB);
	v.plat = &plat;
	return v;
}

void real_segment(struct vcpu *v, int s, u16 sel)
{
	v->seg[s] = (struct vcpu_segment){.sel = sel, .base = (u64)sel << 4, .limit = 0xffff, .ar = AR_DATA};
}

struct vcpu vcpu16(void)
{
	reset_ram();
	struct vcpu v = {0};
	v.rflags = RFLAGS_FIXED1;
	for (int i = 0; i < VCPU_NSEGS; i++)
		real_segment(&v, i, 0x1000);
	v.seg[VCPU_CS].ar = AR_CODE;
	v.rip = 0x100;
	v.plat = &plat;
	return v;
}

/* --- The ports. --- */

struct io_log io;
const struct interp_io fake_io = {&io, fake_io_in, fake_io_out};

void reset_io(u32 first_in) { io_log_reset(&io, first_in); }

/* --- Running instructions. --- */

struct interp_result res;

int exec_bytes(struct vcpu *v, const u8 *b, u32 n)
{
	struct insn in;
	int r = decode_insn(b, n, interp_cpu_mode(v), &in);
	if (r != DECODE_OK)
		fail_msg("decode of %u bytes (first %02x) in mode %d: %d", n, b[0], interp_cpu_mode(v), r);
	assert_int_equal(in.length, n);
	return interp_exec(v, &in, &fake_io, &res);
}

u8 *snapshot_ram;

/* Executes and expects INTERP_STOP with nothing at all changed: vCPU, RAM, ports. */
void expect_stop(struct vcpu *v, const u8 *b, u32 n, int line)
{
	struct vcpu before = *v;
	memcpy(snapshot_ram, ram, RAM_SIZE);
	u32 ios = io.n;
	int r = exec_bytes(v, b, n);
	if (r != INTERP_STOP)
		fail_msg("line %d: result %d, expected INTERP_STOP", line, r);
	if (memcmp(&before, v, sizeof before) != 0)
		fail_msg("line %d: the vCPU changed", line);
	if (memcmp(snapshot_ram, ram, RAM_SIZE) != 0)
		fail_msg("line %d: guest memory changed", line);
	if (io.n != ios)
		fail_msg("line %d: a port was accessed", line);
}

u32 rd32(u64 gpa)
{
	u32 x;
	memcpy(&x, ram + gpa, 4);
	return x;
}

void wr32(u64 gpa, u32 x) { memcpy(ram + gpa, &x, 4); }

int group_setup(void **state)
{
	(void)state;
	snapshot_ram = malloc(RAM_SIZE);
	if (fake_guest_ram_alloc(&mem) || !snapshot_ram)
		return -1;
	ram = mem.ram;
	return 0;
}

int group_teardown(void **state)
{
	(void)state;
	fake_guest_ram_free(&mem);
	ram = NULL;
	free(snapshot_ram);
	return 0;
}
