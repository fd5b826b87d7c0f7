/* VMX operation: VMXON, the VMCS, and the run loop over it. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "../arch/pmm.h"
#include "../dispatcher/dispatch.h"
#include "../dispatcher/vcpu/vcpu_state.h"
#include "caps.h"
#include "controls.h"
#include "guest_ram.h"
#include "nmi_policy.h"

struct vmx_cpu {
	struct vmx_msrs msrs;
	struct vmx_caps caps;
	struct vmx_controls ctl;
	u64 vmxon_phys, vmcs_phys;
	u64 io_bitmap_phys[2], msr_bitmap_phys;
	u64 cr0_mask, cr4_mask;
	bool window_on;     /* interrupt-window exiting is set in the VMCS now */
	bool nmi_window_on; /* NMI-window exiting is set in the VMCS now */
	struct ept ept;
	u64 eptp;
	/* What the VMCS holds now, so that a value is written only when it changes (vcpu_sync.c). */
	u32 entry_ctl;       /* VM-entry controls, "IA-32e mode guest" included */
	u32 activity;        /* guest activity state */
	u64 host_rsp;        /* HOST_RSP: entry.asm writes it only when it differs */
	bool launched;       /* VMLAUNCH done: entries are VMRESUMEs (the first is exit_cost.c's) */
	u32 loaded;          /* VMX_NEED_* groups read from the VMCS at this exit */
	bool intr_valid;     /* interruptibility below was read at this exit */
	u32 interruptibility;
	u64 view_cr0, view_cr3, view_cr4, view_efer; /* the guest's CR0/3/4 and EFER as last read or written */
	struct nmi_counts nmi; /* host NMIs, in the guest and in root mode (nmi_policy.h) */
	bool no_preemption_timer; /* preemption_timer=off: the controls leave it 0 */
	bool lapic_timer;      /* the host LAPIC timer bounds guest execution (timer.h) */
	u64 vpid_flushes; /* INVVPIDs after emulated paging changes (SDM Vol. 3C 29.4.3.3) */
};

/* Feature-control, CR0/CR4 fixed bits, VMXON (SDM Vol. 3C 24.7, 24.8). 0 or -1 with err. */
int vmx_enable(struct vmx_cpu *c, struct pmm *p, char *err, size_t errlen);
/* Builds the VMCS for a guest starting in state s over guest RAM r. */
int vmx_setup_vmcs(struct vmx_cpu *c, struct pmm *p, const struct guest_ram *r, const struct guest_entry_state *s,
                   char *err, size_t errlen);
/* Runs the guest until it ends; returns its end code, and why it ended in *reason. */
int vmx_run(struct vmx_cpu *c, struct dispatcher *d, const struct guest_ram *r, const struct guest_entry_state *s,
            const char **reason);
/* entry.asm: VMLAUNCH (launched = 0) or VMRESUME with the guest GPRs; 0 after a VM exit.
 * HOST_RSP is written only when *host_rsp differs from the stack pointer at entry (then updated). */
int vmx_enter(u64 *gprs, int launched, u64 *host_rsp);
#define VMX_GUEST_VPID 1
/* Drops every translation cached for the guest's VPID (INVVPID single-context, or all-context
 * where that is the only type; SDM Vol. 3C 32.3 "INVVPID"). Only with VPID on. */
void vmx_flush_vpid(const struct vmx_cpu *c);
/* CR4 bits the guest may set (for the dispatcher's MOV-to-CR4 checks). */
u64 vmx_guest_cr4_allowed(const struct vmx_cpu *c);

#endif
