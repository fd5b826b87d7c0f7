/*
 * vmx/exit_needs.c: what the run loop reads from the VMCS at each exit. Two kinds of check:
 * the table against the SDM's exit-information rules (Vol. 3C 28.2.1-28.2.5), and the claim
 * behind every light entry: the dispatcher's handler for that reason gives the same result when
 * every group the table leaves unread holds garbage (as it holds a stale value in the core).
 */
#include "fake_vcpu.h"

#include <string.h>

#include "vmx/exit_needs.h"

#define V (&fk.v)
#define VEC_VALID (1u << 31)
#define VEC_ERROR_VALID (1u << 11)
#define VEC_TYPE(t) ((u32)(t) << 8)
#define TYPE_EXT_INT 0
#define TYPE_HW_EXCEPTION 3
#define TYPE_SW_INT 4
#define TYPE_PRIV_SW_EXCEPTION 5
#define TYPE_SW_EXCEPTION 6
#define GARBAGE 0xa5

static void test_every_reason_reads_reason_specific_fields(void **state)
{
	/* IO exits: qualification, length and INS/OUTS instruction information; no addresses */
	u32 n = vmx_exit_needs(EXIT_REASON_IO_INSTRUCTION, false, 0, false);
	assert_int_equal(n & (VMX_NEED_QUAL | VMX_NEED_INSTR_LEN | VMX_NEED_INSTR_INFO),
	                 VMX_NEED_QUAL | VMX_NEED_INSTR_LEN | VMX_NEED_INSTR_INFO);
	assert_int_equal(n & VMX_NEED_STATE_ALL, VMX_NEED_STATE_ALL);
	assert_false(n & (VMX_NEED_LINEAR | VMX_NEED_PHYS | VMX_NEED_INTR_INFO | VMX_NEED_VECTORING_ERROR));
	/* EPT violations: the guest-physical and guest-linear addresses (28.2.1 table 28-7) */
	n = vmx_exit_needs(EXIT_REASON_EPT_VIOLATION, false, 0, false);
	assert_int_equal(n & (VMX_NEED_PHYS | VMX_NEED_LINEAR | VMX_NEED_QUAL), VMX_NEED_PHYS | VMX_NEED_LINEAR | VMX_NEED_QUAL);
	/* NMI exits: the interruption information says it was an NMI (28.2.2); no guest state */
	n = vmx_exit_needs(EXIT_REASON_EXCEPTION_NMI, false, 0, false);
	assert_int_equal(n, VMX_NEED_INTR_INFO);
	/* the turn-giving exits read nothing beyond the reason and the IDT-vectoring information */
	const u32 turns[] = {EXIT_REASON_PREEMPTION_TIMER, EXIT_REASON_INTERRUPT_WINDOW, EXIT_REASON_NMI_WINDOW,
	                     EXIT_REASON_EXTERNAL_INTERRUPT};
	for (size_t i = 0; i < ARRAY_SIZE(turns); i++)
		assert_int_equal(vmx_exit_needs(turns[i], false, 0, false), 0);
	/* HLT skips the instruction: length and RIP/RFLAGS, no CRs or segments */
	assert_int_equal(vmx_exit_needs(EXIT_REASON_HLT, false, 0, false), VMX_NEED_INSTR_LEN | VMX_NEED_REGS);
	/* reasons the table does not know read everything, as do entry failures of any reason */
	assert_int_equal(vmx_exit_needs(EXIT_REASON_RDTSC, false, 0, false), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(EXIT_REASON_TRIPLE_FAULT, false, 0, false), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(EXIT_REASON_ENTRY_FAIL_GUEST_STATE, true, 0, false), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(EXIT_REASON_PREEMPTION_TIMER, true, 0, false), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(0xffff, false, 0, false), VMX_NEED_ALL);
}

/* An interrupted event is re-injected from the IDT-vectoring fields (28.2.4, 29.2.1). */
static void test_vectoring_adds_what_reinjection_needs(void **state)
{
	u32 n = vmx_exit_needs(EXIT_REASON_PREEMPTION_TIMER, false, VEC_VALID | VEC_TYPE(TYPE_HW_EXCEPTION) | 14 | VEC_ERROR_VALID,
	                       false);
	assert_int_equal(n, VMX_NEED_VECTORING_ERROR);
	n = vmx_exit_needs(EXIT_REASON_PREEMPTION_TIMER, false, VEC_VALID | VEC_TYPE(TYPE_EXT_INT) | 0x20, false);
	assert_int_equal(n, 0);
	const u32 soft[] = {TYPE_SW_INT, TYPE_PRIV_SW_EXCEPTION, TYPE_SW_EXCEPTION};
	for (size_t i = 0; i < ARRAY_SIZE(soft); i++)
		assert_int_equal(vmx_exit_needs(EXIT_REASON_EXTERNAL_INTERRUPT, false, VEC_VALID | VEC_TYPE(soft[i]) | 3, false),
		                 VMX_NEED_INSTR_LEN);
	/* without the valid bit the rest of the field means nothing */
	assert_int_equal(vmx_exit_needs(EXIT_REASON_PREEMPTION_TIMER, false, VEC_ERROR_VALID | VEC_TYPE(TYPE_SW_INT), false), 0);
	/* the exit trace prints RIP and the qualification */
	assert_int_equal(vmx_exit_needs(EXIT_REASON_PREEMPTION_TIMER, false, 0, true), VMX_NEED_QUAL | VMX_NEED_REGS);
}

/* Overwrites what an exit with this read set leaves unread, the way a stale value would sit there. */
static void spoil_unread(struct vcpu *v, u32 need)
{
	if (!(need & VMX_NEED_QUAL))
		v->exit.qual = 0xdeadbeefULL;
	if (!(need & VMX_NEED_INSTR_LEN))
		v->exit.instr_len = 13;
	if (!(need & VMX_NEED_INSTR_INFO))
		v->exit.instr_info = 0xffffffffu;
	if (!(need & VMX_NEED_LINEAR))
		v->exit.guest_linear = 0xbad000;
	if (!(need & VMX_NEED_PHYS))
		v->exit.guest_phys = 0xbad000;
	if (!(need & VMX_NEED_INTR_INFO))
		v->exit.intr_info = 0x80000b0eu;
	if (!(need & VMX_NEED_REGS)) {
		v->rip = 0xbadbad;
		v->rflags = 0x3d7;
		v->gpr[VCPU_RSP] = 0xbad0;
	}
	if (!(need & VMX_NEED_CTRL)) {
		v->cr0 = ~v->cr0; /* every bit the opposite of the real value */
		v->cr3 = ~v->cr3;
		v->cr4 = ~v->cr4;
		v->efer = ~v->efer;
		v->dr7 = ~v->dr7;
		memset(v->dr, GARBAGE, sizeof(v->dr));
	}
	if (!(need & VMX_NEED_SEGS)) {
		memset(v->seg, GARBAGE, sizeof(v->seg));
		v->cpl = 3;
	}
}

/* The outcome of one dispatch: what vmx/ writes back, and what the guest sees. */
struct outcome {
	u64 gpr[VCPU_NREGS];
	u64 rip, rflags;
	u32 dirty, pending_dbg;
	struct vcpu_event inject;
	bool halted, ended;
};

static void run_one_qual(u32 reason, u64 qual, u32 need, bool spoil, struct outcome *o)
{
	assert_int_equal(fake_setup(NULL), 0);
	V->rflags |= RFLAGS_IF;
	V->gpr[VCPU_RAX] = 1; /* CPUID leaf 1: its OSXSAVE bit follows the guest's CR4 */
	fake_exit(reason, qual, 1);
	if (spoil)
		spoil_unread(V, need);
	dispatch_exit(&fk.d, V);
	memset(o, 0, sizeof(*o)); /* padding too: the outcomes are compared with memcmp */
	memcpy(o->gpr, V->gpr, sizeof(o->gpr));
	o->rip = V->rip;
	o->rflags = V->rflags;
	o->dirty = V->dirty;
	o->pending_dbg = V->pending_dbg;
	o->inject.pending = V->inject.pending;
	o->inject.vector = V->inject.vector;
	o->inject.type = V->inject.type;
	o->inject.has_error = V->inject.has_error;
	o->inject.error = V->inject.error;
	o->inject.instr_len = V->inject.instr_len;
	o->halted = V->halted;
	o->ended = V->ended;
	assert_int_equal(fake_teardown(NULL), 0);
}

static void run_one(u32 reason, u32 need, bool spoil, struct outcome *o) { run_one_qual(reason, 0, need, spoil, o); }

static void test_light_reasons_do_not_look_at_unread_state(void **state)
{
	const u32 light[] = {EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_INTERRUPT_WINDOW,
	                     EXIT_REASON_NMI_WINDOW,    EXIT_REASON_PREEMPTION_TIMER,   EXIT_REASON_HLT,
	                     EXIT_REASON_INVD,          EXIT_REASON_CPUID};
	for (size_t i = 0; i < ARRAY_SIZE(light); i++) {
		u32 need = vmx_exit_needs(light[i], false, 0, false);
		assert_int_not_equal(need, VMX_NEED_ALL);
		struct outcome clean, spoiled;
		run_one(light[i], need, false, &clean);
		run_one(light[i], need, true, &spoiled);
		if (!(need & VMX_NEED_REGS)) { /* unread RIP/RFLAGS are not written back, so not compared */
			assert_false(spoiled.dirty & (VCPU_DIRTY_RIP | VCPU_DIRTY_RFLAGS | VCPU_DIRTY_RSP));
			spoiled.rip = clean.rip;
			spoiled.rflags = clean.rflags;
			spoiled.gpr[VCPU_RSP] = clean.gpr[VCPU_RSP];
		}
		if (memcmp(&clean, &spoiled, sizeof(clean)) != 0)
			fail_msg("exit reason %u (%s): the handler looked at state its read set leaves unread", light[i],
			         exit_reason_name(light[i]));
	}
}

#define IOQ_STRING (1ull << 4)
#define IOQ_IN (1ull << 3)
#define IOQ_PORT(p) ((u64)(p) << 16)
#define UNUSED_PORT 0x80

/* The instruction information is defined for INS/OUTS only (28.2.5): IN and OUT exits skip it. */
static void test_io_reads_instr_info_for_string_io_only(void **state)
{
	u32 io = vmx_exit_needs(EXIT_REASON_IO_INSTRUCTION, false, 0, false);
	u32 n = vmx_exit_needs_qual(EXIT_REASON_IO_INSTRUCTION, io, IOQ_PORT(UNUSED_PORT));
	assert_int_equal(n, io & ~VMX_NEED_INSTR_INFO);
	n = vmx_exit_needs_qual(EXIT_REASON_IO_INSTRUCTION, io, IOQ_PORT(UNUSED_PORT) | IOQ_IN);
	assert_int_equal(n, io & ~VMX_NEED_INSTR_INFO);
	assert_int_equal(vmx_exit_needs_qual(EXIT_REASON_IO_INSTRUCTION, io, IOQ_PORT(UNUSED_PORT) | IOQ_STRING), io);
	/* other reasons keep their set whatever their qualification's bit 4 means there */
	assert_int_equal(vmx_exit_needs_qual(EXIT_REASON_EPT_VIOLATION, VMX_NEED_ALL, 0), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs_qual(EXIT_REASON_CR_ACCESS, VMX_NEED_ALL, IOQ_STRING), VMX_NEED_ALL);
}

/* The claim behind it: OUT and IN give the same result with garbage in the instruction information. */
static void test_in_out_do_not_look_at_instr_info(void **state)
{
	const u64 quals[] = {IOQ_PORT(UNUSED_PORT), IOQ_PORT(UNUSED_PORT) | IOQ_IN, IOQ_PORT(UNUSED_PORT) | IOQ_IN | 3};
	for (size_t i = 0; i < ARRAY_SIZE(quals); i++) {
		u32 need = vmx_exit_needs_qual(EXIT_REASON_IO_INSTRUCTION, vmx_exit_needs(EXIT_REASON_IO_INSTRUCTION, false, 0, false),
		                               quals[i]);
		assert_false(need & VMX_NEED_INSTR_INFO);
		struct outcome clean, spoiled;
		run_one_qual(EXIT_REASON_IO_INSTRUCTION, quals[i], need, false, &clean);
		run_one_qual(EXIT_REASON_IO_INSTRUCTION, quals[i], need, true, &spoiled);
		assert_true(clean.dirty & VCPU_DIRTY_RIP); /* the instruction was emulated */
		assert_memory_equal(&clean, &spoiled, sizeof(clean));
	}
}

/* EFER at the exit from EFER at the entry and CR0: LMA = LME & PG, every other bit kept. */
static void test_efer_at_exit_follows_lme_and_pg(void **state)
{
	const u64 others = EFER_SCE | EFER_NXE;
	assert_int_equal(vmx_efer_at_exit(EFER_LME | others, CR0_PE | CR0_PG), EFER_LME | EFER_LMA | others);
	assert_int_equal(vmx_efer_at_exit(EFER_LME | EFER_LMA | others, CR0_PE), EFER_LME | others); /* paging off */
	assert_int_equal(vmx_efer_at_exit(EFER_LME | EFER_LMA, CR0_PE | CR0_PG), EFER_LME | EFER_LMA);
	assert_int_equal(vmx_efer_at_exit(others, CR0_PE | CR0_PG), others); /* 32-bit paging */
	assert_int_equal(vmx_efer_at_exit(EFER_LME, 0), EFER_LME);          /* real mode with LME set */
	assert_int_equal(vmx_efer_at_exit(0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason_reads_reason_specific_fields),
		cmocka_unit_test(test_vectoring_adds_what_reinjection_needs),
		cmocka_unit_test(test_light_reasons_do_not_look_at_unread_state),
		cmocka_unit_test(test_io_reads_instr_info_for_string_io_only),
		cmocka_unit_test(test_in_out_do_not_look_at_instr_info),
		cmocka_unit_test(test_efer_at_exit_follows_lme_and_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
