/*
 * boot/vtx_gate.c: the VT-x gate the UEFI loader and the core share, on synthetic capability
 * MSRs: everything allowed, then one thing taken away at a time (no VMX, VMX locked off, a
 * missing feature, a control the MSRs forbid).
 */
#include "unit.h"

#include <string.h>

#include "arch/shutdown.h"
#include "boot/vtx_gate.h"
#include "vmx/controls.h"

#define ALL_ALLOWED 0xffffffff00000000ULL /* allowed-1 all set, no control forced to 1 */
#define EPTCAP_WALK4_WB ((1ULL << 6) | (1ULL << 14))

static struct cpu_ident id;
static struct vmx_msrs m;
static char msg[VTX_GATE_MSG_MAX];

static int setup(void **state)
{
	(void)state;
	memset(&id, 0, sizeof(id));
	id.vmx = true;
	id.apic = true;
	m = (struct vmx_msrs){
		.basic = VMX_BASIC_TRUE_CTLS | 1,
		.pinbased = ALL_ALLOWED, .procbased = ALL_ALLOWED, .exit = ALL_ALLOWED, .entry = ALL_ALLOWED,
		.true_pinbased = ALL_ALLOWED, .true_procbased = ALL_ALLOWED, .true_exit = ALL_ALLOWED,
		.true_entry = ALL_ALLOWED, .procbased2 = ALL_ALLOWED, .ept_vpid_cap = EPTCAP_WALK4_WB,
	};
	return 0;
}

static int gate(void)
{
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	memset(msg, 'Z', sizeof(msg));
	return vtx_gate(&id, &m, &c, msg, sizeof(msg));
}

static void test_everything_allowed(void **state)
{
	(void)state;
	assert_int_equal(gate(), HV_EXIT_OK);
	assert_string_equal(msg, "VT-x usable: EPT, unrestricted guest and the preemption timer are present");
}

static void test_no_vmx(void **state)
{
	(void)state;
	id.vmx = false;
	assert_int_equal(gate(), HV_EXIT_NO_VTX);
	assert_string_equal(msg, "VT-x not available: CPUID.1:ECX.VMX is 0 (the processor has no VMX)");
}

static void test_locked_off_by_the_firmware(void **state)
{
	(void)state;
	m.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_IN_SMX;
	assert_int_equal(gate(), HV_EXIT_NO_VTX);
	assert_non_null(strstr(msg, "VT-x not available: IA32_FEATURE_CONTROL is locked"));
	m.feature_control |= FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	assert_int_equal(gate(), HV_EXIT_OK);
}

/* Without the preemption timer the local APIC timer stands in (vmx/timer.h); without both, refused. */
static void test_no_preemption_timer(void **state)
{
	(void)state;
	m.true_pinbased &= ~((u64)VMX_PIN_PREEMPTION_TIMER << 32);
	assert_int_equal(gate(), HV_EXIT_OK);
	assert_string_equal(msg, "VT-x usable: EPT, unrestricted guest and no preemption timer (the local APIC timer "
	                         "stands in)");
	id.apic = false;
	assert_int_equal(gate(), HV_EXIT_VTX_UNUSABLE);
	assert_string_equal(msg, "VT-x not usable: no VMX-preemption timer and no local APIC timer to stand in");
	/* a local APIC alone is no reason to refuse a CPU that has the preemption timer */
	m.true_pinbased |= (u64)VMX_PIN_PREEMPTION_TIMER << 32;
	assert_int_equal(gate(), HV_EXIT_OK);
}

static void test_no_unrestricted_guest(void **state)
{
	(void)state;
	m.procbased2 &= ~((u64)VMX_PROC2_UNRESTRICTED_GUEST << 32);
	assert_int_equal(gate(), HV_EXIT_VTX_UNUSABLE);
	assert_string_equal(msg, "VT-x not usable: unrestricted guest");
}

/* Every feature present, but a control microhv needs cannot be set: the core's VMCS set-up
 * would fail after ExitBootServices; the gate says so before. */
static void test_control_the_msrs_forbid(void **state)
{
	(void)state;
	m.true_exit &= ~((u64)VMX_EXIT_HOST_ADDR_SPACE_SIZE << 32);
	assert_int_equal(gate(), HV_EXIT_VTX_UNUSABLE);
	assert_non_null(strstr(msg, "VT-x not usable: "));
	assert_non_null(strstr(msg, "(bit 9)"));
}

static void test_short_buffer(void **state)
{
	(void)state;
	id.vmx = false;
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	char small[12];
	assert_int_equal(vtx_gate(&id, &m, &c, small, sizeof(small)), HV_EXIT_NO_VTX);
	assert_string_equal(small, "VT-x not av");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_everything_allowed, setup),
		cmocka_unit_test_setup(test_no_vmx, setup),
		cmocka_unit_test_setup(test_locked_off_by_the_firmware, setup),
		cmocka_unit_test_setup(test_no_preemption_timer, setup),
		cmocka_unit_test_setup(test_no_unrestricted_guest, setup),
		cmocka_unit_test_setup(test_control_the_msrs_forbid, setup),
		cmocka_unit_test_setup(test_short_buffer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
