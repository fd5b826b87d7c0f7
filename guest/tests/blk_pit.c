/*
 * Block-IO oracle guest: 8254 programming and latched reads in straight-line sequences (Intel
 * 82C54 datasheet: "Control Word Format", "Read-Back Command", "Counter Latch Command"), each
 * one block for microhv with block_io=on:
 *  mode 0: control word, LSB, MSB; Read-Back of count and status together; status, LSB, MSB;
 *          Counter Latch; LSB, MSB; Read-Back again; status, LSB, MSB.
 *  mode 2: control word, LSB, MSB; Read-Back; status, LSB, MSB.
 * Counts depend on time, so only what the datasheet guarantees is printed: the status byte's
 * RW, mode and BCD bits are the control word's (a status latched with the count is read
 * first), and, where the status says the count was loaded (NULL COUNT clear) and, in mode 0,
 * had not yet reached terminal count (OUT still low), the counts lie in 1..N and never rise.
 * Interrupts stay off throughout: IRQ0 only sets a request bit in the PIC.
 */
#include "lib/blocks.h"

#define ROUNDS 20
#define COUNT_MODE0 0xF000u
#define COUNT_MODE2 0x1234u
#define CW_MODE0 0x30 /* channel 0, LSB then MSB, mode 0, binary */
#define CW_MODE2 0x34 /* channel 0, LSB then MSB, mode 2, binary */
#define STATUS_OUT 0x80
#define STATUS_NULL 0x40
#define STATUS_PROGRAMMED 0x3F /* RW, mode, BCD */

void blk_pit_mode0(u8 *out);
void blk_pit_mode2(u8 *out);

__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl blk_pit_mode0\n"
        "blk_pit_mode0:\n"
        "	push edi\n"
        "	mov edi, [esp + 8]\n"
        "	mov al, 0x30\n"
        "	out 0x43, al\n"
        "	mov al, 0x00\n" /* COUNT_MODE0 */
        "	out 0x40, al\n"
        "	mov al, 0xF0\n"
        "	out 0x40, al\n"
        "	mov al, 0xC2\n" /* Read-Back: count and status of channel 0 */
        "	out 0x43, al\n"
        "	in al, 0x40\n"
        "	mov [edi], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 1], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 2], al\n"
        "	mov al, 0x00\n" /* Counter Latch, channel 0 */
        "	out 0x43, al\n"
        "	in al, 0x40\n"
        "	mov [edi + 3], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 4], al\n"
        "	mov al, 0xC2\n"
        "	out 0x43, al\n"
        "	in al, 0x40\n"
        "	mov [edi + 5], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 6], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 7], al\n"
        "	pop edi\n"
        "	ret\n"
        ".balign 64\n"
        ".globl blk_pit_mode2\n"
        "blk_pit_mode2:\n"
        "	push edi\n"
        "	mov edi, [esp + 8]\n"
        "	mov al, 0x34\n"
        "	out 0x43, al\n"
        "	mov al, 0x34\n" /* COUNT_MODE2 */
        "	out 0x40, al\n"
        "	mov al, 0x12\n"
        "	out 0x40, al\n"
        "	mov al, 0xC2\n"
        "	out 0x43, al\n"
        "	in al, 0x40\n"
        "	mov [edi], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 1], al\n"
        "	in al, 0x40\n"
        "	mov [edi + 2], al\n"
        "	pop edi\n"
        "	ret\n" BLK_ASM_END);

static u8 rec[8];

static u16 word_at(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

void guest_main(u32 magic, u32 mbi)
{
	u32 bad_status = 0, bad_count = 0;
	u8 status_bits0 = 0, status_bits2 = 0;
	for (u32 r = 0; r < ROUNDS; r++) {
		blk_pit_mode0(rec);
		u8 s1 = rec[0], s2 = rec[5];
		u16 c1 = word_at(&rec[1]), c2 = word_at(&rec[3]), c3 = word_at(&rec[6]);
		status_bits0 = s1 & STATUS_PROGRAMMED;
		bad_status += (s1 & STATUS_PROGRAMMED) != CW_MODE0 || (s2 & STATUS_PROGRAMMED) != CW_MODE0;
		/* loaded by the first read-back, not yet at terminal count by the last */
		if (!(s1 & STATUS_NULL) && !(s2 & STATUS_OUT))
			bad_count += !(c1 <= COUNT_MODE0 && c1 >= c2 && c2 >= c3 && c3 >= 1);

		blk_pit_mode2(rec);
		u16 c = word_at(&rec[1]);
		status_bits2 = rec[0] & STATUS_PROGRAMMED;
		bad_status += (rec[0] & STATUS_PROGRAMMED) != CW_MODE2;
		if (!(rec[0] & STATUS_NULL))
			bad_count += !(c >= 1 && c <= COUNT_MODE2);
	}
	gprintf("blk_pit: %u rounds of a mode-0 and a mode-2 sequence\n", ROUNDS);
	blk_check("blk_pit", "mode-0 status RW/mode/BCD", status_bits0, CW_MODE0);
	blk_check("blk_pit", "mode-2 status RW/mode/BCD", status_bits2, CW_MODE2);
	blk_check("blk_pit", "status bytes unlike the control word", bad_status, 0);
	blk_check("blk_pit", "loaded counts outside 1..N or rising", bad_count, 0);
	blk_finish("blk_pit");
}
