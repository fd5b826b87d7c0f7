/*
 * The vCPU as the dispatcher and the devices see it (DESIGN.md section 2).
 * vmx/ fills it from the VMCS at each exit and writes back what is marked
 * dirty; the host tests fill it by hand. No VMX header is included here.
 */
#ifndef DISPATCHER_VCPU_H
#define DISPATCHER_VCPU_H

#include "../../arch/types.h"
#include "../../arch/x86.h"

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
/* The PDPTE registers were loaded (an emulated CR write under PAE paging): vmx/ writes them to
 * the VMCS guest PDPTE fields, which VM entry loads (SDM Vol. 3C 27.3.2.4). */
#define VCPU_DIRTY_PDPTE (1u << 7)

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
#define VCPU_NPDPTE 4

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
struct page_gen;

/* What only the platform can do: privileged host instructions and guest-physical access. */
struct vcpu_platform {
	void *ctx;
	/* Host pointer to guest-physical gpa, valid for len bytes within one page; NULL if not guest RAM. */
	void *(*gpa_ptr)(void *ctx, u64 gpa, u32 len);
	void (*host_cpuid)(u32 leaf, u32 sub, u32 regs[4]);
	int (*host_xsetbv)(u32 index, u64 value); /* -1 when the value would fault */
	u64 (*host_rdmsr)(u32 msr);
	u64 (*now_tsc)(void);
	/* Reads segment s into v->seg[s] (vmx/: from the VMCS); called by vcpu_seg on first use. */
	void (*load_seg)(struct vcpu *v, enum vcpu_seg s);
	/* Takes write access to the 4-KiB guest-physical page gpa_page away (on) or gives it back
	 * (off) in the second-level tables, so that the guest's next write to it exits (page_gen.h);
	 * false when it cannot. NULL: no such tables, no page is ever protected. */
	bool (*write_protect)(void *wp_ctx, u64 gpa_page, bool on);
	void *wp_ctx;
	/* gpa_ptr's answer for an address never changes (guest RAM mapped once, at start): a host
	 * pointer it gave may be used again without asking (gmem_tlb_verify). */
	bool gpa_fixed;
};

struct vcpu {
	u64 gpr[VCPU_NREGS];
	u64 rip, rflags;
	u64 cr0, cr2, cr3, cr4; /* the guest's view (read shadows applied) */
	u64 efer;
	/* PAE paging's PDPTE registers (SDM Vol. 3A 5.4.1 "PDPTE Registers"; 4.4.1 in older
	 * editions): what the processor translates with, loaded by MOV CR3 and by the CR0/CR4 writes
	 * of 5.4.1, not re-read from memory. vmx/ fills them from the VMCS guest PDPTE fields while
	 * PAE paging is on (VM exit saves them there under EPT, Vol. 3C 28.3.4). */
	u64 pdpte[VCPU_NPDPTE];
	u64 dr7;
	u64 dr[VCPU_NDEBUG_ADDR]; /* DR0-DR3: filled by vmx/ only when DR7 enables a breakpoint */
	u32 pending_dbg;          /* VCPU_DBG_* raised by this exit's emulation */
	u32 cpl;                              /* always valid: SS.DPL */
	struct vcpu_segment seg[VCPU_NSEGS]; /* read through vcpu_seg(): some may not be loaded yet */
	u32 segs_unread;                      /* VCPU_SEG_BIT(s): seg[s] is not loaded at this exit */
	struct vcpu_exit exit;
	u32 dirty;
	struct vcpu_event inject;
	const struct vcpu_platform *plat;
	struct gmem_tlb *tlb; /* the per-exit translation cache (gmem_tlb.h), NULL outside an exit */
	struct page_gen *pgen; /* code-page generations a root-mode store moves (page_gen.h), or NULL */
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
	if (v->rflags & RFLAGS_TF)
		v->pending_dbg |= VCPU_DBG_BS;
}

/* An emulated instruction completed at RIP (already set): RF is cleared, as the processor
 * clears it once an instruction completes (SDM Vol. 3B 18.3.1.1), and the single-step trap. */
static inline void vcpu_retire(struct vcpu *v)
{
	v->dirty |= VCPU_DIRTY_RETIRED;
	if (v->rflags & RFLAGS_RF) {
		v->rflags &= ~RFLAGS_RF;
		v->dirty |= VCPU_DIRTY_RFLAGS;
	}
	vcpu_single_step_trap(v);
}

/*
 * Segment access rights as struct vcpu_seg holds them: the VMX format (SDM Vol. 3C 25.4.1,
 * table 25-2), which is the descriptor's bits 47:40 and 55:52 (Vol. 3A 3.4.5) and an unusable bit.
 */
#define VCPU_AR_TYPE_ACCESSED 0x1u
#define VCPU_AR_TYPE_WRITABLE 0x2u    /* data */
#define VCPU_AR_TYPE_READABLE 0x2u    /* code */
#define VCPU_AR_TYPE_EXPAND_DOWN 0x4u /* data */
#define VCPU_AR_TYPE_CODE 0x8u
#define VCPU_AR_TYPE_DATA_RW_ACCESSED 0x3u /* read/write data, accessed */
#define VCPU_AR_TYPE_CODE_RX_ACCESSED 0xBu /* execute/read code, accessed */
#define VCPU_AR_TYPE_TSS32_BUSY 0xBu       /* system type 11: busy 32-bit TSS */
#define VCPU_AR_TYPE_TSS64_BUSY 0xBu       /* system type 11 in IA-32e mode: busy 64-bit TSS */
#define VCPU_AR_S (1u << 4)                /* descriptor type: code or data, not system */
#define VCPU_AR_DPL_SHIFT 5
#define VCPU_AR_DPL_MASK 0x3u
#define VCPU_AR_P (1u << 7)
#define VCPU_AR_L (1u << 13)  /* 64-bit code segment (D must be 0 then) */
#define VCPU_AR_DB (1u << 14) /* default operation size 32 bits */
#define VCPU_AR_G (1u << 15)  /* limit in 4 KiB units */
#define VCPU_AR_UNUSABLE (1u << 16)
#define VCPU_SEG_BIT(s) (1u << (s))
#define VCPU_SEGS_ALL ((1u << VCPU_NSEGS) - 1)

/*
 * Segment s of the guest. vmx/ loads segments on first use at each exit, the way KVM's
 * register cache reads a VMCS field once it is asked for (a VMREAD is an exit of its own under
 * nested virtualization): an IO exit in 64-bit code reads CS and, for strings, DS/ES only.
 * The cache is filled behind a const pointer, as a read of the vCPU changes nothing the guest
 * can see. Tests set seg[] directly and leave segs_unread 0.
 */
static inline const struct vcpu_segment *vcpu_seg(const struct vcpu *v, enum vcpu_seg s)
{
	if (v->segs_unread & VCPU_SEG_BIT(s)) {
		struct vcpu *fill = (struct vcpu *)v;
		fill->plat->load_seg(fill, s);
		fill->segs_unread &= ~VCPU_SEG_BIT(s);
	}
	return &v->seg[s];
}

/* The guest runs 64-bit code: IA-32e mode and CS.L (SDM Vol. 3A 3.4.5). */
static inline bool vcpu_long_mode(const struct vcpu *v)
{
	return (v->efer & EFER_LMA) && (vcpu_seg(v, VCPU_CS)->ar & VCPU_AR_L);
}

#define VCPU_EIP_MASK 0xffffffffULL
/* Moves RIP past the exiting instruction, which the dispatcher has emulated. Outside 64-bit
 * code the instruction pointer is EIP and wraps at 4 GiB, as the interpreter's does: an RIP with
 * bits 63:32 set there would fail the VM-entry check on guest RIP (SDM Vol. 3C 27.3.1.4 "Checks
 * on Guest RIP, RFLAGS, and SSP"; 26.3.1.4 in older editions). */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	u64 next = v->rip + v->exit.instr_len;
	vcpu_set_rip(v, vcpu_long_mode(v) ? next : next & VCPU_EIP_MASK);
	vcpu_retire(v);
}

/* Requests a hardware exception for the next VM entry. */
static inline void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	v->inject = (struct vcpu_event){true, vector, VCPU_EVENT_HW_EXCEPTION, has_error, error, 0};
}

/* The named injectors: the exceptions the exit handlers raise, with the error code each takes
 * (SDM Vol. 3A 6.15: #UD has none, #GP and #PF have one). */
static inline void vcpu_inject_ud(struct vcpu *v) { vcpu_inject_exception(v, X86_EXC_UD, false, 0); }
static inline void vcpu_inject_gp(struct vcpu *v, u32 error) { vcpu_inject_exception(v, X86_EXC_GP, true, error); }

/* #PF at a linear address: CR2 takes the address (SDM Vol. 3A 6.15, interrupt 14). */
static inline void vcpu_inject_pf(struct vcpu *v, u64 linear, u32 error)
{
	v->cr2 = linear;
	v->dirty |= VCPU_DIRTY_CR2;
	vcpu_inject_exception(v, X86_EXC_PF, true, error);
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
