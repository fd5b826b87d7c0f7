/*
 * vmx/caps.c against the capability MSRs measured on Bochs's CPU models
 * (tests/data/bochs-vmx-caps.txt). The expectations below were read off the hex values by
 * hand, bit by bit (Intel SDM Vol. 3D Appendix A), not taken from the decoder:
 *   IA32_VMX_BASIC 0x00d810000000002b: revision 0x2b, bits 44:32 = 0x1000 (4 KiB VMCS), bit 55 set;
 *     icelake/tigerlake 0x00d8100000000004 / 0x01d8100000000004: revision 4.
 *   TRUE_PINBASED allowed-1 (bits 63:32) 0x7f: bit 6 (preemption timer) set; 0x3f (bx_generic,
 *     core2_penryn_t9600): clear.
 *   TRUE_PROCBASED allowed-1 0xf7f9fffe / 0xfff9fffe: bits 25 (IO bitmaps), 28 (MSR bitmaps),
 *     31 (secondary controls) set.
 *   PROCBASED_CTLS2 allowed-1: 0x49 (bx_generic) and 0x41 (penryn) lack bit 1 (EPT) and bit 5 (VPID);
 *     0x7f (lynnfield) has EPT and VPID but not bit 7 (unrestricted guest); 0xff, 0x8ff, 0x7fff,
 *     0x47fff, 0x57fff, 0x2157cff, 0x2177fff, 0x2977fff have bits 1, 5 and 7.
 *   EPT_VPID_CAP 0x00000f0106334141: bit 6 (4-level walk), bit 14 (WB), bits 16/17 (2M/1G pages),
 *     bit 32 (INVVPID); 0x...06114141 has bit 16 but not 17 (no 1G pages); 0x...06b34141 has both.
 *   IA32_VMX_MISC bits 4:0 are 0 on every model (0x...e0).
 *   IA32_FEATURE_CONTROL 0x5: locked, VMX outside SMX enabled.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vmx/caps.h"

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define DATA_FILE UNIT_DATA_DIR "/bochs-vmx-caps.txt"
#define MAX_MODELS 32

struct msr_def {
	const char *name;
	u32 index;
	size_t field; /* offset in struct vmx_msrs, or (size_t)-1: not decoded */
};

#define F(x) offsetof(struct vmx_msrs, x)
static const struct msr_def msr_defs[] = {
	{"IA32_FEATURE_CONTROL", MSR_IA32_FEATURE_CONTROL, F(feature_control)},
	{"IA32_VMX_BASIC", MSR_IA32_VMX_BASIC, F(basic)},
	{"IA32_VMX_PINBASED_CTLS", MSR_IA32_VMX_PINBASED_CTLS, F(pinbased)},
	{"IA32_VMX_PROCBASED_CTLS", MSR_IA32_VMX_PROCBASED_CTLS, F(procbased)},
	{"IA32_VMX_EXIT_CTLS", MSR_IA32_VMX_EXIT_CTLS, F(exit)},
	{"IA32_VMX_ENTRY_CTLS", MSR_IA32_VMX_ENTRY_CTLS, F(entry)},
	{"IA32_VMX_MISC", MSR_IA32_VMX_MISC, F(misc)},
	{"IA32_VMX_CR0_FIXED0", MSR_IA32_VMX_CR0_FIXED0, F(cr0_fixed0)},
	{"IA32_VMX_CR0_FIXED1", MSR_IA32_VMX_CR0_FIXED1, F(cr0_fixed1)},
	{"IA32_VMX_CR4_FIXED0", MSR_IA32_VMX_CR4_FIXED0, F(cr4_fixed0)},
	{"IA32_VMX_CR4_FIXED1", MSR_IA32_VMX_CR4_FIXED1, F(cr4_fixed1)},
	{"IA32_VMX_VMCS_ENUM", 0x48a, (size_t)-1},
	{"IA32_VMX_PROCBASED_CTLS2", MSR_IA32_VMX_PROCBASED_CTLS2, F(procbased2)},
	{"IA32_VMX_EPT_VPID_CAP", MSR_IA32_VMX_EPT_VPID_CAP, F(ept_vpid_cap)},
	{"IA32_VMX_TRUE_PINBASED_CTLS", MSR_IA32_VMX_TRUE_PINBASED_CTLS, F(true_pinbased)},
	{"IA32_VMX_TRUE_PROCBASED_CTLS", MSR_IA32_VMX_TRUE_PROCBASED_CTLS, F(true_procbased)},
	{"IA32_VMX_TRUE_EXIT_CTLS", MSR_IA32_VMX_TRUE_EXIT_CTLS, F(true_exit)},
	{"IA32_VMX_TRUE_ENTRY_CTLS", MSR_IA32_VMX_TRUE_ENTRY_CTLS, F(true_entry)},
	{"IA32_VMX_VMFUNC", 0x491, (size_t)-1},
};
#undef F

struct model {
	char name[64];
	struct vmx_msrs msrs;
	u32 lines;
};

static struct model models[MAX_MODELS];
static u32 nmodels;

static struct model *model_named(const char *name, bool create)
{
	for (u32 i = 0; i < nmodels; i++)
		if (strcmp(models[i].name, name) == 0)
			return &models[i];
	if (!create)
		return NULL;
	assert_true(nmodels < MAX_MODELS);
	struct model *m = &models[nmodels++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

/* Reads the data file: `model MSRNAME(0xINDEX)=0xVALUE`, '#' comments. Absent MSRs stay 0. */
static int load_models(void **state)
{
	(void)state;
	FILE *f = fopen(DATA_FILE, "r");
	if (!f) {
		print_error("cannot open %s\n", DATA_FILE);
		return -1;
	}
	char line[256];
	int lineno = 0;
	nmodels = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char model[64], name[64];
		unsigned index;
		unsigned long long value;
		if (sscanf(line, "%63s %63[A-Z0-9_](0x%x)=0x%llx", model, name, &index, &value) != 4) {
			print_error("%s:%d: cannot parse: %s", DATA_FILE, lineno, line);
			fclose(f);
			return -1;
		}
		const struct msr_def *d = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(msr_defs); i++)
			if (strcmp(msr_defs[i].name, name) == 0)
				d = &msr_defs[i];
		if (!d || d->index != index) { /* also checks caps.h's MSR numbers against the file */
			print_error("%s:%d: unknown MSR %s(0x%x)\n", DATA_FILE, lineno, name, index);
			fclose(f);
			return -1;
		}
		struct model *m = model_named(model, true);
		m->lines++;
		if (d->field != (size_t)-1)
			*(u64 *)((char *)&m->msrs + d->field) = value;
	}
	fclose(f);
	return nmodels ? 0 : -1;
}

struct expect {
	const char *model;
	u32 revision;
	bool ept, ept_2m, ept_1g, unrestricted, vpid, preemption_timer;
	const char *missing; /* vmx_missing_feature, NULL: usable */
};

/* ept implies 4-level walks and WB on every model with EPT; see the header comment. */
static const struct expect expects[] = {
	{"broadwell_ult", 0x2b, true, true, true, true, true, true, NULL},
	{"bx_generic", 0x2b, false, false, false, false, false, false, "EPT"},
	{"core2_penryn_t9600", 0x2b, false, false, false, false, false, false, "EPT"},
	{"corei3_cnl", 0x2b, true, true, true, true, true, true, NULL},
	{"corei5_arrandale_m520", 0x2b, true, true, false, true, true, true, NULL},
	{"corei5_lynnfield_750", 0x2b, true, true, false, false, true, true, "unrestricted guest"},
	{"corei7_haswell_4770", 0x2b, true, true, true, true, true, true, NULL},
	{"corei7_icelake_u", 0x4, true, true, true, true, true, true, NULL},
	{"corei7_ivy_bridge_3770k", 0x2b, true, true, false, true, true, true, NULL},
	{"corei7_sandy_bridge_2600k", 0x2b, true, true, false, true, true, true, NULL},
	{"corei7_skylake_x", 0x2b, true, true, true, true, true, true, NULL},
	{"tigerlake", 0x4, true, true, true, true, true, true, NULL},
};

static void test_data_file_covers_every_model(void **state)
{
	(void)state;
	assert_int_equal(nmodels, ARRAY_SIZE(expects));
	for (size_t i = 0; i < ARRAY_SIZE(expects); i++) {
		const struct model *m = model_named(expects[i].model, false);
		if (!m)
			fail_msg("model %s is not in %s", expects[i].model, DATA_FILE);
		assert_true(m->lines >= 17);
		assert_true(m->msrs.basic != 0 && m->msrs.true_procbased != 0);
	}
}

static void test_decode_each_model(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(expects); i++) {
		const struct expect *x = &expects[i];
		const struct model *m = model_named(x->model, false);
		assert_non_null(m);
		struct vmx_caps c;
		memset(&c, 0xa5, sizeof(c));
		vmx_caps_decode(&m->msrs, &c);
#define CHECK(field, want)                                                                          \
	do {                                                                                             \
		if ((u64)(c.field) != (u64)(want))                                                          \
			fail_msg("%s: " #field " is 0x%llx, expected 0x%llx", x->model, (unsigned long long)(c.field), \
			         (unsigned long long)(want));                                                    \
	} while (0)
		CHECK(revision, x->revision);
		CHECK(vmcs_size, 4096);
		CHECK(true_ctls, true);
		CHECK(fc_locked, true);
		CHECK(fc_vmx_outside_smx, true);
		CHECK(io_bitmaps, true);
		CHECK(msr_bitmaps, true);
		CHECK(secondary, true);
		CHECK(ept, x->ept);
		CHECK(ept_4level, x->ept);
		CHECK(ept_wb, x->ept);
		CHECK(ept_2m, x->ept_2m);
		CHECK(ept_1g, x->ept_1g);
		CHECK(unrestricted, x->unrestricted);
		CHECK(vpid, x->vpid);
		CHECK(invvpid, x->vpid);
		CHECK(preemption_timer, x->preemption_timer);
		CHECK(preemption_timer_shift, 0);
		/* IA32_VMX_MISC 0x...e0 on every model: bits 5 (LMA stored) and 6 (HLT state) set;
		 * EPT_VPID_CAP: INVEPT (bit 20) with both types (25, 26), INVVPID single and all (41, 42). */
		CHECK(lma_stored, true);
		CHECK(hlt_state, true);
		CHECK(invept, x->ept);
		CHECK(invept_single, x->ept);
		CHECK(invept_all, x->ept);
		CHECK(invvpid_single, x->vpid);
		CHECK(invvpid_all, x->vpid);
		CHECK(virtual_nmis, true);
		CHECK(user_wait_pause, false);
#undef CHECK
		const char *missing = vmx_missing_feature(&c);
		if (x->missing == NULL ? missing != NULL : missing == NULL || strcmp(missing, x->missing) != 0)
			fail_msg("%s: vmx_missing_feature says \"%s\", expected \"%s\"", x->model, missing ? missing : "(none)",
			         x->missing ? x->missing : "(none)");
		struct cpu_ident id = {.vmx = true};
		assert_null(vmx_unavailable_reason(&id, &c)); /* 0x5: locked with VMX on */
	}
}

/* ---- synthetic MSR values: one bit at a time ---- */

#define ALLOWED1(bits) ((u64)(bits) << 32)
#define BASIC_TRUE (1ULL << 55)

static void full_msrs(struct vmx_msrs *m)
{
	memset(m, 0, sizeof(*m));
	m->feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	m->basic = BASIC_TRUE | (0x1000ULL << 32) | 0x12;
	m->true_pinbased = ALLOWED1(1u << 6);
	m->true_procbased = ALLOWED1((1u << 25) | (1u << 28) | (1u << 31));
	m->procbased2 = ALLOWED1((1u << 1) | (1u << 5) | (1u << 7));
	m->ept_vpid_cap = (1ULL << 6) | (1ULL << 14) | (1ULL << 16) | (1ULL << 17) | (1ULL << 32);
	m->misc = 0x5;
}

static void test_synthetic_full(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.revision, 0x12);
	assert_int_equal(c.vmcs_size, 0x1000);
	assert_true(c.true_ctls && c.io_bitmaps && c.msr_bitmaps && c.secondary);
	assert_true(c.ept && c.ept_4level && c.ept_wb && c.ept_2m && c.ept_1g);
	assert_true(c.unrestricted && c.vpid && c.invvpid && c.preemption_timer);
	assert_int_equal(c.preemption_timer_shift, 5);
	assert_null(vmx_missing_feature(&c));
	/* bit 31 of IA32_VMX_BASIC is always 0 and not part of the revision */
	m.basic |= 1ULL << 31;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.revision, 0x12);
	/* fields beyond bits 44:32 do not leak into the VMCS size */
	m.basic |= 0xe000ULL << 32;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.vmcs_size, 0x1000);
}

/* Without bit 55 the non-TRUE control MSRs are the ones to read, and the TRUE ones are ignored. */
static void test_true_controls_choose_the_msr(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	m.basic &= ~BASIC_TRUE;
	m.pinbased = 0;
	m.procbased = 0;
	vmx_caps_decode(&m, &c);
	assert_false(c.true_ctls);
	assert_false(c.preemption_timer);
	assert_false(c.io_bitmaps);
	assert_false(c.secondary);
	assert_false(c.ept); /* PROCBASED_CTLS2 does not exist without the secondary control */
	m.pinbased = m.true_pinbased;
	m.procbased = m.true_procbased;
	m.true_pinbased = 0;
	m.true_procbased = 0;
	vmx_caps_decode(&m, &c);
	assert_true(c.preemption_timer && c.io_bitmaps && c.msr_bitmaps && c.secondary && c.ept);
	m.basic |= BASIC_TRUE;
	vmx_caps_decode(&m, &c);
	assert_false(c.preemption_timer || c.io_bitmaps || c.secondary);
}

/* The allowed-0 half (bits 31:0) of a control MSR says nothing about what may be 1. */
static void test_allowed0_half_ignored(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	m.true_pinbased = 1u << 6;
	m.true_procbased = (1u << 25) | (1u << 28) | (1u << 31);
	m.procbased2 = (1u << 1) | (1u << 5) | (1u << 7);
	vmx_caps_decode(&m, &c);
	assert_false(c.preemption_timer || c.io_bitmaps || c.msr_bitmaps || c.secondary || c.ept || c.vpid);
}

static void test_dependent_msrs_ignored_when_absent(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	m.true_procbased &= ~ALLOWED1(1u << 31); /* no secondary controls: PROCBASED_CTLS2 is not there */
	vmx_caps_decode(&m, &c);
	assert_false(c.secondary || c.ept || c.vpid || c.unrestricted);
	assert_false(c.ept_4level || c.ept_wb || c.ept_2m || c.ept_1g || c.invvpid); /* nor EPT_VPID_CAP */
	full_msrs(&m);
	m.procbased2 = ALLOWED1(1u << 7); /* unrestricted guest alone: EPT_VPID_CAP does not exist */
	vmx_caps_decode(&m, &c);
	assert_true(c.unrestricted);
	assert_false(c.ept_4level || c.ept_wb || c.ept_2m || c.ept_1g || c.invvpid);
	full_msrs(&m);
	m.procbased2 = ALLOWED1(1u << 5); /* VPID without EPT: INVVPID yes, EPT page sizes no */
	vmx_caps_decode(&m, &c);
	assert_true(c.vpid && c.invvpid);
	assert_false(c.ept || c.ept_4level || c.ept_wb || c.ept_2m || c.ept_1g);
	full_msrs(&m);
	m.procbased2 = ALLOWED1(1u << 1); /* EPT without VPID: no INVVPID */
	vmx_caps_decode(&m, &c);
	assert_true(c.ept && c.ept_4level && c.ept_wb);
	assert_false(c.vpid || c.invvpid);
}

/* Each required feature, taken away alone, is the one named. */
static void test_missing_feature_names(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	struct {
		u64 *msr;
		u64 bit;
		const char *name;
	} cases[] = {
		{&m.true_procbased, ALLOWED1(1u << 25), "IO bitmaps"},
		{&m.true_procbased, ALLOWED1(1u << 28), "MSR bitmaps"},
		{&m.true_procbased, ALLOWED1(1u << 31), "secondary processor-based controls"},
		{&m.procbased2, ALLOWED1(1u << 1), "EPT"},
		{&m.ept_vpid_cap, 1ULL << 6, "EPT 4-level page walk"},
		{&m.ept_vpid_cap, 1ULL << 14, "EPT write-back memory type"},
		{&m.procbased2, ALLOWED1(1u << 7), "unrestricted guest"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		full_msrs(&m);
		*cases[i].msr &= ~cases[i].bit;
		vmx_caps_decode(&m, &c);
		const char *got = vmx_missing_feature(&c);
		if (!got || strcmp(got, cases[i].name) != 0)
			fail_msg("without \"%s\": vmx_missing_feature says \"%s\"", cases[i].name, got ? got : "(none)");
	}
	/* not required: 2M/1G pages, VPID, the preemption timer (the LAPIC timer stands in) */
	full_msrs(&m);
	m.ept_vpid_cap &= ~((1ULL << 16) | (1ULL << 17) | (1ULL << 32));
	m.procbased2 &= ~ALLOWED1(1u << 5);
	m.true_pinbased &= ~ALLOWED1(1u << 6);
	vmx_caps_decode(&m, &c);
	assert_null(vmx_missing_feature(&c));
}

static void test_unavailable_reason(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	struct cpu_ident id = {.vmx = true};
	const char *r;
	full_msrs(&m);

	m.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	vmx_caps_decode(&m, &c);
	assert_null(vmx_unavailable_reason(&id, &c));

	m.feature_control = 0; /* unlocked: the hypervisor enables and locks it itself */
	vmx_caps_decode(&m, &c);
	assert_null(vmx_unavailable_reason(&id, &c));
	m.feature_control = FEATURE_CONTROL_VMX_IN_SMX; /* unlocked, any bits */
	vmx_caps_decode(&m, &c);
	assert_null(vmx_unavailable_reason(&id, &c));

	m.feature_control = FEATURE_CONTROL_LOCK; /* locked, VMX off: the firmware disabled VT-x */
	vmx_caps_decode(&m, &c);
	r = vmx_unavailable_reason(&id, &c);
	assert_non_null(r);
	assert_non_null(strstr(r, "IA32_FEATURE_CONTROL"));
	m.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_IN_SMX; /* only inside SMX */
	vmx_caps_decode(&m, &c);
	r = vmx_unavailable_reason(&id, &c);
	assert_non_null(r);
	assert_non_null(strstr(r, "IA32_FEATURE_CONTROL"));

	id.vmx = false; /* no VMX at all: said first, whatever the MSR holds */
	r = vmx_unavailable_reason(&id, &c);
	assert_non_null(r);
	assert_non_null(strstr(r, "CPUID.1:ECX.VMX"));
	m.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	vmx_caps_decode(&m, &c);
	r = vmx_unavailable_reason(&id, &c);
	assert_non_null(r);
	assert_non_null(strstr(r, "CPUID.1:ECX.VMX"));
}

/* IA32_VMX_MISC bits 5 and 6 (SDM Vol. 3D A.6): a CPU without them is usable, with fallbacks. */
static void test_misc_lma_and_hlt_state(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m); /* misc = 0x5: timer rate only */
	vmx_caps_decode(&m, &c);
	assert_false(c.lma_stored || c.hlt_state);
	assert_null(vmx_missing_feature(&c)); /* no HLT state: the run loop keeps a halted guest in root */
	m.misc |= 1ULL << 6;
	vmx_caps_decode(&m, &c);
	assert_true(c.hlt_state);
	assert_false(c.lma_stored);
	m.misc = (1ULL << 5) | 0x5;
	vmx_caps_decode(&m, &c);
	assert_true(c.lma_stored);
	assert_false(c.hlt_state);
	assert_int_equal(c.preemption_timer_shift, 5);
}

/* INVEPT/INVVPID and their types (A.10), each only where its parent feature exists. */
static void test_invalidation_capabilities(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m); /* INVVPID (bit 32) but no type bits, no INVEPT */
	vmx_caps_decode(&m, &c);
	assert_true(c.invvpid);
	assert_false(c.invept || c.invept_single || c.invept_all || c.invvpid_single || c.invvpid_all);
	m.ept_vpid_cap |= (1ULL << 20) | (1ULL << 25) | (1ULL << 26) | (1ULL << 41) | (1ULL << 42);
	vmx_caps_decode(&m, &c);
	assert_true(c.invept && c.invept_single && c.invept_all && c.invvpid_single && c.invvpid_all);
	m.ept_vpid_cap &= ~(1ULL << 20); /* the types mean nothing without INVEPT itself */
	m.ept_vpid_cap &= ~(1ULL << 32);
	vmx_caps_decode(&m, &c);
	assert_false(c.invept || c.invept_single || c.invept_all || c.invvpid_single || c.invvpid_all);
	full_msrs(&m);
	m.ept_vpid_cap |= (1ULL << 20) | (1ULL << 25);
	m.procbased2 &= ~ALLOWED1(1u << 1); /* no EPT: no INVEPT */
	vmx_caps_decode(&m, &c);
	assert_false(c.invept || c.invept_single);
}

/* A CPU whose VMX-preemption timer is absent is not refused (the LAPIC timer stands in, vmx/timer.h;
 * boot/vtx_gate.c refuses it only without a local APIC); one whose timer is on the errata list is
 * recognised (the signature's reserved bits 15:14 and 31:28 do not matter) and used with a short
 * slice, so it is not refused either. */
static void test_preemption_timer_absent_or_broken(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	m.true_pinbased = 0;
	vmx_caps_decode(&m, &c);
	assert_false(c.preemption_timer);
	assert_null(vmx_missing_feature(&c));
	full_msrs(&m);
	vmx_caps_decode(&m, &c);
	c.preemption_timer_broken = vmx_preemption_timer_broken(0x000306A8); /* Xeon E3-1220 V2 */
	assert_true(c.preemption_timer_broken);
	assert_null(vmx_missing_feature(&c));
	const u32 broken[] = {0x000206E6, 0x00020652, 0x00020655, 0x000106E5, 0x000106A0,
	                      0x000106A1, 0x000106A4, 0x000106A5, 0x000306A8};
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		assert_true(vmx_preemption_timer_broken(broken[i]));
		assert_true(vmx_preemption_timer_broken(broken[i] | (0x3u << 14) | (0xfu << 28)));
		assert_false(vmx_preemption_timer_broken(broken[i] + 0x100)); /* another model */
	}
	/* the next stepping of Ivy Bridge (0x306A9), Skylake-X, the Bochs defaults: fine */
	assert_false(vmx_preemption_timer_broken(0x000306A9));
	assert_false(vmx_preemption_timer_broken(0x00050654));
	assert_false(vmx_preemption_timer_broken(0));
}

/* The NMI controls and "enable user wait and pause" as capabilities (pin bit 5, primary bit 22,
 * secondary bit 26); a WAITPKG-capable CPU offers bit 26. */
static void test_nmi_and_user_wait_capabilities(void **state)
{
	(void)state;
	struct vmx_msrs m;
	struct vmx_caps c;
	full_msrs(&m);
	vmx_caps_decode(&m, &c);
	assert_false(c.virtual_nmis || c.nmi_window || c.user_wait_pause);
	m.true_pinbased |= ALLOWED1(1u << 5);
	m.true_procbased |= ALLOWED1(1u << 22);
	m.procbased2 |= ALLOWED1(1u << 26);
	vmx_caps_decode(&m, &c);
	assert_true(c.virtual_nmis && c.nmi_window && c.user_wait_pause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_file_covers_every_model),
		cmocka_unit_test(test_decode_each_model),
		cmocka_unit_test(test_synthetic_full),
		cmocka_unit_test(test_true_controls_choose_the_msr),
		cmocka_unit_test(test_allowed0_half_ignored),
		cmocka_unit_test(test_dependent_msrs_ignored_when_absent),
		cmocka_unit_test(test_misc_lma_and_hlt_state),
		cmocka_unit_test(test_invalidation_capabilities),
		cmocka_unit_test(test_preemption_timer_absent_or_broken),
		cmocka_unit_test(test_nmi_and_user_wait_capabilities),
		cmocka_unit_test(test_missing_feature_names),
		cmocka_unit_test(test_unavailable_reason),
	};
	return UNIT_RUN_GROUP(tests, load_models, NULL);
}
