/*
 * Block-IO oracle guest: the instructions microhv emulates between IO instructions
 * (dispatcher/emul/decode.h lists the subset), end to end. Each unit loads its inputs (EBX, ECX,
 * CF) natively, then runs OUT; <instruction>; IN, which with block_io=on is one block, so the
 * instruction in the middle is emulated; PUSHFD (outside the subset) ends the block and saves
 * the flags it left. The units cover ADD/ADC/SUB/SBB/CMP/INC/DEC/NEG/NOT, AND/OR/XOR/TEST,
 * SHL/SHR/SAR by 1, CL and imm8, MOVZX/MOVSX, XCHG, MOV with high-byte registers, 16-bit
 * operands, memory operands (SIB, disp8, disp32, read-modify-write), the long NOP, PAUSE and a
 * forward Jcc. Printed per unit: EBX, ECX and the flags the SDM defines for that instruction
 * (Vol. 1 appendix A; undefined ones are masked), then a checksum of the memory operands.
 */
#include "lib/blocks.h"

#define PASSES 3
#define UNITS 36
#define FLAGS_ALL 0x8D5u   /* OF SF ZF AF PF CF */
#define FLAGS_LOGIC 0x8C5u /* AF undefined: logical ops, shifts by 1 */
#define FLAGS_SHIFT 0xC5u  /* OF and AF undefined: shifts by more than 1 */
#define MEM_WORDS 72

struct unit_out {
	u32 flags, ebx, ecx, pad;
};

u32 alu_mem[MEM_WORDS];
struct unit_out alu_out[UNITS];
void blk_alu_run(void);

/* UNIT index, EBX, ECX, stc|clc, instruction... */
__asm__(BLK_ASM_BEGIN
        ".macro UNIT idx, b, c, carry, op:vararg\n"
        "	mov ebx, \\b\n"
        "	mov ecx, \\c\n"
        "	\\carry\n"
        "	out dx, al\n"
        "	\\op\n"
        "	in al, dx\n"
        "	pushfd\n"
        "	pop dword ptr [alu_out + \\idx * 16]\n"
        "	mov [alu_out + \\idx * 16 + 4], ebx\n"
        "	mov [alu_out + \\idx * 16 + 8], ecx\n"
        ".endm\n"
        ".balign 256\n"
        ".globl blk_alu_run\n"
        "blk_alu_run:\n"
        "	push ebx\n"
        "	push esi\n"
        "	mov dx, 0x3FF\n"
        "	mov esi, offset alu_mem\n"
        "	mov al, 0x5A\n"
        "	UNIT 0, 0x7FFFFFFF, 1, clc, add ebx, ecx\n"
        "	UNIT 1, 0xFFFFFFFF, 0, stc, adc ebx, ecx\n"
        "	UNIT 2, 0, 0, stc, sbb ebx, ecx\n"
        "	UNIT 3, 0x12340001, 2, clc, sub bx, cx\n"
        "	UNIT 4, 0x00000080, 0x00008000, clc, cmp bl, ch\n"
        "	UNIT 5, 0x7FFFFFFF, 0, stc, inc ebx\n"
        "	UNIT 6, 0x00000010, 0, clc, dec bh\n"
        "	UNIT 7, 0, 0x80000000, clc, neg ecx\n"
        "	UNIT 8, 0x0F0F1234, 0, stc, not ebx\n"
        "	UNIT 9, 0x12345678, 0, stc, and ebx, 0xF0F0F0F0\n"
        "	UNIT 10, 0x00000100, 0, stc, or bl, 0x81\n"
        "	UNIT 11, 0xAAAA5555, 0xAAAA5555, clc, xor ebx, ecx\n"
        "	UNIT 12, 0, 0x00000080, clc, test cl, 0x80\n"
        "	UNIT 13, 0xC0000001, 0, clc, shl ebx, 1\n"
        "	UNIT 14, 0x80000010, 4, clc, shr ebx, cl\n"
        "	UNIT 15, 0x80000010, 0, clc, sar ebx, 3\n"
        "	UNIT 16, 0xFFFF8421, 5, clc, shl bx, cl\n"
        "	UNIT 17, 0, 0xFFFFFF85, clc, movzx ebx, cl\n"
        "	UNIT 18, 0, 0x12348765, clc, movsx ebx, cx\n"
        "	UNIT 19, 0x11111111, 0x22222222, clc, xchg ebx, ecx\n"
        "	UNIT 20, 0x11223344, 0x55667788, clc, xchg bl, ch\n"
        "	UNIT 21, 0x00000007, 1, clc, add dword ptr [esi + ecx * 4 + 8], ebx\n"
        "	UNIT 22, 0, 0, stc, sub word ptr [esi + 0x100], 0x1234\n"
        "	UNIT 23, 0, 0, clc, inc byte ptr [esi]\n"
        "	UNIT 24, 0, 0, clc, mov ebx, [alu_mem + 12]\n"
        "	UNIT 25, 0xABCDEF01, 0, clc, mov [alu_mem + 20], bx\n"
        "	UNIT 26, 0, 0, clc, cmp dword ptr [esi + 12], 0x12345678\n"
        "	UNIT 27, 0x80000000, 0, clc, test [esi + 12], ebx\n"
        "	UNIT 28, 0x00000001, 0, stc, adc bl, 0x7F\n"
        "	UNIT 29, 0, 0x00010000, clc, sbb cx, 1\n"
        "	UNIT 30, 0, 0x80000000, stc, dec ecx\n"
        "	UNIT 31, 0x12345678, 0, clc, nop dword ptr [eax + 0]\n"
        "	UNIT 32, 0x00000081, 0x00000081, clc, shr bl, 1\n"
        "	UNIT 33, 0x00000005, 0x000000FB, clc, sar cl, 1\n"
        "	UNIT 34, 0x11223344, 0x55667788, clc, mov bh, cl\n"
        /* unit 35 by hand: several instructions, a forward Jcc taken, PAUSE */
        "	mov ebx, 5\n"
        "	mov ecx, 9\n"
        "	out dx, al\n"
        "	cmp ebx, ecx\n"
        "	jl 1f\n"
        "	add ebx, 0x100\n"
        "1:\n"
        "	pause\n"
        "	movsx ecx, byte ptr [esi + 1]\n"
        "	sub ebx, 0x10\n"
        "	in al, dx\n"
        "	pushfd\n"
        "	pop dword ptr [alu_out + 35 * 16]\n"
        "	mov [alu_out + 35 * 16 + 4], ebx\n"
        "	mov [alu_out + 35 * 16 + 8], ecx\n"
        "	pop esi\n"
        "	pop ebx\n"
        "	ret\n" BLK_ASM_END);

/* Which flags each unit's instruction defines (the SDM's "Flags Affected"). */
static const u32 defined[UNITS] = {
	/* 0..8: ADD ADC SBB SUB CMP INC DEC NEG NOT */
	FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL,
	/* 9..13: AND OR XOR TEST, SHL by 1 */
	FLAGS_LOGIC, FLAGS_LOGIC, FLAGS_LOGIC, FLAGS_LOGIC, FLAGS_LOGIC,
	/* 14..16: shifts by 4, 3, 5 */
	FLAGS_SHIFT, FLAGS_SHIFT, FLAGS_SHIFT,
	/* 17..25: MOVZX MOVSX XCHG XCHG, ADD SUB INC on memory, MOV MOV (flags as they came) */
	FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL,
	/* 26..31: CMP, TEST, ADC, SBB, DEC, NOP */
	FLAGS_ALL, FLAGS_LOGIC, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL, FLAGS_ALL,
	/* 32..35: SHR and SAR by 1, MOV, the last SUB */
	FLAGS_LOGIC, FLAGS_LOGIC, FLAGS_ALL, FLAGS_ALL,
};

_Static_assert(sizeof defined / sizeof defined[0] == UNITS, "one mask per unit");

void guest_main(u32 magic, u32 mbi)
{
	u32 h = BLK_FNV_OFFSET;
	for (u32 p = 0; p < PASSES; p++) {
		for (u32 i = 0; i < MEM_WORDS; i++)
			alu_mem[i] = 0x01010101u * (i + 1) + p * 0x10203;
		alu_mem[3] = 0x12345678u + p; /* compared by unit 26 */
		blk_alu_run();
		for (u32 i = 0; i < UNITS; i++) {
			h = blk_fnv(h, alu_out[i].flags & defined[i]);
			h = blk_fnv(h, alu_out[i].ebx);
			h = blk_fnv(h, alu_out[i].ecx);
		}
		for (u32 i = 0; i < MEM_WORDS; i++)
			h = blk_fnv(h, alu_mem[i]);
	}
	for (u32 i = 0; i < UNITS; i++)
		gprintf("blk_alu: unit %2u: ebx %08x ecx %08x flags %03x\n", i, alu_out[i].ebx, alu_out[i].ecx,
		        alu_out[i].flags & defined[i]);
	gprintf("blk_alu: memory words 2..5 %08x %08x %08x %08x, word 64 %08x\n", alu_mem[2], alu_mem[3], alu_mem[4],
	        alu_mem[5], alu_mem[64]);
	gprintf("blk_alu: checksum over %u passes 0x%08x\n", PASSES, h);
	blk_finish("blk_alu");
}
