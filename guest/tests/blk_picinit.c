/*
 * Block-IO oracle guest: the 8259A initialisation sequence (ICW1..ICW4 to both chips, then the
 * masks, Intel 8259A datasheet "Initialization Command Words") as straight-line OUTs with the
 * values in AL, SEQUENCES times. Each sequence also reads IMR back twice: right after ICW4
 * (ICW1 clears it, datasheet step b) and after OCW1 (the mask just written). With block_io=on
 * microhv emulates each sequence, from its first OUT through its last IN, in one exit.
 * Printed: what was read back, checked against the datasheet, and a checksum of it all.
 */
#include "lib/blocks.h"

#define SEQUENCES 50
#define IO_PER_SEQUENCE 14
#define LOG_STRIDE 4 /* per sequence: IMR1, IMR2 after ICW4; IMR1, IMR2 after OCW1 */
#define PIC1_DATA_PORT 0x21
#define PIC2_DATA_PORT 0xA1

void blk_picinit_loop(u32 n, u8 *log);

/* ECX counts the sequences; the masks written are 5 * i (master) and i ^ 0x5A (slave). The
 * loop's own instructions (the MOV before the first OUT, the stores after the last IN, the
 * backward JB) run natively in either mode. */
__asm__(BLK_ASM_BEGIN
        ".globl blk_picinit_loop\n"
        "blk_picinit_loop:\n"
        "	push ebx\n"
        "	push esi\n"
        "	push edi\n"
        "	mov esi, [esp + 16]\n"
        "	mov edi, [esp + 20]\n"
        "	xor ecx, ecx\n"
        "	.balign 256\n"
        "1:\n"
        "	mov al, 0x11\n" /* ICW1: edge, cascade, ICW4 follows */
        "	out 0x20, al\n"
        "	out 0xA0, al\n"
        "	mov al, 0x20\n" /* ICW2: vector bases */
        "	out 0x21, al\n"
        "	mov al, 0x28\n"
        "	out 0xA1, al\n"
        "	mov al, 0x04\n" /* ICW3: the slave on IR2 */
        "	out 0x21, al\n"
        "	mov al, 0x02\n"
        "	out 0xA1, al\n"
        "	mov al, 0x01\n" /* ICW4: 8086 mode */
        "	out 0x21, al\n"
        "	out 0xA1, al\n"
        "	in al, 0x21\n" /* IMR, cleared by ICW1 */
        "	mov [edi + ecx * 4], al\n"
        "	in al, 0xA1\n"
        "	mov [edi + ecx * 4 + 1], al\n"
        "	mov bl, cl\n" /* OCW1: the masks */
        "	shl bl, 2\n"
        "	add bl, cl\n"
        "	mov al, bl\n"
        "	out 0x21, al\n"
        "	mov al, cl\n"
        "	xor al, 0x5A\n"
        "	out 0xA1, al\n"
        "	in al, 0x21\n"
        "	mov [edi + ecx * 4 + 2], al\n"
        "	in al, 0xA1\n"
        "	mov [edi + ecx * 4 + 3], al\n"
        "	inc ecx\n"
        "	cmp ecx, esi\n"
        "	jb 1b\n"
        "	pop edi\n"
        "	pop esi\n"
        "	pop ebx\n"
        "	ret\n"
        ".globl blk_picinit_loop_end\n" /* bochs_blocks.sh counts the blocks up to here */
        "blk_picinit_loop_end:\n" BLK_ASM_END);

static u8 imr_log[SEQUENCES * LOG_STRIDE];

void guest_main(u32 magic, u32 mbi)
{
	gprintf("blk_picinit: %u sequences of %u IO instructions\n", SEQUENCES, IO_PER_SEQUENCE);
	blk_picinit_loop(SEQUENCES, imr_log);
	u32 cleared_bad = 0, mask_bad = 0;
	for (u32 i = 0; i < SEQUENCES; i++) {
		const u8 *e = &imr_log[i * LOG_STRIDE];
		cleared_bad += e[0] != 0 || e[1] != 0;
		mask_bad += e[2] != (u8)(5 * i) || e[3] != (u8)(i ^ 0x5A);
	}
	gprintf("blk_picinit: first sequence read 0x%02x 0x%02x 0x%02x 0x%02x\n", imr_log[0], imr_log[1],
	        imr_log[2], imr_log[3]);
	blk_check("blk_picinit", "sequences with IMR not cleared by ICW1", cleared_bad, 0);
	blk_check("blk_picinit", "sequences with IMR not the mask written", mask_bad, 0);
	blk_check("blk_picinit", "final master IMR", inb(PIC1_DATA_PORT), (u8)(5 * (SEQUENCES - 1)));
	blk_check("blk_picinit", "final slave IMR", inb(PIC2_DATA_PORT), (u8)((SEQUENCES - 1) ^ 0x5A));
	gprintf("blk_picinit: checksum 0x%08x\n", blk_fnv_bytes(BLK_FNV_OFFSET, imr_log, sizeof imr_log));
	blk_finish("blk_picinit");
}
