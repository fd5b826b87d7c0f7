/* RIP update after emulation; see rip_update.h. */
#include "rip_update.h"

void rip_update(struct vcpu *v, u64 new_rip)
{
	/* outside 64-bit code the instruction pointer is EIP (or IP): it wraps at 32 (16) bits,
	 * which the interpreter has already applied to new_rip */
	vcpu_set_rip(v, new_rip);
	vcpu_retire(v);
}
