/*
 * The run loop: VM entry, exit information into struct vcpu, the dispatcher,
 * and back into the VMCS what it changed (Intel SDM Vol. 3C 27 and 28).
 */
#include "vmx.h"
#include "vmcs_fields.h"
#include "vmx_ops.h"
#include "vmx_errors.h"
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/serial.h"
#include "../arch/shutdown.h"
#include "../arch/tsc.h"
#include "../dispatcher/breakpoints.h"
#include "../dispatcher/interrupts.h"

#define EXIT_REASON_BASIC_MASK 0xffffU
#define EXIT_REASON_ENTRY_FAILURE (1U << 31)
#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_ERROR_VALID (1U << 11)
#define INTR_INFO_TYPE_SHIFT 8
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define AR_DPL_SHIFT 5
#define AR_DPL_MASK 0x3U
#define PREEMPTION_TIMER_MAX 0xffffffffULL
#define RFLAGS_IF (1ULL << 9)
#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT 1
/* How often the physical console is polled for typed bytes while the guest runs. */
#define CONSOLE_POLL_NS 10000000ULL
#define PDPTE_COUNT 4
#define ENTER_FAIL_INVALID 1

static const struct guest_ram *run_ram;

static void *plat_gpa_ptr(void *ctx, u64 gpa, u32 len) { return guest_ram_ptr(ctx, gpa, len); }

static void plat_cpuid(u32 leaf, u32 sub, u32 regs[4]) { cpuid(leaf, sub, &regs[0], &regs[1], &regs[2], &regs[3]); }

/* The guest's XCR0 is the processor's while it runs; the core itself uses no extended state. */
static int plat_xsetbv(u32 index, u64 value)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
	return 0;
}

static u64 plat_rdmsr(u32 msr) { return rdmsr(msr); }
static u64 plat_tsc(void) { return rdtsc(); }

static u64 guest_view(u64 real, u64 shadow, u64 mask) { return (real & ~mask) | (shadow & mask); }

static void load_vcpu(struct vmx_cpu *c, struct vcpu *v)
{
	u32 reason = (u32)vmread(VMCS_EXIT_REASON);
	v->exit = (struct vcpu_exit){
		.reason = reason & EXIT_REASON_BASIC_MASK,
		.entry_failure = (reason & EXIT_REASON_ENTRY_FAILURE) != 0,
		.qual = vmread(VMCS_EXIT_QUALIFICATION),
		.instr_len = (u32)vmread(VMCS_EXIT_INSTR_LEN),
		.instr_info = (u32)vmread(VMCS_EXIT_INSTR_INFO),
		.guest_linear = vmread(VMCS_GUEST_LINEAR_ADDRESS),
		.guest_phys = vmread(VMCS_GUEST_PHYSICAL_ADDRESS),
		.intr_info = (u32)vmread(VMCS_EXIT_INTR_INFO),
		.idt_vectoring_info = (u32)vmread(VMCS_IDT_VECTORING_INFO),
		.idt_vectoring_error = (u32)vmread(VMCS_IDT_VECTORING_ERROR),
	};
	v->rip = vmread(VMCS_GUEST_RIP);
	v->rflags = vmread(VMCS_GUEST_RFLAGS);
	v->gpr[VCPU_RSP] = vmread(VMCS_GUEST_RSP);
	v->cr0 = guest_view(vmread(VMCS_GUEST_CR0), vmread(VMCS_CR0_SHADOW), c->cr0_mask);
	v->cr4 = guest_view(vmread(VMCS_GUEST_CR4), vmread(VMCS_CR4_SHADOW), c->cr4_mask);
	v->cr3 = vmread(VMCS_GUEST_CR3);
	v->cr2 = read_cr2();
	v->efer = vmread(VMCS_GUEST_EFER);
	v->dr7 = vmread(VMCS_GUEST_DR7);
	/* The guest's DR0-DR3 are the processor's while it runs (no MOV-DR exiting): read only when a
	 * breakpoint is enabled, the only case the dispatcher looks at them (breakpoints.h). */
	if (v->dr7 & DR7_ENABLE_MASK) {
		v->dr[0] = read_dr0();
		v->dr[1] = read_dr1();
		v->dr[2] = read_dr2();
		v->dr[3] = read_dr3();
	}
	v->pending_dbg = 0;
	for (int i = 0; i < VCPU_NSEGS; i++) {
		v->seg[i].sel = (u16)vmread(VMCS_SEG_SEL(i));
		v->seg[i].base = vmread(VMCS_SEG_BASE(i));
		v->seg[i].limit = (u32)vmread(VMCS_SEG_LIMIT(i));
		v->seg[i].ar = (u32)vmread(VMCS_SEG_AR(i));
	}
	/* CPL is SS.DPL (SDM Vol. 3C 25.4.1) */
	v->cpl = (v->seg[VCPU_SS].ar >> AR_DPL_SHIFT) & AR_DPL_MASK;
	v->dirty = 0;
}

/* PAE paging entered by an emulated CR write: VM entry takes the PDPTEs from the VMCS (SDM 27.3.2.4). */
static void load_pdptes(const struct vmx_cpu *c, const struct vcpu *v)
{
	if (!(v->cr0 & CR0_PG) || !(v->cr4 & CR4_PAE) || (v->efer & EFER_LMA))
		return;
	const u64 *pdpte = guest_ram_ptr(run_ram, v->cr3 & ~0x1fULL, PDPTE_COUNT * sizeof(u64));
	for (int i = 0; i < PDPTE_COUNT; i++)
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte ? pdpte[i] : 0);
}

static void store_vcpu(struct vmx_cpu *c, struct vcpu *v)
{
	if (v->dirty & VCPU_DIRTY_RIP)
		vmwrite(VMCS_GUEST_RIP, v->rip);
	if (v->dirty & VCPU_DIRTY_RFLAGS)
		vmwrite(VMCS_GUEST_RFLAGS, v->rflags);
	if (v->dirty & VCPU_DIRTY_RSP)
		vmwrite(VMCS_GUEST_RSP, v->gpr[VCPU_RSP]);
	if (v->dirty & VCPU_DIRTY_CR2)
		write_cr2(v->cr2);
	if (v->dirty & (VCPU_DIRTY_CR | VCPU_DIRTY_EFER)) {
		/* CR0.PG with EFER.LME activates IA-32e mode (SDM Vol. 3A 10.8.5); the entry control follows. */
		u64 efer = v->efer & ~EFER_LMA;
		if ((v->cr0 & CR0_PG) && (efer & EFER_LME))
			efer |= EFER_LMA;
		v->efer = efer;
		u64 entry = vmread(VMCS_ENTRY_CONTROLS) & ~(u64)VMX_ENTRY_IA32E_MODE_GUEST;
		vmwrite(VMCS_ENTRY_CONTROLS, entry | ((efer & EFER_LMA) ? VMX_ENTRY_IA32E_MODE_GUEST : 0));
		vmwrite(VMCS_GUEST_EFER, efer);
		u64 cr0_fixed0 = c->msrs.cr0_fixed0 & ~(1ULL | CR0_PG);
		vmwrite(VMCS_CR0_SHADOW, v->cr0);
		vmwrite(VMCS_CR4_SHADOW, v->cr4);
		vmwrite(VMCS_GUEST_CR0, vmx_fix_cr(v->cr0, cr0_fixed0, c->msrs.cr0_fixed1));
		vmwrite(VMCS_GUEST_CR4, vmx_fix_cr(v->cr4, c->msrs.cr4_fixed0, c->msrs.cr4_fixed1));
		vmwrite(VMCS_GUEST_CR3, v->cr3);
		load_pdptes(c, v);
	}
	if (v->dirty & VCPU_DIRTY_RETIRED) {
		/* The emulated instruction completed: its STI/MOV-SS shadow is over (SDM Vol. 3C 25.4.2
		 * interruptibility state). VM entry checks the BS bit set below against TF only while
		 * that blocking is on (27.3.1.5). */
		u64 intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(u64)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	}
	/* Debug traps of the emulated instruction: delivered after VM entry as a #DB with DR6
	 * updated (vcpu.h, VCPU_DBG_*; SDM Vol. 3C 27.7.3, 33.2.1). */
	if (v->pending_dbg)
		vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | v->pending_dbg);
	if (v->halted)
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	if (v->inject.pending) {
		u32 info = INTR_INFO_VALID | ((u32)v->inject.type << INTR_INFO_TYPE_SHIFT) | v->inject.vector;
		if (v->inject.has_error) {
			info |= INTR_INFO_ERROR_VALID;
			vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, v->inject.error);
		}
		if (v->inject.instr_len)
			vmwrite(VMCS_ENTRY_INSTR_LEN, v->inject.instr_len);
		vmwrite(VMCS_ENTRY_INTR_INFO, info);
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE); /* an injected event wakes a halted guest */
		v->halted = false;
	}
}

/* Bytes typed on the physical console go to the guest's COM1; one is held while it is full. */
static int console_input(struct board *b, int held)
{
	if (held < 0)
		held = serial_getc(SERIAL_COM1);
	if (held >= 0 && board_console_input(b, (u8)held))
		held = -1;
	return held;
}

static void set_interrupt_window(struct vmx_cpu *c, bool on)
{
	if (c->window_on == on)
		return;
	c->window_on = on;
	vmwrite(VMCS_PROC_CONTROLS, on ? (c->ctl.proc | VMX_PROC_INTERRUPT_WINDOW_EXITING) : c->ctl.proc);
}

/* Injects the PIC's vector when the guest can take it and has had its slice (interrupts.h,
 * irq_pace), else asks for an interrupt window. True when an interrupt was injected. */
static bool deliver_interrupt(struct vmx_cpu *c, struct dispatcher *d, struct vcpu *v, struct irq_pacer *pacer)
{
	struct board *b = d->board;
	bool pending = board_irq_pending(b);
	u32 intr = pending ? (u32)vmread(VMCS_GUEST_INTERRUPTIBILITY) : 0;
	u64 rflags = pending ? vmread(VMCS_GUEST_RFLAGS) : 0;
	/* An event store_vcpu set up for this entry goes first: injecting the interrupt would
	 * replace an injected exception, and would drop a pending debug trap, which VM entry
	 * discards when it injects an external interrupt (SDM Vol. 3C 27.7.3) while natively the
	 * trap comes first (Vol. 3A 7.9, priority of traps on the previous instruction). */
	enum irq_action a = irq_pace(pacer, irq_decide(v->inject.pending || v->pending_dbg, pending, rflags, intr), v->halted);
	set_interrupt_window(c, a == IRQ_WINDOW);
	if (a != IRQ_INJECT)
		return false;
	int vector = board_irq_acknowledge(b);
	if (vector < 0)
		return false;
	irq_pacer_injected(pacer);
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((u32)VCPU_EVENT_EXT_INT << INTR_INFO_TYPE_SHIFT) | (u32)vector);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	v->halted = false;
	d->stats.irqs_injected++;
	return true;
}

/* The VMX-preemption timer ends guest execution at the next device deadline (SDM Vol. 3C 26.5.1),
 * and at least every CONSOLE_POLL_NS so typed bytes reach the guest. While an interrupt is held
 * back for the guest's slice (hold_tsc), at the slice's end: the deadlines could only raise
 * requests that wait too. */
static u64 preemption_ticks(const struct vmx_cpu *c, const struct board *b, u64 hold_tsc)
{
	if (hold_tsc)
		return hold_tsc >> c->caps.preemption_timer_shift;
	u64 now = clock_now(&b->clock), deadline = board_next_deadline(b);
	u64 wait = deadline == CLOCK_NEVER || deadline < now ? (deadline == CLOCK_NEVER ? CONSOLE_POLL_NS : 0)
	                                                       : deadline - now;
	if (wait > CONSOLE_POLL_NS)
		wait = CONSOLE_POLL_NS;
	u64 ticks = tsc_ticks_for_ns(wait) >> c->caps.preemption_timer_shift;
	return ticks > PREEMPTION_TIMER_MAX ? PREEMPTION_TIMER_MAX : ticks;
}

/* The guest's RIP and general registers as they were at VM entry: a preemption-timer exit that
 * finds them unchanged ran nothing (a spin loop changes its counter; interrupts.h, irq_pacer_ran). */
struct entry_state {
	u64 rip, gpr[VCPU_NREGS];
};

static void entry_state_save(struct entry_state *e, const struct vcpu *v)
{
	e->rip = v->rip;
	for (int i = 0; i < VCPU_NREGS; i++)
		e->gpr[i] = v->gpr[i];
}

static bool guest_progressed(const struct entry_state *e, const struct vcpu *v)
{
	if (v->exit.reason != EXIT_REASON_PREEMPTION_TIMER || v->rip != e->rip)
		return true;
	for (int i = 0; i < VCPU_NREGS; i++)
		if (v->gpr[i] != e->gpr[i])
			return true;
	return false;
}

static void report_entry_error(int rc)
{
	if (rc == ENTER_FAIL_INVALID) {
		con_log("VM entry failed: VMfailInvalid (no current VMCS)\n");
		return;
	}
	u32 e = (u32)vmread(VMCS_VM_INSTRUCTION_ERROR);
	con_log("VM entry failed: VM-instruction error %u (%s)\n", e, vm_instruction_error_name(e));
}

int vmx_run(struct vmx_cpu *c, struct dispatcher *d, const struct guest_ram *r, const struct guest_entry_state *s,
            const char **reason)
{
	static const struct vcpu_platform plat_ops = {0, plat_gpa_ptr, plat_cpuid, plat_xsetbv, plat_rdmsr, plat_tsc};
	struct vcpu_platform plat = plat_ops;
	plat.ctx = (void *)r;
	run_ram = r;
	struct vcpu v = {0};
	for (int i = 0; i < VCPU_NREGS; i++)
		v.gpr[i] = s->gpr[i];
	v.plat = &plat;
	int launched = 0;
	int held_input = -1;
	u64 exit_tsc = 0;
	struct irq_pacer pacer;
	struct entry_state at_entry;
	irq_pacer_init(&pacer, tsc_ticks_for_ns(IRQ_MIN_SLICE_NS));
	while (!v.ended) {
		struct board *b = d->board;
		held_input = console_input(b, held_input);
		board_tick(b);
		bool open = !deliver_interrupt(c, d, &v, &pacer) && (v.rflags & RFLAGS_IF);
		vmwrite(VMCS_PREEMPTION_TIMER, preemption_ticks(c, b, irq_pacer_wait(&pacer)));
		entry_state_save(&at_entry, &v);
		u64 entry_tsc = rdtsc();
		if (launched)
			d->stats.root_tsc += entry_tsc - exit_tsc;
		int rc = vmx_enter(v.gpr, launched);
		exit_tsc = rdtsc();
		v.inject.pending = false; /* delivered by that entry, or re-reported as vectoring */
		if (rc) {
			report_entry_error(rc);
			vcpu_end(&v, HV_EXIT_PANIC, "VM entry failed");
			break;
		}
		launched = 1;
		if (v.halted)
			d->stats.halted_exits++;
		load_vcpu(c, &v);
		irq_pacer_ran(&pacer, exit_tsc - entry_tsc, open, guest_progressed(&at_entry, &v));
		if (!(v.exit.reason == EXIT_REASON_ENTRY_FAIL_GUEST_STATE && v.exit.entry_failure))
			irq_reinject_vectoring(&v);
		dispatch_exit(d, &v);
		if (!v.ended)
			store_vcpu(c, &v);
	}
	con_log("guest ended: %s (code %d)\n", v.end_reason, v.end_code);
	*reason = v.end_reason;
	return v.end_code;
}
