/*
 * Block-IO oracle guest: IO sequences under debug-register breakpoints (SDM Vol. 3B 17.2,
 * 17.3.1). microhv runs no block while DR7 enables a breakpoint, so each of these must reach
 * the guest exactly as on the processor:
 *  A  an instruction breakpoint (DR0, R/W 00) on the second OUT of a would-be block: a fault
 *     before the instruction, EIP at it, DR6.B0; the handler sets RF in the saved EFLAGS so
 *     that the instruction runs on return (17.3.1.1);
 *  B  a data write breakpoint (DR1, R/W 01, one byte) on a byte that a MOV in the sequence
 *     stores: a trap after the store, EIP at the next instruction, DR6.B1 (17.3.1.2);
 *  C  an I/O breakpoint (DR2, R/W 10, CR4.DE = 1) on port 0x80, written by an OUT in the
 *     sequence: a trap after the OUT, DR6.B2 (17.3.1.2);
 *  D  a data write breakpoint (DR3) on a byte that a single INSB stores: a trap after it;
 *  E  single-stepping (TF) over a REP OUTSB of four bytes: the processor traps after every
 *     iteration, with EIP still at the instruction and ECX counting down until the last
 *     (as debuggers single-stepping a REP string see; QEMU and Bochs model it so).
 * C, D and E concern microhv's one-instruction IO path as much as blocks: it emulates those
 * IO instructions and must raise the #DB the processor would have.
 * The handler records each #DB's EIP (as an offset from the sequence's label), DR6's B0..B3
 * and BS bits and ECX. Printed: the records, round by round, and the values read back.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define ROUNDS 2
#define MAX_HITS 16
#define DR6_B_MASK 0x400Fu
#define DR7_RW_SHIFT(n) (16 + 4 * (n))
#define DR7_RW_EXEC 0u
#define DR7_RW_WRITE 1u
#define DR7_RW_IO 2u
#define CR4_DE 0x8u

u32 blk_dr_run(void);
u32 blk_dr_rep(void);
extern u8 dr_start[], dr_out2[], dr_store[], dr_ins[], dr_rep_start[], dr_rep_end[];
u8 dr_byte, dr_buf[4];
u8 dr_src[4] = {0x41, 0x42, 0x43, 0x44};

__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl blk_dr_run, dr_start, dr_out2, dr_store, dr_ins\n"
        "blk_dr_run:\n"
        "	push ebx\n"
        "	push edi\n"
        "	xor ebx, ebx\n"
        "	mov dx, 0x3FF\n"
        "	mov al, 0x11\n"
        "dr_start:\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bl, al\n"
        "	mov al, 0x22\n"
        "dr_out2:\n"
        "	out dx, al\n" /* A */
        "	in al, dx\n"
        "dr_store:\n"
        "	mov [dr_byte], al\n" /* B */
        "	out 0x80, al\n" /* C */
        "	mov al, 0x33\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bh, al\n"
        "	mov edi, offset dr_buf\n"
        "dr_ins:\n"
        "	insb\n" /* D */
        "	in al, dx\n"
        "	movzx eax, bx\n"
        "	pop edi\n"
        "	pop ebx\n"
        "	ret\n"
        ".balign 64\n"
        ".globl blk_dr_rep, dr_rep_start, dr_rep_end\n"
        "blk_dr_rep:\n"
        "	push esi\n"
        "	mov dx, 0x3FF\n"
        "	mov esi, offset dr_src\n"
        "	mov ecx, 4\n"
        "	pushfd\n"
        "	or dword ptr [esp], 0x100\n"
        "	popfd\n" /* TF: the first trap comes after the next instruction */
        "dr_rep_start:\n"
        "	nop\n"
        "	rep outsb\n" /* E */
        "	in al, dx\n"
        "dr_rep_end:\n"
        "	movzx eax, al\n"
        "	pop esi\n"
        "	ret\n" BLK_ASM_END);

struct hit {
	u32 off, dr6, ecx;
};
static volatile struct hit hits[MAX_HITS];
static volatile u32 nhits;
static const u8 *hit_base = dr_start;

static u32 read_dr6(void)
{
	u32 v;
	__asm__ volatile("movl %%dr6, %0" : "=r"(v));
	return v;
}

static void on_debug(struct trap_frame *f)
{
	u32 dr6 = read_dr6();
	__asm__ volatile("movl %0, %%dr6" : : "r"(0u));
	if (nhits < MAX_HITS)
		hits[nhits] = (struct hit){f->eip - (u32)(uintptr_t)hit_base, dr6 & DR6_B_MASK, f->ecx};
	nhits++;
	f->eflags |= EFLAGS_RF; /* an instruction breakpoint would fault again on return */
	if (f->eip == (u32)(uintptr_t)dr_rep_end || nhits >= MAX_HITS)
		f->eflags &= ~EFLAGS_TF;
}

static void set_breakpoint(u32 n, u32 addr, u32 rw)
{
	u32 dr7;
	switch (n) {
	case 0: __asm__ volatile("movl %0, %%dr0" : : "r"(addr)); break;
	case 1: __asm__ volatile("movl %0, %%dr1" : : "r"(addr)); break;
	case 2: __asm__ volatile("movl %0, %%dr2" : : "r"(addr)); break;
	default: __asm__ volatile("movl %0, %%dr3" : : "r"(addr)); break;
	}
	__asm__ volatile("movl %%dr7, %0" : "=r"(dr7));
	dr7 &= ~(0xFu << DR7_RW_SHIFT(n)); /* LEN 00: one byte */
	dr7 |= rw << DR7_RW_SHIFT(n) | 1u << (2 * n);
	__asm__ volatile("movl %0, %%dr7" : : "r"(dr7));
}

static void clear_breakpoints(void) { __asm__ volatile("movl %0, %%dr7" : : "r"(0x400u)); }

/* ECX only where the sequence sets it (E); elsewhere it is whatever the caller left. */
static void print_hits(bool with_ecx)
{
	for (u32 i = 0; i < nhits && i < MAX_HITS; i++) {
		gprintf(" [+%u dr6 0x%04x", hits[i].off, hits[i].dr6);
		if (with_ecx)
			gprintf(" ecx %u", hits[i].ecx);
		gprintf("]");
	}
}

static void round_of(const char *what)
{
	nhits = 0;
	u32 v = blk_dr_run();
	gprintf("blk_dr: %s: %u #DB:", what, nhits);
	print_hits(false);
	gprintf("; read 0x%02x 0x%02x\n", v & 0xFF, (v >> 8) & 0xFF);
}

void guest_main(u32 magic, u32 mbi)
{
	traps_init();
	traps_handle(VEC_DB, on_debug);
	__asm__ volatile("movl %0, %%dr6" : : "r"(0u));
	u32 cr4;
	__asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | CR4_DE));
	gprintf("blk_dr: offsets from dr_start: second OUT +%u, store +%u, INSB +%u\n",
	        (u32)(dr_out2 - dr_start), (u32)(dr_store - dr_start), (u32)(dr_ins - dr_start));
	for (u32 r = 0; r < ROUNDS; r++)
		round_of("no breakpoint");
	set_breakpoint(0, (u32)(uintptr_t)dr_out2, DR7_RW_EXEC);
	for (u32 r = 0; r < ROUNDS; r++)
		round_of("A instruction breakpoint");
	clear_breakpoints();
	set_breakpoint(1, (u32)(uintptr_t)&dr_byte, DR7_RW_WRITE);
	for (u32 r = 0; r < ROUNDS; r++)
		round_of("B data breakpoint on the MOV");
	clear_breakpoints();
	set_breakpoint(2, POST_PORT, DR7_RW_IO);
	for (u32 r = 0; r < ROUNDS; r++)
		round_of("C I/O breakpoint on port 0x80");
	clear_breakpoints();
	set_breakpoint(3, (u32)(uintptr_t)&dr_buf[0], DR7_RW_WRITE);
	for (u32 r = 0; r < ROUNDS; r++)
		round_of("D data breakpoint on the INSB");
	clear_breakpoints();
	round_of("no breakpoint again");
	hit_base = dr_rep_start;
	for (u32 r = 0; r < ROUNDS; r++) {
		nhits = 0;
		u32 v = blk_dr_rep();
		gprintf("blk_dr: E REP OUTSB under TF: %u #DB:", nhits);
		print_hits(true);
		gprintf("; read 0x%02x\n", v);
	}
	blk_finish("blk_dr");
}
