/*
 * dispatcher/interrupts.c: when the PIC's vector can be injected (Intel SDM Vol. 3C 25.4.2
 * interruptibility state, 27.6 event injection, 27.7.5 interrupt-window exiting) and the
 * re-injection of an event whose delivery a VM exit interrupted (28.2.4, 29.2.1; format of
 * the IDT-vectoring information: table 25-17).
 */
#include "unit.h"

#include <string.h>

#include "dispatcher/interrupts.h"

#define IF (1ULL << 9)
#define FIXED (1ULL << 1)

/* ---- irq_decide ---- */

static void test_nothing_pending_is_none(void **state)
{
	(void)state;
	static const u32 intr[] = {0, INTERRUPTIBILITY_STI, INTERRUPTIBILITY_MOV_SS, INTERRUPTIBILITY_NMI};
	for (size_t i = 0; i < sizeof(intr) / sizeof(intr[0]); i++) {
		assert_int_equal(irq_decide(false, false, FIXED | IF, intr[i]), IRQ_NONE);
		assert_int_equal(irq_decide(true, false, FIXED | IF, intr[i]), IRQ_NONE);
		assert_int_equal(irq_decide(false, false, FIXED, intr[i]), IRQ_NONE);
	}
}

static void test_can_take_it_injects(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(false, true, FIXED | IF, 0), IRQ_INJECT);
}

static void test_if_clear_asks_for_window(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(false, true, FIXED, 0), IRQ_WINDOW);
	assert_int_equal(irq_decide(false, true, ~IF, 0), IRQ_WINDOW); /* no other flag stands for IF */
}

static void test_sti_blocking_asks_for_window(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(false, true, FIXED | IF, INTERRUPTIBILITY_STI), IRQ_WINDOW);
}

static void test_mov_ss_blocking_asks_for_window(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(false, true, FIXED | IF, INTERRUPTIBILITY_MOV_SS), IRQ_WINDOW);
}

/* Blocking by NMI or SMI does not hold off external interrupts. */
static void test_nmi_and_smi_blocking_do_not_block(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(false, true, FIXED | IF, INTERRUPTIBILITY_NMI), IRQ_INJECT);
	assert_int_equal(irq_decide(false, true, FIXED | IF, INTERRUPTIBILITY_SMI), IRQ_INJECT);
}

/* One event per VM entry: an exception or re-injection already pending goes first. */
static void test_event_pending_asks_for_window(void **state)
{
	(void)state;
	assert_int_equal(irq_decide(true, true, FIXED | IF, 0), IRQ_WINDOW);
}

/* The whole truth table against the rule written out independently. */
static void test_truth_table(void **state)
{
	(void)state;
	for (u32 bits = 0; bits < 64; bits++) {
		bool event = bits & 1, pic = bits & 2, ifl = bits & 4;
		u32 intr = (bits >> 3) & 0x7; /* STI, MOV SS, SMI */
		u64 rflags = FIXED | (ifl ? IF : 0);
		enum irq_action want;
		if (!pic)
			want = IRQ_NONE;
		else if (event || !ifl || (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
			want = IRQ_WINDOW;
		else
			want = IRQ_INJECT;
		assert_int_equal(irq_decide(event, pic, rflags, intr), want);
	}
}

/* ---- irq_reinject_vectoring ---- */

static struct vcpu v;

static int setup(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	v.exit.instr_len = 2;
	return 0;
}

static u32 info(u8 vector, u32 type, bool error)
{
	return EVENT_INFO_VALID | vector | (type << EVENT_INFO_TYPE_SHIFT) | (error ? EVENT_INFO_ERROR_VALID : 0);
}

static void test_no_vectoring_no_reinject(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(14, 3, true) & ~EVENT_INFO_VALID;
	v.inject = (struct vcpu_event){true, 6, VCPU_EVENT_HW_EXCEPTION, false, 0, 0};
	assert_false(irq_reinject_vectoring(&v));
	assert_true(v.inject.pending); /* untouched */
	assert_int_equal(v.inject.vector, 6);
}

static void test_reinject_external_interrupt(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(0x20, VCPU_EVENT_EXT_INT, false);
	v.exit.idt_vectoring_error = 0x55;
	assert_true(irq_reinject_vectoring(&v));
	assert_true(v.inject.pending);
	assert_int_equal(v.inject.vector, 0x20);
	assert_int_equal(v.inject.type, VCPU_EVENT_EXT_INT);
	assert_false(v.inject.has_error);
	assert_int_equal(v.inject.instr_len, 0);
}

static void test_reinject_nmi(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(2, VCPU_EVENT_NMI, false);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 2);
	assert_int_equal(v.inject.type, VCPU_EVENT_NMI);
	assert_false(v.inject.has_error);
	assert_int_equal(v.inject.instr_len, 0);
}

static void test_reinject_hw_exception_with_error(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(14, VCPU_EVENT_HW_EXCEPTION, true);
	v.exit.idt_vectoring_error = 0x6;
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 14);
	assert_int_equal(v.inject.type, VCPU_EVENT_HW_EXCEPTION);
	assert_true(v.inject.has_error);
	assert_int_equal(v.inject.error, 0x6);
	assert_int_equal(v.inject.instr_len, 0); /* a fault needs no instruction length */
}

static void test_reinject_hw_exception_without_error(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(6, VCPU_EVENT_HW_EXCEPTION, false);
	v.exit.idt_vectoring_error = 0x1234; /* stale: not valid */
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 6);
	assert_false(v.inject.has_error);
}

static void test_reinject_software_interrupt_with_length(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(0x80, EVENT_TYPE_SW_INT, false);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 0x80);
	assert_int_equal(v.inject.type, EVENT_TYPE_SW_INT);
	assert_int_equal(v.inject.instr_len, 2);
}

static void test_reinject_privileged_software_exception(void **state)
{
	(void)state;
	v.exit.instr_len = 1; /* INT1 */
	v.exit.idt_vectoring_info = info(1, EVENT_TYPE_PRIV_SW_EXCEPTION, false);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.type, EVENT_TYPE_PRIV_SW_EXCEPTION);
	assert_int_equal(v.inject.instr_len, 1);
}

static void test_reinject_software_exception(void **state)
{
	(void)state;
	v.exit.instr_len = 1; /* INT3 */
	v.exit.idt_vectoring_info = info(3, VCPU_EVENT_SW_EXCEPTION, false);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 3);
	assert_int_equal(v.inject.type, VCPU_EVENT_SW_EXCEPTION);
	assert_int_equal(v.inject.instr_len, 1);
}

/* Bit 12 (NMI unblocking, undefined here) and reserved bits 30:13 do not leak into the event. */
static void test_reinject_ignores_other_bits(void **state)
{
	(void)state;
	v.exit.idt_vectoring_info = info(0x31, VCPU_EVENT_EXT_INT, false) | (1u << 12) | (0x3ffffu << 13);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 0x31);
	assert_int_equal(v.inject.type, VCPU_EVENT_EXT_INT);
	assert_false(v.inject.has_error);
}

/* A re-injection replaces an earlier request: the event that was being delivered comes first. */
static void test_reinject_replaces_stale_event(void **state)
{
	(void)state;
	v.inject = (struct vcpu_event){true, 13, VCPU_EVENT_HW_EXCEPTION, true, 0, 7};
	v.exit.idt_vectoring_info = info(0x21, VCPU_EVENT_EXT_INT, false);
	assert_true(irq_reinject_vectoring(&v));
	assert_int_equal(v.inject.vector, 0x21);
	assert_false(v.inject.has_error);
	assert_int_equal(v.inject.instr_len, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_pending_is_none),
		cmocka_unit_test(test_can_take_it_injects),
		cmocka_unit_test(test_if_clear_asks_for_window),
		cmocka_unit_test(test_sti_blocking_asks_for_window),
		cmocka_unit_test(test_mov_ss_blocking_asks_for_window),
		cmocka_unit_test(test_nmi_and_smi_blocking_do_not_block),
		cmocka_unit_test(test_event_pending_asks_for_window),
		cmocka_unit_test(test_truth_table),
		T(test_no_vectoring_no_reinject),
		T(test_reinject_external_interrupt),
		T(test_reinject_nmi),
		T(test_reinject_hw_exception_with_error),
		T(test_reinject_hw_exception_without_error),
		T(test_reinject_software_interrupt_with_length),
		T(test_reinject_privileged_software_exception),
		T(test_reinject_software_exception),
		T(test_reinject_ignores_other_bits),
		T(test_reinject_replaces_stale_event),
	};
	return UNIT_RUN(tests);
}
