/*
 * vmx/controls.c: the controls computed from the capability MSRs that Bochs reports on each
 * of its CPU models (tests/data/bochs-vmx-caps.txt), and from synthetic MSR values that
 * take away one required control at a time.
 */
#include "unit.h"
#include "arch/x86.h"

#include <stdlib.h>
#include <string.h>

#include "vmx/controls.h"

#define MAX_MODELS 32
#define NAME_LEN 64
#define ERR_LEN 512
#define CAPS_FILE UNIT_DATA_DIR "/bochs-vmx-caps.txt"

struct model {
	char name[NAME_LEN];
	struct vmx_msrs m;
};

static struct model models[MAX_MODELS];
static int nmodels;

/* ---- the data file: "model NAME(0xINDEX)=0xVALUE" per line, '#' comments ---- */

static u64 *msr_slot(struct vmx_msrs *m, unsigned idx)
{
	switch (idx) {
	case MSR_FEATURE_CONTROL: return &m->feature_control;
	case MSR_IA32_VMX_BASIC: return &m->basic;
	case MSR_IA32_VMX_PINBASED_CTLS: return &m->pinbased;
	case MSR_IA32_VMX_PROCBASED_CTLS: return &m->procbased;
	case MSR_IA32_VMX_EXIT_CTLS: return &m->exit;
	case MSR_IA32_VMX_ENTRY_CTLS: return &m->entry;
	case MSR_IA32_VMX_MISC: return &m->misc;
	case MSR_IA32_VMX_CR0_FIXED0: return &m->cr0_fixed0;
	case MSR_IA32_VMX_CR0_FIXED1: return &m->cr0_fixed1;
	case MSR_IA32_VMX_CR4_FIXED0: return &m->cr4_fixed0;
	case MSR_IA32_VMX_CR4_FIXED1: return &m->cr4_fixed1;
	case MSR_IA32_VMX_PROCBASED_CTLS2: return &m->procbased2;
	case MSR_IA32_VMX_EPT_VPID_CAP: return &m->ept_vpid_cap;
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS: return &m->true_pinbased;
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: return &m->true_procbased;
	case MSR_IA32_VMX_TRUE_EXIT_CTLS: return &m->true_exit;
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS: return &m->true_entry;
	default: return NULL; /* VMCS_ENUM, VMFUNC: not used here */
	}
}

static struct model *model_named(const char *name, bool create)
{
	for (int i = 0; i < nmodels; i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	if (!create || nmodels == MAX_MODELS)
		return NULL;
	struct model *md = &models[nmodels++];
	memset(md, 0, sizeof(*md));
	snprintf(md->name, sizeof(md->name), "%s", name);
	return md;
}

static int load_models(void **state)
{
	FILE *f = fopen(CAPS_FILE, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", CAPS_FILE);
		return -1;
	}
	char line[256];
	int bad = 0;
	nmodels = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[NAME_LEN], msr[NAME_LEN];
		unsigned idx;
		unsigned long long val;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %63[A-Z0-9_](0x%x)=0x%llx", name, msr, &idx, &val) != 4) {
			bad++;
			continue;
		}
		struct model *md = model_named(name, true);
		u64 *slot = md ? msr_slot(&md->m, idx) : NULL;
		if (slot)
			*slot = val;
	}
	fclose(f);
	return bad ? -1 : 0;
}

static const struct vmx_msrs *msrs_of(const char *name)
{
	struct model *md = model_named(name, false);
	if (!md)
		fail_msg("model %s is not in %s", name, CAPS_FILE);
	return &md->m;
}

/* ---- what the controls must be ---- */

#define PIN_REQ (VMX_PIN_EXT_INT_EXITING | VMX_PIN_NMI_EXITING)
#define PIN_OPT (VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER)
#define PROC_REQ                                                                                       \
	(VMX_PROC_HLT_EXITING | VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | VMX_PROC_SECONDARY_CONTROLS | \
	 VMX_PROC_MWAIT_EXITING | VMX_PROC_MONITOR_EXITING)
#define PROC2_REQ (VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED_GUEST)
#define PROC2_OPT (VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES)
#define EXIT_REQ \
	(VMX_EXIT_HOST_ADDR_SPACE_SIZE | VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER | VMX_EXIT_SAVE_DEBUG_CONTROLS)
#define EXIT_OPT (VMX_EXIT_SAVE_PREEMPTION_TIMER | VMX_EXIT_ACK_INTERRUPT)
#define ENTRY_REQ (VMX_ENTRY_LOAD_EFER | VMX_ENTRY_LOAD_DEBUG_CONTROLS)

/* The Bochs models with EPT, unrestricted guest and the preemption timer, and those without. */
static const char *const good_models[] = {"broadwell_ult",         "corei3_cnl",          "corei5_arrandale_m520",
                                          "corei7_haswell_4770",   "corei7_icelake_u",    "corei7_ivy_bridge_3770k",
                                          "corei7_sandy_bridge_2600k", "corei7_skylake_x", "tigerlake"};
static const char *const bad_models[] = {"bx_generic", "core2_penryn_t9600", "corei5_lynnfield_750"};

static u32 lo(u64 cap) { return (u32)cap; }
static u32 hi(u64 cap) { return (u32)(cap >> 32); }

/* out holds exactly must-be-one | required | (optional & allowed-1), and nothing the MSR forbids. */
static void check_field(const char *model, const char *what, u32 out, u64 cap, u32 req, u32 opt)
{
	u32 want = lo(cap) | req | (opt & hi(cap));
	if (out != want)
		fail_msg("%s %s: 0x%08x, expected 0x%08x", model, what, out, want);
	if (out & ~hi(cap))
		fail_msg("%s %s: 0x%08x sets bits 0x%08x that must be 0", model, what, out, out & ~hi(cap));
	if ((out & lo(cap)) != lo(cap))
		fail_msg("%s %s: 0x%08x misses must-be-one bits 0x%08x", model, what, out, lo(cap) & ~out);
}

static void test_data_has_all_models(void **state)
{
	assert_int_equal(nmodels, ARRAY_SIZE(good_models) + ARRAY_SIZE(bad_models));
	for (size_t i = 0; i < ARRAY_SIZE(good_models); i++)
		assert_non_null(model_named(good_models[i], false));
	for (size_t i = 0; i < ARRAY_SIZE(bad_models); i++)
		assert_non_null(model_named(bad_models[i], false));
}

static void test_good_models(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_models); i++) {
		const char *n = good_models[i];
		const struct vmx_msrs *m = msrs_of(n);
		struct vmx_controls c;
		char err[ERR_LEN];
		memset(err, 'x', sizeof(err));
		if (vmx_compute_controls(m, &c, err, sizeof(err)))
			fail_msg("%s: %s", n, err);
		assert_string_equal(err, "");
		assert_true(m->basic & VMX_BASIC_TRUE_CTLS); /* all Bochs models have the TRUE MSRs */
		check_field(n, "pin", c.pin, m->true_pinbased, PIN_REQ, PIN_OPT);
		check_field(n, "proc", c.proc, m->true_procbased, PROC_REQ, 0);
		check_field(n, "proc2", c.proc2, m->procbased2, PROC2_REQ, PROC2_OPT);
		check_field(n, "exit", c.exit, m->true_exit, EXIT_REQ, EXIT_OPT);
		check_field(n, "entry", c.entry, m->true_entry, ENTRY_REQ, 0);
		/* The TRUE MSRs let the default1 CR3 exits be 0, and with EPT they must not be on. */
		assert_false(c.proc & (VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING));
		assert_false(c.entry & VMX_ENTRY_IA32E_MODE_GUEST);
		assert_true(c.exit & VMX_EXIT_SAVE_PREEMPTION_TIMER); /* every such Bochs model has it */
		assert_true(c.proc2 & VMX_PROC2_VPID);
	}
}

/* Optional controls follow what each model offers: XSAVES/XRSTORS only on Skylake and later. */
static void test_optional_controls(void **state)
{
	static const struct {
		const char *model;
		bool xsaves, invpcid, rdtscp;
	} want[] = {
		{"corei5_arrandale_m520", false, false, true}, {"corei7_sandy_bridge_2600k", false, false, true},
		{"corei7_ivy_bridge_3770k", false, false, true}, {"corei7_haswell_4770", false, true, true},
		{"broadwell_ult", false, true, true},           {"corei7_skylake_x", true, true, true},
		{"corei3_cnl", true, true, true},               {"corei7_icelake_u", true, true, true},
		{"tigerlake", true, true, true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct vmx_controls c;
		char err[ERR_LEN];
		assert_int_equal(vmx_compute_controls(msrs_of(want[i].model), &c, err, sizeof(err)), 0);
		if (!!(c.proc2 & VMX_PROC2_XSAVES) != want[i].xsaves || !!(c.proc2 & VMX_PROC2_INVPCID) != want[i].invpcid ||
		    !!(c.proc2 & VMX_PROC2_RDTSCP) != want[i].rdtscp)
			fail_msg("%s: proc2 0x%08x", want[i].model, c.proc2);
	}
}

static int count_substr(const char *s, const char *sub)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, sub)); p += strlen(sub))
		n++;
	return n;
}

static void test_lynnfield_lacks_unrestricted_guest(void **state)
{
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(msrs_of("corei5_lynnfield_750"), &c, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot set secondary control \"unrestricted guest\" (bit 7)");
}

static void test_penryn_lacks_ept(void **state)
{
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(msrs_of("core2_penryn_t9600"), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot set secondary control \"enable EPT\" (bit 1)"));
	assert_non_null(strstr(err, "cannot set secondary control \"unrestricted guest\" (bit 7)"));
	/* Bochs's Penryn also has no EFER save/load controls; it has no VMX-preemption timer either,
	 * which is no longer a reason to refuse (the LAPIC timer stands in). */
	assert_null(strstr(err, "preemption timer"));
	assert_non_null(strstr(err, "cannot set VM-exit control \"save IA32_EFER\" (bit 20)"));
	assert_non_null(strstr(err, "cannot set VM-exit control \"load IA32_EFER\" (bit 21)"));
	assert_non_null(strstr(err, "cannot set VM-entry control \"load IA32_EFER\" (bit 15)"));
	assert_int_equal(count_substr(err, "cannot set"), 5);
	assert_int_equal(count_substr(err, "; "), 4);
}

static void test_generic_lacks_ept(void **state)
{
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(msrs_of("bx_generic"), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"enable EPT\" (bit 1)"));
	assert_non_null(strstr(err, "\"unrestricted guest\" (bit 7)"));
	assert_null(strstr(err, "processor-based")); /* the primary controls are all there */
}

/* ---- synthetic: one required control taken away at a time ---- */

enum which { W_PIN, W_PROC, W_PROC2, W_EXIT, W_ENTRY };

static u64 *cap_of(struct vmx_msrs *m, enum which w)
{
	switch (w) {
	case W_PIN: return &m->true_pinbased;
	case W_PROC: return &m->true_procbased;
	case W_PROC2: return &m->procbased2;
	case W_EXIT: return &m->true_exit;
	default: return &m->true_entry;
	}
}

static void test_each_required_control(void **state)
{
	static const struct {
		enum which w;
		u32 bit;
		const char *msg;
	} cases[] = {
		{W_PIN, VMX_PIN_EXT_INT_EXITING, "pin-based control \"external-interrupt exiting\" (bit 0)"},
		{W_PIN, VMX_PIN_NMI_EXITING, "pin-based control \"NMI exiting\" (bit 3)"},
		{W_PROC, VMX_PROC_HLT_EXITING, "primary processor-based control \"HLT exiting\" (bit 7)"},
		{W_PROC, VMX_PROC_MWAIT_EXITING, "primary processor-based control \"MWAIT exiting\" (bit 10)"},
		{W_PROC, VMX_PROC_IO_BITMAPS, "primary processor-based control \"use I/O bitmaps\" (bit 25)"},
		{W_PROC, VMX_PROC_MSR_BITMAPS, "primary processor-based control \"use MSR bitmaps\" (bit 28)"},
		{W_PROC, VMX_PROC_MONITOR_EXITING, "primary processor-based control \"MONITOR exiting\" (bit 29)"},
		{W_PROC, VMX_PROC_SECONDARY_CONTROLS,
		 "primary processor-based control \"activate secondary controls\" (bit 31)"},
		{W_PROC2, VMX_PROC2_EPT, "secondary control \"enable EPT\" (bit 1)"},
		{W_PROC2, VMX_PROC2_UNRESTRICTED_GUEST, "secondary control \"unrestricted guest\" (bit 7)"},
		{W_EXIT, VMX_EXIT_SAVE_DEBUG_CONTROLS, "VM-exit control \"save debug controls\" (bit 2)"},
		{W_EXIT, VMX_EXIT_HOST_ADDR_SPACE_SIZE, "VM-exit control \"host address-space size\" (bit 9)"},
		{W_EXIT, VMX_EXIT_SAVE_EFER, "VM-exit control \"save IA32_EFER\" (bit 20)"},
		{W_EXIT, VMX_EXIT_LOAD_EFER, "VM-exit control \"load IA32_EFER\" (bit 21)"},
		{W_ENTRY, VMX_ENTRY_LOAD_DEBUG_CONTROLS, "VM-entry control \"load debug controls\" (bit 2)"},
		{W_ENTRY, VMX_ENTRY_LOAD_EFER, "VM-entry control \"load IA32_EFER\" (bit 15)"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vmx_msrs m = *msrs_of("corei7_skylake_x");
		u64 *cap = cap_of(&m, cases[i].w);
		/* Neither allowed to be 1 nor forced to 1 (the debug controls are default1). */
		*cap &= ~(((u64)cases[i].bit << 32) | cases[i].bit);
		struct vmx_controls c;
		char err[ERR_LEN], want[ERR_LEN];
		snprintf(want, sizeof(want), "cannot set %s", cases[i].msg);
		assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), -1);
		assert_string_equal(err, want);
	}
}

static void test_optional_absent_is_fine(void **state)
{
	struct vmx_msrs m = *msrs_of("corei7_skylake_x");
	m.procbased2 &= ~((u64)PROC2_OPT << 32);
	m.true_exit &= ~((u64)EXIT_OPT << 32);
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), 0);
	assert_int_equal(c.proc2 & PROC2_OPT, 0);
	assert_int_equal(c.exit & EXIT_OPT, 0);
	assert_int_equal(c.proc2, PROC2_REQ);
}

/* Without IA32_VMX_BASIC bit 55 the legacy MSRs rule, and the default1 bits they force stay 1. */
static void test_legacy_msrs(void **state)
{
	struct vmx_msrs m = *msrs_of("corei7_haswell_4770");
	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0; /* must not be read */
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), 0);
	check_field("legacy", "pin", c.pin, m.pinbased, PIN_REQ, PIN_OPT);
	check_field("legacy", "proc", c.proc, m.procbased, PROC_REQ, 0);
	check_field("legacy", "exit", c.exit, m.exit, EXIT_REQ, EXIT_OPT);
	check_field("legacy", "entry", c.entry, m.entry, ENTRY_REQ, 0);
	assert_int_equal(c.proc & (VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING),
	                 VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING);

	/* And with bit 55 set, the legacy MSRs are not read at all. */
	m = *msrs_of("corei7_haswell_4770");
	m.pinbased = m.procbased = m.exit = m.entry = 0;
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), 0);
}

static void test_ctl_adjust(void **state)
{
	u32 out, missing;
	/* must-be-one 0x16, allowed-1 0xff */
	u64 cap = (0xffULL << 32) | 0x16;
	assert_int_equal(vmx_ctl_adjust(cap, 0x01, 0x120, &out, &missing), 0);
	assert_int_equal(out, 0x16 | 0x01 | 0x20);
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_ctl_adjust(cap, 0x301, 0, &out, &missing), -1);
	assert_int_equal(missing, 0x300);
	/* Bits 31:0 only say what must be 1; a 0 there is no obstacle when allowed-1 is set. */
	assert_int_equal(vmx_ctl_adjust(0xffffffff00000000ULL, 0x80000001u, 0, &out, &missing), 0);
	assert_int_equal(out, 0x80000001u);
	/* An inconsistent MSR: bit 4 must be 1 but may not be 1. */
	assert_int_equal(vmx_ctl_adjust((0x0fULL << 32) | 0x10, 0x1, 0, &out, &missing), -1);
	assert_int_equal(missing, 0x10);
	/* Nothing allowed, nothing required. */
	assert_int_equal(vmx_ctl_adjust(0, 0, 0xffffffffu, &out, &missing), 0);
	assert_int_equal(out, 0);
}

static void test_inconsistent_msr_named(void **state)
{
	struct vmx_msrs m = *msrs_of("corei7_skylake_x");
	m.true_pinbased &= ~(1ULL << (32 + 1)); /* bit 1 is must-be-one (reserved, default1) */
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot set pin-based control \"reserved (must be 1)\" (bit 1)");
}

static void test_err_truncated(void **state)
{
	struct vmx_controls c;
	char err[16];
	memset(err, 'x', sizeof(err));
	assert_int_equal(vmx_compute_controls(msrs_of("core2_penryn_t9600"), &c, err, 12), -1);
	assert_string_equal(err, "cannot set ");
	assert_int_equal(err[12], 'x');
	memset(err, 'x', sizeof(err));
	assert_int_equal(vmx_compute_controls(msrs_of("core2_penryn_t9600"), &c, err, 0), -1);
	assert_int_equal(err[0], 'x');
	assert_int_equal(vmx_compute_controls(msrs_of("core2_penryn_t9600"), &c, err, 1), -1);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], 'x');
}

static void test_fix_cr(void **state)
{
	const struct vmx_msrs *m = msrs_of("corei7_skylake_x");
	/* Bochs: CR0 needs PE, NE, PG and allows bits 31:0; CR4 needs VMXE. */
	assert_int_equal(vmx_fix_cr(0, m->cr0_fixed0, m->cr0_fixed1), 0x80000021ULL);
	assert_int_equal(vmx_fix_cr(~0ULL, m->cr0_fixed0, m->cr0_fixed1), 0xffffffffULL);
	assert_int_equal(vmx_fix_cr(0x10, m->cr0_fixed0, m->cr0_fixed1), 0x80000031ULL);
	assert_int_equal(vmx_fix_cr(0, m->cr4_fixed0, m->cr4_fixed1), 0x2000ULL);
	assert_int_equal(vmx_fix_cr(~0ULL, m->cr4_fixed0, m->cr4_fixed1), m->cr4_fixed1);
	for (int i = 0; i < nmodels; i++) {
		const struct vmx_msrs *x = &models[i].m;
		u64 v = vmx_fix_cr(0x20ULL, x->cr4_fixed0, x->cr4_fixed1);
		assert_int_equal(v & x->cr4_fixed0, x->cr4_fixed0);
		assert_int_equal(v & ~x->cr4_fixed1, 0);
	}
}

/* A WAITPKG-capable CPU (secondary bit 26 allowed) still gets the control 0, so the guest's CPUID
 * must hide WAITPKG (dispatcher/cpuid.c); virtual NMIs are taken where offered, never required. */
static void test_user_wait_never_set_virtual_nmis_optional(void **state)
{
	struct vmx_msrs m = *msrs_of("tigerlake");
	m.procbased2 |= (u64)VMX_PROC2_USER_WAIT_PAUSE << 32;
	struct vmx_controls c;
	char err[ERR_LEN];
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), 0);
	assert_false(c.proc2 & VMX_PROC2_USER_WAIT_PAUSE);
	assert_true(c.pin & VMX_PIN_VIRTUAL_NMIS);
	m.true_pinbased &= ~((u64)VMX_PIN_VIRTUAL_NMIS << 32);
	assert_int_equal(vmx_compute_controls(&m, &c, err, sizeof(err)), 0);
	assert_false(c.pin & VMX_PIN_VIRTUAL_NMIS);
}

/* Without the VMX-preemption timer (a synthetic set: nested KVM can hide it), or with it switched
 * off (preemption_timer=off), the controls leave it 0, and "save VMX-preemption timer value"
 * with it (SDM Vol. 3C 27.2.1.2); external-interrupt exiting, which the LAPIC timer's fallback
 * exits through, and acknowledge-on-exit stay; everything else is as with the timer. */
static void test_without_preemption_timer(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_models); i++) {
		const char *n = good_models[i];
		struct vmx_controls with, absent, off;
		char err[ERR_LEN];
		assert_int_equal(vmx_compute_controls(msrs_of(n), &with, err, sizeof(err)), 0);
		assert_true(with.pin & VMX_PIN_PREEMPTION_TIMER);
		/* the CPU has none: allowed-1 bit 6 clear, and "save" not allowed either, as such a CPU reports */
		struct vmx_msrs m = *msrs_of(n);
		m.true_pinbased &= ~((u64)VMX_PIN_PREEMPTION_TIMER << 32);
		m.pinbased &= ~((u64)VMX_PIN_PREEMPTION_TIMER << 32);
		m.true_exit &= ~((u64)VMX_EXIT_SAVE_PREEMPTION_TIMER << 32);
		assert_int_equal(vmx_compute_controls(&m, &absent, err, sizeof(err)), 0);
		assert_string_equal(err, "");
		/* the CPU has it, but preemption_timer=off */
		assert_int_equal(vmx_compute_controls_timer(msrs_of(n), false, &off, err, sizeof(err)), 0);
		const struct vmx_controls *cs[] = {&absent, &off};
		for (int k = 0; k < 2; k++) {
			const struct vmx_controls *c = cs[k];
			if (c->pin != (with.pin & ~VMX_PIN_PREEMPTION_TIMER) || c->proc != with.proc || c->proc2 != with.proc2 ||
			    c->exit != (with.exit & ~VMX_EXIT_SAVE_PREEMPTION_TIMER) || c->entry != with.entry)
				fail_msg("%s (%s): pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x", n, k ? "off" : "absent",
				         c->pin, c->proc, c->proc2, c->exit, c->entry);
			assert_true(c->pin & VMX_PIN_EXT_INT_EXITING);
			assert_true(c->exit & VMX_EXIT_ACK_INTERRUPT);
		}
		/* a CPU that offers "save" without the timer itself (inconsistent, or a nested VMM's
		 * filtering): still 0, or VM entry would fail */
		m = *msrs_of(n);
		m.true_pinbased &= ~((u64)VMX_PIN_PREEMPTION_TIMER << 32);
		assert_int_equal(vmx_compute_controls(&m, &absent, err, sizeof(err)), 0);
		assert_false(absent.exit & VMX_EXIT_SAVE_PREEMPTION_TIMER);
		/* asking for it where it is offered is the default */
		assert_int_equal(vmx_compute_controls_timer(msrs_of(n), true, &off, err, sizeof(err)), 0);
		assert_memory_equal(&off, &with, sizeof(with));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_has_all_models),
		cmocka_unit_test(test_good_models),
		cmocka_unit_test(test_optional_controls),
		cmocka_unit_test(test_lynnfield_lacks_unrestricted_guest),
		cmocka_unit_test(test_penryn_lacks_ept),
		cmocka_unit_test(test_generic_lacks_ept),
		cmocka_unit_test(test_each_required_control),
		cmocka_unit_test(test_optional_absent_is_fine),
		cmocka_unit_test(test_legacy_msrs),
		cmocka_unit_test(test_ctl_adjust),
		cmocka_unit_test(test_inconsistent_msr_named),
		cmocka_unit_test(test_err_truncated),
		cmocka_unit_test(test_fix_cr),
		cmocka_unit_test(test_user_wait_never_set_virtual_nmis_optional),
		cmocka_unit_test(test_without_preemption_timer),
	};
	setvbuf(stdout, NULL, _IONBF, 0);
	return cmocka_run_group_tests(tests, load_models, NULL);
}
