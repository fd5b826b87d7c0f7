/*
 * vmx/exit_cost.c over a fake VMCS and a fake vmx_enter: the measurement sets IF, the window
 * control and the preemption timer only for its round trips and puts them back exactly; the
 * first entry is the VMLAUNCH and vmx_cpu.launched says so afterwards; a foreign exit (the LAPIC
 * timer's interrupt, a host NMI), a failed entry or an interrupt shadow at start ends it with
 * "not measured" and no figure for the block policy; a given exit_cost=N is named.
 */
#include "unit.h"

#include <string.h>

#include "arch/console.h"
#include "dispatcher/blockio/block_policy.h"
#include "dispatcher/exit_reasons.h"
#include "vmx/exit_cost.h"
#include "vmx/nmi.h"
#include "vmx/timer.h"
#include "vmx/vcpu_sync.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"

#define RFLAGS_FIXED 0x2ULL
#define RFLAGS_IF_BIT (1ULL << 9)
#define TRIPS (EXIT_COST_BATCHES * EXIT_COST_BATCH)
#define ENTRY_FAILURE_BIT (1U << 31)
#define NMI_INFO (0x80000000U | (2U << 8) | 2U) /* valid, type NMI, vector 2 */

/* The fake VMCS: the fields the measurement touches. */
static u64 f_rflags, f_timer, f_intr, f_proc, f_reason, f_intr_info, f_rip;
#define GUEST_ENTRY_RIP 0x100010ULL
static int f_timer_writes;
/* The script: the exit reason of round trip n (a window's unless told), an entry status. */
static u32 foreign_at, foreign_reason;
static int fail_rc;
static bool fail_entry_exit;
static u32 entries, launches, bad_state_entries;
static u32 timer_exits, measured_calls;
static u64 measured_ticks;
static char out[4096];

struct vmcs_counts vmcs_counts;

u64 vmcs_read(u64 field)
{
	switch (field) {
	case VMCS_GUEST_RFLAGS: return f_rflags;
	case VMCS_GUEST_RIP: return f_rip;
	case VMCS_PREEMPTION_TIMER: return f_timer;
	case VMCS_GUEST_INTERRUPTIBILITY: return f_intr;
	case VMCS_EXIT_REASON: return f_reason;
	case VMCS_EXIT_INTR_INFO: return f_intr_info;
	}
	fail_msg("unexpected VMREAD of 0x%llx", (unsigned long long)field);
	return 0;
}

void vmcs_write(u64 field, u64 value)
{
	switch (field) {
	case VMCS_GUEST_RFLAGS: f_rflags = value; return;
	case VMCS_GUEST_RIP: f_rip = value; return;
	case VMCS_PREEMPTION_TIMER: f_timer = value; f_timer_writes++; return;
	case VMCS_PROC_CONTROLS: f_proc = value; return;
	}
	fail_msg("unexpected VMWRITE of 0x%llx", (unsigned long long)field);
}

void vmx_write_proc_controls(struct vmx_cpu *c)
{
	vmcs_write(VMCS_PROC_CONTROLS, c->ctl.proc | (c->window_on ? VMX_PROC_INTERRUPT_WINDOW_EXITING : 0));
}

int vmx_enter(u64 *gprs, int launched, u64 *host_rsp)
{
	(void)gprs;
	(void)host_rsp;
	u32 n = entries++;
	launches += !launched;
	/* every entry of the measurement: IF, the window open, the timer at its largest, RIP off the
	 * guest's first instruction (a debugger's breakpoint there) */
	if (!(f_rflags & RFLAGS_IF_BIT) || !(f_proc & VMX_PROC_INTERRUPT_WINDOW_EXITING) || f_timer != 0xffffffffULL ||
	    f_rip == GUEST_ENTRY_RIP)
		bad_state_entries++;
	if (fail_rc)
		return fail_rc;
	f_reason = fail_entry_exit ? (ENTRY_FAILURE_BIT | 33U) : EXIT_REASON_INTERRUPT_WINDOW;
	if (foreign_reason && n == foreign_at)
		f_reason = foreign_reason == 100 ? EXIT_REASON_EXCEPTION_NMI : foreign_reason;
	f_intr_info = foreign_reason == 100 && n == foreign_at ? NMI_INFO : 0;
	return 0;
}

void vmx_timer_exit(struct vmx_cpu *c, const struct vcpu *v)
{
	(void)c;
	assert_int_equal(v->exit.reason, EXIT_REASON_EXTERNAL_INTERRUPT);
	timer_exits++;
}

void blockio_exit_cost_measured(struct blockio *bio, u64 ticks)
{
	(void)bio;
	measured_calls++;
	measured_ticks = ticks;
}

/* The console's output, its CRs left out (console.c ends a line with CR LF). */
static void capture(const char *s, size_t n)
{
	size_t l = strlen(out);
	for (size_t i = 0; i < n && l + 1 < sizeof(out); i++)
		if (s[i] != '\r')
			out[l++] = s[i];
	out[l] = 0;
}

static struct vmx_cpu cpu;
static struct dispatcher disp;

static int setup(void **state)
{
	(void)state;
	memset(&cpu, 0, sizeof(cpu));
	memset(&disp, 0, sizeof(disp));
	cpu.ctl.pin = VMX_PIN_PREEMPTION_TIMER;
	cpu.ctl.proc = 0x1000; /* some other control, kept */
	f_rflags = RFLAGS_FIXED;
	f_rip = GUEST_ENTRY_RIP;
	f_timer = 12345;
	f_intr = 0;
	f_proc = cpu.ctl.proc;
	f_timer_writes = 0;
	foreign_at = foreign_reason = 0;
	fail_rc = 0;
	fail_entry_exit = false;
	entries = launches = bad_state_entries = timer_exits = measured_calls = 0;
	measured_ticks = 0;
	out[0] = 0;
	con_set_output(capture);
	return 0;
}

/* Everything the measurement changed is back as it was. */
static void check_restored(void)
{
	assert_int_equal(f_rflags, RFLAGS_FIXED);
	assert_int_equal(f_rip, GUEST_ENTRY_RIP);
	assert_false(cpu.window_on);
	assert_int_equal(f_proc, cpu.ctl.proc);
	assert_int_equal(f_timer, 12345);
}

static void test_measured(void **state)
{
	(void)state;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, TRIPS);
	assert_int_equal(launches, 1); /* the first entry only */
	assert_true(cpu.launched);
	assert_int_equal(bad_state_entries, 0);
	assert_int_equal(measured_calls, 1);
	assert_true(measured_ticks > 0);
	char want[EXIT_COST_LINE_MAX];
	snprintf(want, sizeof(want),
	         "[hv] exit cost: %llu TSC ticks per VM exit and entry (smallest mean of 8 batches of 128)\n",
	         (unsigned long long)measured_ticks);
	assert_string_equal(out, want);
	check_restored();
	assert_int_equal(timer_exits, 0);
	assert_int_equal(cpu.nmi.in_guest, 0);
}

static void test_given_cost_named(void **state)
{
	(void)state;
	disp.cfg.block.exit_cost = 5000;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(measured_calls, 1); /* measured all the same: the statistics show both */
	assert_non_null(strstr(out, "(smallest mean of 8 batches of 128); blocks are judged at exit_cost=5000\n"));
}

/* The LAPIC timer's interrupt exits the guest: its EOI is given, and there is no figure. */
static void test_external_interrupt_stops(void **state)
{
	(void)state;
	foreign_at = 37;
	foreign_reason = EXIT_REASON_EXTERNAL_INTERRUPT;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, 38);
	assert_int_equal(timer_exits, 1);
	assert_int_equal(measured_calls, 0);
	char want[EXIT_COST_LINE_MAX];
	snprintf(want, sizeof(want),
	         "[hv] exit cost: not measured (exit 37 was not the interrupt window's but 1, %s); blocks are judged at "
	         "the default exit_cost=%u\n",
	         exit_reason_name(EXIT_REASON_EXTERNAL_INTERRUPT), BPOL_DEFAULT_EXIT_COST);
	assert_string_equal(out, want);
	assert_true(cpu.launched);
	check_restored();
}

/* A host NMI before the guest's first instruction: counted in the guest and dropped (it has no
 * handler yet), never latched for reflection. */
static void test_nmi_stops_and_is_dropped(void **state)
{
	(void)state;
	foreign_at = 500;
	foreign_reason = 100;
	cpu.ctl.pin |= VMX_PIN_VIRTUAL_NMIS;
	cpu.caps.nmi_window = true;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, 501);
	assert_int_equal(cpu.nmi.in_guest, 1);
	assert_int_equal(cpu.nmi.dropped, 1);
	assert_false(cpu.nmi.pending);
	assert_int_equal(measured_calls, 0);
	assert_non_null(strstr(out, "not measured (exit 500 was not the interrupt window's but 0, "));
	check_restored();
}

/* A VM-entry failure while loading guest state leaves the VMCS unlaunched: the run loop's own
 * VMLAUNCH meets it again and reports it. */
static void test_entry_failure(void **state)
{
	(void)state;
	fail_entry_exit = true;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, 1);
	assert_false(cpu.launched);
	assert_int_equal(measured_calls, 0);
	assert_non_null(strstr(out, "not measured (VM entry failed, exit reason 33)"));
	check_restored();
	setup(state);
	fail_rc = 2;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, 1);
	assert_false(cpu.launched);
	assert_non_null(strstr(out, "not measured (VM entry failed, status 2)"));
	check_restored();
}

/* In an interrupt shadow the window would not open at once: nothing is entered. */
static void test_shadow_not_entered(void **state)
{
	(void)state;
	f_intr = INTERRUPTIBILITY_STI;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(entries, 0);
	assert_false(cpu.launched);
	assert_non_null(strstr(out, "not measured (the guest starts in an interrupt shadow or not active)"));
	check_restored();
}

/* Without the preemption timer the timer field is left alone; a window already asked for stays
 * asked for; a guest with IF already set keeps it. */
static void test_no_timer_window_kept(void **state)
{
	(void)state;
	cpu.ctl.pin = 0;
	f_timer = 0xffffffffULL; /* what the fake entry checks for */
	cpu.window_on = true;
	f_rflags = RFLAGS_FIXED | RFLAGS_IF_BIT;
	vmx_exit_cost_start(&cpu, &disp);
	assert_int_equal(measured_calls, 1);
	assert_int_equal(f_timer_writes, 0);
	assert_true(cpu.window_on);
	assert_int_equal(f_proc, cpu.ctl.proc | VMX_PROC_INTERRUPT_WINDOW_EXITING);
	assert_int_equal(f_rflags, RFLAGS_FIXED | RFLAGS_IF_BIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_measured, setup),
		cmocka_unit_test_setup(test_given_cost_named, setup),
		cmocka_unit_test_setup(test_external_interrupt_stops, setup),
		cmocka_unit_test_setup(test_nmi_stops_and_is_dropped, setup),
		cmocka_unit_test_setup(test_entry_failure, setup),
		cmocka_unit_test_setup(test_shadow_not_entered, setup),
		cmocka_unit_test_setup(test_no_timer_window_kept, setup),
	};
	return UNIT_RUN(tests);
}
