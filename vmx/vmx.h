/* VMX operation: VMXON, the VMCS, and the run loop over it. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "../arch/pmm.h"
#include "../dispatcher/dispatch.h"
#include "../dispatcher/vcpu/vcpu_state.h"
#include "caps.h"
#include "controls.h"
#include "guest_ram.h"

struct vmx_cpu {
	struct vmx_msrs msrs;
	struct vmx_caps caps;
	struct vmx_controls ctl;
	u64 vmxon_phys, vmcs_phys;
	u64 io_bitmap_phys[2], msr_bitmap_phys;
	u64 cr0_mask, cr4_mask;
	bool window_on; /* interrupt-window exiting is set in the VMCS now */
	struct ept ept;
	u64 eptp;
	u32 vmwrite_errors;
	u64 first_bad_field;
};

/* Feature-control, CR0/CR4 fixed bits, VMXON (SDM Vol. 3C 24.7, 24.8). 0 or -1 with err. */
int vmx_enable(struct vmx_cpu *c, struct pmm *p, char *err, size_t errlen);
/* Builds the VMCS for a guest starting in state s over guest RAM r. */
int vmx_setup_vmcs(struct vmx_cpu *c, struct pmm *p, const struct guest_ram *r, const struct guest_entry_state *s,
                   char *err, size_t errlen);
/* Runs the guest until it ends; returns its end code, and why it ended in *reason. */
int vmx_run(struct vmx_cpu *c, struct dispatcher *d, const struct guest_ram *r, const struct guest_entry_state *s,
            const char **reason);
/* entry.asm: VMLAUNCH (launched = 0) or VMRESUME with the guest GPRs; 0 after a VM exit. */
int vmx_enter(u64 *gprs, int launched);
/* CR4 bits the guest may set (for the dispatcher's MOV-to-CR4 checks). */
u64 vmx_guest_cr4_allowed(const struct vmx_cpu *c);

#endif
