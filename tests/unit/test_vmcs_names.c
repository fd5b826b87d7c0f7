/*
 * vmx/vmcs_names.c: the names the checked VMCS access prints for a failed VMREAD/VMWRITE and
 * the entry-failure report prints for every control field (encodings: SDM Vol. 3D Appendix B).
 */
#include "unit.h"

#include <string.h>

#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "dispatcher/vcpu/vcpu.h"

static void test_names_of_fields(void **state)
{
	assert_string_equal(vmcs_field_name(VMCS_GUEST_RIP), "GUEST_RIP");
	assert_string_equal(vmcs_field_name(0x681e), "GUEST_RIP");
	assert_string_equal(vmcs_field_name(VMCS_VPID), "VPID"); /* encoding 0 is a field, not "none" */
	assert_string_equal(vmcs_field_name(VMCS_PROC2_CONTROLS), "PROC2_CONTROLS");
	assert_string_equal(vmcs_field_name(VMCS_HOST_RSP), "HOST_RSP");
	assert_string_equal(vmcs_field_name(VMCS_SEG_AR(VCPU_SS)), "GUEST_SS_AR");
}

static void test_unknown_field_has_no_name(void **state)
{
	assert_null(vmcs_field_name(0x6c18)); /* HOST_IA32_S_CET: not used, not listed */
	assert_null(vmcs_field_name(1));      /* bit 0 set: the high half of a 64-bit field */
	assert_null(vmcs_field_name(~0ULL));
}

/* Every control field the entry-failure report prints has a name to print. */
static void test_control_fields_named(void **state)
{
	const u64 controls[] = {VMCS_PIN_CONTROLS, VMCS_PROC_CONTROLS, VMCS_EXIT_CONTROLS, VMCS_ENTRY_CONTROLS,
	                        VMCS_EXCEPTION_BITMAP, VMCS_ENTRY_INTR_INFO, VMCS_EPT_POINTER, VMCS_CR0_MASK,
	                        VMCS_PREEMPTION_TIMER, VMCS_LINK_POINTER, VMCS_GUEST_ACTIVITY_STATE};
	for (size_t i = 0; i < ARRAY_SIZE(controls); i++)
		assert_non_null(vmcs_field_name(controls[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_of_fields),
		cmocka_unit_test(test_unknown_field_has_no_name),
		cmocka_unit_test(test_control_fields_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
