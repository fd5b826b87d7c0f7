/*
 * Guest memory by linear address, through the guest's own paging and with the guest's own
 * permission checks (Intel SDM Vol. 3A chapter 5 "Paging"; chapter 4 in older editions).
 *
 * Nothing here faults or raises a guest exception: a result says whether native execution
 * of the same access would have faulted, and with which #PF error code; the caller decides
 * (inject the fault, or end a block and let the guest execute natively). Guest-physical
 * memory is reached only through v->plat->gpa_ptr, page-table entries included.
 */
#ifndef DISPATCHER_GUEST_MEM_H
#define DISPATCHER_GUEST_MEM_H

#include "vcpu.h"

enum gmem_result {
	GMEM_OK = 0,
	/* Native execution would fault: #PF, or #GP/#SS when gmem_fault.non_canonical. */
	GMEM_FAULT = -1,
	/* A page-table entry or the data is at a guest-physical address that is not guest RAM. */
	GMEM_NOT_RAM = -2,
	/*
	 * The outcome depends on state this interface cannot see, so native execution must
	 * decide: protection keys (CR4.PKE/PKS: PKRU and IA32_PKRS are not in struct vcpu),
	 * linear-address masking on a non-canonical pointer, or len > GMEM_MAX_LEN.
	 */
	GMEM_UNSUPPORTED = -3,
};

/* #PF error code bits (SDM Vol. 3A 5.7 "Page-Fault Exceptions"). */
#define GMEM_PF_P (1u << 0)    /* 0: not present; 1: protection or reserved-bit violation */
#define GMEM_PF_W (1u << 1)    /* the access was a write */
#define GMEM_PF_U (1u << 2)    /* the access was a user-mode (CPL 3) access */
#define GMEM_PF_RSVD (1u << 3) /* a reserved bit was set in a paging-structure entry */
#define GMEM_PF_I (1u << 4)    /* instruction fetch (only with SMEP, or with PAE and NXE) */

struct gmem_fault {
	/* The faulting linear address, what CR2 would hold: for an access that crosses into a
	 * faulting page, the first byte of the access in that page. */
	u64 linear;
	u32 pf_error; /* the #PF error code as the processor would push it; 0 when non_canonical */
	bool non_canonical; /* #GP (or #SS for a stack access), not #PF: the caller picks which */
};

/* Longest gmem_read/gmem_write: two full pages, so at most three pages are touched. */
#define GMEM_MAX_LEN (2 * PAGE_SIZE)

/*
 * Translates one linear address for an access of type acc; user is true for a CPL-3 access.
 * Sets no accessed or dirty flag (only the accesses below do). f may be NULL.
 */
int gmem_translate(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user, u64 *gpa,
                   struct gmem_fault *f);

/* Most paging-structure entries one translation reads (5-level paging). */
#define GMEM_MAX_LEVELS 5

/*
 * gmem_translate, and the guest-physical pages that hold the paging-structure entries the walk
 * used, root first (*ntables of them; none with paging off, the PDPTE registers not counted):
 * a store into one of them may change the translation.
 */
int gmem_translate_tables(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user, u64 *gpa,
                          u64 tables[GMEM_MAX_LEVELS], u32 *ntables);

/*
 * Reads len bytes at linear (acc is VCPU_READ for data, VCPU_EXEC for instruction bytes),
 * crossing pages as needed. All or nothing: every page is translated and checked before a
 * byte is copied or a flag set. On success the accessed flags (and, for VCPU_WRITE, the
 * dirty flags) are set as native execution would set them (SDM Vol. 3A 5.8).
 */
int gmem_read(struct vcpu *v, u64 linear, void *buf, u32 len, enum vcpu_access acc, bool user,
              struct gmem_fault *f);

/* Writes len bytes at linear, all or nothing like gmem_read; sets accessed and dirty flags. */
int gmem_write(struct vcpu *v, u64 linear, const void *buf, u32 len, bool user,
               struct gmem_fault *f);

/*
 * An access that native execution completes with no RAM behind it (a read of the legacy hole,
 * which reads all ones): translates [linear, linear+len) and sets the accessed (and for
 * VCPU_WRITE dirty) flags as the access would, touching no data; *gpa is where it lands.
 * GMEM_UNSUPPORTED, after setting the flags, when it crosses a page (the caller cannot tell
 * where each piece lands).
 */
int gmem_touch(struct vcpu *v, u64 linear, u32 len, enum vcpu_access acc, bool user, u64 *gpa,
               struct gmem_fault *f);

/*
 * gmem_translate of one address, through the per-exit translation cache (v->tlb, gmem_tlb.h):
 * the cache entry that holds the walk, or NULL when the access would fault or the walk is not
 * kept (PAE paging, paging off, too many paging-structure pages). Sets no flag. Then, with
 * nothing changed in between, gmem_touch_entry(v, e, acc, user) is gmem_touch of an access of
 * that kind inside that page: the accessed (and dirty) flags set as the access sets them, and
 * the entry marked for gmem_tlb_fast — one walk where gmem_translate and gmem_touch made two
 * (the direct replay forms: blockio/replay.c).
 */
struct gmem_tlb_entry;
struct gmem_tlb_entry *gmem_translate_entry(struct vcpu *v, u64 linear, enum vcpu_access acc, bool user);
void gmem_touch_entry(struct vcpu *v, struct gmem_tlb_entry *e, enum vcpu_access acc, bool user);

/*
 * Loads PAE paging's four PDPTEs from guest-physical cr3 bits 31:5 into pdpte[], as MOV to CR3
 * (or a CR0/CR4 write that turns PAE paging on) does (SDM Vol. 3A 5.4.1 "PDPTE Registers"):
 * GMEM_FAULT, with pdpte[] unchanged, when a present one sets a reserved bit (bits 2:1, 8:5 or
 * 63:MAXPHYADDR of the host processor): the instruction's #GP(0). A PDPT outside guest RAM reads
 * all ones there, as on a board, so it faults the same way. VM entry checks the VMCS PDPTE
 * fields the same way (Vol. 3C 27.3.1.6), so a guest can never make entry fail through them.
 */
int gmem_load_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[VCPU_NPDPTE]);

/*
 * gmem_read that leaves every accessed flag alone: for looking ahead at bytes that native
 * execution may never touch (the block scanner reading past the instruction that exited).
 */
int gmem_peek(struct vcpu *v, u64 linear, void *buf, u32 len, enum vcpu_access acc, bool user,
              struct gmem_fault *f);

#endif
