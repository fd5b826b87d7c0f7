/*
 * Block-IO oracle guest: the old PC delay idioms between IO instructions, a write to port 0x80
 * (the POST port, which decodes to nothing that matters) and forward JMPs ("jmp $+2"), around
 * writes and reads of the UART's scratch register. A JMP over two bytes that are no
 * instruction (UD2, never executed) and a forward Jcc whose direction depends on the round
 * are in the block too. With block_io=on microhv emulates each round from its first OUT to
 * its last IN in one exit; the scanner follows the JMPs and the interpreter takes the Jcc.
 * Printed: a checksum of every value read back, and one of the arithmetic flags left by the
 * ADD just before each round's last IN (ADD defines all six, SDM Vol. 2A "ADD").
 */
#include "lib/blocks.h"

#define ROUNDS 200
#define IO_PER_ROUND 9
#define FLAGS_ARITH 0x8D5u /* OF SF ZF AF PF CF */

u32 blk_delay_loop(u32 n, u32 *flags_log);

__asm__(BLK_ASM_BEGIN
        ".globl blk_delay_loop\n"
        "blk_delay_loop:\n"
        "	push ebx\n"
        "	push esi\n"
        "	push edi\n"
        "	mov esi, [esp + 16]\n"
        "	mov edi, [esp + 20]\n"
        "	xor ecx, ecx\n"
        "	xor ebx, ebx\n"
        "	mov dx, 0x3FF\n"
        "	.balign 256\n"
        "1:\n"
        "	mov al, cl\n"
        "	out dx, al\n" /* scratch <- round */
        "	out 0x80, al\n"
        "	jmp 2f\n" /* jmp $+2 */
        "2:\n"
        "	jmp 3f\n"
        "	ud2\n" /* skipped: not code */
        "3:\n"
        "	in al, dx\n"
        "	movzx eax, al\n"
        "	add ebx, eax\n"
        "	xor al, 0x3C\n"
        "	out dx, al\n"
        "	out 0x80, al\n"
        "	jmp 4f\n"
        "4:\n"
        "	test cl, 1\n"
        "	jz 5f\n" /* odd rounds only */
        "	add ebx, 0x100\n"
        "5:\n"
        "	in al, dx\n"
        "	movzx eax, al\n"
        "	add ebx, eax\n"
        "	mov al, cl\n"
        "	not al\n"
        "	out dx, al\n"
        "	out 0x80, al\n"
        "	jmp 6f\n"
        "6:\n"
        "	in al, dx\n"
        "	pushfd\n"
        "	pop dword ptr [edi + ecx * 4]\n"
        "	movzx eax, al\n"
        "	shl ebx, 1\n"
        "	add ebx, eax\n"
        "	inc ecx\n"
        "	cmp ecx, esi\n"
        "	jb 1b\n"
        "	mov eax, ebx\n"
        "	pop edi\n"
        "	pop esi\n"
        "	pop ebx\n"
        "	ret\n" BLK_ASM_END);

static u32 flags_log[ROUNDS];

void guest_main(u32 magic, u32 mbi)
{
	gprintf("blk_delay: %u rounds of %u IO instructions with port-0x80 and jmp delays\n", ROUNDS, IO_PER_ROUND);
	u32 sum = blk_delay_loop(ROUNDS, flags_log);
	u32 h = BLK_FNV_OFFSET;
	for (u32 i = 0; i < ROUNDS; i++)
		h = blk_fnv(h, flags_log[i] & FLAGS_ARITH);
	/* the sum of a round's reads is known: i, i ^ 0x3C (+ 0x100 when odd), ~i; then doubled */
	u32 want = 0;
	for (u32 i = 0; i < ROUNDS; i++) {
		want += (u8)i + (u8)(i ^ 0x3C) + ((i & 1) ? 0x100 : 0);
		want = (want << 1) + (u8)~i;
	}
	blk_check("blk_delay", "checksum of the scratch-register reads", sum, want);
	gprintf("blk_delay: flags after the last ADD of round 0: 0x%03x, of round %u: 0x%03x\n",
	        flags_log[0] & FLAGS_ARITH, ROUNDS - 1, flags_log[ROUNDS - 1] & FLAGS_ARITH);
	gprintf("blk_delay: flags checksum 0x%08x\n", h);
	blk_finish("blk_delay");
}
