/*
 * Control-register access exits (Intel SDM Vol. 3C 28.2.1, table 28-3). With
 * CR0/CR4 guest/host masks (25.6.6), only writes that touch a bit the host
 * owns exit; the dispatcher keeps the guest's view in v->cr0/v->cr4 and
 * vmx/ derives the real values from it. Checks: SDM Vol. 2B "MOV—Move
 * to/from Control Registers", Vol. 3A 2.5.
 */
#include "dispatch.h"
#include "vcpu/gmem.h"
#include "../arch/x86.h"

#define CRQ_NUM_MASK 0xfULL
#define CRQ_TYPE_SHIFT 4
#define CRQ_TYPE_MASK 0x3ULL
#define CRQ_GPR_SHIFT 8
#define CRQ_GPR_MASK 0xfULL
#define CRQ_LMSW_SHIFT 16
enum { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };

#define CR0_LMSW_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS)
/* The defined CR0 bits; writes to the other bits of 31:0 are ignored (SDM Vol. 3A 2.5). */
#define CR0_DEFINED (CR0_LMSW_BITS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define CR3_PCID_NOFLUSH (1ULL << 63)

/* The CR0 and CR4 bits whose change, with PAE paging on after it, loads the PDPTEs (SDM Vol. 3A
 * 5.4.1 "PDPTE Registers"; 4.4.1 in older editions). */
#define CR0_PDPTE_LOAD (CR0_PG | CR0_CD | CR0_NW)
#define CR4_PDPTE_LOAD (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)

/* PAE paging: CR0.PG, CR4.PAE, and not IA-32e mode, which PG with EFER.LME turns on. */
static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

/*
 * A write that loads the PDPTEs does so before it takes effect, and a present PDPTE with a
 * reserved bit makes it #GP(0) with nothing changed (SDM Vol. 3A 5.4.1, Vol. 2B "MOV—Move to/from
 * Control Registers"). Unchecked, such a PDPTE would reach the VMCS and fail VM entry instead
 * (Vol. 3C 27.3.1.6): the guest could stop the hypervisor.
 */
static bool load_pdptes(struct vcpu *v, u64 cr3)
{
	if (gmem_load_pdptes(v, cr3, v->pdpte) != GMEM_OK)
		return false;
	v->dirty |= VCPU_DIRTY_PDPTE;
	return true;
}

static bool set_cr0(struct vcpu *v, u64 val)
{
	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if (!(val & CR0_PG) && vcpu_long_mode(v))
		return false; /* leaving paging from 64-bit code */
	if (!(val & CR0_PG) && (v->cr4 & CR4_PCIDE))
		return false; /* paging stays on while PCIDs are (SDM Vol. 3A 4.10.1) */
	if ((val & CR0_PG) && !(v->cr0 & CR0_PG) && (v->efer & EFER_LME) && !(v->cr4 & CR4_PAE))
		return false; /* IA-32e mode needs PAE (SDM Vol. 3A 10.8.5) */
	val = (val & CR0_DEFINED) | CR0_ET; /* ET is hardwired to 1 */
	if (pae_paging(val, v->cr4, v->efer) && ((val ^ v->cr0) & CR0_PDPTE_LOAD) && !load_pdptes(v, v->cr3))
		return false;
	v->cr0 = val;
	v->dirty |= VCPU_DIRTY_CR;
	return true;
}

static bool set_cr4(struct dispatcher *d, struct vcpu *v, u64 val)
{
	if (val & ~d->cfg.cr4_allowed)
		return false;
	if (!(val & CR4_PAE) && (v->efer & EFER_LMA))
		return false;
	if ((val & CR4_PCIDE) && !(v->cr4 & CR4_PCIDE) && (v->cr3 & 0xfff))
		return false;
	/* PCIDE only in IA-32e mode (SDM Vol. 3A 4.10.1); LA57 never changes inside it (Vol. 2B MOV CR) */
	if ((val & CR4_PCIDE) && !(v->efer & EFER_LMA))
		return false;
	if (((val ^ v->cr4) & CR4_LA57) && (v->efer & EFER_LMA))
		return false;
	if (pae_paging(v->cr0, val, v->efer) && ((val ^ v->cr4) & CR4_PDPTE_LOAD) && !load_pdptes(v, v->cr3))
		return false;
	v->cr4 = val;
	v->dirty |= VCPU_DIRTY_CR;
	return true;
}

void handle_cr_access(struct dispatcher *d, struct vcpu *v)
{
	u64 q = v->exit.qual;
	u32 cr = (u32)(q & CRQ_NUM_MASK);
	u32 type = (u32)((q >> CRQ_TYPE_SHIFT) & CRQ_TYPE_MASK);
	enum vcpu_reg gpr = (enum vcpu_reg)((q >> CRQ_GPR_SHIFT) & CRQ_GPR_MASK);
	bool ok = true;
	switch (type) {
	case CR_MOV_TO: {
		u64 val = v->gpr[gpr];
		if (!vcpu_long_mode(v))
			val &= 0xffffffffULL;
		if (cr == 0) {
			ok = set_cr0(v, val);
		} else if (cr == 4) {
			ok = set_cr4(d, v, val);
		} else if (cr == 3) {
			/* with PCIDE, bit 63 only asks not to flush the PCID's TLB entries (SDM Vol. 3A 4.10.4.1) */
			val = (v->cr4 & CR4_PCIDE) ? val & ~CR3_PCID_NOFLUSH : val;
			ok = !pae_paging(v->cr0, v->cr4, v->efer) || load_pdptes(v, val);
			if (ok) {
				v->cr3 = val;
				v->dirty |= VCPU_DIRTY_CR;
			}
		} else if (cr == 8) {
			ok = val <= 0xf; /* TPR: no local APIC, so it only reads back */
			if (ok)
				d->cr8 = val;
		} else {
			ok = false;
		}
		break;
	}
	case CR_MOV_FROM: {
		u64 val = cr == 3 ? v->cr3 : cr == 8 ? d->cr8 : cr == 0 ? v->cr0 : v->cr4;
		vcpu_set_reg(v, gpr, vcpu_long_mode(v) ? val : ((v->gpr[gpr] & ~0xffffffffULL) | (val & 0xffffffffULL)));
		break;
	}
	case CR_CLTS: ok = set_cr0(v, v->cr0 & ~CR0_TS); break;
	case CR_LMSW: { /* LMSW sets but never clears PE (SDM Vol. 2A LMSW) */
		u64 src = (q >> CRQ_LMSW_SHIFT) & CR0_LMSW_BITS;
		u64 val = (v->cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) | src;
		ok = set_cr0(v, val);
		break;
	}
	}
	if (!ok) {
		vcpu_inject_gp(v, 0);
		return;
	}
	vcpu_skip_instruction(v);
}
