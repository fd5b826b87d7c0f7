/*
 * Block-IO oracle guest: a block that crosses a 4 KiB page boundary. The IO sequence starts
 * near the end of one page (page 1), an instruction straddles the boundary, and the sequence
 * goes on in the next page (page 2). microhv's scanner looks ahead to the end of the page
 * (extent=page), through what the guest maps executable (extent=cpu) or a number of bytes;
 * whichever it is, the guest must not see it. Runs:
 *  1  paging off, several times;
 *  2  paging on (identity, 4 KiB pages), page 2 present;
 *  3  page 2 not present: native execution faults on the straddling instruction's fetch; the
 *     #PF handler maps the page and returns, the instruction restarts (SDM Vol. 3A 6.5, 5.7):
 *     exactly one fault per run, twice over;
 *  4  page 2 mapped to another physical page, a copy whose immediate differs, then back;
 *  5  the accessed and dirty flags of the pages the block reads and writes, cleared before a
 *     run: the processor sets them (Vol. 3A 5.8), and so must an emulated block.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define PLAIN_RUNS 3
#define NVALS 6

u32 blk_pc_run(void);
extern u8 pc_base[], pc_cross[], pc_imm4[], blk_pc_run_end[];
u8 pc_src[PAGE_BYTES] __attribute__((aligned(4096))) = {0x62};
u8 pc_vals[PAGE_BYTES] __attribute__((aligned(4096)));
static u8 pc_alt[PAGE_BYTES] __attribute__((aligned(4096)));

/* pc_base is page-aligned: the function starts PAGE1_TAIL bytes before the end of its first
 * page, and the assembler checks that pc_cross straddles the boundary. The rest of page 2 is
 * padding: no other code shares the pages the test maps and unmaps. */
__asm__(".pushsection .text.blk_pagecross, \"ax\", @progbits\n"
        ".intel_syntax noprefix\n"
        ".balign 4096\n"
        ".globl pc_base, pc_cross, pc_imm4, blk_pc_run, blk_pc_run_end\n"
        "pc_base:\n"
        "	.fill 4096 - 22, 1, 0xCC\n"
        "blk_pc_run:\n"
        "	mov dx, 0x3FF\n"
        "	mov al, 0x61\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [pc_vals + 0], al\n"
        "	mov al, [pc_src]\n" /* 0x62 */
        "	out dx, al\n"
        "	in al, dx\n"
        "pc_cross:\n"
        "	mov [pc_vals + 1], al\n" /* straddles the page boundary */
        "	.byte 0xB0\n"
        "pc_imm4:\n"
        "	.byte 0x64\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [pc_vals + 2], al\n"
        "	mov al, 0x65\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [pc_vals + 3], al\n"
        "	add al, [pc_vals + 0]\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [pc_vals + 4], al\n"
        "	movzx eax, al\n"
        "	ret\n"
        "blk_pc_run_end:\n"
        "	.balign 4096, 0xCC\n" /* nothing else in page 2 */
        ".if (pc_cross - pc_base) >= 4096 || (pc_imm4 - pc_base) <= 4096\n"
        ".error \"pc_cross must straddle the page boundary\"\n"
        ".endif\n"
        ".att_syntax prefix\n"
        ".popsection\n");

static u32 page2(void) { return (u32)(uintptr_t)pc_base + PAGE_BYTES; }

static volatile u32 pf_count, pf_cr2, pf_eip, pf_error;

static void on_page_fault(struct trap_frame *f)
{
	pf_count++;
	pf_cr2 = read_cr2();
	pf_eip = f->eip;
	pf_error = f->error;
	if ((pf_cr2 & ~(PAGE_BYTES - 1)) != page2() || pf_count > 4) {
		gprintf("blk_pagecross: unexpected #PF at 0x%08x, eip 0x%08x\n", pf_cr2, f->eip);
		guest_exit(TRAP_EXIT_CODE);
	}
	*pte_of(page2()) |= PTE_P;
	invlpg(page2());
}

static void run(const char *what)
{
	memset(pc_vals, 0, NVALS);
	u32 r = blk_pc_run();
	gprintf("blk_pagecross: %s: read 0x%02x 0x%02x 0x%02x 0x%02x 0x%02x, returned 0x%02x\n", what, pc_vals[0],
	        pc_vals[1], pc_vals[2], pc_vals[3], pc_vals[4], r);
}

static void not_present_run(u32 round)
{
	pf_count = 0;
	*pte_of(page2()) &= ~PTE_P;
	invlpg(page2());
	run(round ? "page 2 not present, again" : "page 2 not present");
	/* The processor reports the fault on the straddling instruction (EIP = pc_cross); Bochs,
	 * with or without microhv, reports it on the next one, the first wholly in page 2 (its
	 * cached decode of the straddling instruction outlives the invalidated translation). So
	 * only the range is printed: a fault before pc_cross or after the block would show. */
	u32 eip = pf_eip, cross = (u32)(uintptr_t)pc_cross;
	gprintf("blk_pagecross: #PF count %u, in page 2: %s, error code 0x%x, eip in the block's page-2 part: %s\n",
	        pf_count, (pf_cr2 & ~(PAGE_BYTES - 1)) == page2() ? "yes" : "no", pf_error,
	        eip >= cross && eip < (u32)(uintptr_t)blk_pc_run_end ? "yes" : "no");
	if (pf_count != 1) {
		gprintf("blk_pagecross: ^ expected 1\n");
		blk_failures++;
	}
}

void guest_main(u32 magic, u32 mbi)
{
	gprintf("blk_pagecross: the straddling instruction starts at page offset 0x%03x and is %u bytes\n",
	        (u32)(uintptr_t)pc_cross & (PAGE_BYTES - 1), (u32)(pc_imm4 - pc_cross) - 1);
	for (u32 i = 0; i < PLAIN_RUNS; i++)
		run("paging off");

	traps_init();
	traps_handle(VEC_PF, on_page_fault);
	paging_on();
	run("paging on");
	run("paging on");
	not_present_run(0);
	not_present_run(1);
	run("page 2 present");

	memcpy(pc_alt, (const void *)(uintptr_t)page2(), PAGE_BYTES);
	pc_alt[(u32)(uintptr_t)pc_imm4 - page2()] = 0x74;
	*pte_of(page2()) = (u32)(uintptr_t)pc_alt | PTE_P | PTE_RW | PTE_US;
	invlpg(page2());
	run("page 2 remapped to a copy with immediate 0x74");
	run("page 2 remapped, again");
	*pte_of(page2()) = page2() | PTE_P | PTE_RW | PTE_US;
	invlpg(page2());
	run("page 2 mapped back");

	volatile u32 *src_pte = pte_of((u32)(uintptr_t)pc_src), *vals_pte = pte_of((u32)(uintptr_t)pc_vals);
	*src_pte &= ~(PTE_A | PTE_D);
	*vals_pte &= ~(PTE_A | PTE_D);
	invlpg((u32)(uintptr_t)pc_src);
	invlpg((u32)(uintptr_t)pc_vals);
	u32 r = blk_pc_run();
	u32 src_flags = *src_pte & (PTE_A | PTE_D), vals_flags = *vals_pte & (PTE_A | PTE_D);
	gprintf("blk_pagecross: after a run with the flags cleared: returned 0x%02x\n", r);
	blk_check("blk_pagecross", "A/D of the page read (A only)", src_flags, PTE_A);
	blk_check("blk_pagecross", "A/D of the page written", vals_flags, PTE_A | PTE_D);
	paging_off();
	blk_finish("blk_pagecross");
}
