/*
 * dispatcher/dispatch.c: every exit reason reaches a handler or ends the guest with a dump, the
 * small handlers (HLT, INVD, VMX instructions, triple fault, EPT violation, entry failure), the
 * exit counters and the "[hv] stats {json}" line (DESIGN.md section 5).
 */
#include "fake_vcpu.h"

#include <stdlib.h>
#include <string.h>

#include "arch/console.h"
#include "arch/shutdown.h"

#define V (&fk.v)

/* Reasons whose handler lets the guest run on (with the fake's default 64-bit state). */
static bool runs_on(u32 r)
{
	static const u32 ok[] = {
		EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_INTERRUPT_WINDOW,
		EXIT_REASON_CPUID, EXIT_REASON_HLT, EXIT_REASON_INVD, EXIT_REASON_VMCALL, EXIT_REASON_VMCLEAR,
		EXIT_REASON_VMLAUNCH, EXIT_REASON_VMPTRLD, EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD,
		EXIT_REASON_VMRESUME, EXIT_REASON_VMWRITE, EXIT_REASON_VMXOFF, EXIT_REASON_VMXON,
		EXIT_REASON_CR_ACCESS, EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_RDMSR, EXIT_REASON_WRMSR,
		EXIT_REASON_MWAIT, EXIT_REASON_MONITOR, EXIT_REASON_INVEPT, EXIT_REASON_PREEMPTION_TIMER,
		EXIT_REASON_INVVPID, EXIT_REASON_XSETBV, EXIT_REASON_VMFUNC, EXIT_REASON_NMI_WINDOW,
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == r)
			return true;
	return false;
}

static const u32 vmx_instructions[] = {
	EXIT_REASON_VMCALL, EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH, EXIT_REASON_VMPTRLD,
	EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD, EXIT_REASON_VMRESUME, EXIT_REASON_VMWRITE,
	EXIT_REASON_VMXOFF, EXIT_REASON_VMXON, EXIT_REASON_INVEPT, EXIT_REASON_INVVPID,
	EXIT_REASON_VMFUNC, EXIT_REASON_MWAIT, EXIT_REASON_MONITOR,
};

static void run(u32 reason, u64 qual, u32 len)
{
	fake_exit(reason, qual, len);
	dispatch_exit(&fk.d, V);
}

static void test_every_reason_goes_somewhere(void **state)
{
	for (u32 r = 0; r <= EXIT_REASON_MAX; r++) {
		assert_int_equal(fake_setup(state), 0);
		run(r, 0, 3);
		assert_int_equal(fk.d.stats.exits, 1);
		assert_int_equal(fk.d.stats.by_reason[r], 1);
		if (runs_on(r)) {
			if (V->ended)
				fail_msg("reason %u ended the guest: %s", r, V->end_reason);
			continue;
		}
		assert_true(V->ended);
		bool entry_fail = r == EXIT_REASON_ENTRY_FAIL_GUEST_STATE || r == EXIT_REASON_ENTRY_FAIL_MSR_LOADING;
		assert_int_equal(V->end_code, entry_fail ? HV_EXIT_PANIC : HV_EXIT_GUEST_FAULT);
		/* every stop names the reason and dumps the guest */
		assert_non_null(strstr(fake_console(), exit_reason_name(r)));
		assert_non_null(strstr(fake_console(), "guest state: rip=0x1000"));
		if (r != EXIT_REASON_TRIPLE_FAULT && r != EXIT_REASON_EPT_VIOLATION && !entry_fail)
			assert_string_equal(V->end_reason, "unhandled VM exit");
	}
}

static void test_unhandled_reason_dumps_registers(void **state)
{
	V->gpr[VCPU_RAX] = 0x1234;
	V->gpr[VCPU_R15] = 0xfedcba9876543210ULL;
	V->seg[VCPU_FS].base = 0xabc000;
	run(EXIT_REASON_RDTSC, 0x55, 2);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
	const char *c = fake_console();
	assert_non_null(strstr(c, "[hv] guest stopped: unhandled VM exit (exit reason 16, RDTSC, qualification 0x55)"));
	assert_non_null(strstr(c, "rax=0000000000001234"));
	assert_non_null(strstr(c, "r15=fedcba9876543210"));
	assert_non_null(strstr(c, "fs: sel=0000 base=abc000"));
	assert_non_null(strstr(c, "efer=500"));
	assert_false(V->inject.pending);
}

static void test_out_of_range_reason(void **state)
{
	static const u32 bad[] = {EXIT_REASON_MAX + 1, 0x7fff, 0xffff};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_setup(state), 0);
		run(bad[i], 0, 1);
		assert_int_equal(fk.d.stats.exits, 1);
		u64 sum = 0;
		for (u32 r = 0; r <= EXIT_REASON_MAX; r++)
			sum += fk.d.stats.by_reason[r];
		assert_int_equal(sum, 0);
		assert_true(V->ended);
		assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
		assert_non_null(strstr(fake_console(), "unknown"));
	}
}

static void test_counters_count(void **state)
{
	run(EXIT_REASON_CPUID, 0, 2);
	run(EXIT_REASON_CPUID, 0, 2);
	run(EXIT_REASON_INTERRUPT_WINDOW, 0, 0);
	V->gpr[VCPU_RCX] = 0x10; /* TSC */
	run(EXIT_REASON_RDMSR, 0, 2);
	assert_int_equal(fk.d.stats.exits, 4);
	assert_int_equal(fk.d.stats.by_reason[EXIT_REASON_CPUID], 2);
	assert_int_equal(fk.d.stats.by_reason[EXIT_REASON_INTERRUPT_WINDOW], 1);
	assert_int_equal(fk.d.stats.by_reason[EXIT_REASON_RDMSR], 1);
	assert_int_equal(fk.d.stats.by_reason[EXIT_REASON_WRMSR], 0);
	assert_int_equal(fk.d.stats.io_exits, 0);
}

static void test_vmx_instructions_inject_ud(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(vmx_instructions); i++) {
		assert_int_equal(fake_setup(state), 0);
		run(vmx_instructions[i], 0, 3);
		fake_assert_fault(X86_EXC_UD, false, 0);
		assert_false(V->inject.has_error);
		assert_int_equal(V->inject.instr_len, 0);
	}
}

static void test_invd_advances_rip(void **state)
{
	run(EXIT_REASON_INVD, 0, 2);
	fake_assert_retired(2);
}

static void test_hlt_with_if_clear_ends_guest(void **state)
{
	V->rflags = RFLAGS_FIXED1;
	run(EXIT_REASON_HLT, 0, 1);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_OK); /* a halted machine is a finished run */
	assert_false(V->halted);
	assert_non_null(strstr(fake_console(), "interrupts disabled"));
}

static void test_hlt_with_if_set_sleeps(void **state)
{
	run(EXIT_REASON_HLT, 0, 1);
	assert_true(V->halted);
	fake_assert_retired(1);
}

static void test_triple_fault_ends_guest(void **state)
{
	V->gpr[VCPU_RSP] = 0x7ff0;
	run(EXIT_REASON_TRIPLE_FAULT, 0, 0);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
	assert_string_equal(V->end_reason, "triple fault");
	assert_non_null(strstr(fake_console(), "guest stopped: triple fault"));
	assert_non_null(strstr(fake_console(), "rsp=0000000000007ff0"));
}

static void test_ept_violation_prints_access(void **state)
{
	fake_exit(EXIT_REASON_EPT_VIOLATION, (1u << 1) | (1u << 7), 0);
	V->exit.guest_phys = 0xfee00030;
	V->exit.guest_linear = 0xffff800000001030ULL;
	dispatch_exit(&fk.d, V);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
	assert_non_null(strstr(fake_console(), "write at guest-physical 0xfee00030 (linear 0xffff800000001030)"));
	assert_null(strstr(fake_console(), "read"));
}

static void test_ept_violation_without_linear(void **state)
{
	fake_exit(EXIT_REASON_EPT_VIOLATION, 1u << 2, 0); /* a fetch, linear address not valid */
	V->exit.guest_phys = 0xc0000000;
	V->exit.guest_linear = 0x1234;
	dispatch_exit(&fk.d, V);
	assert_true(V->ended);
	assert_non_null(strstr(fake_console(), "fetch at guest-physical 0xc0000000\r\n"));
	assert_null(strstr(fake_console(), "linear 0x1234"));
}

/* A plain MOV store into the legacy hole is dropped and the guest runs on past it. */
static void test_ept_hole_mov_store_dropped(void **state)
{
	static const u8 mov_byte_rax_imm[] = {0xc6, 0x00, 0x41}; /* mov byte [rax], 0x41 */
	memcpy(fk.ram + FAKE_RIP, mov_byte_rax_imm, sizeof(mov_byte_rax_imm));
	V->gpr[VCPU_RAX] = 0xb8000;
	fake_exit(EXIT_REASON_EPT_VIOLATION, (1u << 1) | (1u << 7), 0);
	V->exit.guest_phys = 0xb8000;
	V->exit.guest_linear = 0xb8000;
	dispatch_exit(&fk.d, V);
	fake_assert_retired(3);
	assert_int_equal(fk.d.stats.hole_writes_dropped, 1);
	assert_int_equal(fk.con_len, 0);
}

/* A read-modify-write into the hole, or a MOV store outside it, stops the guest. */
static void test_ept_hole_other_writes_stop(void **state)
{
	static const u8 or_byte_rax_imm[] = {0x80, 0x08, 0x01}; /* or byte [rax], 1 */
	static const u8 mov_byte_rax_imm[] = {0xc6, 0x00, 0x41};
	const struct {
		const u8 *code;
		u64 gpa;
	} cases[] = {{or_byte_rax_imm, 0xb8000}, {mov_byte_rax_imm, 0x9ffff}, {mov_byte_rax_imm, 0x100000}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(fake_setup(state), 0);
		memcpy(fk.ram + FAKE_RIP, cases[i].code, 3);
		V->gpr[VCPU_RAX] = cases[i].gpa;
		fake_exit(EXIT_REASON_EPT_VIOLATION, 1u << 1, 0);
		V->exit.guest_phys = cases[i].gpa;
		dispatch_exit(&fk.d, V);
		assert_true(V->ended);
		assert_int_equal(V->end_code, HV_EXIT_GUEST_FAULT);
		assert_int_equal(V->rip, FAKE_RIP);
		assert_int_equal(fk.d.stats.hole_writes_dropped, 0);
	}
}

/* A store that is only partly in the hole writes RAM natively: dropping all of it would lose
 * those bytes, so the guest stops instead. A store inside the hole across a page is dropped. */
static void test_ept_hole_straddling_store(void **state)
{
	static const u8 mov_dword_rax_imm[] = {0xc7, 0x00, 0x44, 0x43, 0x42, 0x41}; /* mov dword [rax], imm32 */
	static const struct {
		u64 rax, gpa;
		bool dropped;
	} cases[] = {{0x9fffe, 0xa0000, false}, {0xffffe, 0xffffe, false}, {0xbfffe, 0xbfffe, true}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(fake_setup(state), 0);
		memcpy(fk.ram + FAKE_RIP, mov_dword_rax_imm, sizeof(mov_dword_rax_imm));
		V->gpr[VCPU_RAX] = cases[i].rax;
		fake_exit(EXIT_REASON_EPT_VIOLATION, (1u << 1) | (1u << 7) | (1u << 8), 0);
		V->exit.guest_phys = cases[i].gpa;
		V->exit.guest_linear = cases[i].gpa;
		dispatch_exit(&fk.d, V);
		if (cases[i].dropped) {
			fake_assert_retired(6);
			assert_int_equal(fk.d.stats.hole_writes_dropped, 1);
		} else {
			assert_true(V->ended);
			assert_int_equal(V->rip, FAKE_RIP);
			assert_int_equal(fk.d.stats.hole_writes_dropped, 0);
		}
	}
}

/* The write that exited is not the MOV at RIP when an event was being delivered (a push of the
 * exception frame) or when it hit another page (a page-table A/D update): never drop then. */
static void test_ept_hole_write_not_by_the_mov(void **state)
{
	static const u8 mov_byte_rax_imm[] = {0xc6, 0x00, 0x41};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fake_setup(state), 0);
		memcpy(fk.ram + FAKE_RIP, mov_byte_rax_imm, sizeof(mov_byte_rax_imm));
		V->gpr[VCPU_RAX] = 0xb8000;
		fake_exit(EXIT_REASON_EPT_VIOLATION, (1u << 1) | (1u << 7), 0);
		V->exit.guest_phys = i == 0 ? 0xb8000 : 0xc0ff8;
		if (i == 0)
			V->exit.idt_vectoring_info = (1u << 31) | (3u << 8) | 14; /* #PF being delivered */
		dispatch_exit(&fk.d, V);
		assert_true(V->ended);
		assert_int_equal(V->rip, FAKE_RIP);
		assert_int_equal(fk.d.stats.hole_writes_dropped, 0);
	}
}

static void test_entry_failure_is_a_panic(void **state)
{
	fake_exit(EXIT_REASON_ENTRY_FAIL_GUEST_STATE, 0, 0);
	V->exit.entry_failure = true;
	dispatch_exit(&fk.d, V);
	assert_true(V->ended);
	assert_int_equal(V->end_code, HV_EXIT_PANIC);
	assert_non_null(strstr(fake_console(), "VM entry failed"));
}

static void test_window_and_timer_exits_change_nothing(void **state)
{
	static const u32 r[] = {EXIT_REASON_INTERRUPT_WINDOW, EXIT_REASON_PREEMPTION_TIMER,
	                        EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_EXCEPTION_NMI};
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		assert_int_equal(fake_setup(state), 0);
		V->gpr[VCPU_RAX] = 0x55;
		run(r[i], 0, 3);
		fake_assert_untouched_rip();
		assert_int_equal(V->dirty, 0);
		assert_false(V->halted);
		assert_int_equal(V->gpr[VCPU_RAX], 0x55);
		assert_int_equal(fk.con_len, 0);
	}
}

static void test_trace_exits(void **state)
{
	run(EXIT_REASON_CPUID, 0, 2);
	assert_int_equal(fk.con_len, 0);
	fk.d.cfg.trace_exits = true;
	V->rip = 0x2000;
	run(EXIT_REASON_INVD, 0x9, 2);
	assert_string_equal(fake_console(), "[hv] exit INVD rip=0x2000 qual=0x9\r\n");
}

static void test_debug_exit_code_wins_over_later_fault(void **state)
{
	vcpu_end(V, 3, "first");
	run(EXIT_REASON_TRIPLE_FAULT, 0, 0);
	assert_int_equal(V->end_code, 3);
	assert_string_equal(V->end_reason, "first");
}

/* ---- the stats line: a tiny JSON reader (objects, arrays of unsigned integers, unsigned integers, true/false) ---- */

#define MAX_KEYS 96
#define MAX_OBJS 32

enum jkind { J_NUM, J_BOOL, J_OBJ, J_ARR, J_STR };

struct jobj {
	char key[MAX_KEYS][64];
	enum jkind kind[MAX_KEYS];
	unsigned long long val[MAX_KEYS]; /* the number, the boolean, or the index of the object */
	int n;
};

static struct jobj jpool[MAX_OBJS];
static int jused;

static bool j_string(const char **p, char *out, size_t cap)
{
	if (**p != '"')
		return false;
	size_t n = 0;
	for ((*p)++; **p != '"'; (*p)++) {
		if (**p == 0 || **p == '\\' || (unsigned char)**p < 0x20 || n + 1 >= cap)
			return false;
		out[n++] = **p;
	}
	out[n] = 0;
	(*p)++;
	return true;
}

static bool j_number(const char **p, unsigned long long *out)
{
	if (**p < '0' || **p > '9' || (**p == '0' && (*p)[1] >= '0' && (*p)[1] <= '9'))
		return false;
	char *end;
	*out = strtoull(*p, &end, 10);
	*p = end;
	return true;
}

static bool j_object(const char **p, int *index);

static bool j_value(const char **p, enum jkind *kind, unsigned long long *val)
{
	if (**p == '{') {
		int i;
		*kind = J_OBJ;
		if (!j_object(p, &i))
			return false;
		*val = (unsigned long long)i;
		return true;
	}
	if (**p == '[') { /* an array of numbers: val is its length */
		*kind = J_ARR;
		*val = 0;
		(*p)++;
		if (**p == ']') {
			(*p)++;
			return true;
		}
		for (;;) {
			unsigned long long x;
			int o;
			if (**p == '{' ? !j_object(p, &o) : !j_number(p, &x)) /* numbers, or objects ("ports") */
				return false;
			(*val)++;
			char c = *(*p)++;
			if (c == ']')
				return true;
			if (c != ',')
				return false;
		}
	}
	if (**p == '"') { /* a string ("kind"): val is 0, the text is not kept */
		char text[64];
		*kind = J_STR;
		*val = 0;
		return j_string(p, text, sizeof(text));
	}
	if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
		*kind = J_BOOL;
		*val = **p == 't';
		*p += *val ? 4 : 5;
		return true;
	}
	*kind = J_NUM;
	return j_number(p, val);
}

static bool j_object(const char **p, int *index)
{
	if (jused >= MAX_OBJS || *(*p)++ != '{')
		return false;
	*index = jused;
	struct jobj *o = &jpool[jused++];
	o->n = 0;
	if (**p == '}') {
		(*p)++;
		return true;
	}
	for (;;) {
		if (o->n >= MAX_KEYS || !j_string(p, o->key[o->n], sizeof(o->key[0])))
			return false;
		for (int i = 0; i < o->n; i++)
			if (!strcmp(o->key[i], o->key[o->n]))
				return false; /* duplicate key */
		if (*(*p)++ != ':' || !j_value(p, &o->kind[o->n], &o->val[o->n]))
			return false;
		o->n++;
		char c = *(*p)++;
		if (c == '}')
			return true;
		if (c != ',')
			return false;
	}
}

static int j_find(const struct jobj *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->key[i], key))
			return i;
	fail_msg("key %s missing", key);
	return -1;
}

static unsigned long long j_get(const struct jobj *o, const char *key)
{
	int i = j_find(o, key);
	assert_int_equal(o->kind[i], J_NUM);
	return o->val[i];
}

/* Finds the stats line in the capture and parses it: the top object and its by_reason. */
static void parse_stats(struct jobj **top, struct jobj **by)
{
	const char *line = strstr(fake_console(), "[hv] stats {");
	assert_non_null(line);
	const char *p = line + strlen("[hv] stats ");
	int t;
	jused = 0;
	if (!j_object(&p, &t))
		fail_msg("stats line is not valid JSON: %s", line);
	assert_memory_equal(p, "\r\n", 2);
	*top = &jpool[t];
	int i = j_find(*top, "by_reason");
	assert_int_equal((*top)->kind[i], J_OBJ);
	*by = &jpool[(*top)->val[i]];
}

static void test_stats_line_is_json(void **state)
{
	run(EXIT_REASON_CPUID, 0, 2);
	run(EXIT_REASON_CPUID, 0, 2);
	run(EXIT_REASON_IO_INSTRUCTION, 0x80ULL << 16, 2); /* OUT 0x80, AL */
	run(EXIT_REASON_PREEMPTION_TIMER, 0, 0);
	run(EXIT_REASON_LOADIWKEY, 0, 0); /* the last reason in the table, ends the guest */
	fk.d.stats.irqs_injected = 7;
	fk.d.stats.halted_exits = 8;
	fk.d.stats.root_tsc = 9;
	fake_console_clear();
	dispatch_print_stats(&fk.d);
	struct jobj *top, *by;
	parse_stats(&top, &by);
	assert_true(top->n >= 4);
	assert_int_equal(j_get(top, "irqs_injected"), 7);
	assert_int_equal(j_get(top, "halted_exits"), 8);
	assert_int_equal(j_get(top, "root_tsc"), 9);
	assert_int_equal(j_get(top, "exits"), 5);
	assert_int_equal(j_get(top, "io_instructions"), 1);
	assert_int_equal(j_get(top, "io_exits"), 1);
	/* only the reasons that occurred, each under its name */
	assert_int_equal(by->n, 4);
	assert_int_equal(j_get(by, exit_reason_name(EXIT_REASON_CPUID)), 2);
	assert_int_equal(j_get(by, exit_reason_name(EXIT_REASON_IO_INSTRUCTION)), 1);
	assert_int_equal(j_get(by, exit_reason_name(EXIT_REASON_PREEMPTION_TIMER)), 1);
	assert_int_equal(j_get(by, exit_reason_name(EXIT_REASON_LOADIWKEY)), 1);
	/* the human table lists the same reasons and the totals */
	assert_non_null(strstr(fake_console(), "[hv] exit statistics: 5 exits\r\n"));
	assert_non_null(strstr(fake_console(), "io instructions 1, io exits 1"));
	assert_null(strstr(fake_console(), exit_reason_name(EXIT_REASON_HLT)));
}

static void test_stats_line_with_no_exits(void **state)
{
	dispatch_print_stats(&fk.d);
	struct jobj *top, *by;
	parse_stats(&top, &by);
	assert_int_equal(j_get(top, "exits"), 0);
	assert_int_equal(by->n, 0);
}

static void test_stats_line_every_reason(void **state)
{
	for (u32 r = 0; r <= EXIT_REASON_MAX; r++)
		fk.d.stats.by_reason[r] = r + 1;
	fk.d.stats.exits = 12345678901ULL;
	dispatch_print_stats(&fk.d);
	struct jobj *top, *by;
	parse_stats(&top, &by);
	assert_int_equal(j_get(top, "exits"), 12345678901ULL);
	assert_int_equal(by->n, EXIT_REASON_MAX + 1); /* names are unique and JSON-safe */
	for (u32 r = 0; r <= EXIT_REASON_MAX; r++)
		assert_int_equal(j_get(by, exit_reason_name(r)), r + 1);
}

static void test_stats_line_starts_on_its_own_line(void **state)
{
	con_write_raw("guest text", 10); /* the guest's UART output left the line open */
	run(EXIT_REASON_HLT, 0, 1);
	dispatch_print_stats(&fk.d);
	assert_non_null(strstr(fake_console(), "guest text\r\n[hv] exit statistics"));
	struct jobj *top, *by;
	parse_stats(&top, &by);
	assert_int_equal(j_get(by, "HLT"), 1);
}

static void test_init_sets_pat_power_on_value(void **state)
{
	assert_int_equal(fk.d.pat, 0x0007040600070406ULL);
	assert_int_equal(fk.d.cr8, 0);
	assert_ptr_equal(fk.d.board, &fk.board);
	assert_int_equal(fk.d.cfg.cr4_allowed, FAKE_CR4_ALLOWED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_reason_goes_somewhere),
		T(test_unhandled_reason_dumps_registers),
		T(test_out_of_range_reason),
		T(test_counters_count),
		T(test_vmx_instructions_inject_ud),
		T(test_invd_advances_rip),
		T(test_hlt_with_if_clear_ends_guest),
		T(test_hlt_with_if_set_sleeps),
		T(test_triple_fault_ends_guest),
		T(test_ept_violation_prints_access),
		T(test_ept_violation_without_linear),
		T(test_ept_hole_mov_store_dropped),
		T(test_ept_hole_other_writes_stop),
		T(test_ept_hole_straddling_store),
		T(test_ept_hole_write_not_by_the_mov),
		T(test_entry_failure_is_a_panic),
		T(test_window_and_timer_exits_change_nothing),
		T(test_trace_exits),
		T(test_debug_exit_code_wins_over_later_fault),
		T(test_stats_line_is_json),
		T(test_stats_line_with_no_exits),
		T(test_stats_line_every_reason),
		T(test_stats_line_starts_on_its_own_line),
		T(test_init_sets_pat_power_on_value),
	};
	return UNIT_RUN(tests);
}
