/*
 * Block-IO oracle guest: self-modifying code over cached blocks. With block_io=on microhv keeps
 * each block's bytes and decoded form; before it runs a cached block again it compares the
 * bytes now in memory, and a block ends before an instruction that would write into its own
 * bytes (also through another mapping of the same page). Native x86 always executes the bytes
 * as they are when fetched, and a store into the instruction stream followed by a jump is seen
 * by the very next fetch (SDM Vol. 3A 11.6 and 10.1.3 "Handling Self- and Cross-Modifying
 * Code", option 1), so:
 *  A  between runs of one block, C rewrites the block's immediates (MOV AL, imm8) and turns its
 *     first IN into INC EAX and back; each run prints what the scratch register gave back;
 *  B  an instruction of the block stores into a later immediate of the same block, then jumps;
 *  C  as B, with paging on, through a second linear mapping (an alias) of the code's page.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define A_ROUNDS 6
#define B_ROUNDS 4
#define OP_IN_AL_DX 0xEC
#define OP_INC_EAX 0x40
#define ALIAS_BASE 0x3F0000u /* an unused 4 KiB page of linear space inside the identity-mapped 4 MiB */

u32 blk_smc_a(void);
u32 blk_smc_b(u32 newval);
u32 blk_smc_c(u32 newval, u32 alias_of_imm);
extern volatile u8 smc_a_imm1[], smc_a_imm2[], smc_a_op[], smc_b_imm[], smc_c_imm[];

/* Each returns the values read back: byte 0 the first IN, byte 1 the second, byte 2 the third. */
__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl blk_smc_a, smc_a_imm1, smc_a_imm2, smc_a_op\n"
        "blk_smc_a:\n"
        "	push ebx\n"
        "	mov dx, 0x3FF\n"
        "	xor ebx, ebx\n"
        "	mov al, 0x01\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bl, al\n"
        "	.byte 0xB0\n" /* MOV AL, imm8 */
        "smc_a_imm1:\n"
        "	.byte 0x11\n"
        "	out dx, al\n"
        "smc_a_op:\n"
        "	in al, dx\n"
        "	mov bh, al\n"
        "	.byte 0xB0\n"
        "smc_a_imm2:\n"
        "	.byte 0x22\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	movzx eax, al\n"
        "	shl eax, 16\n"
        "	or eax, ebx\n"
        "	pop ebx\n"
        "	ret\n"
        ".balign 256\n"
        ".globl blk_smc_b, smc_b_imm\n"
        "blk_smc_b:\n"
        "	push ebx\n"
        "	mov ecx, [esp + 8]\n"
        "	mov dx, 0x3FF\n"
        "	xor ebx, ebx\n"
        "	mov al, 0x31\n"
        "	out dx, al\n"
        "	mov [smc_b_imm], cl\n" /* into this block's own later byte */
        "	jmp 1f\n"
        "1:\n"
        "	in al, dx\n"
        "	mov bl, al\n"
        "	.byte 0xB0\n"
        "smc_b_imm:\n"
        "	.byte 0x00\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bh, al\n"
        "	movzx eax, bx\n"
        "	pop ebx\n"
        "	ret\n"
        ".balign 256\n"
        ".globl blk_smc_c, smc_c_imm\n"
        "blk_smc_c:\n"
        "	push ebx\n"
        "	mov ecx, [esp + 8]\n"
        "	mov ebx, [esp + 12]\n"
        "	mov dx, 0x3FF\n"
        "	mov al, 0x51\n"
        "	out dx, al\n"
        "	mov [ebx], cl\n" /* the alias of smc_c_imm */
        "	jmp 1f\n"
        "1:\n"
        "	in al, dx\n"
        "	mov bl, al\n"
        "	.byte 0xB0\n"
        "smc_c_imm:\n"
        "	.byte 0x00\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bh, al\n"
        "	movzx eax, bx\n"
        "	pop ebx\n"
        "	ret\n" BLK_ASM_END);

static void part_a(void)
{
	static const u8 imm1[A_ROUNDS] = {0x11, 0x11, 0x33, 0x33, 0x55, 0x66};
	static const u8 imm2[A_ROUNDS] = {0x22, 0x44, 0x44, 0x44, 0x77, 0x77};
	static const u8 op[A_ROUNDS] = {OP_IN_AL_DX, OP_IN_AL_DX, OP_IN_AL_DX, OP_INC_EAX, OP_INC_EAX, OP_IN_AL_DX};
	for (u32 r = 0; r < A_ROUNDS; r++) {
		smc_a_imm1[0] = imm1[r];
		smc_a_imm2[0] = imm2[r];
		smc_a_op[0] = op[r];
		u32 v = blk_smc_a();
		gprintf("blk_smc: A round %u (imm 0x%02x 0x%02x, %s): read 0x%02x 0x%02x 0x%02x\n", r, imm1[r], imm2[r],
		        op[r] == OP_IN_AL_DX ? "in" : "inc", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF);
		/* the second value is the scratch register (imm1) or imm1 + 1 from INC EAX */
		u8 want = op[r] == OP_IN_AL_DX ? imm1[r] : (u8)(imm1[r] + 1);
		if ((v & 0xFF) != 0x01 || ((v >> 8) & 0xFF) != want || ((v >> 16) & 0xFF) != imm2[r]) {
			gprintf("blk_smc: ^ expected 0x01 0x%02x 0x%02x\n", want, imm2[r]);
			blk_failures++;
		}
	}
}

static void part_b(void)
{
	for (u32 r = 0; r < B_ROUNDS; r++) {
		u8 nv = (u8)(0x41 + r * 0x11);
		u32 v = blk_smc_b(nv);
		gprintf("blk_smc: B round %u (store 0x%02x into the block): read 0x%02x 0x%02x\n", r, nv, v & 0xFF,
		        (v >> 8) & 0xFF);
		if ((v & 0xFF) != 0x31 || ((v >> 8) & 0xFF) != nv) {
			gprintf("blk_smc: ^ expected 0x31 0x%02x\n", nv);
			blk_failures++;
		}
	}
	blk_check("blk_smc", "B immediate in memory afterwards", smc_b_imm[0], (u8)(0x41 + (B_ROUNDS - 1) * 0x11));
}

static void part_c(void)
{
	u32 imm = (u32)(uintptr_t)smc_c_imm;
	u32 page = imm & ~(PAGE_BYTES - 1);
	traps_init();
	paging_on();
	*pte_of(ALIAS_BASE) = page | PTE_P | PTE_RW;
	invlpg(ALIAS_BASE);
	u32 alias = ALIAS_BASE + (imm & (PAGE_BYTES - 1));
	for (u32 r = 0; r < B_ROUNDS; r++) {
		u8 nv = (u8)(0x81 + r * 0x11);
		u32 v = blk_smc_c(nv, alias);
		gprintf("blk_smc: C round %u (store 0x%02x through the alias): read 0x%02x 0x%02x\n", r, nv, v & 0xFF,
		        (v >> 8) & 0xFF);
		if ((v & 0xFF) != 0x51 || ((v >> 8) & 0xFF) != nv) {
			gprintf("blk_smc: ^ expected 0x51 0x%02x\n", nv);
			blk_failures++;
		}
	}
	paging_off();
}

void guest_main(u32 magic, u32 mbi)
{
	part_a();
	part_b();
	part_c();
	blk_finish("blk_smc");
}
