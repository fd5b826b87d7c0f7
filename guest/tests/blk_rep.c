/*
 * Block-IO oracle guest: string IO (SDM Vol. 2A "INS", Vol. 2B "OUTS", "REP") next to would-be
 * blocks. microhv never emulates a string instruction inside a block: the scanner ends a block
 * before one, and one that exits itself takes the one-instruction path. So here REP OUTSB and
 * REP INSB sit inside and at the start of IO sequences on the UART's scratch register and on
 * the master PIC's IMR; there is a single OUTSB and INSB, a REP with ECX = 0, and a REP INSB
 * with DF = 1. Printed: every byte stored and the string registers afterwards (as offsets
 * from the buffers), which must be exact whatever the mode.
 */
#include "lib/blocks.h"

#define SRC_BYTES 16
#define DST_BYTES 32
#define ROUNDS 3

u8 rep_src[SRC_BYTES] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                         0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F};
u8 rep_masks[4] = {0xFF, 0x0F, 0xF0, 0xB5};
u8 rep_dst[DST_BYTES];
u32 rep_regs[5];
void blk_rep_run(void);

__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl blk_rep_run\n"
        "blk_rep_run:\n"
        "	push esi\n"
        "	push edi\n"
        "	mov dx, 0x3FF\n"
        "	mov al, 0x5A\n"
        "	out dx, al\n" /* a block: OUT, IN, then a REP OUTSB ends it */
        "	in al, dx\n"
        "	mov [rep_dst + 0], al\n"
        "	mov esi, offset rep_src\n"
        "	mov ecx, 5\n"
        "	rep outsb\n" /* src[0..4] */
        "	in al, dx\n" /* src[4] */
        "	mov [rep_dst + 1], al\n"
        "	mov edi, offset rep_dst + 16\n"
        "	mov ecx, 4\n"
        "	rep insb\n" /* dst[16..19] = src[4] */
        "	mov ecx, 3\n"
        "	rep outsb\n" /* a string first in the sequence: src[5..7] */
        "	in al, dx\n"
        "	mov [rep_dst + 2], al\n"
        "	mov al, 0x77\n"
        "	out dx, al\n"
        "	outsb\n" /* src[8] */
        "	in al, dx\n"
        "	mov [rep_dst + 3], al\n"
        "	insb\n" /* dst[20] = src[8] */
        "	in al, dx\n"
        "	mov [rep_dst + 4], al\n"
        "	xor ecx, ecx\n"
        "	rep outsb\n" /* no iteration */
        "	rep insb\n"
        "	in al, dx\n"
        "	mov [rep_dst + 5], al\n"
        "	mov al, 0x42\n"
        "	out dx, al\n"
        "	std\n"
        "	mov edi, offset rep_dst + 31\n"
        "	mov ecx, 3\n"
        "	rep insb\n" /* downwards: dst[31], dst[30], dst[29] */
        "	cld\n"
        "	in al, dx\n"
        "	mov [rep_dst + 6], al\n"
        "	mov [rep_regs + 0], esi\n"
        "	mov [rep_regs + 4], edi\n"
        "	mov [rep_regs + 8], ecx\n"
        "	mov dx, 0x21\n" /* the master PIC's IMR */
        "	mov esi, offset rep_masks\n"
        "	mov ecx, 4\n"
        "	mov al, 0xFF\n"
        "	out dx, al\n"
        "	rep outsb\n"
        "	in al, dx\n" /* the last mask */
        "	mov [rep_dst + 7], al\n"
        "	mov edi, offset rep_dst + 24\n"
        "	mov ecx, 2\n"
        "	rep insb\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov [rep_dst + 8], al\n"
        "	mov [rep_regs + 12], esi\n"
        "	mov [rep_regs + 16], edi\n"
        "	pop edi\n"
        "	pop esi\n"
        "	ret\n" BLK_ASM_END);

/* ICW1..ICW4 (Intel 8259A datasheet): the IMR is then a plain register, whatever the state
 * firmware or the hypervisor left the chip in. */
static void pic_reinit(void)
{
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
}

void guest_main(u32 magic, u32 mbi)
{
	pic_reinit();
	u32 h = BLK_FNV_OFFSET;
	for (u32 r = 0; r < ROUNDS; r++) {
		memset(rep_dst, 0, sizeof rep_dst);
		blk_rep_run();
		h = blk_fnv_bytes(h, rep_dst, sizeof rep_dst);
	}
	gprintf("blk_rep: bytes stored:");
	for (u32 i = 0; i < DST_BYTES; i++)
		gprintf(" %02x", rep_dst[i]);
	gprintf("\n");
	u32 src = (u32)(uintptr_t)rep_src, dst = (u32)(uintptr_t)rep_dst, masks = (u32)(uintptr_t)rep_masks;
	gprintf("blk_rep: after the scratch strings: esi src+%d edi dst+%d ecx %u\n", (int)(rep_regs[0] - src),
	        (int)(rep_regs[1] - dst), rep_regs[2]);
	gprintf("blk_rep: after the IMR strings: esi masks+%d edi dst+%d\n", (int)(rep_regs[3] - masks),
	        (int)(rep_regs[4] - dst));
	static const u8 want[DST_BYTES] = {
		0x5A, 0x54, 0x87, 0x98, 0x98, 0x98, 0x42, 0xB5, 0xB5, 0, 0, 0, 0, 0, 0, 0,
		0x54, 0x54, 0x54, 0x54, 0x98, 0, 0, 0, 0xB5, 0xB5, 0, 0, 0, 0x42, 0x42, 0x42,
	};
	u32 bad = 0;
	for (u32 i = 0; i < DST_BYTES; i++)
		bad += rep_dst[i] != want[i];
	blk_check("blk_rep", "bytes unlike the datasheet's", bad, 0);
	blk_check("blk_rep", "esi after the scratch strings (from src)", rep_regs[0] - src, 9);
	blk_check("blk_rep", "edi after REP INSB with DF=1 (from dst)", rep_regs[1] - dst, 28);
	blk_check("blk_rep", "esi after the IMR strings (from masks)", rep_regs[3] - masks, 4);
	gprintf("blk_rep: checksum over %u rounds 0x%08x\n", ROUNDS, h);
	blk_finish("blk_rep");
}
