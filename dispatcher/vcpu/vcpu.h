/*
 * The vCPU as the dispatcher and the devices see it (DESIGN.md section 2).
 * vmx/ fills it from the VMCS at each exit and writes back what is marked
 * dirty; the host tests fill it by hand. No VMX header is included here.
 */
#ifndef DISPATCHER_VCPU_H
#define DISPATCHER_VCPU_H

#include "../../arch/types.h"

/* General-purpose registers in x86 encoding order (ModRM reg field). */
enum vcpu_reg {
	VCPU_RAX, VCPU_RCX, VCPU_RDX, VCPU_RBX, VCPU_RSP, VCPU_RBP, VCPU_RSI, VCPU_RDI,
	VCPU_R8, VCPU_R9, VCPU_R10, VCPU_R11, VCPU_R12, VCPU_R13, VCPU_R14, VCPU_R15,
	VCPU_NREGS
};

enum vcpu_seg { VCPU_ES, VCPU_CS, VCPU_SS, VCPU_DS, VCPU_FS, VCPU_GS, VCPU_NSEGS };

struct vcpu_segment {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar; /* access rights in the VMX format (SDM Vol. 3C 25.4.1, table 25-2) */
};

/* Exit information, as the processor reported it (SDM Vol. 3C 28.2). */
struct vcpu_exit {
	u32 reason;      /* basic exit reason, bits 15:0 */
	bool entry_failure;
	u64 qual;        /* exit qualification */
	u32 instr_len;
	u32 instr_info;
	u64 guest_linear;
	u64 guest_phys;
	u32 intr_info;   /* VM-exit interruption information */
	u32 idt_vectoring_info;
	u32 idt_vectoring_error;
};

/* Dirty bits: what the dispatcher changed and vmx/ must write back. */
#define VCPU_DIRTY_RIP (1u << 0)
#define VCPU_DIRTY_RFLAGS (1u << 1)
#define VCPU_DIRTY_RSP (1u << 2)
#define VCPU_DIRTY_CR (1u << 3)
#define VCPU_DIRTY_EFER (1u << 4)
#define VCPU_DIRTY_CR2 (1u << 5)
/* An instruction was emulated: vmx/ clears STI/MOV-SS blocking (SDM Vol. 3C 25.4.2,
 * interruptibility state); its debug traps are in pending_dbg (vcpu_retire). */
#define VCPU_DIRTY_RETIRED (1u << 6)

/*
 * Debug exceptions that an emulated instruction raised, in the format of the VMCS
 * pending-debug-exceptions field (SDM Vol. 3C 25.4.2, table 25-4), which is DR6's for these bits.
 * vmx/ adds them to that field, and the processor delivers one #DB after VM entry with DR6
 * updated, with the priority of a trap on the previous instruction (Vol. 3C 27.7.3 "Delivery of
 * Pending Debug Exceptions after VM Entry"). That is the method the SDM gives a VMM that
 * emulates an instruction hitting a debug trap, rather than injecting #DB (Vol. 3C 33.2.1
 * "Debug Exceptions"): the trap then keeps its priority over interrupts (interrupts.h).
 */
#define VCPU_DBG_B(n) (1u << (n))    /* breakpoint n's condition met */
#define VCPU_DBG_ENABLED_BP (1u << 12) /* one of them enabled in DR7: Bn are delivered only with it */
#define VCPU_DBG_BS (1u << 14)         /* single step (RFLAGS.TF) */
#define VCPU_NDEBUG_ADDR 4             /* DR0-DR3 */

#define VCPU_RFLAGS_TF (1ULL << 8)
#define VCPU_RFLAGS_RF (1ULL << 16)

enum vcpu_access { VCPU_READ, VCPU_WRITE, VCPU_EXEC };

/* Event types for injection (SDM Vol. 3C 25.8.3, table 25-17). */
#define VCPU_EVENT_EXT_INT 0
#define VCPU_EVENT_NMI 2
#define VCPU_EVENT_HW_EXCEPTION 3
#define VCPU_EVENT_SW_EXCEPTION 6

struct vcpu_event {
	bool pending;
	u8 vector;
	u8 type;
	bool has_error;
	u32 error;
	u32 instr_len; /* for software interrupts and exceptions */
};

struct vcpu;
struct gmem_tlb;

/* What only the platform can do: privileged host instructions and guest-physical access. */
struct vcpu_platform {
	void *ctx;
	/* Host pointer to guest-physical gpa, valid for len bytes within one page; NULL if not guest RAM. */
	void *(*gpa_ptr)(void *ctx, u64 gpa, u32 len);
	void (*host_cpuid)(u32 leaf, u32 sub, u32 regs[4]);
	int (*host_xsetbv)(u32 index, u64 value); /* -1 when the value would fault */
	u64 (*host_rdmsr)(u32 msr);
	u64 (*now_tsc)(void);
};

struct vcpu {
	u64 gpr[VCPU_NREGS];
	u64 rip, rflags;
	u64 cr0, cr2, cr3, cr4; /* the guest's view (read shadows applied) */
	u64 efer;
	u64 dr7;
	u64 dr[VCPU_NDEBUG_ADDR]; /* DR0-DR3: filled by vmx/ only when DR7 enables a breakpoint */
	u32 pending_dbg;          /* VCPU_DBG_* raised by this exit's emulation */
	u32 cpl;
	struct vcpu_segment seg[VCPU_NSEGS];
	struct vcpu_exit exit;
	u32 dirty;
	struct vcpu_event inject;
	const struct vcpu_platform *plat;
	struct gmem_tlb *tlb; /* the per-exit translation cache (gmem_tlb.h), NULL outside an exit */
	/* HLT with interrupts enabled: the guest sleeps in the HLT activity state until an event. */
	bool halted;
	/* Set when the guest's run is over (debug-exit write, triple fault, fatal exit). */
	bool ended;
	int end_code;
	const char *end_reason;
};

static inline void vcpu_set_reg(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	v->gpr[r] = val;
	if (r == VCPU_RSP)
		v->dirty |= VCPU_DIRTY_RSP;
}

static inline void vcpu_set_rip(struct vcpu *v, u64 rip)
{
	v->rip = rip;
	v->dirty |= VCPU_DIRTY_RIP;
}

/* The debug traps of data or I/O breakpoints that an emulated access hit (breakpoints.h). */
static inline void vcpu_debug_trap(struct vcpu *v, u32 b_bits)
{
	if (b_bits)
		v->pending_dbg |= b_bits | VCPU_DBG_ENABLED_BP;
}

/* An emulated instruction, or one iteration of a REP string instruction, is complete: with
 * RFLAGS.TF a single-step trap follows it (SDM Vol. 3B 18.3.1.4, with 18.3.1.2 traps in the
 * same #DB). */
static inline void vcpu_single_step_trap(struct vcpu *v)
{
	if (v->rflags & VCPU_RFLAGS_TF)
		v->pending_dbg |= VCPU_DBG_BS;
}

/* An emulated instruction completed at RIP (already set): RF is cleared, as the processor
 * clears it once an instruction completes (SDM Vol. 3B 18.3.1.1), and the single-step trap. */
static inline void vcpu_retire(struct vcpu *v)
{
	v->dirty |= VCPU_DIRTY_RETIRED;
	if (v->rflags & VCPU_RFLAGS_RF) {
		v->rflags &= ~VCPU_RFLAGS_RF;
		v->dirty |= VCPU_DIRTY_RFLAGS;
	}
	vcpu_single_step_trap(v);
}

/* Moves RIP past the exiting instruction, which the dispatcher has emulated. */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	vcpu_set_rip(v, v->rip + v->exit.instr_len);
	vcpu_retire(v);
}

/* The guest runs 64-bit code: IA-32e mode and CS.L (SDM Vol. 3A 3.4.5). */
#define VCPU_EFER_LMA (1ULL << 10)
#define VCPU_SEG_AR_L (1u << 13)
#define VCPU_SEG_AR_DB (1u << 14)
static inline bool vcpu_long_mode(const struct vcpu *v)
{
	return (v->efer & VCPU_EFER_LMA) && (v->seg[VCPU_CS].ar & VCPU_SEG_AR_L);
}

/* Requests a hardware exception for the next VM entry. */
static inline void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	v->inject = (struct vcpu_event){true, vector, VCPU_EVENT_HW_EXCEPTION, has_error, error, 0};
}

static inline void vcpu_end(struct vcpu *v, int code, const char *reason)
{
	if (!v->ended) {
		v->ended = true;
		v->end_code = code;
		v->end_reason = reason;
	}
}

#endif
