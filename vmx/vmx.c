/*
 * VMXON and the VMCS (Intel SDM Vol. 3C chapters 24-26): every control from the
 * capability MSRs, host state from the core's own tables, guest state from the
 * loader's entry state, EPT over guest RAM.
 */
#include "vmx.h"
#include "vmcs_fields.h"
#include "vmcs.h"
#include "vmx_ops.h"
#include "../arch/cpu.h"
#include "../arch/desc.h"
#include "../arch/printf.h"
#include "../arch/string.h"
#include "../dispatcher/msr.h"

#define CPUID_1_ECX_XSAVE (1u << 26)
#define CR_LOW32 0xffffffffULL
#define VMCS_REVISION_MASK 0x7fffffffU
#define VMCS_LINK_NONE (~0ULL)
#define IO_BITMAP_PAGES 2
#define MSR_BITMAP_READ_LOW 0x000
#define MSR_BITMAP_READ_HIGH 0x400
#define MSR_BITMAP_WRITE_LOW 0x800
#define MSR_BITMAP_WRITE_HIGH 0xc00
#define MSR_HIGH_BASE 0xc0000000U
#define MSR_RANGE 0x2000U
#define HOLE_FILL 0xff /* the legacy hole reads as no device: all ones */

static int alloc_zeroed(struct pmm *p, u64 *phys)
{
	if (pmm_alloc(p, 1, PAGE_SIZE, 0, phys))
		return -1;
	memset((void *)(uintptr_t)*phys, 0, PAGE_SIZE);
	return 0;
}

static void *phys_ptr(u64 phys) { return (void *)(uintptr_t)phys; }

int vmx_enable(struct vmx_cpu *c, struct pmm *p, char *err, size_t errlen)
{
	/* SDM Vol. 3C 24.7: VMXON needs IA32_FEATURE_CONTROL locked with VMX outside SMX on.
	 * A locked MSR is never written: the firmware owns it. */
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		fmt_snprintf(err, errlen, "IA32_FEATURE_CONTROL is locked with VMX outside SMX off");
		return -1;
	}
	/* SDM Vol. 3C 24.8: CR0 and CR4 must satisfy the fixed bits in VMX operation. */
	write_cr0(vmx_fix_cr(read_cr0(), c->msrs.cr0_fixed0, c->msrs.cr0_fixed1));
	write_cr4(vmx_fix_cr(read_cr4() | CR4_VMXE, c->msrs.cr4_fixed0, c->msrs.cr4_fixed1));
	/* The guest's XSETBV is executed by the host (XCR0 is not switched by VMX); XSETBV needs
	 * CR4.OSXSAVE (SDM Vol. 2D XSETBV), so the host turns it on where the CPU has XSAVE. */
	u32 a, b, cx, dx;
	cpuid(1, 0, &a, &b, &cx, &dx);
	if (cx & CPUID_1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	if (alloc_zeroed(p, &c->vmxon_phys)) {
		fmt_snprintf(err, errlen, "out of memory for the VMXON region");
		return -1;
	}
	*(u32 *)phys_ptr(c->vmxon_phys) = c->caps.revision & VMCS_REVISION_MASK;
	if (vmx_on(c->vmxon_phys)) {
		fmt_snprintf(err, errlen, "VMXON failed (CR0=0x%llx CR4=0x%llx)", (unsigned long long)read_cr0(),
		             (unsigned long long)read_cr4());
		return -1;
	}
	return 0;
}

u64 vmx_guest_cr4_allowed(const struct vmx_cpu *c) { return c->msrs.cr4_fixed1 & ~(CR4_VMXE | CR4_SMXE); }

void vmx_flush_vpid(const struct vmx_cpu *c)
{
	if (c->caps.invvpid_single)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, VMX_GUEST_VPID);
	else
		vmx_invvpid(INVVPID_ALL_CONTEXT, 0);
}

static int ept_alloc_page(void *ctx, u64 *phys) { return alloc_zeroed(ctx, phys); }
static void *ept_phys_to_virt(void *ctx, u64 phys) { return phys_ptr(phys); }

static void msr_bitmap_pass(u8 *bm, u32 msr)
{
	u32 base = msr >= MSR_HIGH_BASE ? MSR_HIGH_BASE : 0;
	u32 off = msr - base;
	if (off >= MSR_RANGE)
		return;
	u32 rd = base ? MSR_BITMAP_READ_HIGH : MSR_BITMAP_READ_LOW;
	u32 wr = base ? MSR_BITMAP_WRITE_HIGH : MSR_BITMAP_WRITE_LOW;
	bm[rd + off / 8] &= (u8)~(1u << (off % 8));
	bm[wr + off / 8] &= (u8)~(1u << (off % 8));
}

static int setup_bitmaps(struct vmx_cpu *c, struct pmm *p)
{
	for (int i = 0; i < IO_BITMAP_PAGES; i++) {
		if (alloc_zeroed(p, &c->io_bitmap_phys[i]))
			return -1;
		memset(phys_ptr(c->io_bitmap_phys[i]), 0xff, PAGE_SIZE); /* every port exits (SDM 26.1.3) */
	}
	if (alloc_zeroed(p, &c->msr_bitmap_phys))
		return -1;
	u8 *bm = phys_ptr(c->msr_bitmap_phys);
	memset(bm, 0xff, PAGE_SIZE); /* every MSR exits (SDM 25.6.9) but those below */
	for (u32 i = 0; i < msr_passthrough_count; i++)
		msr_bitmap_pass(bm, msr_passthrough[i]);
	return 0;
}

/* EPT over guest RAM, and the legacy hole mapped read-only to one page of all ones. */
static int setup_ept(struct vmx_cpu *c, struct pmm *p, const struct guest_ram *r)
{
	struct ept_env env = {p, ept_alloc_page, ept_phys_to_virt};
	if (ept_init(&c->ept, &env))
		return -1;
	/* 2 MiB EPT leaves only where IA32_VMX_EPT_VPID_CAP bit 16 allows them (SDM Vol. 3D A.10). */
	c->ept.no_2m = !c->caps.ept_2m;
	if (guest_ram_map(r, &c->ept))
		return -1;
	u64 ones;
	if (alloc_zeroed(p, &ones))
		return -1;
	memset(phys_ptr(ones), HOLE_FILL, PAGE_SIZE);
	for (u64 gpa = GUEST_HOLE_START; gpa < GUEST_HOLE_END && gpa < r->size; gpa += PAGE_SIZE)
		if (ept_map(&c->ept, gpa, ones, PAGE_SIZE, EPT_R | EPT_X, EPT_MT_WB))
			return -1;
	c->eptp = ept_eptp(&c->ept);
	return 0;
}

static void setup_host_state(struct vmx_cpu *c)
{
	extern void vmx_exit_point(void);
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_ES_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_CS_SEL, SEL_CODE64);
	vmcs_write(VMCS_HOST_SS_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_DS_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_FS_SEL, SEL_NULL);
	vmcs_write(VMCS_HOST_GS_SEL, SEL_NULL);
	vmcs_write(VMCS_HOST_TR_SEL, SEL_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, 0);
	vmcs_write(VMCS_HOST_TR_BASE, desc_tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, desc_gdt_base());
	vmcs_write(VMCS_HOST_IDTR_BASE, desc_idt_base());
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_point);
}

/* Set-up writes go through the checked routine (vmcs.h): a field the processor refuses ends
 * the run by name instead of at entry. */
static void write_segment(struct vmx_cpu *c, u64 sel, u64 base, u64 limit, u64 ar, const struct vcpu_segment *s)
{
	vmcs_write(sel, s->sel);
	vmcs_write(base, s->base);
	vmcs_write(limit, s->limit);
	vmcs_write(ar, s->ar);
}

static void setup_guest_state(struct vmx_cpu *c, const struct guest_entry_state *s)
{
	/* CR0/CR4: the bits VMX fixes belong to the host (guest/host masks, SDM 25.6.6); the guest
	 * reads its own values through the read shadows. Unrestricted guest frees PE and PG. */
	u64 cr0_fixed0 = c->msrs.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	c->cr0_mask = (cr0_fixed0 | ~c->msrs.cr0_fixed1) & CR_LOW32;
	c->cr4_mask = (c->msrs.cr4_fixed0 | ~c->msrs.cr4_fixed1) & CR_LOW32;
	vmcs_write(VMCS_CR0_MASK, c->cr0_mask);
	vmcs_write(VMCS_CR4_MASK, c->cr4_mask);
	vmcs_write(VMCS_CR0_SHADOW, s->cr0);
	vmcs_write(VMCS_CR4_SHADOW, s->cr4);
	vmcs_write(VMCS_GUEST_CR0, vmx_fix_cr(s->cr0, cr0_fixed0, c->msrs.cr0_fixed1));
	vmcs_write(VMCS_GUEST_CR4, vmx_fix_cr(s->cr4, c->msrs.cr4_fixed0, c->msrs.cr4_fixed1));
	vmcs_write(VMCS_GUEST_CR3, s->cr3);
	vmcs_write(VMCS_GUEST_EFER, s->efer);
	vmcs_write(VMCS_GUEST_DR7, s->dr7);
	vmcs_write(VMCS_GUEST_RSP, s->gpr[VCPU_RSP]);
	vmcs_write(VMCS_GUEST_RIP, s->rip);
	vmcs_write(VMCS_GUEST_RFLAGS, s->rflags);
	for (int i = 0; i < VCPU_NSEGS; i++)
		write_segment(c, VMCS_SEG_SEL(i), VMCS_SEG_BASE(i), VMCS_SEG_LIMIT(i), VMCS_SEG_AR(i), &s->seg[i]);
	write_segment(c, VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, &s->tr);
	write_segment(c, VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR,
	              &s->ldtr);
	vmcs_write(VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_LINK_POINTER, VMCS_LINK_NONE);
}

/*
 * Translations cached for this EPTP or VPID before VMXON (an earlier VMM, a warm reset) must not
 * reach the guest: one INVEPT and one INVVPID before the first entry (SDM Vol. 3C 29.4.3.4 and
 * 29.4.3.3). Single-context where the CPU offers it, all-context otherwise.
 */
static void flush_before_first_entry(const struct vmx_cpu *c)
{
	if (c->caps.invept_single)
		vmx_invept(INVEPT_SINGLE_CONTEXT, c->eptp);
	else if (c->caps.invept_all)
		vmx_invept(INVEPT_ALL_CONTEXT, 0);
	if (c->ctl.proc2 & VMX_PROC2_VPID)
		vmx_flush_vpid(c);
}

int vmx_setup_vmcs(struct vmx_cpu *c, struct pmm *p, const struct guest_ram *r, const struct guest_entry_state *s,
                   char *err, size_t errlen)
{
	if (vmx_compute_controls_timer(&c->msrs, !c->no_preemption_timer, &c->ctl, err, errlen))
		return -1;
	/* VPID only with an INVVPID type that flushes a whole context: emulated paging changes
	 * need one (SDM Vol. 3C 29.4.3.3). Virtual NMIs need NMI exiting (27.2.1.1), which is set. */
	if (!(c->ctl.proc2 & VMX_PROC2_VPID) || !(c->caps.invvpid_single || c->caps.invvpid_all))
		c->ctl.proc2 &= ~VMX_PROC2_VPID;
	/* 2 MiB EPT leaves only where IA32_VMX_EPT_VPID_CAP bit 16 allows them (SDM Vol. 3D A.10). */

	if (alloc_zeroed(p, &c->vmcs_phys) || setup_bitmaps(c, p) || setup_ept(c, p, r)) {
		fmt_snprintf(err, errlen, "out of memory for the VMCS, its bitmaps or the EPT tables");
		return -1;
	}
	*(u32 *)phys_ptr(c->vmcs_phys) = c->caps.revision & VMCS_REVISION_MASK;
	if (vmcs_clear(c->vmcs_phys) || vmcs_load(c->vmcs_phys)) {
		fmt_snprintf(err, errlen, "VMCLEAR/VMPTRLD of the VMCS failed");
		return -1;
	}
	u32 entry = c->ctl.entry;
	if (s->efer & EFER_LMA)
		entry |= VMX_ENTRY_IA32E_MODE_GUEST;
	vmcs_write(VMCS_PIN_CONTROLS, c->ctl.pin);
	vmcs_write(VMCS_PROC_CONTROLS, c->ctl.proc);
	vmcs_write(VMCS_PROC2_CONTROLS, c->ctl.proc2);
	vmcs_write(VMCS_EXIT_CONTROLS, c->ctl.exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, c->io_bitmap_phys[0]);
	vmcs_write(VMCS_IO_BITMAP_B, c->io_bitmap_phys[1]);
	vmcs_write(VMCS_MSR_BITMAP, c->msr_bitmap_phys);
	vmcs_write(VMCS_EPT_POINTER, c->eptp);
	if (c->ctl.proc2 & VMX_PROC2_VPID)
		vmcs_write(VMCS_VPID, VMX_GUEST_VPID);
	setup_host_state(c);
	setup_guest_state(c, s);
	c->entry_ctl = entry;
	c->activity = 0;
	c->view_cr0 = s->cr0;
	c->view_cr3 = s->cr3;
	c->view_cr4 = s->cr4;
	c->view_efer = s->efer;
	flush_before_first_entry(c);
	return 0;
}
