/* Host exception reporting: vector, error code, RIP, registers and a backtrace, then stop. */
#ifndef ARCH_EXCEPTIONS_H
#define ARCH_EXCEPTIONS_H

#include "types.h"
#include "shutdown.h"

/* Saved by isr.asm, lowest address first. */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/* NMIs taken in root mode since boot (isr.asm counts them and returns; vmx/nmi.c decides). */
u64 exc_root_nmi_count(void);
/* How a host exception ends the run (the on_exit= option). */
void exc_set_on_exit(enum on_exit_action how);
__attribute__((noreturn)) void exc_report(struct exc_frame *f);
/* A panic from C: prints the message, a backtrace, and ends the run. */
__attribute__((noreturn, format(printf, 1, 2))) void hv_panic(const char *fmt, ...);

#endif
