/* The fake vCPU platform of fake_vcpu.h. */
#include "fake_vcpu.h"
#include "fake_guest_ram.h"

#include <stdlib.h>
#include <string.h>

#include "arch/console.h"

#define PML4 FAKE_PT_BASE
#define PDPT (FAKE_PT_BASE + 0x1000)
#define PD (FAKE_PT_BASE + 0x2000)
#define PT0 (FAKE_PT_BASE + 0x3000) /* the page tables, one per 2 MiB, from here on */
#define LARGE_PAGE (2 * MIB) /* what one PD entry maps */

struct fake fk;

static struct fake_guest_ram mem = {.size = FAKE_RAM_SIZE};

static void fake_host_cpuid(u32 leaf, u32 sub, u32 regs[4])
{
	fk.last_cpuid_leaf = leaf;
	fk.last_cpuid_sub = sub;
	for (u32 i = 0; i < fk.ncpuid; i++) {
		const struct fake_cpuid *c = &fk.cpuid[i];
		if (c->leaf == leaf && (c->any_sub || c->sub == sub)) {
			memcpy(regs, c->regs, sizeof(c->regs));
			return;
		}
	}
	memset(regs, 0, 4 * sizeof(u32));
}

static int fake_host_xsetbv(u32 index, u64 value)
{
	fk.xsetbv_calls++;
	fk.xsetbv_index = index;
	fk.xsetbv_value = value;
	return fk.xsetbv_result;
}

static u64 fake_host_rdmsr(u32 msr)
{
	(void)msr;
	fail_msg("the dispatcher read a host MSR");
	return 0;
}

static u64 fake_now_tsc(void)
{
	u64 t = fk.tsc;
	fk.tsc += fk.tsc_step ? fk.tsc_step : 1;
	return t;
}

static void capture(const char *s, size_t n)
{
	size_t room = sizeof(fk.con) - 1 - fk.con_len;
	if (n > room)
		n = room;
	memcpy(fk.con + fk.con_len, s, n);
	fk.con_len += n;
	fk.con[fk.con_len] = 0;
}

void fake_console_clear(void)
{
	con_set_output(capture);
	if (!con_at_line_start())
		con_write("\n", 1);
	fk.con_len = 0;
	fk.con[0] = 0;
}

const char *fake_console(void) { return fk.con; }

void fake_cpuid_set(u32 leaf, u32 sub, bool any_sub, u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	struct fake_cpuid *c = NULL;
	for (u32 i = 0; i < fk.ncpuid && !c; i++)
		if (fk.cpuid[i].leaf == leaf && fk.cpuid[i].sub == sub && fk.cpuid[i].any_sub == any_sub)
			c = &fk.cpuid[i];
	if (!c) {
		assert_true(fk.ncpuid < FAKE_CPUID_ENTRIES);
		c = &fk.cpuid[fk.ncpuid++];
	}
	*c = (struct fake_cpuid){leaf, sub, any_sub, {eax, ebx, ecx, edx}};
}

static void build_page_tables(void)
{
	fake_paging_root(fk.ram, PML4, PDPT, PD);
	for (unsigned slot = 0; slot < FAKE_RAM_SIZE / LARGE_PAGE; slot++)
		fake_paging_map_2m(fk.ram, PD, slot, PT0 + PAGE_SIZE * slot);
}

void fake_legacy_hole(void)
{
	mem.hole_start = LEGACY_HOLE_START;
	mem.hole_end = LEGACY_HOLE_END;
}

void fake_unmap(u64 linear)
{
	assert_true(linear < FAKE_RAM_SIZE);
	*fake_paging_pte_of(fk.ram, PD, linear) = 0;
}

static void set_segments(u32 code_ar, u32 data_ar, u32 limit)
{
	for (int i = 0; i < VCPU_NSEGS; i++)
		fk.v.seg[i] = (struct vcpu_segment){0, 0, limit, data_ar};
	fk.v.seg[VCPU_CS].ar = code_ar;
	fk.v.cpl = 0;
}

void fake_mode_real(void)
{
	fk.v.cr0 = CR0_ET;
	fk.v.cr3 = 0;
	fk.v.cr4 = 0;
	fk.v.efer = 0;
	set_segments(F_AR_CODE16, F_AR_DATA, 0xffff);
}

void fake_mode_prot32(void)
{
	fk.v.cr0 = CR0_PE | CR0_ET;
	fk.v.cr3 = 0;
	fk.v.cr4 = 0;
	fk.v.efer = 0;
	set_segments(F_AR_CODE32, F_AR_DATA | (1u << 14) | (1u << 15), 0xffffffff);
}

void fake_mode_long64(void)
{
	fk.v.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	fk.v.cr3 = PML4;
	fk.v.cr4 = CR4_PAE;
	fk.v.efer = EFER_LME | EFER_LMA;
	set_segments(F_AR_CODE64, F_AR_DATA, 0xffffffff);
}

void fake_mode_compat(void)
{
	fake_mode_long64();
	fk.v.seg[VCPU_CS].ar = F_AR_CODE32;
}

/* vcpu_seg's loader: the segment as it was when the exit happened. */
static void fake_load_seg(struct vcpu *v, enum vcpu_seg s)
{
	v->seg[s] = fk.exit_seg[s];
	fk.seg_loads++;
}

void fake_exit(u32 reason, u64 qual, u32 instr_len)
{
	fk.v.exit = (struct vcpu_exit){.reason = reason, .qual = qual, .instr_len = instr_len};
	fk.v.pending_dbg = 0; /* as vmx/ loads it at each exit */
	/* As vmx/ does, the segments are loaded on first use (vcpu_seg): until then seg[] holds
	 * garbage here, so a reader that bypasses vcpu_seg sees it and its test fails. */
	for (int s = 0; s < VCPU_NSEGS; s++) /* a segment never loaded keeps its value in the "VMCS" */
		if (!(fk.v.segs_unread & VCPU_SEG_BIT(s)))
			fk.exit_seg[s] = fk.v.seg[s];
	memset(fk.v.seg, 0xa5, sizeof(fk.v.seg));
	fk.v.segs_unread = VCPU_SEGS_ALL;
}

static void default_cpuid(void)
{
	fk.ncpuid = 0;
	/* Leaf 0: "GenuineIntel", highest basic leaf 0xd. */
	fake_cpuid_set(0, 0, true, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
	/* Leaf 1: VMX, SMX, MONITOR, x2APIC, TSC deadline, XSAVE and (the host's) OSXSAVE; APIC in EDX. */
	fake_cpuid_set(1, 0, true, 0x000906ea, 0x00100800,
	               (1u << 0) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 24) | (1u << 26) |
	                   (1u << 27),
	               0x178bfbff);
	/* Leaf 0xd.0: XCR0 may hold x87, SSE, AVX, MPX (3, 4), AVX-512 (5..7), PKRU (9), AMX (17, 18). */
	fake_cpuid_set(0xd, 0, false, 0x000602ff, 0x340, 0x2c0, 0);
	fake_cpuid_set(0xd, 1, false, 0xf, 0, 0, 0);
	/* A hypervisor below microhv: its signature must not reach the guest. */
	fake_cpuid_set(0x40000000, 0, true, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
}

/* The fake EPT's write protection: guest RAM pages only, as vmx/run.c's. */
static bool fake_write_protect(void *ctx, u64 gpa_page, bool on)
{
	(void)ctx;
	if (gpa_page >= FAKE_RAM_SIZE || (gpa_page & (PAGE_SIZE - 1)))
		return false;
	fk.wp[gpa_page / PAGE_SIZE] = on;
	fk.wp_calls++;
	return true;
}

int fake_setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	mem.hole_start = mem.hole_end = 0;
	if (fake_guest_ram_alloc(&mem))
		return -1;
	fk.ram = mem.ram;
	build_page_tables();
	default_cpuid();
	fk.plat = (struct vcpu_platform){&mem, fake_guest_ram_ptr, fake_host_cpuid, fake_host_xsetbv, fake_host_rdmsr,
	                                 fake_now_tsc, fake_load_seg, fake_write_protect, 0, true};
	memset(&fk.board, 0, sizeof(fk.board));
	iobus_init(&fk.board.bus);
	debug_exit_init(&fk.board.dbg);
	if (iobus_register(&fk.board.bus, &fk.board.dbg.io))
		return -1;
	fk.cfg = (struct dispatch_config){.trace_exits = false, .cr4_allowed = FAKE_CR4_ALLOWED};
	dispatch_init(&fk.d, &fk.board, &fk.cfg);
	fk.v.plat = &fk.plat;
	fk.v.rip = FAKE_RIP;
	fk.v.rflags = RFLAGS_FIXED1 | RFLAGS_IF;
	fake_mode_long64();
	fake_console_clear();
	return 0;
}

int fake_teardown(void **state)
{
	(void)state;
	fake_guest_ram_free(&mem);
	fk.ram = NULL;
	con_set_output(NULL);
	return 0;
}

void fake_assert_untouched_rip(void)
{
	assert_false(fk.v.ended);
	assert_false(fk.v.inject.pending);
	assert_int_equal(fk.v.rip, FAKE_RIP);
	assert_false(fk.v.dirty & (VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED));
}

void fake_assert_fault(u8 vector, bool has_error, u32 error)
{
	assert_false(fk.v.ended);
	assert_true(fk.v.inject.pending);
	assert_int_equal(fk.v.inject.vector, vector);
	assert_int_equal(fk.v.inject.type, VCPU_EVENT_HW_EXCEPTION);
	assert_int_equal(fk.v.inject.has_error, has_error);
	if (has_error)
		assert_int_equal(fk.v.inject.error, error);
	assert_int_equal(fk.v.rip, FAKE_RIP);
	assert_false(fk.v.dirty & (VCPU_DIRTY_RIP | VCPU_DIRTY_RETIRED));
}

void fake_assert_retired(u32 len)
{
	assert_false(fk.v.ended);
	assert_false(fk.v.inject.pending);
	assert_int_equal(fk.v.rip, FAKE_RIP + len);
	assert_true(fk.v.dirty & VCPU_DIRTY_RIP);
	assert_true(fk.v.dirty & VCPU_DIRTY_RETIRED);
}
