/*
 * dispatcher/exit_reasons.c and vmx/vmx_errors.c: every number has a name, names are
 * unique and safe as JSON keys, the SDM's unused numbers are "reserved N", the rest
 * "unknown".
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/exit_reasons.h"
#include "vmx/vmx_errors.h"

typedef const char *(*name_fn)(u32);

static bool is_reserved(u32 n, const u32 *reserved, size_t nres)
{
	for (size_t i = 0; i < nres; i++)
		if (reserved[i] == n)
			return true;
	return false;
}

/* Non-empty, printable, JSON-safe, unique; "reserved N" exactly for the unused numbers. */
static void check_names(name_fn fn, u32 max, const u32 *reserved, size_t nres)
{
	for (u32 n = 0; n <= max; n++) {
		const char *s = fn(n);
		assert_non_null(s);
		if (!s[0] || !strcmp(s, "unknown"))
			fail_msg("%u has no name", n);
		for (const char *p = s; *p; p++)
			if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
				fail_msg("%u: \"%s\" is not a plain JSON key", n, s);
		char want[32];
		snprintf(want, sizeof(want), "reserved %u", n);
		if (is_reserved(n, reserved, nres))
			assert_string_equal(s, want);
		else if (!strncmp(s, "reserved", 8))
			fail_msg("%u is named \"%s\" but the SDM uses it", n, s);
		for (u32 m = 0; m < n; m++)
			if (!strcmp(s, fn(m)))
				fail_msg("%u and %u are both \"%s\"", m, n, s);
	}
}

static void test_exit_names_complete(void **state)
{
	static const u32 reserved[] = {35, 38, 42, 65};
	assert_int_equal(EXIT_REASON_MAX, 69);
	check_names(exit_reason_name, EXIT_REASON_MAX, reserved, ARRAY_SIZE(reserved));
}

static void test_exit_names_sdm(void **state)
{
	static const struct {
		u32 n;
		const char *name;
	} want[] = {
		{0, "exception or NMI"}, {1, "external interrupt"}, {2, "triple fault"}, {10, "CPUID"},
		{12, "HLT"}, {28, "control-register access"}, {30, "I/O instruction"}, {31, "RDMSR"},
		{32, "WRMSR"}, {33, "VM-entry failure: invalid guest state"}, {34, "VM-entry failure: MSR loading"},
		{48, "EPT violation"}, {49, "EPT misconfiguration"}, {52, "VMX-preemption timer expired"},
		{55, "XSETBV"}, {69, "LOADIWKEY"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(exit_reason_name(want[i].n), want[i].name);
	assert_int_equal(EXIT_REASON_CPUID, 10);
	assert_int_equal(EXIT_REASON_HLT, 12);
	assert_int_equal(EXIT_REASON_CR_ACCESS, 28);
	assert_int_equal(EXIT_REASON_IO_INSTRUCTION, 30);
	assert_int_equal(EXIT_REASON_ENTRY_FAIL_GUEST_STATE, 33);
	assert_int_equal(EXIT_REASON_MWAIT, 36);
	assert_int_equal(EXIT_REASON_MONITOR, 39);
	assert_int_equal(EXIT_REASON_EPT_VIOLATION, 48);
	assert_int_equal(EXIT_REASON_PREEMPTION_TIMER, 52);
	assert_int_equal(EXIT_REASON_XSETBV, 55);
}

static void test_exit_names_out_of_range(void **state)
{
	static const u32 bad[] = {70, 71, 100, 0xffff, 0x10000, 0x80000021u, UINT32_MAX};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_string_equal(exit_reason_name(bad[i]), "unknown");
}

static void test_vm_errors_complete(void **state)
{
	static const u32 reserved[] = {14, 21, 27};
	assert_int_equal(VMXERR_MAX, 28);
	check_names(vm_instruction_error_name, VMXERR_MAX, reserved, ARRAY_SIZE(reserved));
	assert_string_equal(vm_instruction_error_name(VMXERR_ENTRY_INVALID_CONTROLS),
	                    "VM entry with invalid control field(s)");
	assert_string_equal(vm_instruction_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vm_instruction_error_name(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vm_instruction_error_name(28), "invalid operand to INVEPT/INVVPID");
	assert_string_equal(vm_instruction_error_name(29), "unknown");
	assert_string_equal(vm_instruction_error_name(UINT32_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_names_complete),
		cmocka_unit_test(test_exit_names_sdm),
		cmocka_unit_test(test_exit_names_out_of_range),
		cmocka_unit_test(test_vm_errors_complete),
	};
	return UNIT_RUN(tests);
}
