/*
 * Block-IO oracle guest: blocks in real mode, where the code's default operand and address
 * size is 16 bits. The guest copies a blob to low memory, leaves protected mode (SDM Vol. 3A
 * 10.9.2: a 16-bit code segment with a 64 KiB limit, then CR0.PE = 0 and a far jump), runs
 * IO sequences there, and comes back (CR0.PE = 1, a far jump with a 32-bit offset). The
 * sequences mix 16-bit memory forms ([BX+SI+disp8], [BP+DI] on SS, direct disp16), 16-bit and
 * 8-bit read-modify-write, operand-size (66) and address-size (67) prefixes, MOVZX/MOVSX,
 * "jmp $+2" and a forward Jcc, all inside the blocks microhv emulates with block_io=on.
 * Interrupts stay off throughout (no real-mode IVT is needed). Printed: the 32-bit sum the
 * sequences kept in memory and the data words they wrote.
 */
#include "lib/blocks.h"

#define BLOB_LINEAR 0x6000u  /* CS = 0x0600 in real mode */
#define DATA_LINEAR 0x7000u  /* DS = ES = SS = 0x0700: not the code's page */
#define DATA_BYTES 0x80
#define ROUNDS 100

void blk_real16_enter(void);
extern u8 rm_blob[], rm_blob_end[], rm_pm16[];

/* Null, flat 32-bit code and data, then 16-bit code and data (base 0, limit 0xFFFF, byte
 * granular): the segments real mode keeps using once PE is clear. */
static const u64 gdt16[] __attribute__((aligned(8))) = {
	0,
	0x00CF9A000000FFFFull,
	0x00CF92000000FFFFull,
	0x00009A000000FFFFull,
	0x000092000000FFFFull,
};
struct __attribute__((packed)) {
	u16 limit;
	u32 base;
} rm_gdtr;
struct __attribute__((packed)) {
	u32 offset;
	u16 sel;
} rm_to_pm16;
u32 rm_saved_esp;

/* The blob: position-independent within its segment (jumps are relative; its own far jump
 * into real mode names the offset from the blob's start). */
__asm__(".pushsection .text\n"
        ".intel_syntax noprefix\n"
        ".code16\n"
        ".balign 16\n"
        ".globl rm_blob, rm_blob_end, rm_pm16\n"
        "rm_blob:\n"
        "rm_pm16:\n" /* 16-bit protected mode, CS = 0x18 (base 0) */
        "	mov ax, 0x20\n"
        "	mov ds, ax\n"
        "	mov es, ax\n"
        "	mov fs, ax\n"
        "	mov gs, ax\n"
        "	mov ss, ax\n"
        "	mov eax, cr0\n"
        "	and eax, 0xFFFFFFFE\n"
        "	mov cr0, eax\n"
        "	.byte 0xEA\n" /* far jump ptr16:16 into real mode */
        "	.word rm_real - rm_blob, 0x0600\n"
        "rm_real:\n"
        "	mov ax, 0x0700\n"
        "	mov ds, ax\n"
        "	mov es, ax\n"
        "	mov ss, ax\n"
        "	mov sp, 0x0780\n"
        "	xor eax, eax\n" /* the upper halves stay zero: only AX and AL are written */
        "	xor ebx, ebx\n"
        "	xor esi, esi\n"
        "	mov dx, 0x3FF\n"
        "	mov cx, 100\n"
        "	mov dword ptr [0x30], 0\n"
        "	mov bp, 0x40\n"
        "	mov di, 4\n"
        "1:\n"
        "	mov al, cl\n"
        "	out dx, al\n" /* a block from here to the last IN */
        "	in al, dx\n"
        "	mov [bx + si + 2], al\n"
        "	jmp 2f\n"
        "2:\n"
        "	movzx ax, al\n"
        "	add word ptr [0x10], ax\n"
        "	xor al, 0x33\n"
        "	out dx, al\n"
        "	out 0x80, al\n"
        "	in al, dx\n"
        "	mov [bp + di - 4], al\n" /* SS:0x40 */
        "	add dword ptr [0x30], eax\n" /* 66: 32-bit */
        "	test al, 1\n"
        "	jz 3f\n"
        "	adc byte ptr [0x12], 7\n"
        "3:\n"
        "	mov [esi * 2 + 0x20], al\n" /* 67: 32-bit addressing */
        "	movsx ax, byte ptr [0x12]\n"
        "	sub [0x14], ax\n"
        "	not al\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	dec cx\n"
        "	jnz 1b\n"
        "	mov eax, cr0\n" /* back to protected mode */
        "	or eax, 1\n"
        "	mov cr0, eax\n"
        "	.byte 0x66, 0xEA\n" /* far jump, 32-bit offset */
        "	.long rm_back32\n"
        "	.word 0x08\n"
        "rm_blob_end:\n"
        ".code32\n"
        /* blk_real16_enter(): from 32-bit protected mode into the blob and back */
        ".globl blk_real16_enter\n"
        "blk_real16_enter:\n"
        "	pushad\n"
        "	mov [rm_saved_esp], esp\n"
        "	lgdt [rm_gdtr]\n"
        "	jmp fword ptr [rm_to_pm16]\n"
        "rm_back32:\n"
        "	mov ax, 0x10\n"
        "	mov ds, ax\n"
        "	mov es, ax\n"
        "	mov fs, ax\n"
        "	mov gs, ax\n"
        "	mov ss, ax\n"
        "	mov esp, [rm_saved_esp]\n"
        "	popad\n"
        "	ret\n"
        ".att_syntax prefix\n"
        ".popsection\n");

_Static_assert(ROUNDS == 100, "the count in the blob");

void guest_main(u32 magic, u32 mbi)
{
	u32 blob = (u32)(rm_blob_end - rm_blob);
	memcpy((void *)(uintptr_t)BLOB_LINEAR, rm_blob, blob);
	volatile u8 *data = (volatile u8 *)(uintptr_t)DATA_LINEAR;
	for (u32 i = 0; i < DATA_BYTES; i++)
		data[i] = (u8)(i * 3);
	rm_gdtr.limit = sizeof gdt16 - 1;
	rm_gdtr.base = (u32)(uintptr_t)gdt16;
	rm_to_pm16.offset = BLOB_LINEAR + (u32)(rm_pm16 - rm_blob);
	rm_to_pm16.sel = 0x18;
	gprintf("blk_real16: %u rounds of 5 IO instructions in real mode\n", ROUNDS);
	blk_real16_enter();
	u32 sum = data[0x30] | data[0x31] << 8 | data[0x32] << 16 | (u32)data[0x33] << 24;
	gprintf("blk_real16: 32-bit sum 0x%08x\n", sum);
	gprintf("blk_real16: data");
	for (u32 i = 0; i < 0x28; i += 2)
		gprintf(" %04x", data[i] | data[i + 1] << 8);
	gprintf("\n");
	gprintf("blk_real16: SS:0x40 0x%02x, checksum 0x%08x\n", data[0x40],
	        blk_fnv_bytes(BLK_FNV_OFFSET, data, DATA_BYTES));
	blk_finish("blk_real16");
}
