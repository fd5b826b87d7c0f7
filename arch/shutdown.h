/*
 * How a run ends. The last hypervisor line of every run is
 *     [hv] exit: code=N (reason)
 * and the run scripts judge a run by it (Bochs's own exit status is always 1).
 * Codes 0..63 are the guest's own exit codes; the hypervisor's start at 64.
 */
#ifndef ARCH_SHUTDOWN_H
#define ARCH_SHUTDOWN_H

#include "types.h"

/* How a run ends: the on_exit= option. */
enum on_exit_action {
	ON_EXIT_HALT = 0, /* real hardware: print and halt */
	ON_EXIT_RESET,    /* real hardware: reset the machine */
	ON_EXIT_BOCHS,    /* Bochs: "Shutdown" to port 0x8900 */
	ON_EXIT_QEMU,     /* QEMU: isa-debug-exit at port 0xf4 */
};

enum hv_exit_code {
	HV_EXIT_OK = 0,
	HV_EXIT_BAD_OPTION = 64,     /* an unknown key or a bad value on the command line */
	HV_EXIT_NO_VTX = 65,         /* VT-x not available */
	HV_EXIT_VTX_UNUSABLE = 66,   /* VT-x present but a required feature is missing */
	HV_EXIT_PANIC = 67,          /* host exception or internal error */
	HV_EXIT_GUEST_FAULT = 68,    /* triple fault, bad access outside guest RAM */
	HV_EXIT_GUEST_LOAD = 69,     /* the guest image was refused */
	HV_EXIT_BOOT = 70,           /* the loader's hand-over was unusable */
};

#define BOCHS_SHUTDOWN_PORT 0x8900
#define QEMU_DEBUG_EXIT_PORT 0xf4
#define RESET_CONTROL_PORT 0xcf9
#define KBC_COMMAND_PORT 0x64

/* Prints the exit line, then ends the run as options say; never returns. */
/* What runs before the machine stops: the console's synchronous flush (default: COM1's). */
void hv_set_console_flush(void (*flush)(void));
__attribute__((noreturn)) void hv_exit(enum on_exit_action how, int code, const char *reason);
/* Only the action, for code that has printed its own exit line. */
__attribute__((noreturn)) void hv_exit_action(enum on_exit_action how, int code);

#endif
