/*
 * Block-IO oracle guest: the block cache. One block run HOT_ROUNDS times in a loop (the first
 * run designates it, every later one hits the table: the bytes are hashed and compared, the
 * cached form runs), then UNITS distinct blocks, more than the table's 256 slots, each ended by
 * a BSWAP (outside the emulated subset), run COLD_ROUNDS times over, so that blocks evict each
 * other. Printed: checksums of the register results and of the arithmetic flags the emulated
 * ADD/ADC/SUB leave, which must not depend on whether a block came from the cache.
 */
#include "lib/blocks.h"

#define HOT_ROUNDS 1000
#define UNITS 300
#define COLD_ROUNDS 3
#define FLAGS_ARITH 0x8D5u

struct hot_result {
	u32 esi, edi, flags_xor;
};

void blk_hits_hot(u32 n, struct hot_result *r);
u32 blk_hits_cold(u32 seed);

__asm__(BLK_ASM_BEGIN
        ".globl blk_hits_hot\n"
        "blk_hits_hot:\n"
        "	push ebx\n"
        "	push esi\n"
        "	push edi\n"
        "	push ebp\n"
        "	mov ebp, [esp + 20]\n"
        "	xor ecx, ecx\n"
        "	xor esi, esi\n"
        "	xor edi, edi\n"
        "	xor ebx, ebx\n"
        "	mov dx, 0x3FF\n"
        "	.balign 256\n"
        "1:\n"
        "	mov al, cl\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	movzx eax, al\n"
        "	add esi, eax\n"
        "	xor al, 0xA5\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	add edi, eax\n"
        "	sub al, cl\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	adc esi, eax\n"
        "	sub edi, ecx\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	pushfd\n"
        "	xor ebx, [esp]\n"
        "	add esp, 4\n"
        "	inc ecx\n"
        "	cmp ecx, ebp\n"
        "	jb 1b\n"
        "	mov eax, [esp + 24]\n"
        "	mov [eax], esi\n"
        "	mov [eax + 4], edi\n"
        "	mov [eax + 8], ebx\n"
        "	pop ebp\n"
        "	pop edi\n"
        "	pop esi\n"
        "	pop ebx\n"
        "	ret\n"
        /* UNITS blocks of two IO instructions each, every one ended by BSWAP */
        ".balign 256\n"
        ".globl blk_hits_cold\n"
        "blk_hits_cold:\n"
        "	push esi\n"
        "	mov eax, [esp + 8]\n"
        "	xor esi, esi\n"
        "	mov dx, 0x3FF\n"
        "	.rept " "300" "\n"
        "	inc al\n"
        "	out dx, al\n"
        "	add al, 3\n"
        "	in al, dx\n"
        "	add esi, eax\n"
        "	bswap esi\n"
        "	.endr\n"
        "	mov eax, esi\n"
        "	pop esi\n"
        "	ret\n" BLK_ASM_END);

_Static_assert(UNITS == 300, "the .rept count in the assembly above");

void guest_main(u32 magic, u32 mbi)
{
	struct hot_result r;
	gprintf("blk_hits: one block %u times\n", HOT_ROUNDS);
	blk_hits_hot(HOT_ROUNDS, &r);
	gprintf("blk_hits: esi 0x%08x edi 0x%08x flags xor 0x%03x\n", r.esi, r.edi, r.flags_xor & FLAGS_ARITH);
	gprintf("blk_hits: %u distinct blocks, %u times\n", UNITS, COLD_ROUNDS);
	u32 h = BLK_FNV_OFFSET;
	for (u32 i = 0; i < COLD_ROUNDS; i++)
		h = blk_fnv(h, blk_hits_cold(i * 0x01010101u));
	gprintf("blk_hits: checksum 0x%08x\n", h);
	blk_finish("blk_hits");
}
