/*
 * VMX control computation. The method is the SDM's (Vol. 3C, VMM programming
 * considerations, "Algorithms for Determining VMX Capabilities"): take every control
 * the capability MSR forces to 1, add the ones microhv needs (failing when the CPU
 * does not allow one), add the useful ones the CPU allows, leave the rest 0.
 */
#include "controls.h"

/*
 * What microhv needs, and why.
 * pin: host interrupts and NMIs must reach the host, which runs with interrupts masked
 *   and counts them (the guest's devices are all emulated). The preemption timer ends
 *   guest execution at the next device deadline (DESIGN.md section 4) where the CPU has it;
 *   without it (nested KVM can hide it), or with preemption_timer=off, the host's local APIC
 *   timer does, through external-interrupt exiting (vmx/timer.c).
 * proc: HLT exits so a halted guest sleeps until its next device event; IO and MSR
 *   bitmaps select which ports and MSRs exit; MWAIT and MONITOR exit because CPUID hides
 *   them (the guest gets #UD, as on a CPU without them).
 */
#define PIN_REQUIRED (VMX_PIN_EXT_INT_EXITING | VMX_PIN_NMI_EXITING)
/* Virtual NMIs (with NMI-window exiting) let a host NMI that arrived in the guest be reflected
 * into it when the guest can take it (SDM Vol. 3C 25.6.1, 27.6.1.1; run.c). */
#define PIN_OPTIONAL (VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER)
#define PROC_REQUIRED                                                                                  \
	(VMX_PROC_HLT_EXITING | VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | VMX_PROC_SECONDARY_CONTROLS | \
	 VMX_PROC_MWAIT_EXITING | VMX_PROC_MONITOR_EXITING)
#define PROC_OPTIONAL 0u
/* EPT gives the guest its own physical address space; unrestricted guest lets it run real
 * mode and unpaged protected mode natively (SDM Vol. 3C 26.6). The optional ones only keep
 * instructions working that would otherwise be #UD in the guest (SDM Vol. 3C 26.3). */
#define PROC2_REQUIRED (VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED_GUEST)
#define PROC2_OPTIONAL (VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES)
/*
 * exit: the host runs in 64-bit mode; EFER is switched through the VMCS because the guest
 * owns its own EFER (LME/LMA) while the host needs its own NXE. Debug controls: DR7 and
 * IA32_DEBUGCTL are saved on exit and loaded on entry, since a VM exit sets DR7 to 400H
 * (SDM Vol. 3C 28.5.1) and the guest's value would be lost otherwise. The legacy MSRs
 * force them to 1 (default1), the TRUE ones let them be 0, so microhv asks for them.
 */
#define EXIT_REQUIRED                                                                        \
	(VMX_EXIT_HOST_ADDR_SPACE_SIZE | VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER | \
	 VMX_EXIT_SAVE_DEBUG_CONTROLS)
/* Saving the timer lets a guest resume with the rest of its slice; acknowledging the
 * interrupt on exit records its vector in the exit information (SDM Vol. 3C 28.2.2). */
#define EXIT_OPTIONAL (VMX_EXIT_SAVE_PREEMPTION_TIMER | VMX_EXIT_ACK_INTERRUPT)
#define ENTRY_REQUIRED (VMX_ENTRY_LOAD_EFER | VMX_ENTRY_LOAD_DEBUG_CONTROLS)
#define ENTRY_OPTIONAL 0u

#define CAP_ALLOWED1_SHIFT 32
#define CTL_BITS 32

struct ctl_name {
	u32 bit;
	const char *name;
};

/* The names the SDM gives the controls above, for the error message. */
static const struct ctl_name pin_names[] = {
	{VMX_PIN_EXT_INT_EXITING, "external-interrupt exiting"},
	{VMX_PIN_NMI_EXITING, "NMI exiting"},
};
static const struct ctl_name proc_names[] = {
	{VMX_PROC_HLT_EXITING, "HLT exiting"},
	{VMX_PROC_MWAIT_EXITING, "MWAIT exiting"},
	{VMX_PROC_IO_BITMAPS, "use I/O bitmaps"},
	{VMX_PROC_MSR_BITMAPS, "use MSR bitmaps"},
	{VMX_PROC_MONITOR_EXITING, "MONITOR exiting"},
	{VMX_PROC_SECONDARY_CONTROLS, "activate secondary controls"},
};
static const struct ctl_name proc2_names[] = {
	{VMX_PROC2_EPT, "enable EPT"},
	{VMX_PROC2_UNRESTRICTED_GUEST, "unrestricted guest"},
};
static const struct ctl_name exit_names[] = {
	{VMX_EXIT_SAVE_DEBUG_CONTROLS, "save debug controls"},
	{VMX_EXIT_HOST_ADDR_SPACE_SIZE, "host address-space size"},
	{VMX_EXIT_SAVE_EFER, "save IA32_EFER"},
	{VMX_EXIT_LOAD_EFER, "load IA32_EFER"},
};
static const struct ctl_name entry_names[] = {
	{VMX_ENTRY_LOAD_DEBUG_CONTROLS, "load debug controls"},
	{VMX_ENTRY_LOAD_EFER, "load IA32_EFER"},
};

struct ctl_field {
	const char *kind; /* as in the message: cannot set <kind> control "<name>" (bit N) */
	u32 required, optional;
	const struct ctl_name *names;
	size_t nnames;
};

static const struct ctl_field fields[] = {
	{"pin-based", PIN_REQUIRED, PIN_OPTIONAL, pin_names, ARRAY_SIZE(pin_names)},
	{"primary processor-based", PROC_REQUIRED, PROC_OPTIONAL, proc_names, ARRAY_SIZE(proc_names)},
	{"secondary", PROC2_REQUIRED, PROC2_OPTIONAL, proc2_names, ARRAY_SIZE(proc2_names)},
	{"VM-exit", EXIT_REQUIRED, EXIT_OPTIONAL, exit_names, ARRAY_SIZE(exit_names)},
	{"VM-entry", ENTRY_REQUIRED, ENTRY_OPTIONAL, entry_names, ARRAY_SIZE(entry_names)},
};
enum { FIELD_PIN, FIELD_PROC, FIELD_PROC2, FIELD_EXIT, FIELD_ENTRY, FIELD_COUNT };

int vmx_ctl_adjust(u64 cap_msr, u32 required, u32 optional, u32 *out, u32 *missing)
{
	u32 must1 = (u32)cap_msr;
	u32 allowed1 = (u32)(cap_msr >> CAP_ALLOWED1_SHIFT);
	/* A must-be-one bit that is not allowed to be 1 is an inconsistent MSR (a broken
	 * virtual CPU): no setting passes VM entry, so it is reported like a required bit. */
	*missing = (must1 | required) & ~allowed1;
	*out = must1 | required | (optional & allowed1);
	return *missing ? -1 : 0;
}

/* Appends s to the NUL-terminated err, truncating at errlen - 1 bytes. */
static void err_append(char *err, size_t errlen, const char *s)
{
	size_t n = 0;
	while (n < errlen && err[n])
		n++;
	for (; *s && n + 1 < errlen; s++, n++)
		err[n] = *s;
	if (n < errlen)
		err[n] = 0;
}

static void err_append_uint(char *err, size_t errlen, u32 v)
{
	char digits[11];
	size_t i = sizeof(digits) - 1;
	digits[i] = 0;
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	err_append(err, errlen, &digits[i]);
}

static const char *ctl_bit_name(const struct ctl_field *f, u32 bit)
{
	for (size_t i = 0; i < f->nnames; i++)
		if (f->names[i].bit == bit)
			return f->names[i].name;
	return "reserved (must be 1)";
}

static void report_missing(const struct ctl_field *f, u32 missing, char *err, size_t errlen)
{
	for (u32 b = 0; b < CTL_BITS; b++) {
		u32 bit = 1u << b;
		if (!(missing & bit))
			continue;
		if (errlen && err[0])
			err_append(err, errlen, "; ");
		err_append(err, errlen, "cannot set ");
		err_append(err, errlen, f->kind);
		err_append(err, errlen, " control \"");
		err_append(err, errlen, ctl_bit_name(f, bit));
		err_append(err, errlen, "\" (bit ");
		err_append_uint(err, errlen, b);
		err_append(err, errlen, ")");
	}
}

int vmx_compute_controls(const struct vmx_msrs *m, struct vmx_controls *out, char *err, size_t errlen)
{
	return vmx_compute_controls_timer(m, true, out, err, errlen);
}

int vmx_compute_controls_timer(const struct vmx_msrs *m, bool preemption_timer, struct vmx_controls *out, char *err,
                               size_t errlen)
{
	bool true_ctls = (m->basic & VMX_BASIC_TRUE_CTLS) != 0;
	/* A.3.3: IA32_VMX_PROCBASED_CTLS2 has no TRUE twin; all secondary controls are default0. */
	const u64 caps[FIELD_COUNT] = {
		[FIELD_PIN] = true_ctls ? m->true_pinbased : m->pinbased,
		[FIELD_PROC] = true_ctls ? m->true_procbased : m->procbased,
		[FIELD_PROC2] = m->procbased2,
		[FIELD_EXIT] = true_ctls ? m->true_exit : m->exit,
		[FIELD_ENTRY] = true_ctls ? m->true_entry : m->entry,
	};
	u32 val[FIELD_COUNT];
	int rc = 0;
	if (errlen)
		err[0] = 0;
	for (int i = 0; i < FIELD_COUNT; i++) {
		u32 missing;
		if (vmx_ctl_adjust(caps[i], fields[i].required, fields[i].optional, &val[i], &missing)) {
			report_missing(&fields[i], missing, err, errlen);
			rc = -1;
		}
	}
	*out = (struct vmx_controls){
		.pin = val[FIELD_PIN],
		.proc = val[FIELD_PROC],
		.proc2 = val[FIELD_PROC2],
		.exit = val[FIELD_EXIT],
		.entry = val[FIELD_ENTRY],
	};
	if (!preemption_timer)
		out->pin &= ~VMX_PIN_PREEMPTION_TIMER;
	/* 27.2.1.2: "save VMX-preemption timer value" only with the timer active. */
	if (!(out->pin & VMX_PIN_PREEMPTION_TIMER))
		out->exit &= ~VMX_EXIT_SAVE_PREEMPTION_TIMER;
	return rc;
}

u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1)
{
	return (value | fixed0) & fixed1;
}
