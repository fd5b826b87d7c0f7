/*
 * Shared by test_scanner.c and test_block_dispatch.c, on top of fake_vcpu.h: a recording IO
 * device, code placement, PTE edits for the long-mode tables of fake_vcpu.c, and a model of the
 * processor running the guest under microhv, one exit per IO instruction: an IO instruction
 * exits to dispatch_exit with the exit the processor would report, any other instruction the
 * processor executes itself (the interpreter stands in for it). The correctness principle of
 * DESIGN.md section 3 is checked by running the same start state with block IO off and on and
 * comparing registers, RFLAGS, RIP, all of guest RAM, the device log and how the run ended.
 */
#ifndef TESTS_UNIT_FAKE_BLOCK_H
#define TESTS_UNIT_FAKE_BLOCK_H

#include "fake_vcpu.h"
#include "fake_io.h"

#include "dispatcher/blockio/block_dispatch.h"
#include "dispatcher/vcpu/gmem.h"
#include "dispatcher/blockio/hash.h"
#include "dispatcher/emul/interp.h"
#include "dispatcher/blockio/scanner.h"

/* The recording device: a wide device on BF_PORT..BF_PORT+7; a read returns next_in, then
 * next_in + 1, ... */
#define BF_PORT 0x300
#define BF_PORTS 8
#define BF_IN_FIRST 0x40

extern struct io_log bf_rec;

/* fake_setup, the recording device on the bus, block IO on (extent=page), flat 32-bit protected
 * mode with paging off, RIP = FAKE_RIP. */
int bf_setup(void **state);
int bf_teardown(void **state);

/* Guest-physical bytes. */
void bf_put(u64 gpa, const void *bytes, size_t n);
#define BF_CODE(gpa, ...)                                        \
	do {                                                         \
		static const u8 bf_bytes_[] = {__VA_ARGS__};             \
		bf_put((gpa), bf_bytes_, sizeof(bf_bytes_));             \
	} while (0)

/* The 4-KiB PTE of linear (< FAKE_RAM_SIZE) in fake_vcpu.c's long-mode tables. */
void bf_set_pte(u64 linear, u64 pte);
#define BF_PTE_PRESENT (PTE_P | PTE_RW | PTE_US)

/* The exit qualification the processor reports for a non-string IN/OUT (SDM Vol. 3C 28.2.1). */
u64 bf_io_qual(const struct insn *in, const struct vcpu *v);

/* Decodes the instruction at v's RIP in v's mode; false when it does not decode into the subset. */
bool bf_decode_at_rip(struct vcpu *v, struct insn *in);

/* The exit the processor reports for the IO instruction at v's RIP (left alone when there is
 * none): what vmx/ loads into v->exit before the dispatcher runs. */
void bf_io_exit(struct vcpu *v);

/*
 * One step of the processor: an IO instruction exits (dispatch_exit on fk.d), anything else runs
 * on the interpreter. Returns false, doing nothing, at an instruction neither can run (HLT ends
 * the test programs) or when the guest's run is over. *exits counts the exits.
 */
bool bf_cpu_step(struct vcpu *v, u32 *exits);
/* The model's EPT (fake_vcpu.c's write protection): the write violation the processor reports
 * for a guest write to guest-physical gpa in a protected page, handled by dispatch_exit; the
 * page must be writable after it. bf_cpu_step raises it for every protected page an
 * instruction it runs natively writes, through whatever mapping. */
#define BF_EPT_QUAL_WRITE (1ULL << 1) /* SDM Vol. 3C 28.2.1, table 28-7 */
void bf_ept_write(struct vcpu *v, u64 gpa);
/* A guest store of n bytes at guest-physical gpa: the violations first, then the bytes. */
void bf_guest_store(struct vcpu *v, u64 gpa, const void *bytes, size_t n);
/* Steps until bf_cpu_step returns false or max_steps steps; returns the steps made. */
u32 bf_cpu_run(struct vcpu *v, u32 max_steps, u32 *exits);

/* The outcome of one run, for comparisons. */
struct bf_outcome {
	struct vcpu v;
	u8 *ram;
	struct io_log rec;
	struct exit_stats stats;
	struct block_stats bstats;
	bool dbg_fired;
	u32 dbg_code;
	u32 exits, steps;
};

/*
 * Runs the guest from the current state (fk.v, RAM, devices, dispatcher) to its HLT with block IO
 * off, then from the same state with block IO on (the table as it is now), asserts that both end
 * identically (registers, RFLAGS, RIP, RAM, the device writes and reads, ended and its code, no
 * event injected), and leaves the block-on state in place. *off and *on (either may be NULL) get
 * the two outcomes, with ram NULL (the copies are compared here).
 */
void bf_run_both(u32 max_steps, struct bf_outcome *off, struct bf_outcome *on);

/* The architectural state two runs are compared on. */
void bf_assert_same_state(const struct vcpu *a, const struct vcpu *b);
void bf_assert_same_rec(const struct io_log *a, const struct io_log *b);

#endif
