/*
 * C, the TSC ticks of one VM exit and entry round trip, measured once before the guest's first
 * instruction (issue 11 item 7): block_policy=auto judges each block by it (dispatcher/blockio/
 * block_policy.h). The guest's RFLAGS.IF is set in the VMCS for the measurement and
 * "interrupt-window exiting" is turned on, so every VM entry exits again at once, before any
 * guest instruction: with IF = 1 and no blocking by STI or MOV SS, that control causes a VM
 * exit at the start of the first instruction (Intel SDM Vol. 3C 26.2 "Other Causes of VM
 * Exits"; 27.7.5 "Interrupt-Window Exiting and Virtual-Interrupt Delivery", numbered as the
 * run loop's 27.7.3 and 26.6.5 in the 2016 edition: after any event injection, below NMIs,
 * above external interrupts). Interrupt-window exiting is a control every VT-x processor has
 * (unlike the VMX-preemption timer), and nested hypervisors such as KVM emulate it. Each round
 * trip is
 * timed from the TSC read before vmx_enter to the one after it, the span the run loop (run.c)
 * takes as the guest's time: the exit, the exit stub, the entry stub and the entry. The
 * figure is the smallest mean of EXIT_COST_BATCHES batches of EXIT_COST_BATCH round trips, so
 * a host interrupt or an SMI in one batch does not inflate it. Afterwards RFLAGS, the window
 * control and the preemption-timer value are as they were; no guest instruction ran, so the
 * guest state is unchanged. These exits are not the guest's: they do not count in its
 * statistics. The first VMLAUNCH happens here: vmx_cpu.launched says so to the run loop.
 */
#ifndef VMX_EXIT_COST_H
#define VMX_EXIT_COST_H

#include "../arch/types.h"

#define EXIT_COST_BATCHES 8
#define EXIT_COST_BATCH 128
#define EXIT_COST_WHY_MAX 120
#define EXIT_COST_LINE_MAX 256

/* The batch arithmetic (pure, host-tested: tests/unit/test_exit_cost.c). */
struct exit_cost_meter {
	u64 sum;      /* ticks of the batch in progress */
	u32 in_batch; /* its round trips so far */
	u32 batches;  /* batches ended, spoiled ones included */
	u32 spoiled;  /* batches dropped: the TSC went backwards, or the sum overflowed */
	bool bad;     /* the batch in progress is spoiled */
	u64 best;     /* the smallest mean of an unspoiled batch, rounded to the nearest tick; 0: none */
};

void exit_cost_meter_init(struct exit_cost_meter *m);
/* One round trip, from the TSC read at entry to the one at exit. True while more are wanted
 * (fewer than EXIT_COST_BATCHES batches ended). */
bool exit_cost_meter_add(struct exit_cost_meter *m, u64 entry_tsc, u64 exit_tsc);
/* The smallest batch mean in TSC ticks, at least 1; 0 when no batch ended unspoiled. */
u64 exit_cost_meter_result(const struct exit_cost_meter *m);

/* The start line without "[hv] " and newline: C as measured (why is 0) or why it was not, and
 * the C the blocks are judged at: given (exit_cost=N, 0 for auto), else the measured one, else
 * BPOL_DEFAULT_EXIT_COST. */
void exit_cost_describe(char *buf, size_t len, u64 ticks, const char *why, u64 given);

struct vmx_cpu;
struct dispatcher;
/* Before vmx_run, with the console still synchronous (its line is not sent at the guest's
 * exits, in their root-mode time): measures C, prints the line, and hands a measured C to the
 * block policy (blockio_exit_cost_measured). vmx_run's VMREAD/VMWRITE counts start after it. */
void vmx_exit_cost_start(struct vmx_cpu *c, struct dispatcher *d);

#endif
