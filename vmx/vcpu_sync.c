/*
 * struct vcpu over the VMCS: what a VM exit reads into it and what goes back before the next
 * entry (Intel SDM Vol. 3C 28.2 exit information, 25.4 guest-state area). Under nested
 * virtualization each VMREAD/VMWRITE of a field outside the L0 hypervisor's shadow VMCS is an
 * exit to L0, so an exit reads only what its handler uses (exit_needs.h), the way KVM's
 * register cache reads a field on first use, and a field is written only when its value
 * changes (vmx.h keeps what the VMCS holds).
 */
#include "vcpu_sync.h"
#include "exit_needs.h"
#include "vmcs.h"
#include "vmcs_fields.h"
#include "../arch/cpu.h"
#include "../dispatcher/interrupts.h"
#include "../dispatcher/vcpu/breakpoints.h"

#define EXIT_REASON_BASIC_MASK 0xffffU
#define EXIT_REASON_ENTRY_FAILURE (1U << 31)
#define INTR_INFO_VALID (1U << 31)
#define INTR_INFO_ERROR_VALID (1U << 11)
#define INTR_INFO_TYPE_SHIFT 8
#define CR0_PE (1ULL << 0)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)
#define CR4_PCIDE (1ULL << 17)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE (1ULL << 22)
#define CR4_LA57 (1ULL << 12)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define AR_DPL_SHIFT 5
#define AR_DPL_MASK 0x3U
#define PDPTE_COUNT 4
/* Bits whose change by a MOV to CR0/CR4 invalidates TLB entries natively (SDM Vol. 3A 5.10.4.1). */
#define CR0_PAGING_BITS (CR0_PE | CR0_WP | CR0_PG)
#define CR4_PAGING_BITS (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_LA57)
#define LOADED_RFLAGS (1u << 31) /* c->loaded: RFLAGS alone was read (vmx_guest_rflags) */
#define INTERRUPT_SHADOWS (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)

static u64 guest_view(u64 real, u64 shadow, u64 mask) { return (real & ~mask) | (shadow & mask); }

static u32 load_exit_info(struct vcpu *v, u32 need)
{
	struct vcpu_exit *e = &v->exit;
	e->qual = (need & VMX_NEED_QUAL) ? vmcs_read(VMCS_EXIT_QUALIFICATION) : 0;
	need = vmx_exit_needs_qual(e->reason, need, e->qual);
	e->instr_len = (need & VMX_NEED_INSTR_LEN) ? (u32)vmcs_read(VMCS_EXIT_INSTR_LEN) : 0;
	e->instr_info = (need & VMX_NEED_INSTR_INFO) ? (u32)vmcs_read(VMCS_EXIT_INSTR_INFO) : 0;
	e->guest_linear = (need & VMX_NEED_LINEAR) ? vmcs_read(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	e->guest_phys = (need & VMX_NEED_PHYS) ? vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS) : 0;
	e->intr_info = (need & VMX_NEED_INTR_INFO) ? (u32)vmcs_read(VMCS_EXIT_INTR_INFO) : 0;
	e->idt_vectoring_error = (need & VMX_NEED_VECTORING_ERROR) ? (u32)vmcs_read(VMCS_IDT_VECTORING_ERROR) : 0;
	return need;
}

static void load_ctrl(struct vmx_cpu *c, struct vcpu *v)
{
	u64 cr0 = vmcs_read(VMCS_GUEST_CR0);
	v->cr0 = guest_view(cr0, vmcs_read(VMCS_CR0_SHADOW), c->cr0_mask);
	v->cr4 = guest_view(vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_SHADOW), c->cr4_mask);
	v->cr3 = vmcs_read(VMCS_GUEST_CR3);
	v->cr2 = read_cr2();
	/* view_efer is what the last entry loaded (set at every read and write); a failed entry's
	 * report shows the field itself */
	v->efer = v->exit.entry_failure ? vmcs_read(VMCS_GUEST_EFER) : vmx_efer_at_exit(c->view_efer, cr0);
	/* PAE paging translates through the PDPTE registers, which VM exit saved under EPT (SDM Vol.
	 * 3C 28.3.4); the dispatcher's walks use them, not the PDPT in memory (Vol. 3A 5.4.1). */
	if ((v->cr0 & CR0_PG) && (v->cr4 & CR4_PAE) && !(v->efer & EFER_LMA))
		for (int i = 0; i < PDPTE_COUNT; i++)
			v->pdpte[i] = vmcs_read(VMCS_GUEST_PDPTE0 + 2 * i);
	v->dr7 = vmcs_read(VMCS_GUEST_DR7);
	/* The guest's DR0-DR3 are the processor's while it runs (no MOV-DR exiting): read only when a
	 * breakpoint is enabled, the only case the dispatcher looks at them (breakpoints.h). */
	if (v->dr7 & DR7_ENABLE_MASK) {
		v->dr[0] = read_dr0();
		v->dr[1] = read_dr1();
		v->dr[2] = read_dr2();
		v->dr[3] = read_dr3();
	}
	c->view_cr0 = v->cr0;
	c->view_cr3 = v->cr3;
	c->view_cr4 = v->cr4;
	c->view_efer = v->efer;
}

/* vcpu_seg's loader (vcpu.h): one segment's four fields, on its first use at an exit. */
void vmx_load_seg(struct vcpu *v, enum vcpu_seg s)
{
	v->seg[s].sel = (u16)vmcs_read(VMCS_SEG_SEL(s));
	v->seg[s].base = vmcs_read(VMCS_SEG_BASE(s));
	v->seg[s].limit = (u32)vmcs_read(VMCS_SEG_LIMIT(s));
	v->seg[s].ar = (u32)vmcs_read(VMCS_SEG_AR(s));
}

/*
 * Without IA32_VMX_MISC bit 5 a VM exit leaves "IA-32e mode guest" as it was, while the guest
 * may have turned paging on or off natively (CR0.PG is not intercepted): VM entry requires the
 * control to equal EFER.LMA (SDM Vol. 3C 27.3.1.1, Vol. 3D A.6), so it follows the saved EFER.
 */
static void sync_lma_control(struct vmx_cpu *c)
{
	u64 efer = (c->loaded & VMX_NEED_CTRL) ? c->view_efer : vmcs_read(VMCS_GUEST_EFER);
	u32 want = (c->entry_ctl & ~VMX_ENTRY_IA32E_MODE_GUEST) | ((efer & EFER_LMA) ? VMX_ENTRY_IA32E_MODE_GUEST : 0);
	if (want != c->entry_ctl) {
		vmcs_write(VMCS_ENTRY_CONTROLS, want);
		c->entry_ctl = want;
	}
}

void vmx_load_vcpu(struct vmx_cpu *c, struct vcpu *v, bool trace)
{
	u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	v->exit.reason = reason & EXIT_REASON_BASIC_MASK;
	v->exit.entry_failure = (reason & EXIT_REASON_ENTRY_FAILURE) != 0;
	v->exit.idt_vectoring_info = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	u32 need = vmx_exit_needs(v->exit.reason, v->exit.entry_failure, v->exit.idt_vectoring_info, trace);
	c->intr_valid = false;
	need = load_exit_info(v, need);
	c->loaded = need;
	if (need & VMX_NEED_REGS) {
		v->rip = vmcs_read(VMCS_GUEST_RIP);
		v->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		v->gpr[VCPU_RSP] = vmcs_read(VMCS_GUEST_RSP);
	}
	if (need & VMX_NEED_CTRL)
		load_ctrl(c, v);
	/* Segments are read on first use (vcpu_seg); the CPL, which many checks ask for, now. */
	v->segs_unread = VCPU_SEGS_ALL;
	if (need & VMX_NEED_SEGS) /* CPL is SS.DPL (SDM Vol. 3C 25.4.1) */
		v->cpl = ((u32)vmcs_read(VMCS_GUEST_SS_AR) >> AR_DPL_SHIFT) & AR_DPL_MASK;
	if (c->caps.lma_stored) {
		/* the exit stored EFER.LMA in the control (Vol. 3D A.6): keep the cache in step */
		if (need & VMX_NEED_CTRL)
			c->entry_ctl = (c->entry_ctl & ~VMX_ENTRY_IA32E_MODE_GUEST) |
			               ((c->view_efer & EFER_LMA) ? VMX_ENTRY_IA32E_MODE_GUEST : 0);
	} else {
		sync_lma_control(c);
	}
	v->pending_dbg = 0;
	v->dirty = 0;
}

u32 vmx_guest_interruptibility(struct vmx_cpu *c)
{
	if (!c->intr_valid) {
		c->interruptibility = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
		c->intr_valid = true;
	}
	return c->interruptibility;
}

static void set_interruptibility(struct vmx_cpu *c, u32 value)
{
	if (vmx_guest_interruptibility(c) == value)
		return;
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, value);
	c->interruptibility = value;
}

u64 vmx_guest_rflags(struct vmx_cpu *c, struct vcpu *v)
{
	if (!(c->loaded & (VMX_NEED_REGS | LOADED_RFLAGS))) {
		v->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		c->loaded |= LOADED_RFLAGS; /* RIP and RSP are still unread: the group is not */
	}
	return v->rflags;
}

void vmx_set_activity(struct vmx_cpu *c, u32 state)
{
	if (c->activity == state)
		return;
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, state);
	c->activity = state;
}

static void write_if_changed(u64 field, u64 old, u64 value)
{
	if (old != value)
		vmcs_write(field, value);
}

/* PDPTEs an emulated CR write loaded and checked (exits_cr.c): VM entry takes them from the
 * VMCS (SDM Vol. 3C 27.3.2.4), never from the PDPT in memory. */
static void store_pdptes(const struct vcpu *v)
{
	for (int i = 0; i < PDPTE_COUNT; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, v->pdpte[i]);
}

/*
 * An emulated MOV to CR0/CR3/CR4 or WRMSR to EFER. Natively the write would have flushed the
 * TLB entries it makes stale; the guest's VPID-tagged entries are not touched by anything the
 * host does, so a change that affects paging is followed by an INVVPID (SDM Vol. 3C 29.4.3.3,
 * Vol. 3A 5.10.4.1). Without VPID, every VM entry and exit flushes them already (29.1).
 */
static void store_paging(struct vmx_cpu *c, struct vcpu *v)
{
	/* CR0.PG with EFER.LME activates IA-32e mode (SDM Vol. 3A 10.8.5); the entry control follows. */
	u64 efer = v->efer & ~EFER_LMA;
	if ((v->cr0 & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	v->efer = efer;
	u32 entry = (c->entry_ctl & ~VMX_ENTRY_IA32E_MODE_GUEST) | ((efer & EFER_LMA) ? VMX_ENTRY_IA32E_MODE_GUEST : 0);
	write_if_changed(VMCS_ENTRY_CONTROLS, c->entry_ctl, entry);
	c->entry_ctl = entry;
	write_if_changed(VMCS_GUEST_EFER, c->view_efer, efer);
	u64 cr0_fixed0 = c->msrs.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	if (v->cr0 != c->view_cr0) {
		vmcs_write(VMCS_CR0_SHADOW, v->cr0);
		vmcs_write(VMCS_GUEST_CR0, vmx_fix_cr(v->cr0, cr0_fixed0, c->msrs.cr0_fixed1));
	}
	if (v->cr4 != c->view_cr4) {
		vmcs_write(VMCS_CR4_SHADOW, v->cr4);
		vmcs_write(VMCS_GUEST_CR4, vmx_fix_cr(v->cr4, c->msrs.cr4_fixed0, c->msrs.cr4_fixed1));
	}
	write_if_changed(VMCS_GUEST_CR3, c->view_cr3, v->cr3);
	if (v->dirty & VCPU_DIRTY_PDPTE)
		store_pdptes(v);
	bool paging_changed = ((v->cr0 ^ c->view_cr0) & CR0_PAGING_BITS) || ((v->cr4 ^ c->view_cr4) & CR4_PAGING_BITS) ||
	                      v->cr3 != c->view_cr3 || ((efer ^ c->view_efer) & (EFER_LMA | EFER_NXE));
	if (paging_changed && (c->ctl.proc2 & VMX_PROC2_VPID)) {
		vmx_flush_vpid(c);
		c->vpid_flushes++;
	}
	c->view_cr0 = v->cr0;
	c->view_cr3 = v->cr3;
	c->view_cr4 = v->cr4;
	c->view_efer = efer;
}

static void store_event(struct vmx_cpu *c, struct vcpu *v)
{
	u32 info = INTR_INFO_VALID | ((u32)v->inject.type << INTR_INFO_TYPE_SHIFT) | v->inject.vector;
	if (v->inject.has_error) {
		info |= INTR_INFO_ERROR_VALID;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, v->inject.error);
	}
	if (v->inject.instr_len)
		vmcs_write(VMCS_ENTRY_INSTR_LEN, v->inject.instr_len);
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	vmx_set_activity(c, VMX_ACTIVITY_ACTIVE); /* an injected event wakes a halted guest */
	v->halted = false;
}

void vmx_store_vcpu(struct vmx_cpu *c, struct vcpu *v)
{
	if (v->dirty & VCPU_DIRTY_RIP)
		vmcs_write(VMCS_GUEST_RIP, v->rip);
	if (v->dirty & VCPU_DIRTY_RFLAGS)
		vmcs_write(VMCS_GUEST_RFLAGS, v->rflags);
	if (v->dirty & VCPU_DIRTY_RSP)
		vmcs_write(VMCS_GUEST_RSP, v->gpr[VCPU_RSP]);
	if (v->dirty & VCPU_DIRTY_CR2)
		write_cr2(v->cr2);
	if (v->dirty & (VCPU_DIRTY_CR | VCPU_DIRTY_EFER))
		store_paging(c, v);
	/* The emulated instruction completed: its STI/MOV-SS shadow is over (SDM Vol. 3C 25.4.2
	 * interruptibility state). VM entry checks the BS bit set below against TF only while
	 * that blocking is on (27.3.1.5). */
	if (v->dirty & VCPU_DIRTY_RETIRED)
		set_interruptibility(c, vmx_guest_interruptibility(c) & ~(u32)INTERRUPT_SHADOWS);
	/* Debug traps of the emulated instruction: delivered after VM entry as a #DB with DR6
	 * updated (vcpu.h, VCPU_DBG_*; SDM Vol. 3C 27.7.3, 33.2.1). */
	if (v->pending_dbg)
		vmcs_write(VMCS_GUEST_PENDING_DBG, vmcs_read(VMCS_GUEST_PENDING_DBG) | v->pending_dbg);
	if (v->halted)
		vmx_set_activity(c, c->caps.hlt_state ? VMX_ACTIVITY_HLT : VMX_ACTIVITY_ACTIVE);
	if (v->inject.pending)
		store_event(c, v);
}
