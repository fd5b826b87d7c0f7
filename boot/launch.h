/* Launches the guest named in the boot information and runs it to its end. */
#ifndef BOOT_LAUNCH_H
#define BOOT_LAUNCH_H

#include "../arch/boot_info.h"
#include "../arch/pmm.h"
#include "../vmx/caps.h"
#include "options.h"

/* Returns the run's exit code (the guest's own, or an HV_EXIT_* code) and says why in *reason. */
int launch_guest(const struct boot_info *bi, const struct hv_options *o, struct pmm *p,
                 const struct vmx_msrs *msrs, const struct vmx_caps *caps, const char **reason);

#endif
