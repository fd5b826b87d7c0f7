/*
 * Block-IO oracle guest: IO sequences in ring 3. microhv emulates a further IO instruction of a
 * block only where the guest may execute it without the TSS bitmap, CPL <= IOPL (SDM Vol. 1
 * 19.5); otherwise the block ends before it and the processor checks the bitmap itself. The
 * same ring-3 code runs twice, with paging on (identity, user pages, one supervisor-only page):
 *  phase 1  IOPL 0: the TSS bitmap allows ports 0x80 and 0x3F8..0x3FF, denies 0x70, so the
 *           OUT to 0x70 raises #GP(0) (Vol. 1 19.5.2);
 *  phase 2  IOPL 3: every port is allowed, the bitmap is not consulted; blocks run at CPL 3.
 * In both, a store into the supervisor-only page raises #PF with error code 7 (present, write,
 * user; Vol. 3A 5.7); the handlers record the fault and resume ring 3 after the instruction.
 * Ring 3 also reads and writes through FS, a small data segment with a non-zero base. (A
 * store beyond FS's limit would raise #GP natively, but QEMU's TCG, the oracle, does not check
 * data segment limits, so the transcripts could not agree.)
 * Ring 3 ends with INT 0x80 back to ring 0. Printed: the events in order, the faults and the
 * values ring 3 read from the scratch register.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define NVALS 6
#define MAX_FAULTS 8
#define USER_STACK 4096

void r3_entry(void);
extern u8 r3_deny[], r3_after_deny[], r3_super_store[], r3_after_super[];
u8 r3_vals[NVALS];
u8 r3_super[PAGE_BYTES] __attribute__((aligned(4096)));
char r3_events[32];
static u8 user_stack[USER_STACK] __attribute__((aligned(16)));

/* EDI walks r3_events[]: ring 3 writes the digits, the handlers the letters. */
__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl r3_entry, r3_deny, r3_after_deny, r3_super_store, r3_after_super\n"
        "r3_entry:\n"
        "	mov edi, offset r3_events\n"
        "	mov ax, 0x33\n" /* SEL_SMALL3 */
        "	mov fs, ax\n"
        "	mov dx, 0x3FF\n"
        "	mov al, 0x5A\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [r3_vals + 0], al\n"
        "	out 0x80, al\n"
        "	mov al, 0xA5\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [r3_vals + 1], al\n"
        "	mov byte ptr [edi], '1'\n"
        "	inc edi\n"
        "r3_deny:\n"
        "	out 0x70, al\n" /* denied by the bitmap at IOPL 0 */
        "r3_after_deny:\n"
        "	mov byte ptr [edi], '2'\n"
        "	inc edi\n"
        "	in al, dx\n"
        "	mov [r3_vals + 2], al\n"
        "	mov al, 0x3C\n"
        "	out dx, al\n"
        "	mov byte ptr [edi], '3'\n"
        "	inc edi\n"
        "	in al, dx\n"
        "	mov [r3_vals + 3], al\n"
        "	mov fs:[0x10], al\n"
        "	out dx, al\n"
        "r3_super_store:\n"
        "	mov [r3_super], al\n" /* a supervisor-only page */
        "r3_after_super:\n"
        "	mov byte ptr [edi], '4'\n"
        "	inc edi\n"
        "	in al, dx\n"
        "	mov [r3_vals + 4], al\n"
        "	movzx eax, byte ptr fs:[0x10]\n"
        "	mov [r3_vals + 5], al\n"
        "	out 0x80, al\n" /* makes the IN, the FS read and the stores one block */
        "	int 0x80\n"
        "	ud2\n" BLK_ASM_END);

struct fault {
	u32 vector, error, eip;
};
static struct fault faults[MAX_FAULTS];
static u32 nfaults;

static const char *where(u32 eip)
{
	if (eip == (u32)(uintptr_t)r3_deny)
		return "the OUT to 0x70";
	if (eip == (u32)(uintptr_t)r3_super_store)
		return "the store into the supervisor page";
	return "somewhere else";
}

/* Records the fault, logs its letter and resumes ring 3 after the faulting instruction. */
static void resume_after(struct trap_frame *f, char letter)
{
	if (nfaults < MAX_FAULTS)
		faults[nfaults++] = (struct fault){f->vector, f->error, f->eip};
	*(volatile char *)f->edi = letter;
	f->edi++;
	if (f->eip == (u32)(uintptr_t)r3_deny)
		f->eip = (u32)(uintptr_t)r3_after_deny;
	else if (f->eip == (u32)(uintptr_t)r3_super_store)
		f->eip = (u32)(uintptr_t)r3_after_super;
	else
		traps_leave_ring3(); /* the phase reports it */
}

static void on_gp(struct trap_frame *f) { resume_after(f, 'G'); }
static void on_pf(struct trap_frame *f) { resume_after(f, 'P'); }

static void on_syscall(struct trap_frame *f)
{
	*(volatile char *)f->edi = 'S';
	traps_leave_ring3();
}

static void phase(u32 n, u32 iopl, const char *want_events)
{
	memset(r3_events, 0, sizeof r3_events);
	memset(r3_vals, 0, sizeof r3_vals);
	traps_small_seg[0x10] = 0;
	nfaults = 0;
	u32 flags = EFLAGS_RESERVED1 | iopl << EFLAGS_IOPL_SHIFT;
	traps_enter_ring3((u32)(uintptr_t)r3_entry, (u32)(uintptr_t)(user_stack + USER_STACK), flags);
	u32 gp = 0;
	for (u32 i = 0; i < nfaults; i++)
		gp += faults[i].vector == VEC_GP;
	gprintf("blk_ring3: phase %u (IOPL %u): events %s, #GP count %u\n", n, iopl, r3_events, gp);
	for (u32 i = 0; i < nfaults; i++)
		gprintf("blk_ring3:   %s %u at %s, error code 0x%x\n", faults[i].vector == VEC_GP ? "#GP" : "#PF",
		        faults[i].vector, where(faults[i].eip), faults[i].error);
	gprintf("blk_ring3:   read 0x%02x 0x%02x 0x%02x 0x%02x 0x%02x, FS:[0x10] 0x%02x (at FS's base + 0x10: 0x%02x)\n",
	        r3_vals[0], r3_vals[1], r3_vals[2], r3_vals[3], r3_vals[4], r3_vals[5], traps_small_seg[0x10]);
	u32 bad = 0;
	for (u32 i = 0; want_events[i] || r3_events[i]; i++)
		bad += r3_events[i] != want_events[i];
	if (bad) {
		gprintf("blk_ring3:   ^ expected events %s\n", want_events);
		blk_failures++;
	}
}

void guest_main(u32 magic, u32 mbi)
{
	traps_init();
	traps_allow_ports(POST_PORT, POST_PORT);
	traps_allow_ports(COM1, COM1 + 7);
	traps_handle(VEC_GP, on_gp);
	traps_handle(VEC_PF, on_pf);
	traps_handle(VEC_SYSCALL, on_syscall);
	paging_on();
	*pte_of((u32)(uintptr_t)r3_super) &= ~PTE_US;
	invlpg((u32)(uintptr_t)r3_super);
	phase(1, 0, "1G23P4S");
	phase(2, 3, "123P4S");
	phase(3, 0, "1G23P4S");
	paging_off();
	blk_finish("blk_ring3");
}
