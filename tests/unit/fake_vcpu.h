/*
 * A fake vCPU platform for the dispatcher tests: guest RAM malloc'd, gpa_ptr over it, a fixed
 * host CPUID table, a recording host_xsetbv, a counting TSC, and a board whose IO bus holds only
 * the debug-exit device (built field by field, not through board_init, so the tests do not
 * depend on which devices board.c wires up). One global instance, reset by fake_setup.
 */
#ifndef TESTS_UNIT_FAKE_VCPU_H
#define TESTS_UNIT_FAKE_VCPU_H

#include "unit.h"

#include "dispatcher/dispatch.h"

#define FAKE_RAM_SIZE (4 * MIB)
/* Long-mode page tables: PML4, PDPT, PD and two PTs identity-mapping FAKE_RAM_SIZE in 4-KiB pages. */
#define FAKE_PT_BASE 0x300000ULL
#define FAKE_CR4_ALLOWED 0x371fffULL /* what the fake CPU allows in CR4 (LA57, PCIDE, OSXSAVE, SMEP, ...) */

/* Segment access rights the tests set up (SDM Vol. 3C 25.4.1); the architectural bits come from arch/x86.h. */
#define F_AR_CODE64 (0x9bu | (1u << 13))            /* present, DPL 0, code, L */
#define F_AR_CODE32 (0x9bu | (1u << 14) | (1u << 15)) /* present, DPL 0, code, D, G */
#define F_AR_CODE16 0x9bu
#define F_AR_DATA 0x93u


#define FAKE_RIP 0x1000ULL
#define FAKE_CPUID_ENTRIES 16
#define FAKE_CON_SIZE 65536

struct fake_cpuid {
	u32 leaf, sub;
	bool any_sub;
	u32 regs[4];
};

struct fake {
	u8 *ram;
	struct vcpu v;
	struct vcpu_platform plat;
	struct board board;
	struct dispatcher d;
	struct dispatch_config cfg;
	u64 tsc;
	u64 tsc_step; /* what each reading of the TSC adds after it; 0: 1 */
	struct fake_cpuid cpuid[FAKE_CPUID_ENTRIES];
	u32 ncpuid;
	u32 last_cpuid_leaf, last_cpuid_sub;
	u32 xsetbv_calls;
	u32 xsetbv_index;
	u64 xsetbv_value;
	int xsetbv_result;
	struct vcpu_segment exit_seg[VCPU_NSEGS]; /* the segments at the last fake_exit */
	u32 seg_loads;                            /* vcpu_seg loads since fake_setup */
	char con[FAKE_CON_SIZE];
	size_t con_len;
	/* The second-level tables' write protection (vcpu_platform.write_protect): per 4-KiB page
	 * of the RAM, whether a guest write to it exits; how often it was changed. */
	bool wp[FAKE_RAM_SIZE / PAGE_SIZE];
	u32 wp_calls;
};

extern struct fake fk;

/* cmocka setup/teardown: fresh RAM, board, dispatcher and a 64-bit vCPU at FAKE_RIP. */
int fake_setup(void **state);
int fake_teardown(void **state);

/* Processor modes; each leaves the GPRs alone. */
void fake_mode_real(void);    /* CR0.PE = 0, 16-bit code */
void fake_mode_prot32(void);  /* CR0.PE = 1, paging off, 32-bit code, flat segments */
void fake_mode_long64(void);  /* IA-32e mode, 4-level paging identity-mapping the RAM, CS.L = 1 */
void fake_mode_compat(void);  /* IA-32e mode, CS.L = 0, CS.D = 1 */
/* Clears the PTE of the 4-KiB page holding linear (long-mode tables). */
void fake_unmap(u64 linear);
/* From now until the next fake_setup the legacy hole (0xa0000-0xfffff) is not RAM, as under vmx/. */
void fake_legacy_hole(void);

/* The exit the next dispatch call sees. */
void fake_exit(u32 reason, u64 qual, u32 instr_len);

/* Replaces or adds a host CPUID answer. */
void fake_cpuid_set(u32 leaf, u32 sub, bool any_sub, u32 eax, u32 ebx, u32 ecx, u32 edx);

/* Console capture (everything con_* printed since the last clear). */
void fake_console_clear(void);
const char *fake_console(void);

/* True when nothing was injected, RIP was not moved and the guest runs on. */
void fake_assert_untouched_rip(void);
/* A hardware exception was injected and RIP stays on the instruction. */
void fake_assert_fault(u8 vector, bool has_error, u32 error);
/* RIP moved past an instruction of len bytes, nothing injected, the guest runs on. */
void fake_assert_retired(u32 len);

#endif
